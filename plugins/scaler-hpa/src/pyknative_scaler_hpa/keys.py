"""The names and constants the HPA class reads: Knative's annotation keys and Kubernetes' HPA defaults.

Each annotation has Knative's kebab-case key first and its older camelCase spelling after it; the first key
present wins, as Knative's ``kmap.KeyPriority`` does. The numbers are those of the Kubernetes
HorizontalPodAutoscaler controller (``pkg/controller/podautoscaler``) and of ``autoscaling/v2`` defaulting.
"""

from __future__ import annotations

from collections.abc import Mapping

from pyknative.api import annotations as _annotations

PREFIX = _annotations.PREFIX
#: ``(key, value)`` for the first of the keys present (Knative's ``kmap.KeyPriority``)
lookup = _annotations.first_present
_keys = _annotations.knative_keys

HPA_CLASS = "hpa.autoscaling.knative.dev"

CPU = "cpu"
MEMORY = "memory"
METRICS = (CPU, MEMORY)


METRIC = _keys("metric")
TARGET = _keys("target")
MIN_SCALE = _keys("min-scale", "minScale")
MAX_SCALE = _keys("max-scale", "maxScale")
INITIAL_SCALE = _keys("initial-scale", "initialScale")
WINDOW = _keys("window")

#: the plugin's own operator-config section and key (contributed through ``pyknative_config_schema``)
CONFIG_SECTION = "config-hpa"
STABILIZATION_KEY = "scale-down-stabilization"
STABILIZATION_DEFAULT = "300s"

#: ``config-autoscaler`` keys read here, with Knative's defaults for when the core passes none
CONFIG_DEFAULTS: Mapping[str, str] = {
    "min-scale": "0",
    "max-scale": "0",
    "initial-scale": "1",
    "allow-zero-initial-scale": "false",
}

#: Kubernetes' ``--horizontal-pod-autoscaler-tolerance``: ratios within 10% of 1 change nothing.
TOLERANCE = 0.1
#: ``autoscaling/v2`` defaulting: an HPA without metrics scales on 80% average CPU utilisation.
DEFAULT_CPU_UTILIZATION = 80
#: Kubernetes' default scale-up policies (selectPolicy Max): +4 pods or +100% per 15 s.
SCALE_UP_PERIOD = 15.0
SCALE_UP_PODS = 4
SCALE_UP_PERCENT = 100
#: Knative's TargetMin (annotation ``target`` below this is refused at admission)
TARGET_MIN = 0.01
#: Knative's window bounds; the window annotation becomes both stabilization windows of the HPA
WINDOW_MIN = 6.0
WINDOW_MAX = 3600.0
INT32_MAX = 2**31 - 1
MI = 1024 * 1024

