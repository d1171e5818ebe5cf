"""Admission checks for an HPA-class revision's ``autoscaling.knative.dev/*`` annotations.

Knative's ``ValidateAnnotations`` (pkg/apis/autoscaling/annotation_validation.go) for the keys the HPA class
reads, plus what running locally needs: the metric must be ``cpu`` or ``memory`` (Knative also passes custom
metric names through to a Pods metric, which needs a cluster's metrics adapter; nothing here measures them),
and a memory target must be at least 1, since Knative renders whole Mi (``int64(target)``) and 0 Mi is no target.

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
        key, metric = found
        if metric not in k.METRICS:
            err(
                key,
                f"invalid value {metric!r} for class {k.HPA_CLASS}: must be one of {', '.join(k.METRICS)}"
                " (custom metrics need a Kubernetes metrics adapter; pyknative measures cpu and memory)",
            )

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
            elif metric == k.MEMORY and target < 1:
                err(key, f"target {raw} is less than 1: a memory target is a whole number of Mi per instance")
            elif metric == k.CPU and math.ceil(target) > k.INT32_MAX:
                err(key, f"target {raw} is too large: a CPU utilization percent must fit in 32 bits")
            elif metric == k.MEMORY and int(target) * k.MI > _INT64_MAX:
                err(key, f"target {raw} is too large: {int(target)}Mi is more bytes than fit in 64 bits")

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
