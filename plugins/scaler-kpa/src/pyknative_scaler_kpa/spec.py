"""Resolve one revision's KPA settings from ``config-autoscaler`` and its ``autoscaling.knative.dev/*`` annotations.

This is Knative's ``MakeDecider`` + ``ResolveMetricTarget`` + ``ScaleBounds`` + ``GetInitialScale`` as one pure
function. A config key that is missing, unparsable or out of Knative's range falls back to Knative's default;
an annotation that does not parse is ignored (admission rejects it; see :mod:`pyknative_scaler_kpa.validation`),
as in Knative.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import TypeVar

import attrs

from pyknative.api.annotations import parse_first as _annotation
from pyknative_scaler_kpa import keys as k
from pyknative_scaler_kpa.durations import parse_duration

T = TypeVar("T")


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


def _config(config: Mapping[str, str], key: str, parse: Callable[[str], T]) -> T:
    raw = config.get(key)
    if raw is not None:
        try:
            return parse(str(raw))
        except (TypeError, ValueError):
            pass
    return parse(k.CONFIG_DEFAULTS[key])



def _parse_bool(text: str) -> bool:
    # Go's strconv.ParseBool, which Knative's config parsing uses
    value = text.strip()
    if value in ("1", "t", "T", "true", "TRUE", "True"):
        return True
    if value in ("0", "f", "F", "false", "FALSE", "False"):
        return False
    raise ValueError(f"invalid boolean {text!r}")


def _parse_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"invalid number {text!r}")
    return value


def _parse_int(text: str) -> int:
    return int(text.strip(), 10)


def _first(*values: T | None) -> T:
    for v in values:
        if v is not None:
            return v
    raise ValueError("no value")


def _in_range(candidates: tuple[float | None, ...], low: float, high: float) -> float:
    """The first candidate within ``[low, high]``; the last one (Knative's default) otherwise."""
    for value in candidates:
        if value is not None and low <= value <= high:
            return value
    return candidates[-1]  # type: ignore[return-value]


def resolve_metric_target(
    metric: str,
    container_concurrency: int,
    annotations: Mapping[str, str],
    config: Mapping[str, str],
) -> tuple[float, float]:
    """Knative's ``(target, total)``: ``total`` is what one instance may take, ``target`` what the scaler aims for."""
    if metric == k.RPS:
        total = _config(config, "requests-per-second-target-default", _parse_float)
        utilization = k.DEFAULT_TARGET_UTILIZATION
    else:
        total = float(container_concurrency) if container_concurrency > 0 else 0.0
        if total == 0:
            total = _config(config, "container-concurrency-target-default", _parse_float)
        utilization = _config(config, "container-concurrency-target-percentage", _parse_float)
        if utilization > 1.0:  # percentages; values in (0, 1] are legacy fractions
            utilization /= 100.0
        if utilization <= 0:
            utilization = float(k.CONFIG_DEFAULTS["container-concurrency-target-percentage"]) / 100.0
    annotated = _annotation(annotations, k.TARGET, _parse_float)
    if annotated is not None and annotated > 0:
        total = annotated
        if metric == k.CONCURRENCY and container_concurrency > 0:
            # never aim above what the container accepts
            total = min(annotated, float(container_concurrency))
    tu = _annotation(annotations, k.TARGET_UTILIZATION, _parse_float)
    if tu is not None and tu > 0:
        utilization = tu / 100.0
    return max(k.TARGET_MIN, total * utilization), total


def resolve_initial_scale(annotations: Mapping[str, str], config: Mapping[str, str]) -> int:
    """Knative's ``GetInitialScale``: the annotation wins unless it is 0 and the cluster forbids zero."""
    allow_zero = _config(config, "allow-zero-initial-scale", _parse_bool)
    initial = _config(config, "initial-scale", _parse_int)
    if initial < 0 or (initial == 0 and not allow_zero):
        initial = int(k.CONFIG_DEFAULTS["initial-scale"])
    annotated = _annotation(annotations, k.INITIAL_SCALE, _parse_int)
    if annotated is None or annotated < 0 or (annotated == 0 and not allow_zero):
        return initial
    return annotated


def resolve_spec(
    annotations: Mapping[str, str],
    config: Mapping[str, str],
    container_concurrency: int,
    reachable: bool = True,
) -> KPASpec:
    """The settings for one revision: annotations over config over Knative's defaults."""
    metric = _annotation(annotations, k.METRIC, str.strip)
    metric = metric if metric in k.METRICS else k.CONCURRENCY
    target, total = resolve_metric_target(metric, container_concurrency, annotations, config)

    stable_window = _annotation(annotations, k.WINDOW, parse_duration)
    if stable_window is None or stable_window < k.WINDOW_MIN:
        stable_window = _config(config, "stable-window", parse_duration)
        if stable_window < k.WINDOW_MIN:
            stable_window = parse_duration(k.CONFIG_DEFAULTS["stable-window"])
    panic_pct = _in_range(
        (
            _annotation(annotations, k.PANIC_WINDOW_PERCENTAGE, _parse_float),
            _config(config, "panic-window-percentage", _parse_float),
            float(k.CONFIG_DEFAULTS["panic-window-percentage"]),
        ),
        k.PANIC_WINDOW_PERCENTAGE_MIN,
        k.PANIC_WINDOW_PERCENTAGE_MAX,
    )
    panic_window = max(k.BUCKET_SIZE, stable_window * panic_pct / 100.0)
    threshold_pct = _in_range(
        (
            _annotation(annotations, k.PANIC_THRESHOLD_PERCENTAGE, _parse_float),
            _config(config, "panic-threshold-percentage", _parse_float),
            float(k.CONFIG_DEFAULTS["panic-threshold-percentage"]),
        ),
        k.PANIC_THRESHOLD_PERCENTAGE_MIN,
        k.PANIC_THRESHOLD_PERCENTAGE_MAX,
    )

    up_rate = _config(config, "max-scale-up-rate", _parse_float)
    if up_rate <= 1.0:
        up_rate = float(k.CONFIG_DEFAULTS["max-scale-up-rate"])
    down_rate = _config(config, "max-scale-down-rate", _parse_float)
    if down_rate <= 1.0:
        down_rate = float(k.CONFIG_DEFAULTS["max-scale-down-rate"])

    tbc = _annotation(annotations, k.TARGET_BURST_CAPACITY, _parse_float)
    if tbc is None or (tbc < 0 and tbc != -1):
        tbc = _config(config, "target-burst-capacity", _parse_float)
        if tbc < 0 and tbc != -1:
            tbc = float(k.CONFIG_DEFAULTS["target-burst-capacity"])

    delay = _annotation(annotations, k.SCALE_DOWN_DELAY, parse_duration)
    if delay is None or delay < 0:
        delay = max(0.0, _config(config, "scale-down-delay", parse_duration))

    # the annotation, else config-autoscaler's activation-scale (pyknative's extension key), else 1
    activation = _annotation(annotations, k.ACTIVATION_SCALE, _parse_int)
    if activation is None or activation < 1:
        activation = max(1, _config(config, "activation-scale", _parse_int))

    min_scale = 0
    if reachable:
        min_scale = _first(
            _annotation(annotations, k.MIN_SCALE, _parse_int), _config(config, "min-scale", _parse_int)
        )
    max_scale = _first(
        _annotation(annotations, k.MAX_SCALE, _parse_int), _config(config, "max-scale", _parse_int)
    )

    retention = _annotation(annotations, k.RETENTION, parse_duration)
    if retention is None or retention < 0:
        retention = max(0.0, _config(config, "scale-to-zero-pod-retention-period", parse_duration))
    grace = _config(config, "scale-to-zero-grace-period", parse_duration)
    if grace <= 0:
        grace = parse_duration(k.CONFIG_DEFAULTS["scale-to-zero-grace-period"])

    return KPASpec(
        metric=metric,
        target=target,
        total=total,
        panic_threshold=threshold_pct / 100.0,
        stable_window=stable_window,
        panic_window=panic_window,
        max_scale_up_rate=up_rate,
        max_scale_down_rate=down_rate,
        target_burst_capacity=tbc,
        scale_down_delay=delay,
        activation_scale=activation,
        initial_scale=resolve_initial_scale(annotations, config),
        min_scale=max(0, min_scale),
        max_scale=max(0, max_scale),
        reachable=reachable,
        enable_scale_to_zero=_config(config, "enable-scale-to-zero", _parse_bool),
        grace_period=grace,
        retention_period=retention,
        activation_timeout=_config(config, "progress-deadline", parse_duration) + k.ACTIVATION_TIMEOUT_BUFFER,
    )
