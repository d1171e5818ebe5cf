"""The scaler role's contract: what a PodAutoscaler-class plugin is given and what it decides.

The core keeps per-revision metrics (from the gateway's queue) and calls the class plugin's scaler once per
tick with a :class:`ScaleInput`; the scaler answers a :class:`ScaleDecision`. Plugins of any class may also
answer a :class:`ScaleFloor` (hook ``pyknative_scale_floor``), a lower bound the core applies on top of the
class's decision (a scheduled warm-up, say). The scaler's own memory between
ticks (panic mode start, last activity, ...) is an opaque ``state`` value it returns and gets back, so a
decision is a pure function of metrics, config, state and time, and can be tested as a table.

A scaler reads the revision's settings from ``ScaleInput.settings`` (:mod:`pyknative.autoscaling_settings`:
annotation over ``config-autoscaler`` over Knative's default, the same rules the core applies), and only its
class's own keys from ``annotations`` and ``config``.
"""

from __future__ import annotations

import functools
import inspect
import time
from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

import attrs

from pyknative.autoscaling_settings import RevisionAutoscaling, resolve
from pyknative.config.serving import AutoscalerConfig


@attrs.frozen
class MetricSample:
    """One per-second sample of a revision's traffic, as the queue measured it."""

    time: float
    #: average number of in-flight requests over the second
    concurrency: float
    #: requests that arrived during the second
    requests: float


def _settings_of(inp: ScaleInput) -> RevisionAutoscaling:
    return settings_for(inp.annotations, inp.config)


def settings_for(annotations: Mapping[str, str], config: Mapping[str, str]) -> RevisionAutoscaling:
    """A revision's autoscaling settings from its annotations over ``config-autoscaler`` values (as
    ``ScaleInput.settings``), resolved once per distinct pair."""
    return _resolved(frozenset(annotations.items()), frozenset(config.items()))


@functools.lru_cache(maxsize=4096)
def _resolved(annotations: frozenset[tuple[str, str]], config: frozenset[tuple[str, str]]) -> RevisionAutoscaling:
    """Settings resolved once per distinct (annotations, config): every revision is decided every tick."""
    return resolve(dict(annotations), AutoscalerConfig.from_values(dict(config)))


@attrs.frozen
class ScaleInput:
    """Everything a scaler needs for one decision about one revision."""

    #: ``namespace/revision``
    key: str
    #: the PodAutoscaler's annotations (the revision's, all of them, are copied there, as Knative does)
    annotations: Mapping[str, str]
    #: ``config-autoscaler`` values as strings, with defaults filled in
    config: Mapping[str, str]
    #: the revision's ``containerConcurrency`` (0 = unlimited)
    container_concurrency: int
    #: per-second samples, oldest first: those of the revision's stable window (the longest of Knative's
    #: windows) and a few seconds before it
    samples: tuple[MetricSample, ...]
    #: instances currently ready to serve
    ready: int
    #: the scale the previous decision asked for
    current_desired: int
    #: requests waiting for an instance (held by the activator), if any
    pending_requests: int
    #: now, in the same clock as the samples (seconds)
    now: float
    #: whether the revision is routable (a route sends traffic to it); unreachable revisions may go to zero at once
    reachable: bool = True
    #: extra measurements a scaler class may use (e.g. ``cpu_percent``, ``memory_bytes`` from the runtime)
    resources: Mapping[str, float] = attrs.field(factory=dict)
    #: wall-clock time (epoch seconds) of the decision, for calendar rules such as scheduled floors; ``now``
    #: stays the clock of the samples. The reconciler fills it from its clock; left out, it is ``time.time()``.
    wall: float = attrs.field(factory=time.time)
    #: whether the PodAutoscaler's ``ScaleTargetInitialized`` is True: the revision once reached its initial
    #: scale (kept in the store, so it survives a restart of the platform; Knative's scaler applies
    #: initial-scale only while it is not)
    initialized: bool = False
    #: the revision's settings, resolved from ``annotations`` over ``config`` when the input is made (so an
    #: ``attrs.evolve`` of either resolves them again); a key ``config`` lacks takes Knative's default
    settings: RevisionAutoscaling = attrs.field(
        init=False, default=attrs.Factory(_settings_of, takes_self=True), repr=False, eq=False
    )


@attrs.frozen
class ScaleDecision:
    desired: int
    #: ``stable`` or ``panic`` (KPA), or any word the class uses
    mode: str = "stable"
    #: the metric the decision was made on (``concurrency``, ``rps``, ``cpu`` ...)
    metric: str = "concurrency"
    #: the observed value of that metric in the window used
    observed: float = 0.0
    #: the target per instance for that metric
    target: float = 0.0
    #: Knative's excess burst capacity: negative means the activator should stay in the request path
    excess_burst_capacity: float = 0.0
    #: opaque scaler memory, handed back on the next tick
    state: Any = None
    #: a short human reason, recorded as a scale event when the desired scale changes
    reason: str = ""
    #: the scaler's promise that, while no traffic arrives (every sample zero), no request waits and the ready
    #: instances stay as they are, its decisions stay this one until this time (``ScaleInput.now``'s clock);
    #: the core may then decide less often (it still does at least every ``QUIET_MAX_SECONDS``). None: no promise
    quiet_until: float | None = None


@attrs.frozen
class ScaleFloor:
    """A lower bound on one revision's scale for one tick, answered by a ``pyknative_scale_floor`` plugin."""

    #: the revision runs at least this many instances while the floor holds (clamped to max-scale)
    replicas: int
    #: a short human reason naming where the floor comes from, e.g. ``scheduled floor 2 from "0 9 * * *" UTC``
    reason: str = ""


@runtime_checkable
class Scaler(Protocol):
    """A PodAutoscaler class: ``decide`` must be pure (no I/O, no clock but ``inp.now``)."""

    #: the class name it serves, e.g. ``kpa.autoscaling.knative.dev``
    autoscaler_class: str

    def decide(self, inp: ScaleInput, state: Any) -> ScaleDecision:
        """The desired scale for ``inp.key`` given the previous ``state`` (None on the first tick)."""

    def validate(self, annotations: Mapping[str, str], path: str) -> list[Any]:
        """Admission errors (FieldError) for this class's annotations under ``path``; [] when fine."""


@runtime_checkable
class MeasuringScaler(Scaler, Protocol):
    """A scaler that also measures the revision's instances (CPU, memory) itself, before each decision.

    Where the runtime runs local processes, the core calls ``measure`` once per tick with the process ids of
    the ready instances and what the previous call returned, and passes the measurements to ``decide`` as
    ``ScaleInput.resources``. A ``measure`` that also takes an ``instances`` keyword gets every running
    instance, ready or not, with its start and readiness times (:class:`pyknative.runtime.api.InstanceInfo`),
    say to leave out the CPU an instance used while starting. This is the scaler's one impure part;
    ``decide`` stays pure.
    """

    def measure(self, pids: Sequence[int], state: Any) -> tuple[Mapping[str, float], Any]:
        """``(resources, state)`` for the instances ``pids``; ``state`` is handed back next time (None first)."""


def call_measure(
    scaler: MeasuringScaler, pids: Sequence[int], state: Any, instances: Sequence[Any]
) -> tuple[Mapping[str, float], Any]:
    """``scaler.measure(pids, state)``, passing ``instances=`` too where its ``measure`` takes that keyword."""
    try:
        takes_instances = "instances" in inspect.signature(scaler.measure).parameters
    except (TypeError, ValueError):
        takes_instances = False
    if takes_instances:
        return scaler.measure(pids, state, instances=tuple(instances))
    return scaler.measure(pids, state)
