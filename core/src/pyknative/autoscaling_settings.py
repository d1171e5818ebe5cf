"""The class-independent autoscaling settings the core reads itself, from a revision's annotations over
``config-autoscaler``: the target burst capacity (which bounds the requests the gateway holds for a revision),
the stable and panic windows (over which ``/metrics`` reports the load the autoscaler sees) and max-scale (which
caps a plugin's scale floor).

Pure functions; a value that does not parse (admission rejects those) falls back to the config, then to
Knative's default, as Knative's autoscaler does.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from pyknative.api.annotations import MAX_SCALE_KEYS, first_present, knative_keys
from pyknative.config.values import parse_duration

TBC_KEYS = knative_keys("target-burst-capacity", "targetBurstCapacity")
WINDOW_KEYS = knative_keys("window")
PANIC_PERCENT_KEYS = knative_keys("panic-window-percentage", "panicWindowPercentage")

DEFAULT_TBC = 211.0
DEFAULT_STABLE_WINDOW = 60.0
DEFAULT_PANIC_PERCENT = 10.0
_WINDOW_MIN, _WINDOW_MAX = 6.0, 3600.0


def target_burst_capacity(annotations: Mapping[str, str] | None, config: Mapping[str, str]) -> float:
    """Knative's target-burst-capacity: ``-1`` (unbounded) or ``>= 0``; 211 by default."""
    for raw in (*_annotation_values(annotations, TBC_KEYS), config.get("target-burst-capacity")):
        value = _number(raw)
        if value is not None and (value >= 0 or value == -1):
            return value
    return DEFAULT_TBC


def metric_windows(annotations: Mapping[str, str] | None, config: Mapping[str, str]) -> tuple[float, float]:
    """``(stable, panic)`` window lengths in seconds: ``window`` / ``stable-window`` and the panic percentage."""
    stable = DEFAULT_STABLE_WINDOW
    for raw in (*_annotation_values(annotations, WINDOW_KEYS), config.get("stable-window")):
        value = _duration(raw)
        if value is not None and _WINDOW_MIN <= value <= _WINDOW_MAX:
            stable = value
            break
    percent = DEFAULT_PANIC_PERCENT
    for raw in (*_annotation_values(annotations, PANIC_PERCENT_KEYS), config.get("panic-window-percentage")):
        value = _number(raw)
        if value is not None and 1.0 <= value <= 100.0:
            percent = value
            break
    return stable, max(1.0, stable * percent / 100.0)


def max_scale(annotations: Mapping[str, str] | None, config: Mapping[str, str]) -> int:
    """Knative's max-scale: the annotation, else ``config-autoscaler: max-scale``; ``0`` means no bound."""
    for raw in (*_annotation_values(annotations, MAX_SCALE_KEYS), config.get("max-scale")):
        value = _number(raw)
        if value is not None and value >= 0 and value == int(value):
            return int(value)
    return 0


def _annotation_values(annotations: Mapping[str, str] | None, keys: tuple[str, ...]) -> list[str]:
    """The value of the first of ``keys`` present, as a list of zero or one."""
    found = first_present(annotations or {}, keys)
    return [found[1]] if found is not None else []


def _number(raw: object) -> float | None:
    if raw is None:
        return None
    try:
        value = float(str(raw).strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _duration(raw: object) -> float | None:
    if raw is None:
        return None
    try:
        return parse_duration(str(raw))
    except ValueError:
        return None
