"""What one HPA-class revision asks for: its annotations over ``config-autoscaler`` over Kubernetes' defaults.

Resolution follows Knative's ``MakeHPA`` (pkg/reconciler/autoscaling/hpa/resources/hpa.go) and what the
Kubernetes HPA controller then does with the object it renders:

* ``target`` set: ``metric: cpu`` aims at ``ceil(target)`` percent average utilisation, ``metric: memory`` at
  ``int(target)`` Mi average per instance, any other (custom) metric at ``int(target)`` per instance, which
  nothing measures locally.
* no ``target``: Knative renders no metric, and ``autoscaling/v2`` defaulting makes it 80% CPU utilisation,
  whatever ``metric`` says.
* ``min-scale`` / ``max-scale`` from the annotations or ``config-autoscaler`` (min-scale only while the revision
  is reachable); the HPA never goes below one instance.
* ``window`` becomes both stabilization windows; without it scale-up is immediate and scale-down is stabilized
  over the plugin's ``config-hpa: scale-down-stabilization`` (Kubernetes' 300 s).

The annotations and config-autoscaler values are the core's resolution of them (``ScaleInput.settings``, see
:mod:`pyknative.autoscaling_settings`): an invalid annotation, which admission
(:mod:`~pyknative_scaler_hpa.validation`) refuses, falls back to the config, then to Knative's default.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import attrs

from pyknative.autoscaling_settings import RevisionAutoscaling, resolve
from pyknative.config import AutoscalerConfig
from pyknative_scaler_hpa import keys as k


@attrs.frozen
class HPASpec:
    #: the metric the decision is made on: ``cpu``, ``memory`` or a custom metric's name (see :attr:`custom`)
    metric: str
    #: cpu: average utilisation percent of the request (or of one core); memory: Mi; custom: units, per instance
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
    def custom(self) -> bool:
        """A custom metric: Knative renders it as a Pods metric, which needs a cluster's metrics adapter."""
        return self.metric not in k.METRICS

    @property
    def floor(self) -> int:
        return max(1, self.min_scale)

    def bound(self, value: int) -> int:
        """``value`` within ``[floor, max_scale]`` (``max_scale == 0`` is unbounded)."""
        value = max(self.floor, value)
        return min(value, self.max_scale) if self.max_scale > 0 else value


def resolve_target(settings: RevisionAutoscaling) -> tuple[str, float, bool]:
    """``(metric, target, targeted)`` as the Kubernetes HPA rendered by Knative would use them."""
    metric = settings.metric if "metric" in settings.annotated else k.CPU
    if settings.target is None:
        return k.CPU, float(k.DEFAULT_CPU_UTILIZATION), False
    if metric == k.CPU:
        return k.CPU, float(math.ceil(settings.target)), True
    return metric, float(max(1, int(settings.target))), True


def window_seconds(settings: RevisionAutoscaling) -> float | None:
    """The ``window`` annotation in whole seconds (as Knative renders it), None without a valid one."""
    return float(int(settings.stable_window)) if "stable_window" in settings.annotated else None


def spec_from(
    settings: RevisionAutoscaling, *, reachable: bool = True, scale_down_stabilization: float = 300.0
) -> HPASpec:
    """The HPA's settings for one revision from the core's view of them."""
    metric, target, targeted = resolve_target(settings)
    low, high = settings.scale_bounds(reachable)
    window = window_seconds(settings)
    if window is not None:
        down = up = window
    else:
        down, up = max(0.0, scale_down_stabilization), 0.0
    return HPASpec(
        metric=metric,
        target=target,
        targeted=targeted,
        min_scale=low,
        max_scale=high,
        # Knative's GetInitialScale, then at least 1: an HPA-class revision never runs at zero
        initial_scale=max(1, settings.initial_scale),
        scale_down_window=down,
        scale_up_window=up,
    )


def resolve_spec(
    annotations: Mapping[str, str],
    config: Mapping[str, str],
    *,
    reachable: bool = True,
    scale_down_stabilization: float = 300.0,
) -> HPASpec:
    """:func:`spec_from` the core's resolution of ``annotations`` over ``config`` (a partial mapping takes
    Knative's defaults for the rest)."""
    settings = resolve(annotations, AutoscalerConfig.from_values(config))
    return spec_from(settings, reachable=reachable, scale_down_stabilization=scale_down_stabilization)
