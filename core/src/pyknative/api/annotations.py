"""The ``autoscaling.knative.dev/*`` annotations: reading them as Knative does, and validating them as its webhook does.

Reading (for scaler plugins): :func:`knative_keys` names an annotation with its current kebab-case key first and
its older camelCase spellings after; :func:`first_present` and :func:`parse_first` take the first key present,
as Knative's ``kmap.KeyPriority`` does. Validation is pure: it takes the annotations and returns every problem as
a FieldError under ``metadata.annotations``. Class-specific metrics are checked here too (KPA: concurrency or
rps; HPA: cpu or memory or custom).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

from pyknative.config.values import parse_duration
from pyknative.errors import FieldError

PREFIX = "autoscaling.knative.dev/"

T = TypeVar("T")


def knative_keys(*names: str) -> tuple[str, ...]:
    """``autoscaling.knative.dev/<name>`` for each of ``names``, in priority order."""
    return tuple(PREFIX + n for n in names)


def first_present(annotations: Mapping[str, str], keys: tuple[str, ...]) -> tuple[str, str] | None:
    """``(key, value)`` for the first of ``keys`` present in ``annotations``, else None."""
    for key in keys:
        if key in annotations:
            return key, annotations[key]
    return None


def parse_first(annotations: Mapping[str, str], keys: tuple[str, ...], parse: Callable[[str], T]) -> T | None:
    """The first of ``keys`` present, parsed; None when none is present or its value does not parse."""
    found = first_present(annotations, keys)
    if found is None:
        return None
    try:
        return parse(found[1])
    except (TypeError, ValueError):
        return None

def validate_autoscaling_annotations(annotations: Mapping[str, str] | None, path: str) -> list[FieldError]:
    ann = annotations or {}
    errors: list[FieldError] = []

    def err(key: str, message: str) -> None:
        errors.append(FieldError(f"{path}[{PREFIX}{key}]", message))

    def number(key: str, *, integer: bool = False) -> float | None:
        raw = ann.get(PREFIX + key)
        if raw is None:
            return None
        try:
            return float(int(raw)) if integer else float(raw)
        except (TypeError, ValueError):
            err(key, f"invalid value {raw!r}: must be {'an integer' if integer else 'a number'}")
            return None

    def duration(key: str) -> float | None:
        raw = ann.get(PREFIX + key)
        if raw is None:
            return None
        try:
            return parse_duration(raw)
        except ValueError:
            err(key, f"invalid value {raw!r}: must be a duration such as 30s or 1m")
            return None

    min_scale = number("min-scale", integer=True)
    max_scale = number("max-scale", integer=True)
    if min_scale is not None and min_scale < 0:
        err("min-scale", f"must be >= 0, got {int(min_scale)}")
    if max_scale is not None and max_scale < 0:
        err("max-scale", f"must be >= 0, got {int(max_scale)}")
    if min_scale is not None and max_scale is not None and max_scale > 0 and min_scale > max_scale:
        err("min-scale", f"min-scale {int(min_scale)} must not be greater than max-scale {int(max_scale)}")
    initial = number("initial-scale", integer=True)
    if initial is not None and initial < 0:
        err("initial-scale", f"must be >= 0, got {int(initial)}")
    target = number("target")
    if target is not None and target < 0.01:
        err("target", f"must be >= 0.01, got {target:g}")
    util = number("target-utilization-percentage")
    if util is not None and not 1 <= util <= 100:
        err("target-utilization-percentage", f"must be in [1, 100], got {util:g}")
    tbc = number("target-burst-capacity")
    if tbc is not None and tbc < -1:
        err("target-burst-capacity", f"must be -1 or >= 0, got {tbc:g}")
    pwp = number("panic-window-percentage")
    if pwp is not None and not 1 <= pwp <= 100:
        err("panic-window-percentage", f"must be in [1, 100], got {pwp:g}")
    ptp = number("panic-threshold-percentage")
    if ptp is not None and not 110 <= ptp <= 1000:
        err("panic-threshold-percentage", f"must be in [110, 1000], got {ptp:g}")
    act = number("activation-scale", integer=True)
    if act is not None and act < 1:
        err("activation-scale", f"must be >= 1, got {int(act)}")
    window = duration("window")
    if window is not None and not 6 <= window <= 3600:
        err("window", f"must be between 6s and 1h, got {ann[PREFIX + 'window']}")
    sdd = duration("scale-down-delay")
    if sdd is not None and not 0 <= sdd <= 3600:
        err("scale-down-delay", f"must be between 0s and 1h, got {ann[PREFIX + 'scale-down-delay']}")
    duration("scale-to-zero-pod-retention-period")
    cls = ann.get(PREFIX + "class", "kpa.autoscaling.knative.dev")
    metric = ann.get(PREFIX + "metric")
    if metric is not None:
        allowed = {"kpa.autoscaling.knative.dev": ("concurrency", "rps"), "hpa.autoscaling.knative.dev": ("cpu", "memory")}
        ok = allowed.get(cls)
        if ok is not None and metric not in ok and not (cls.startswith("hpa") and metric):
            err("metric", f"invalid value {metric!r} for class {cls}: must be one of {', '.join(ok)}")
    return errors
