"""The ``autoscaling.knative.dev/*`` annotation keys the KPA reads, and Knative's bounds on their values.

The keys and bounds are the core's (:mod:`pyknative.autoscaling_settings`), which resolves every setting the
KPA uses; this module names them for the KPA's admission checks and adds the KPA's own constants. Each
annotation has Knative's current kebab-case key first and its older camelCase spelling after it; the first key
present wins, as Knative's ``kmap.KeyPriority`` does.
"""

from __future__ import annotations

from pyknative import autoscaling_settings as s
from pyknative.api import annotations as _annotations

PREFIX = _annotations.PREFIX
#: ``(key, value)`` for the first of the keys present (Knative's ``kmap.KeyPriority``)
lookup = _annotations.first_present

KPA_CLASS = s.KPA_CLASS

CONCURRENCY = "concurrency"
RPS = "rps"
METRICS = (CONCURRENCY, RPS)

CLASS = s.CLASS_KEYS
METRIC = s.METRIC_KEYS
TARGET = s.TARGET_KEYS
TARGET_UTILIZATION = s.TARGET_UTILIZATION_KEYS
WINDOW = s.WINDOW_KEYS
PANIC_WINDOW_PERCENTAGE = s.PANIC_PERCENT_KEYS
PANIC_THRESHOLD_PERCENTAGE = s.PANIC_THRESHOLD_KEYS
MIN_SCALE = s.MIN_SCALE_KEYS
MAX_SCALE = s.MAX_SCALE_KEYS
INITIAL_SCALE = s.INITIAL_SCALE_KEYS
SCALE_DOWN_DELAY = s.SCALE_DOWN_DELAY_KEYS
ACTIVATION_SCALE = s.ACTIVATION_SCALE_KEYS
TARGET_BURST_CAPACITY = s.TBC_KEYS
RETENTION = s.RETENTION_KEYS
AGGREGATION_ALGORITHM = _annotations.knative_keys("metric-aggregation-algorithm")

#: config-deployment's, read from ``ScaleInput.config`` only if the core passes it along: how long activation
#: may take before an activating revision goes back to zero
PROGRESS_DEADLINE_KEY = "progress-deadline"
PROGRESS_DEADLINE_DEFAULT = "600s"

#: Knative's bounds (pkg/apis/autoscaling): stable window, target and percentages.
WINDOW_MIN, WINDOW_MAX = s.WINDOW_MIN, s.WINDOW_MAX
TARGET_MIN = s.TARGET_MIN
PANIC_WINDOW_PERCENTAGE_MIN, PANIC_WINDOW_PERCENTAGE_MAX = (
    s.PANIC_WINDOW_PERCENTAGE_MIN,
    s.PANIC_WINDOW_PERCENTAGE_MAX,
)
PANIC_THRESHOLD_PERCENTAGE_MIN = s.PANIC_THRESHOLD_PERCENTAGE_MIN
PANIC_THRESHOLD_PERCENTAGE_MAX = s.PANIC_THRESHOLD_PERCENTAGE_MAX
#: Knative's fixed target utilisation for metrics other than concurrency (rps).
DEFAULT_TARGET_UTILIZATION = 0.7
#: Added to the progress deadline before an activation that never succeeds is given up (kpa/scaler.go).
ACTIVATION_TIMEOUT_BUFFER = 10.0
