"""The ``autoscaling.knative.dev/*`` annotations: reading them as Knative does, and validating them as its webhook does.

Reading (for scaler plugins): :func:`knative_keys` names an annotation with its current kebab-case key first and
its older camelCase spellings after; :func:`first_present` and :func:`parse_first` take the first key present,
as Knative's ``kmap.KeyPriority`` does. Validation is pure: it takes the annotations and returns every problem as
a FieldError under ``metadata.annotations``. :func:`validate_autoscaling_annotations` is the core's fallback when
no class plugin checks them (class-specific metrics included: KPA concurrency or rps, HPA cpu or memory or
custom); :func:`validate_cluster_limits` is the part of Knative's checks that needs ``config-autoscaler``
(``max-scale-limit``, ``allow-zero-initial-scale``), which the core applies whatever the class.
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


MAX_SCALE_KEYS = knative_keys("max-scale", "maxScale")
INITIAL_SCALE_KEYS = knative_keys("initial-scale", "initialScale")
_INT32_MAX = 2**31 - 1


def validate_cluster_limits(
    annotations: Mapping[str, str] | None,
    path: str,
    *,
    max_scale_limit: int,
    allow_zero_initial_scale: bool,
) -> list[FieldError]:
    """The cluster's bounds on a revision's scale annotations, as Knative's ``validateMaxScaleWithinLimit`` and
    ``validateInitialScale`` (pkg/apis/autoscaling/annotation_validation.go) apply them:

    - with ``max-scale-limit > 0``, a max-scale annotation above the limit is refused, and so is ``0``
      (unlimited); without the annotation the config's ``max-scale`` applies, which the config itself keeps
      in ``[1, max-scale-limit]``. min-scale is not compared with the limit (as in Knative: a min-scale above a
      max-scale annotation is refused by the class's own check);
    - ``initial-scale: "0"`` is refused unless ``allow-zero-initial-scale`` is true.

    A value that is not an integer, or is negative, is left to the class's checks (which refuse it), so each
    problem is reported once.
    """
    ann = annotations or {}
    errors: list[FieldError] = []
    found = first_present(ann, MAX_SCALE_KEYS)
    max_scale = _int_or_none(found[1]) if found else None
    if found and max_scale is not None and 0 <= max_scale <= _INT32_MAX and max_scale_limit > 0:
        where = f"{path}[{found[0]}]"
        if max_scale == 0:
            errors.append(
                FieldError(where, f"max-scale=0 (unlimited) is not allowed: config-autoscaler max-scale-limit is "
                                  f"{max_scale_limit}, so max-scale must be in [1, {max_scale_limit}]")
            )
        elif max_scale > max_scale_limit:
            errors.append(
                FieldError(where, f"value {found[1]} is out of bounds: must be in [1, {max_scale_limit}] "
                                  f"(config-autoscaler max-scale-limit)")
            )
    found = first_present(ann, INITIAL_SCALE_KEYS)
    if found and _int_or_none(found[1]) == 0 and not allow_zero_initial_scale:
        errors.append(
            FieldError(f"{path}[{found[0]}]", f"invalid value {found[1]!r}: initial-scale=0 is not allowed by the "
                                              "cluster (config-autoscaler allow-zero-initial-scale is false)")
        )
    return errors


def _int_or_none(raw: str) -> int | None:
    # as leniently as the scalers read it (``int(raw.strip())``), so no value they would act on escapes the bound
    try:
        return int(str(raw).strip(), 10)
    except ValueError:
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
