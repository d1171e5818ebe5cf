"""What one HPA-class revision asks for: its annotations over ``config-autoscaler`` over Kubernetes' defaults.

Resolution follows Knative's ``MakeHPA`` (pkg/reconciler/autoscaling/hpa/resources/hpa.go) and what the
Kubernetes HPA controller then does with the object it renders:

* ``target`` set: ``metric: cpu`` aims at ``ceil(target)`` percent average utilisation, ``metric: memory`` at
  ``int(target)`` Mi average per instance.
* no ``target``: Knative renders no metric, and ``autoscaling/v2`` defaulting makes it 80% CPU utilisation,
  whatever ``metric`` says.
* ``min-scale`` / ``max-scale`` from the annotations or ``config-autoscaler`` (min-scale only while the revision
  is reachable); the HPA never goes below one instance.
* ``window`` becomes both stabilization windows; without it scale-up is immediate and scale-down is stabilized
  over the plugin's ``config-hpa: scale-down-stabilization`` (Kubernetes' 300 s).

Unparseable values fall back to the defaults here; admission (:mod:`~pyknative_scaler_hpa.validation`) is
where they are refused.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import TypeVar

import attrs

from pyknative.api.annotations import parse_first as _annotation
from pyknative.config import parse_bool, parse_duration
from pyknative_scaler_hpa import keys as k

T = TypeVar("T")


@attrs.frozen
class HPASpec:
    #: the metric the decision is made on (``cpu`` or ``memory``)
    metric: str
    #: cpu: average utilisation percent of the request (or of one core); memory: Mi per instance
    target: float
    #: whether ``autoscaling.knative.dev/target`` gave the target (else Kubernetes' 80% CPU default)
    targeted: bool
    #: 0 when not set; the floor is ``max(1, min_scale)``
    min_scale: int
    #: 0 means no limit
    max_scale: int
    initial_scale: int
    #: seconds: the highest recommendation within it is kept when scaling down
    scale_down_window: float
    #: seconds: the lowest recommendation within it is kept when scaling up
    scale_up_window: float

    @property
    def floor(self) -> int:
        return max(1, self.min_scale)

    def bound(self, value: int) -> int:
        """``value`` within ``[floor, max_scale]`` (``max_scale == 0`` is unbounded)."""
        value = max(self.floor, value)
        return min(value, self.max_scale) if self.max_scale > 0 else value


def _parse_int(text: str) -> int:
    return int(text.strip(), 10)



def _config(config: Mapping[str, str], key: str, parse: Callable[[str], T]) -> T:
    try:
        return parse(config[key])
    except (KeyError, TypeError, ValueError):
        return parse(k.CONFIG_DEFAULTS[key])


def resolve_target(annotations: Mapping[str, str]) -> tuple[str, float, bool]:
    """``(metric, target, targeted)`` as the Kubernetes HPA rendered by Knative would use them."""
    metric = _annotation(annotations, k.METRIC, str.strip) or k.CPU
    target = _annotation(annotations, k.TARGET, float)
    if target is None or not math.isfinite(target) or target <= 0 or metric not in k.METRICS:
        return k.CPU, float(k.DEFAULT_CPU_UTILIZATION), False
    if metric == k.CPU:
        return k.CPU, float(math.ceil(target)), True
    return k.MEMORY, float(max(1, int(target))), True


def resolve_bounds(annotations: Mapping[str, str], config: Mapping[str, str], reachable: bool) -> tuple[int, int]:
    """Knative's ``ScaleBounds``: ``(min, max)``, each 0 when not set; min is ignored when unreachable."""
    low = 0
    if reachable:
        annotated = _annotation(annotations, k.MIN_SCALE, _parse_int)
        low = annotated if annotated is not None else _config(config, "min-scale", _parse_int)
    annotated_max = _annotation(annotations, k.MAX_SCALE, _parse_int)
    high = annotated_max if annotated_max is not None else _config(config, "max-scale", _parse_int)
    return max(0, low), max(0, high)


def resolve_initial_scale(annotations: Mapping[str, str], config: Mapping[str, str]) -> int:
    """Knative's ``GetInitialScale``, then at least 1: an HPA-class revision never runs at zero."""
    allow_zero = _config(config, "allow-zero-initial-scale", parse_bool)
    initial = _config(config, "initial-scale", _parse_int)
    annotated = _annotation(annotations, k.INITIAL_SCALE, _parse_int)
    if annotated is not None and annotated >= 0 and (annotated > 0 or allow_zero):
        initial = annotated
    return max(1, initial)


def resolve_spec(
    annotations: Mapping[str, str],
    config: Mapping[str, str],
    *,
    reachable: bool = True,
    scale_down_stabilization: float = 300.0,
) -> HPASpec:
    metric, target, targeted = resolve_target(annotations)
    low, high = resolve_bounds(annotations, config, reachable)
    window = _annotation(annotations, k.WINDOW, parse_duration)
    if window is not None and window >= 0:
        down = up = float(int(window))  # Knative renders whole seconds
    else:
        down, up = max(0.0, scale_down_stabilization), 0.0
    return HPASpec(
        metric=metric,
        target=target,
        targeted=targeted,
        min_scale=low,
        max_scale=high,
        initial_scale=resolve_initial_scale(annotations, config),
        scale_down_window=down,
        scale_up_window=up,
    )
