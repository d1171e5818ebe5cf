"""The ``autoscaling.knative.dev/*`` annotation keys the KPA reads, and Knative's config-autoscaler defaults.

Each annotation has Knative's current kebab-case key first and its older camelCase spelling after it; the
first key present wins, as Knative's ``kmap.KeyPriority`` does.
"""

from __future__ import annotations

from collections.abc import Mapping

from pyknative.api import annotations as _annotations

PREFIX = _annotations.PREFIX
#: ``(key, value)`` for the first of the keys present (Knative's ``kmap.KeyPriority``)
lookup = _annotations.first_present
_keys = _annotations.knative_keys

KPA_CLASS = "kpa.autoscaling.knative.dev"

CONCURRENCY = "concurrency"
RPS = "rps"
METRICS = (CONCURRENCY, RPS)


CLASS = _keys("class")
METRIC = _keys("metric")
TARGET = _keys("target")
TARGET_UTILIZATION = _keys("target-utilization-percentage", "targetUtilizationPercentage")
WINDOW = _keys("window")
PANIC_WINDOW_PERCENTAGE = _keys("panic-window-percentage", "panicWindowPercentage")
PANIC_THRESHOLD_PERCENTAGE = _keys("panic-threshold-percentage", "panicThresholdPercentage")
MIN_SCALE = _keys("min-scale", "minScale")
MAX_SCALE = _keys("max-scale", "maxScale")
INITIAL_SCALE = _keys("initial-scale", "initialScale")
SCALE_DOWN_DELAY = _keys("scale-down-delay", "scaleDownDelay")
ACTIVATION_SCALE = _keys("activation-scale")
TARGET_BURST_CAPACITY = _keys("target-burst-capacity", "targetBurstCapacity")
RETENTION = _keys("scale-to-zero-pod-retention-period")
AGGREGATION_ALGORITHM = _keys("metric-aggregation-algorithm")

#: Knative's ``config-autoscaler`` defaults, used when a key is missing or unusable; ``activation-scale`` is
#: pyknative's extension key (the core's config schema has it, default 1; Knative only has the annotation).
CONFIG_DEFAULTS: Mapping[str, str] = {
    "container-concurrency-target-default": "100",
    "container-concurrency-target-percentage": "70",
    "requests-per-second-target-default": "200",
    "target-burst-capacity": "211",
    "stable-window": "60s",
    "panic-window-percentage": "10",
    "panic-threshold-percentage": "200",
    "max-scale-up-rate": "1000",
    "max-scale-down-rate": "2",
    "enable-scale-to-zero": "true",
    "scale-to-zero-grace-period": "30s",
    "scale-to-zero-pod-retention-period": "0s",
    "initial-scale": "1",
    "allow-zero-initial-scale": "false",
    "min-scale": "0",
    "max-scale": "0",
    "scale-down-delay": "0s",
    "activation-scale": "1",
    "max-scale-limit": "0",
    #: config-deployment's, read here only if the core passes it along: how long activation may take.
    "progress-deadline": "600s",
}

#: Knative's bounds (pkg/apis/autoscaling): stable window, target and percentages.
WINDOW_MIN = 6.0
WINDOW_MAX = 3600.0
TARGET_MIN = 0.01
PANIC_WINDOW_PERCENTAGE_MIN, PANIC_WINDOW_PERCENTAGE_MAX = 1.0, 100.0
PANIC_THRESHOLD_PERCENTAGE_MIN, PANIC_THRESHOLD_PERCENTAGE_MAX = 110.0, 1000.0
#: Knative's fixed target utilisation for metrics other than concurrency (rps).
DEFAULT_TARGET_UTILIZATION = 0.7
#: Knative's metric bucket size: the panic window is never shorter than this.
BUCKET_SIZE = 1.0
#: Added to the progress deadline before an activation that never succeeds is given up (kpa/scaler.go).
ACTIVATION_TIMEOUT_BUFFER = 10.0

