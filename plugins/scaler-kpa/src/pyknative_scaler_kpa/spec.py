"""One revision's KPA settings (Knative's ``DeciderSpec``) from the core's resolved view of it.

The core resolves every setting, annotation over ``config-autoscaler`` over Knative's default
(:mod:`pyknative.autoscaling_settings`, handed to the scaler as ``ScaleInput.settings``); this module adds what
is the KPA's own: Knative's ``ResolveMetricTarget`` (the per-instance target of ``concurrency`` or ``rps``), the
metrics it accepts (another one reads as ``concurrency``) and the activation timeout. Pure.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

import attrs

from pyknative.autoscaling_settings import RevisionAutoscaling, resolve
from pyknative.config import AutoscalerConfig
from pyknative_scaler_kpa import keys as k
from pyknative_scaler_kpa.durations import parse_duration


@attrs.frozen
class KPASpec:
    """Everything one decision needs to know about the revision's scaling settings (Knative's DeciderSpec)."""

    metric: str
    #: the per-instance target the decision aims for (total × utilisation, at least 0.01)
    target: float
    #: the per-instance maximum (containerConcurrency, target annotation or default), for burst capacity
    total: float
    #: panic threshold as a fraction (200% → 2.0)
    panic_threshold: float
    stable_window: float
    panic_window: float
    max_scale_up_rate: float
    max_scale_down_rate: float
    target_burst_capacity: float
    scale_down_delay: float
    activation_scale: int
    initial_scale: int
    #: min-scale as configured (0 when the revision is unreachable: the floor only holds while routable)
    min_scale: int
    max_scale: int
    reachable: bool
    enable_scale_to_zero: bool
    grace_period: float
    retention_period: float
    activation_timeout: float


def resolve_metric_target(
    metric: str, container_concurrency: int, settings: RevisionAutoscaling
) -> tuple[float, float]:
    """Knative's ``(target, total)``: ``total`` is what one instance may take, ``target`` what the scaler aims for."""
    config = settings.config
    if metric == k.RPS:
        total = config.requests_per_second_target_default
        utilization = k.DEFAULT_TARGET_UTILIZATION
    else:
        total = float(container_concurrency) if container_concurrency > 0 else 0.0
        if total == 0:
            total = config.container_concurrency_target_default
        utilization = config.container_concurrency_target_fraction
    if settings.target is not None:
        total = settings.target
        if metric == k.CONCURRENCY and container_concurrency > 0:
            # never aim above what the container accepts
            total = min(settings.target, float(container_concurrency))
    if settings.target_utilization is not None:
        utilization = settings.target_utilization
    return max(k.TARGET_MIN, total * utilization), total


def spec_from(
    settings: RevisionAutoscaling,
    container_concurrency: int,
    reachable: bool = True,
    progress_deadline: float | None = None,
) -> KPASpec:
    """The KPA's settings for one revision from the core's view of them; ``progress_deadline`` is
    config-deployment's (Knative's 600 s when not given)."""
    metric = settings.metric if settings.metric in k.METRICS else k.CONCURRENCY
    target, total = resolve_metric_target(metric, container_concurrency, settings)
    min_scale, max_scale = settings.scale_bounds(reachable)
    config = settings.config
    if progress_deadline is None:
        progress_deadline = parse_duration(k.PROGRESS_DEADLINE_DEFAULT)
    return KPASpec(
        metric=metric,
        target=target,
        total=total,
        panic_threshold=settings.panic_threshold,
        stable_window=settings.stable_window,
        panic_window=settings.panic_window,
        max_scale_up_rate=config.max_scale_up_rate,
        max_scale_down_rate=config.max_scale_down_rate,
        target_burst_capacity=settings.target_burst_capacity,
        scale_down_delay=settings.scale_down_delay,
        activation_scale=settings.activation_scale,
        initial_scale=settings.initial_scale,
        min_scale=min_scale,
        max_scale=max_scale,
        reachable=reachable,
        enable_scale_to_zero=config.enable_scale_to_zero,
        grace_period=config.scale_to_zero_grace_period,
        retention_period=settings.scale_to_zero_pod_retention_period,
        activation_timeout=progress_deadline + k.ACTIVATION_TIMEOUT_BUFFER,
    )


def progress_deadline(config: Mapping[str, str]) -> float:
    """config-deployment's ``progress-deadline`` where the core passes it in ``ScaleInput.config`` (600 s else)."""
    return _deadline(str(config.get(k.PROGRESS_DEADLINE_KEY, k.PROGRESS_DEADLINE_DEFAULT)))


@functools.lru_cache(maxsize=256)
def _deadline(text: str) -> float:
    try:
        return parse_duration(text)
    except ValueError:
        return parse_duration(k.PROGRESS_DEADLINE_DEFAULT)


def resolve_spec(
    annotations: Mapping[str, str],
    config: Mapping[str, str],
    container_concurrency: int,
    reachable: bool = True,
) -> KPASpec:
    """The settings for one revision from its annotations and ``config-autoscaler`` values (a partial mapping
    takes Knative's defaults for the rest), as :func:`spec_from` the core's resolution of them."""
    settings = resolve(annotations, AutoscalerConfig.from_values(config))
    return spec_from(settings, container_concurrency, reachable, progress_deadline(config))
