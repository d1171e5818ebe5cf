"""One revision's autoscaling settings, resolved once for the core and every scaler plugin.

:func:`resolve` reads a revision's (or its PodAutoscaler's) ``autoscaling.knative.dev/*`` annotations over
``config-autoscaler`` (:class:`~pyknative.config.AutoscalerConfig`) and answers a :class:`RevisionAutoscaling`,
with one rule for every setting, Knative's:

* the annotation wins when it is valid: its first key present (kebab-case before the older camelCase, as
  Knative's ``kmap.KeyPriority``) parses and passes the check admission applies to it (a window within
  [6s, 1h] in whole seconds, a target of at least 0.01, ...);
* else the ``config-autoscaler`` value, when it passes the same check;
* else Knative's default.

Admission refuses an invalid annotation, so the fallback only matters for objects that never went through it.
What depends on the class (which metrics it accepts, the target it aims at without a ``target`` annotation, a
floor of one instance for the HPA) stays with the class's plugin, which reads the typed values here.

Pure; ``resolve`` never raises. The core reads the view for the gateway's burst capacity, the ``/metrics``
windows, the max-scale a plugin's floor is clamped to and whether a PodAutoscaler reached its initial scale;
scalers get it as ``ScaleInput.settings``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import attrs

from pyknative.api.annotations import INITIAL_SCALE_KEYS, MAX_SCALE_KEYS, first_present, knative_keys
from pyknative.config.serving import AutoscalerConfig
from pyknative.config.values import parse_duration

T = TypeVar("T")

KPA_CLASS = "kpa.autoscaling.knative.dev"
HPA_CLASS = "hpa.autoscaling.knative.dev"

CLASS_KEYS = knative_keys("class")
METRIC_KEYS = knative_keys("metric")
TARGET_KEYS = knative_keys("target")
TARGET_UTILIZATION_KEYS = knative_keys("target-utilization-percentage", "targetUtilizationPercentage")
MIN_SCALE_KEYS = knative_keys("min-scale", "minScale")
ACTIVATION_SCALE_KEYS = knative_keys("activation-scale")
TBC_KEYS = knative_keys("target-burst-capacity", "targetBurstCapacity")
WINDOW_KEYS = knative_keys("window")
PANIC_PERCENT_KEYS = knative_keys("panic-window-percentage", "panicWindowPercentage")
PANIC_THRESHOLD_KEYS = knative_keys("panic-threshold-percentage", "panicThresholdPercentage")
SCALE_DOWN_DELAY_KEYS = knative_keys("scale-down-delay", "scaleDownDelay")
RETENTION_KEYS = knative_keys("scale-to-zero-pod-retention-period")

#: Knative's bounds (pkg/apis/autoscaling): the shortest and longest window, the smallest target
WINDOW_MIN, WINDOW_MAX = 6.0, 3600.0
TARGET_MIN = 0.01
PANIC_WINDOW_PERCENTAGE_MIN, PANIC_WINDOW_PERCENTAGE_MAX = 1.0, 100.0
PANIC_THRESHOLD_PERCENTAGE_MIN, PANIC_THRESHOLD_PERCENTAGE_MAX = 110.0, 1000.0
#: Knative's metric bucket: a panic window is never shorter than this
BUCKET_SIZE = 1.0
_INT32_MAX = 2**31 - 1

#: the metric a class scales on when the revision names none (Knative's ``defaultMetric``)
DEFAULT_METRICS: Mapping[str, str] = {KPA_CLASS: "concurrency", HPA_CLASS: "cpu"}


@attrs.frozen
class RevisionAutoscaling:
    """A revision's autoscaling settings, each from its annotation, else ``config-autoscaler``, else Knative's
    default (durations in seconds, percentages as written)."""

    #: ``autoscaling.knative.dev/class``, else ``config-autoscaler: pod-autoscaler-class``
    autoscaler_class: str
    #: ``metric`` as written, else the class's default (``concurrency`` for the KPA, ``cpu`` for the HPA, else "");
    #: whether the class accepts it is the class's business
    metric: str
    #: the ``target`` annotation (at least 0.01); None when the class's default applies
    target: float | None
    #: ``target-utilization-percentage`` as a fraction (70 → 0.7); None when the class's default applies
    target_utilization: float | None
    #: the scale floor as configured (see :meth:`scale_bounds` for reachability)
    min_scale: int
    #: the scale ceiling; 0 means no bound
    max_scale: int
    #: Knative's ``GetInitialScale``: 0 only where ``allow-zero-initial-scale`` is true
    initial_scale: int
    #: the fewest instances a scale-up from zero asks for (1: no floor)
    activation_scale: int
    #: ``-1`` (the activator always in the path) or ``>= 0``
    target_burst_capacity: float
    stable_window: float
    panic_window_percentage: float
    panic_threshold_percentage: float
    scale_down_delay: float
    scale_to_zero_pod_retention_period: float
    #: the cluster-wide settings the view was resolved over (rates, grace period, defaults for targets ...)
    config: AutoscalerConfig = attrs.field(repr=False)
    #: the names of the fields above that an annotation gave (``{"stable_window", "target"}``, say)
    annotated: frozenset[str] = frozenset()

    @property
    def panic_window(self) -> float:
        """Seconds: ``panic-window-percentage`` of the stable window, at least one second (Knative's bucket)."""
        return max(BUCKET_SIZE, self.stable_window * self.panic_window_percentage / 100.0)

    @property
    def panic_threshold(self) -> float:
        """The panic threshold as a fraction of the ready instances' capacity (200% → 2.0)."""
        return self.panic_threshold_percentage / 100.0

    def scale_bounds(self, reachable: bool = True) -> tuple[int, int]:
        """Knative's ``ScaleBounds``: ``(min, max)``; min-scale only holds while a route sends traffic here."""
        return (self.min_scale if reachable else 0), self.max_scale

    def active_threshold(self, *, initialized: bool, reachable: bool = True) -> int:
        """Knative's ``activeThreshold``: the ready instances that make the scale target initialized (before it
        ever was: ``max(min-scale, initial-scale)``, so 0 with ``initial-scale: 0``) or active (at least one)."""
        low, _ = self.scale_bounds(reachable)
        return max(low, 1) if initialized else max(low, self.initial_scale)


def resolve(annotations: Mapping[str, str] | None, config: AutoscalerConfig) -> RevisionAutoscaling:
    """The settings ``annotations`` (a revision's or its PodAutoscaler's) give over ``config``."""
    ann = annotations or {}
    defaults = AutoscalerConfig.from_values({})  # Knative's
    annotated: set[str] = set()
    values: dict[str, object] = {}
    for name, keys, parse, ok in _RULES:
        value = _annotation(ann, keys, parse, lambda v, ok=ok: ok(v, config))
        if value is not None:
            annotated.add(name)
        elif ok(getattr(config, name), config):
            value = getattr(config, name)
        else:
            value = getattr(defaults, name)
        values[name] = value

    cls = _annotation(ann, CLASS_KEYS, str.strip, bool)
    if cls is not None:
        annotated.add("autoscaler_class")
    cls = cls or config.pod_autoscaler_class or KPA_CLASS
    metric = _annotation(ann, METRIC_KEYS, str.strip, bool)
    target = _annotation(ann, TARGET_KEYS, _number, lambda t: t >= TARGET_MIN)
    utilization = _annotation(ann, TARGET_UTILIZATION_KEYS, _number, lambda u: 1.0 <= u <= 100.0)
    given = (("metric", metric), ("target", target), ("target_utilization", utilization))
    annotated.update(name for name, value in given if value is not None)
    return RevisionAutoscaling(
        autoscaler_class=cls,
        metric=metric if metric is not None else DEFAULT_METRICS.get(cls, ""),
        target=target,
        target_utilization=None if utilization is None else utilization / 100.0,
        config=config,
        annotated=frozenset(annotated),
        **values,  # type: ignore[arg-type]
    )


def _annotation(
    annotations: Mapping[str, str], keys: tuple[str, ...], parse: Callable[[str], T], ok: Callable[[T], bool]
) -> T | None:
    """The first of ``keys`` present, parsed, when ``ok`` accepts it; None otherwise (the fallback applies)."""
    found = first_present(annotations, keys)
    if found is None:
        return None
    try:
        value = parse(str(found[1]))
    except (TypeError, ValueError):
        return None
    return value if ok(value) else None


def _number(text: str) -> float:
    # as admission reads numbers (``float``), finite only
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {text!r}")
    return value


def _count(text: str) -> int:
    # as admission reads counts (base-10 ``int`` of the trimmed text)
    return int(text.strip(), 10)


def _whole_seconds(seconds: float) -> bool:
    return abs(seconds - round(seconds)) < 1e-9


def _window_ok(seconds: float, _: AutoscalerConfig) -> bool:
    return WINDOW_MIN <= seconds <= WINDOW_MAX and _whole_seconds(seconds)


def _initial_ok(n: int, config: AutoscalerConfig) -> bool:
    return 0 <= n <= _INT32_MAX and (n > 0 or config.allow_zero_initial_scale)


def _between(low: float, high: float) -> Callable[[float, AutoscalerConfig], bool]:
    return lambda value, _: low <= value <= high


#: ``(field, annotation keys, how admission reads the value, what admission accepts)`` for every setting with a
#: ``config-autoscaler`` key of the same name; the config's value must pass the same check to be used
_RULES: tuple[
    tuple[str, tuple[str, ...], Callable[[str], Any], Callable[[Any, AutoscalerConfig], bool]], ...
] = (
    ("min_scale", MIN_SCALE_KEYS, _count, _between(0, _INT32_MAX)),
    ("max_scale", MAX_SCALE_KEYS, _count, _between(0, _INT32_MAX)),
    ("initial_scale", INITIAL_SCALE_KEYS, _count, _initial_ok),
    ("activation_scale", ACTIVATION_SCALE_KEYS, _count, _between(1, _INT32_MAX)),
    ("target_burst_capacity", TBC_KEYS, _number, lambda t, _: t >= 0 or t == -1),
    ("stable_window", WINDOW_KEYS, parse_duration, _window_ok),
    (
        "panic_window_percentage",
        PANIC_PERCENT_KEYS,
        _number,
        _between(PANIC_WINDOW_PERCENTAGE_MIN, PANIC_WINDOW_PERCENTAGE_MAX),
    ),
    (
        "panic_threshold_percentage",
        PANIC_THRESHOLD_KEYS,
        _number,
        _between(PANIC_THRESHOLD_PERCENTAGE_MIN, PANIC_THRESHOLD_PERCENTAGE_MAX),
    ),
    (
        "scale_down_delay",
        SCALE_DOWN_DELAY_KEYS,
        parse_duration,
        lambda s, _: 0 <= s <= WINDOW_MAX and _whole_seconds(s),
    ),
    ("scale_to_zero_pod_retention_period", RETENTION_KEYS, parse_duration, _between(0, WINDOW_MAX)),
)
