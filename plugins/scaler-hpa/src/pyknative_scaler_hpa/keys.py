"""The names and constants the HPA class reads: Knative's annotation keys and Kubernetes' HPA defaults.

The annotation keys are the core's (:mod:`pyknative.autoscaling_settings`, which resolves the settings the HPA
reads); each has Knative's kebab-case key first and its older camelCase spelling after it, and the first key
present wins, as Knative's ``kmap.KeyPriority`` does. The numbers are those of the Kubernetes
HorizontalPodAutoscaler controller (``pkg/controller/podautoscaler``) and of ``autoscaling/v2`` defaulting.
"""

from __future__ import annotations

from pyknative import autoscaling_settings as s
from pyknative.api import annotations as _annotations

PREFIX = _annotations.PREFIX
#: ``(key, value)`` for the first of the keys present (Knative's ``kmap.KeyPriority``)
lookup = _annotations.first_present

HPA_CLASS = s.HPA_CLASS

CPU = "cpu"
MEMORY = "memory"
#: the metrics measured locally; any other non-empty name is a custom (Pods) metric, as in Knative
METRICS = (CPU, MEMORY)


METRIC = s.METRIC_KEYS
TARGET = s.TARGET_KEYS
MIN_SCALE = s.MIN_SCALE_KEYS
MAX_SCALE = s.MAX_SCALE_KEYS
INITIAL_SCALE = s.INITIAL_SCALE_KEYS
WINDOW = s.WINDOW_KEYS

#: the plugin's own operator-config section and keys (contributed through ``pyknative_config_schema``)
CONFIG_SECTION = "config-hpa"
STABILIZATION_KEY = "scale-down-stabilization"
STABILIZATION_DEFAULT = "300s"
CPU_INITIALIZATION_KEY = "cpu-initialization-period"
CPU_INITIALIZATION_DEFAULT = "5m"
READINESS_DELAY_KEY = "initial-readiness-delay"
READINESS_DELAY_DEFAULT = "30s"

#: Kubernetes' ``--horizontal-pod-autoscaler-cpu-initialization-period`` and ``-initial-readiness-delay``
#: (seconds): how long after an instance starts its CPU samples are judged by when it turned ready
CPU_INITIALIZATION_PERIOD = 300.0
INITIAL_READINESS_DELAY = 30.0
#: Kubernetes' ``--horizontal-pod-autoscaler-tolerance``: ratios within 10% of 1 change nothing.
TOLERANCE = 0.1
#: ``autoscaling/v2`` defaulting: an HPA without metrics scales on 80% average CPU utilisation.
DEFAULT_CPU_UTILIZATION = 80
#: Kubernetes' default scale-up policies (selectPolicy Max): +4 pods or +100% per 15 s.
SCALE_UP_PERIOD = 15.0
SCALE_UP_PODS = 4
SCALE_UP_PERCENT = 100
#: Knative's TargetMin (annotation ``target`` below this is refused at admission)
TARGET_MIN = s.TARGET_MIN
#: Knative's window bounds; the window annotation becomes both stabilization windows of the HPA
WINDOW_MIN, WINDOW_MAX = s.WINDOW_MIN, s.WINDOW_MAX
INT32_MAX = 2**31 - 1
MI = 1024 * 1024

