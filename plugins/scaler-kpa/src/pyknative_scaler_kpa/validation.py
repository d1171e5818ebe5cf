"""Admission checks for a KPA-class revision's ``autoscaling.knative.dev/*`` annotations (Knative's
``ValidateAnnotations``, pkg/apis/autoscaling/annotation_validation.go).

Pure: every problem comes back as a FieldError on ``<path>[<annotation key>]``; ``[]`` means the annotations
are fine. The two checks that need ``config-autoscaler`` (a max-scale within ``max-scale-limit``, an
initial-scale of 0 only with ``allow-zero-initial-scale``) are applied by the core's admission for every class
(``pyknative.api.annotations.validate_cluster_limits``), after this one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

from pyknative import FieldError
from pyknative_scaler_kpa import keys as k
from pyknative_scaler_kpa.durations import parse_duration

#: metric-aggregation-algorithm values pyknative's KPA implements (Knative also has weighted-exponential).
_ALGORITHMS = ("linear",)
_INT32_MAX = 2**31 - 1


def validate_annotations(annotations: Mapping[str, str] | None, path: str) -> list[FieldError]:
    ann = annotations or {}
    errors: list[FieldError] = []

    def err(key: str, message: str) -> None:
        errors.append(FieldError(f"{path}[{key}]", message))

    def get(keys: tuple[str, ...]) -> tuple[str, str] | None:
        return k.lookup(ann, keys)

    def number(keys: tuple[str, ...], low: float | None = None, high: float | None = None) -> float | None:
        found = get(keys)
        if found is None:
            return None
        key, raw = found
        try:
            value = float(raw)
        except (TypeError, ValueError):
            err(key, f"invalid value {raw!r}: must be a number")
            return None
        if not math.isfinite(value):
            err(key, f"invalid value {raw!r}: must be a finite number")
            return None
        if (low is not None and value < low) or (high is not None and value > high):
            err(key, f"value {raw} is out of bounds: must be in [{low:g}, {high:g}]")
            return None
        return value

    def count(keys: tuple[str, ...]) -> int | None:
        found = get(keys)
        if found is None:
            return None
        key, raw = found
        try:
            value = int(raw.strip(), 10)
        except (TypeError, ValueError):
            err(key, f"invalid value {raw!r}: must be an integer")
            return None
        if not 0 <= value <= _INT32_MAX:
            err(key, f"value {raw} is out of bounds: must be in [0, {_INT32_MAX}]")
            return None
        return value

    def duration(keys: tuple[str, ...], low: float, high: float, whole_seconds: bool) -> None:
        found = get(keys)
        if found is None:
            return
        key, raw = found
        try:
            seconds = parse_duration(raw)
        except ValueError:
            err(key, f"invalid value {raw!r}: must be a duration such as 30s, 1m30s or 500ms")
            return
        if not low <= seconds <= high:
            err(key, f"value {raw} is out of bounds: must be between {low:g}s and {high:g}s")
        elif whole_seconds and abs(seconds - round(seconds)) > 1e-9:
            err(key, f"value {raw} must be specified with at most second precision")

    # scale bounds
    min_scale = count(k.MIN_SCALE)
    max_scale = count(k.MAX_SCALE)
    if min_scale is not None and max_scale is not None and max_scale != 0 and max_scale < min_scale:
        key = get(k.MAX_SCALE)[0]  # type: ignore[index]
        err(key, f"max-scale={max_scale} is less than min-scale={min_scale}")
    activation = get(k.ACTIVATION_SCALE)
    if activation is not None:
        key, raw = activation
        try:
            value = int(raw.strip(), 10)
        except (TypeError, ValueError):
            err(key, f"invalid value {raw!r}: must be an integer")
        else:
            if min_scale is not None and min_scale > value:
                err(key, f"min-scale={min_scale} is greater than activation-scale={value}")
            elif max_scale and max_scale < value:
                err(key, f"max-scale={max_scale} is less than activation-scale={value}")
            elif value < 2:
                err(key, f"activation-scale={value} must be greater than 1")
    count(k.INITIAL_SCALE)

    # numbers
    number(k.PANIC_WINDOW_PERCENTAGE, k.PANIC_WINDOW_PERCENTAGE_MIN, k.PANIC_WINDOW_PERCENTAGE_MAX)
    number(k.PANIC_THRESHOLD_PERCENTAGE, k.PANIC_THRESHOLD_PERCENTAGE_MIN, k.PANIC_THRESHOLD_PERCENTAGE_MAX)
    target = number(k.TARGET)
    if target is not None and target < k.TARGET_MIN:
        err(get(k.TARGET)[0], f"target {target:g} should be at least {k.TARGET_MIN:g}")  # type: ignore[index]
    number(k.TARGET_UTILIZATION, 1, 100)
    tbc = number(k.TARGET_BURST_CAPACITY)
    if tbc is not None and tbc < 0 and tbc != -1:
        err(get(k.TARGET_BURST_CAPACITY)[0], f"invalid value {tbc:g}: must be -1 (unlimited) or >= 0")  # type: ignore[index]

    # durations
    duration(k.WINDOW, k.WINDOW_MIN, k.WINDOW_MAX, whole_seconds=True)
    duration(k.SCALE_DOWN_DELAY, 0, k.WINDOW_MAX, whole_seconds=True)
    duration(k.RETENTION, 0, k.WINDOW_MAX, whole_seconds=False)

    # metric and aggregation
    _choice(get(k.METRIC), k.METRICS, err)
    _choice(get(k.AGGREGATION_ALGORITHM), _ALGORITHMS, err)
    return errors


def _choice(found: tuple[str, str] | None, allowed: tuple[str, ...], err: Callable[[str, str], None]) -> None:
    if found is None:
        return
    key, value = found
    if value not in allowed:
        err(key, f"invalid value {value!r} for class {k.KPA_CLASS}: must be one of {', '.join(allowed)}")
