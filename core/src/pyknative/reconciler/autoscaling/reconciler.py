"""PodAutoscaler reconciler: asks the class plugin's scaler for a decision and converges the runtime to it.

It requeues itself every ``tick`` seconds (Knative's autoscaler ticks every 2s), so a PodAutoscaler is decided
on a steady beat; a waiting request (a poke from the data plane) or an instance change brings it in at once.
Conditions: Ready rolls up ``Active`` (False with ``NoTraffic`` at zero; Unknown ``Queued`` while activating)
and ``ScaleTargetInitialized``, True once as many instances were ready as Knative's ``activeThreshold`` asks
(``max(min-scale, initial-scale)``, so at once with ``initial-scale: 0``) and True from then on, whatever the
class; the Revision reads it to become Ready without an instance.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import attrs

from pyknative.api import conditions as cond
from pyknative.api.autoscaling import (
    CLASS_ANNOTATION,
    KPA_CLASS,
    UNREACHABLE,
    PodAutoscaler,
    PodAutoscalerStatus,
)
from pyknative.api.serving import Revision
from pyknative.config.values import parse_quantity
from pyknative.errors import BackendNotInstalledError, NotFoundError
from pyknative.reconciler.autoscaling.floor import apply_floors
from pyknative.reconciler.autoscaling.metrics import MetricsCollector
from pyknative.reconciler.children import update_status_if_changed
from pyknative.reconciler.events import EventRecorder
from pyknative.runtime.api import InstancesStatus, NotRunnableError, Runtime
from pyknative.scaling import (
    MeasuringScaler,
    ScaleDecision,
    ScaleFloor,
    ScaleInput,
    call_measure,
    settings_for,
)
from pyknative.store import Store
from pyknative.timeutil import rfc3339

#: the longest a quiet revision goes undecided (see ``ScaleDecision.quiet_until``)
QUIET_MAX_SECONDS = 10.0
#: seconds of samples handed to the scaler before its stable window: one older than the window tells a history
#: that runs through it from one that starts inside it (Knative's window average divides by the seconds covered)
SAMPLES_BEFORE_WINDOW = 3.0
CONDITIONS = cond.ConditionSet("Ready", ("Active", "ScaleTargetInitialized"))
MODE_ANNOTATION = "autoscaling.pyknative.dev/mode"
METRIC_ANNOTATION = "autoscaling.pyknative.dev/metric"
OBSERVED_ANNOTATION = "autoscaling.pyknative.dev/observed"
TARGET_ANNOTATION = "autoscaling.pyknative.dev/target"


_MEASURES: dict[type, bool] = {}


def _measures(scaler: Any) -> bool:
    """Whether a scaler measures resources, answered once per class (a Protocol check is slow, and made every
    tick)."""
    try:
        return _MEASURES[type(scaler)]
    except KeyError:
        answer = _MEASURES[type(scaler)] = isinstance(scaler, MeasuringScaler)
        return answer


async def _no_floors(inp: ScaleInput) -> list[ScaleFloor | int | None]:
    return []


def mark_initialized(conditions: tuple, inp: ScaleInput, ready: int, now: str) -> tuple:
    """``ScaleTargetInitialized`` True once ``ready`` reaches the revision's initial threshold; it stays True."""
    if cond.is_true(conditions, "ScaleTargetInitialized"):
        return conditions
    if ready >= inp.settings.active_threshold(initialized=False, reachable=inp.reachable):
        return CONDITIONS.mark_true(conditions, "ScaleTargetInitialized", now)
    return conditions


@attrs.define(eq=False)
class PodAutoscalerReconciler:
    store: Store
    runtime: Runtime
    recorder: EventRecorder
    clock: Callable[[], datetime]
    metrics: MetricsCollector
    scaler_for: Callable[[str], Awaitable[Any]]
    autoscaler_config: Callable[[], dict[str, str]]
    waiting: Callable[[str], int] = lambda key: 0
    tick: float = 2.0
    #: ``await floors(inp)``: every plugin's ``pyknative_scale_floor`` answer; the highest is applied
    floors: Callable[[ScaleInput], Awaitable[list[ScaleFloor | int | None]]] = _no_floors
    #: per PodAutoscaler: the resourceVersion it has after this reconciler's last status, and what that status
    #: was made of (a tick with the same version and inputs has nothing to write)
    _status_of: dict[str, tuple[str | None, tuple]] = attrs.field(factory=dict, init=False)

    async def reconcile(self, key: str) -> float | None:
        namespace, name = key.split("/", 1)
        try:
            pa = await self.store.get(PodAutoscaler, namespace, name)
        except NotFoundError:
            self.metrics.forget(key)
            self._status_of.pop(key, None)
            return None
        status = pa.status or PodAutoscalerStatus()
        try:
            rev = await self.store.get(Revision, namespace, name)
        except NotFoundError:
            return None
        self.metrics.track(key)
        cls = pa.metadata.annotation(CLASS_ANNOTATION) or KPA_CLASS
        try:
            scaler = await self.scaler_for(cls)
        except BackendNotInstalledError as e:
            now = rfc3339(self.clock())
            conditions = CONDITIONS.initialize(status.conditions, now)
            conditions = CONDITIONS.mark_false(conditions, "Active", now, "ScalerNotInstalled", str(e))
            new = attrs.evolve(status, conditions=conditions, observed_generation=pa.metadata.generation)
            await update_status_if_changed(self.store, pa, attrs.evolve(pa, status=new))
            return None

        inst = self.runtime.status(key)
        pokes = self.metrics.take_pokes(key)
        previous = self.metrics.desired.get(key, status.desired_scale if status.desired_scale is not None else -1)
        annotations, config, tick_at = dict(pa.metadata.annotations or {}), self.autoscaler_config(), time.monotonic()
        seconds = settings_for(annotations, config).stable_window + SAMPLES_BEFORE_WINDOW
        inp = ScaleInput(
            key=key,
            annotations=annotations,
            config=config,
            container_concurrency=(pa.spec.container_concurrency if pa.spec else 0) or 0,
            samples=self.metrics.samples(key, seconds),
            ready=inst.ready,
            current_desired=max(previous, 0),
            pending_requests=max(pokes, self.waiting(key)),
            now=tick_at,
            reachable=(pa.spec.reachability if pa.spec else None) != UNREACHABLE,
            resources=self._measure(key, scaler, inst, rev),
            wall=self.clock().timestamp(),
            initialized=cond.is_true(status.conditions, "ScaleTargetInitialized"),
        )
        decided = scaler.decide(inp, self.metrics.state.get(key))
        decision = apply_floors(decided, await self.floors(inp), inp)
        delay = self._next_tick(key, inp, decided, decision, pokes)
        self.metrics.state[key] = decision.state
        self.metrics.desired[key] = decision.desired
        self.metrics.decisions[key] = decision
        try:
            await self.runtime.scale(rev, decision.desired)
        except NotRunnableError:
            pass  # the Revision reports why; nothing can run
        if decision.desired != previous:
            why = f": {decision.reason}" if decision.reason else ""
            await self.recorder.normal(pa, "ScaleTargetChanged", f"desired scale {max(previous, 0)} -> {decision.desired}{why}")
        inst = self.runtime.status(key)
        observed, target = f"{decision.observed:.2f}", f"{decision.target:.2f}"
        inputs = (decision.desired, decision.mode, decision.metric, observed, target, inst.ready)
        if self._status_of.get(key) == (pa.metadata.resource_version, inputs):
            return delay  # the status this tick would write is the one the PodAutoscaler has
        now = rfc3339(self.clock())
        conditions = mark_initialized(CONDITIONS.initialize(status.conditions, now), inp, inst.ready, now)
        if inst.ready > 0:
            conditions = CONDITIONS.mark_true(conditions, "Active", now)
        elif decision.desired == 0:
            conditions = CONDITIONS.mark_false(conditions, "Active", now, "NoTraffic", "The target is not receiving traffic.")
        else:
            conditions = CONDITIONS.mark_unknown(conditions, "Active", now, "Queued", "Requests to the target are being buffered as resources are provisioned.")
        annotations = {
            MODE_ANNOTATION: decision.mode,
            METRIC_ANNOTATION: decision.metric,
            OBSERVED_ANNOTATION: observed,
            TARGET_ANNOTATION: target,
        }
        new = attrs.evolve(
            status,
            conditions=conditions,
            observed_generation=pa.metadata.generation,
            desired_scale=decision.desired,
            actual_scale=inst.ready,
            service_name=name,
            annotations=annotations,
        )
        written = await update_status_if_changed(self.store, pa, attrs.evolve(pa, status=new))
        self._status_of[key] = (written.metadata.resource_version, inputs)
        return delay

    def _next_tick(
        self, key: str, inp: ScaleInput, decided: ScaleDecision, decision: ScaleDecision, pokes: int
    ) -> float:
        """Seconds to the next decision: the tick, or longer while the scaler promises that nothing but traffic,
        a waiting request or an instance change moves its decision (each of which brings the key back at once);
        at most ``QUIET_MAX_SECONDS``, so that a scale floor that begins meanwhile is applied soon."""
        quiet = (
            decided.quiet_until is not None
            and decision == decided  # no floor holds the scale
            and decision.desired == inp.current_desired
            and pokes == 0
            and inp.pending_requests == 0
        )
        self.metrics.quiet(key, quiet)
        if not quiet:
            return self.tick
        return max(self.tick, min(decided.quiet_until - inp.now, QUIET_MAX_SECONDS))

    def _measure(self, key: str, scaler: Any, inst: InstancesStatus, rev: Revision) -> dict[str, float]:
        """A measuring scaler's reading of the ready instances (``{}`` for other scalers or with none ready), with
        ``cpu_request_cores`` when the serving container requests CPU (utilisation is then relative to it)."""
        if not inst.pids or not _measures(scaler):
            return {}
        previous = self.metrics.measure_state.get(key)
        resources, self.metrics.measure_state[key] = call_measure(scaler, inst.pids, previous, inst.instances)
        resources = dict(resources)
        containers = (rev.spec.containers if rev.spec else None) or ()
        requests = (containers[0].resources.requests if containers and containers[0].resources else None) or {}
        if requests.get("cpu") is not None:
            try:
                resources["cpu_request_cores"] = parse_quantity(str(requests["cpu"]))
            except ValueError:
                pass  # admission checks quantities; an unreadable one leaves utilisation per core
        return resources
