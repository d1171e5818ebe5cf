"""The annotation the cron plugin reads, the fields of one schedule, and the keys it checks it against."""

from __future__ import annotations

from pyknative.api.annotations import MAX_SCALE_KEYS

#: on a revision template (copied to its PodAutoscaler): a YAML or JSON list of schedules
SCHEDULES = "autoscaling.pyknative.dev/schedules"

#: the fields of one schedule; ``schedule`` and ``duration`` are required
SCHEDULE = "schedule"
TIMEZONE = "timezone"
REPLICAS = "replicas"
DURATION = "duration"
FIELDS = (SCHEDULE, TIMEZONE, REPLICAS, DURATION)

DEFAULT_TIMEZONE = "UTC"
DEFAULT_REPLICAS = 1

#: the cron macros accepted besides five fields (croniter's, less ``@reboot``, which has no time)
MACROS = ("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly")

#: Knative's max-scale annotation (kebab-case first, then the older camelCase): a floor above it is refused at
#: admission when both are on the template, and clamped by the core when max-scale comes from the config
MAX_SCALE = MAX_SCALE_KEYS
