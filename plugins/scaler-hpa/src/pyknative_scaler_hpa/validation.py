"""Admission checks for an HPA-class revision's ``autoscaling.knative.dev/*`` annotations.

Knative's ``ValidateAnnotations`` (pkg/apis/autoscaling/annotation_validation.go) for the keys the HPA class
reads: the metric may be any non-empty name, ``cpu``, ``memory`` or a custom metric Knative renders as a Pods
metric (nothing measures one locally: the scaler keeps the scale and says so); and, as a Kubernetes HPA needs a
positive target, a memory or custom metric target must be at least 1, since Knative renders it in whole units
(``int64(target)``: Mi for memory) and 0 is no target.

Pure: every problem comes back as a FieldError on ``<path>[<annotation key>]``; ``[]`` means the annotations
are fine. ``max-scale-limit`` and ``allow-zero-initial-scale`` need the cluster config and are the core's.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from pyknative import FieldError
from pyknative.config import parse_duration
from pyknative_scaler_hpa import keys as k

_INT64_MAX = 2**63 - 1


def validate_annotations(annotations: Mapping[str, str] | None, path: str) -> list[FieldError]:
    ann = annotations or {}
    errors: list[FieldError] = []

    def err(key: str, message: str) -> None:
        errors.append(FieldError(f"{path}[{key}]", message))

    def count(keys: tuple[str, ...]) -> int | None:
        found = k.lookup(ann, keys)
        if found is None:
            return None
        key, raw = found
        try:
            value = int(raw.strip(), 10)
        except (AttributeError, ValueError):
            err(key, f"invalid value {raw!r}: must be an integer")
            return None
        if not 0 <= value <= k.INT32_MAX:
            err(key, f"value {raw} is out of bounds: must be in [0, {k.INT32_MAX}]")
            return None
        return value

    min_scale = count(k.MIN_SCALE)
    max_scale = count(k.MAX_SCALE)
    if min_scale is not None and max_scale is not None and max_scale != 0 and max_scale < min_scale:
        err(k.lookup(ann, k.MAX_SCALE)[0], f"max-scale={max_scale} is less than min-scale={min_scale}")  # type: ignore[index]
    count(k.INITIAL_SCALE)

    metric = k.CPU
    found = k.lookup(ann, k.METRIC)
    if found is not None:
        key, raw = found
        metric = raw.strip()  # the core's resolution strips it too
        if not metric:
            err(key, f"invalid value {raw!r}: name a metric (cpu, memory or a custom metric)")
            metric = k.CPU

    found = k.lookup(ann, k.TARGET)
    if found is not None:
        key, raw = found
        try:
            target = float(raw)
        except (TypeError, ValueError):
            err(key, f"invalid value {raw!r}: must be a number")
        else:
            if not math.isfinite(target):
                err(key, f"invalid value {raw!r}: must be a finite number")
            elif target < k.TARGET_MIN:
                err(key, f"target {raw} should be at least {k.TARGET_MIN:g}")
            elif metric == k.CPU:
                if math.ceil(target) > k.INT32_MAX:
                    err(key, f"target {raw} is too large: a CPU utilization percent must fit in 32 bits")
            else:
                errors += _whole_target(target, raw, metric, f"{path}[{key}]")

    found = k.lookup(ann, k.WINDOW)
    if found is not None:
        key, raw = found
        try:
            seconds = parse_duration(raw)
        except ValueError:
            err(key, f"invalid value {raw!r}: must be a duration such as 60s or 5m")
        else:
            if not k.WINDOW_MIN <= seconds <= k.WINDOW_MAX:
                err(key, f"value {raw} is out of bounds: must be between {k.WINDOW_MIN:g}s and {k.WINDOW_MAX:g}s")
            elif abs(seconds - round(seconds)) > 1e-9:
                err(key, f"value {raw} must be specified with at most second precision")
    return errors


def _whole_target(target: float, raw: str, metric: str, path: str) -> list[FieldError]:
    """A memory or custom metric target: Knative renders ``int64(target)`` (Mi for memory), and a Kubernetes HPA
    needs it positive."""
    if metric == k.MEMORY:
        what, unit, scale = "a memory target is a whole number of Mi", "Mi", k.MI
    else:
        what, unit, scale = f"the target of the custom metric {metric!r} is a whole number", "", 1
    if target < 1:
        return [FieldError(path, f"target {raw} is less than 1: {what} per instance")]
    if int(target) * scale > _INT64_MAX:
        return [FieldError(path, f"target {raw} is too large: {int(target)}{unit} does not fit in 64 bits")]
    return []
