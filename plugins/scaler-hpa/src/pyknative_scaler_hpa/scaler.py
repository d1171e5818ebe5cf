"""``HPAScaler``: the hpa.autoscaling.knative.dev class, one pure ``decide`` per revision per tick.

Locally there is no Kubernetes HPA controller, so ``decide`` plays its part on the measurements the core puts
in ``ScaleInput.resources`` (see :mod:`~pyknative_scaler_hpa.measure`):

1. a scale that was never set starts at the initial scale (at least 1, within the bounds);
2. a scale outside ``[max(1, min-scale), max-scale]`` is brought inside, as the HPA does before any metric;
3. otherwise the usage ratio ``observed / target`` gives ``ceil(ratio × ready)`` (:func:`~.rules.recommend`),
   stabilized over the windows, limited by the scale-up policies and bounded.

With no measurement for its metric (nothing ready, or the core sent none) it keeps the current scale, as the
HPA does when metrics are missing. A custom metric (any name but cpu and memory, which Knative renders as a Pods
metric for a cluster's metrics adapter) is never measured locally: the scale stays within its bounds, and every
decision's reason says why. It never asks for zero.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import attrs

from pyknative import FieldError
from pyknative.runtime.api import InstanceInfo
from pyknative.scaling import ScaleDecision, ScaleInput
from pyknative_scaler_hpa import keys as k
from pyknative_scaler_hpa.measure import (
    CPU_IGNORED,
    CPU_INSTANCES,
    CPU_PERCENT,
    MEMORY_BYTES,
    MeasureState,
    measure,
)
from pyknative_scaler_hpa.rules import recommend, scale_up_limit, stabilize
from pyknative_scaler_hpa.spec import HPASpec, spec_from
from pyknative_scaler_hpa.state import HPAState
from pyknative_scaler_hpa.validation import validate_annotations

#: ``ScaleInput.resources`` keys this class reads (all but the request are what :func:`measure` answers)
CPU_REQUEST_CORES = "cpu_request_cores"


def observe(spec: HPASpec, resources: Mapping[str, float]) -> float | None:
    """The metric in the target's unit (cpu: percent of the request or of one core; memory: Mi), or None (a
    custom metric always)."""
    if spec.metric == k.CPU:
        used = resources.get(CPU_PERCENT)
        if used is None:
            return None
        request = resources.get(CPU_REQUEST_CORES) or 0.0
        return float(used) / request if request > 0 else float(used)
    if spec.metric == k.MEMORY:
        used = resources.get(MEMORY_BYTES)
        return None if used is None else float(used) / k.MI
    return None


def unmeasured(metric: str) -> str:
    """What a custom metric's decisions add to their reason: why nothing scales it."""
    return (
        f"custom metric {metric!r} is not measured locally: it needs a Kubernetes metrics adapter"
        " (pyknative measures cpu and memory)"
    )


@attrs.frozen
class HPAScaler:
    """Knative's HPA class: scales on average CPU utilisation or memory per instance, never to zero."""

    autoscaler_class: ClassVar[str] = k.HPA_CLASS
    #: seconds; ``config-hpa: scale-down-stabilization`` (a ``window`` annotation replaces it per revision)
    scale_down_stabilization: float = 300.0
    #: seconds; ``config-hpa: cpu-initialization-period`` and ``initial-readiness-delay`` (Kubernetes' flags)
    cpu_initialization_period: float = k.CPU_INITIALIZATION_PERIOD
    initial_readiness_delay: float = k.INITIAL_READINESS_DELAY

    def spec(self, inp: ScaleInput) -> HPASpec:
        return spec_from(
            inp.settings, reachable=inp.reachable, scale_down_stabilization=self.scale_down_stabilization
        )

    def measure(
        self, pids: Sequence[int], state: Any, instances: Sequence[InstanceInfo] = ()
    ) -> tuple[dict[str, float], MeasureState]:
        """The core calls this before each decision (see :class:`pyknative.scaling.MeasuringScaler`)."""
        return measure(
            pids,
            state if isinstance(state, MeasureState) else None,
            instances,
            initialization_period=self.cpu_initialization_period,
            readiness_delay=self.initial_readiness_delay,
        )

    def decide(self, inp: ScaleInput, state: Any) -> ScaleDecision:
        spec = self.spec(inp)
        prev = state if isinstance(state, HPAState) else HPAState()
        now, current = inp.now, inp.current_desired
        observed = observe(spec, inp.resources)

        def answer(desired: int, reason: str, new: HPAState, mode: str = "stable") -> ScaleDecision:
            if spec.custom:
                reason = f"{reason}; {unmeasured(spec.metric)}"
            return ScaleDecision(
                desired=desired,
                mode=mode,
                metric=spec.metric,
                observed=observed if observed is not None else 0.0,
                target=spec.target,
                excess_burst_capacity=0.0,  # Knative keeps the activator out of an HPA revision's path
                state=new,
                reason=f"{reason} => {desired}",
            )

        if current <= 0:
            desired = spec.bound(spec.initial_scale)
            return answer(desired, f"starting at the initial scale {spec.initial_scale}", prev)
        if spec.max_scale and current > spec.max_scale:
            return answer(spec.max_scale, f"above max-scale {spec.max_scale}", self._record(prev, now, current, spec.max_scale))
        if current < spec.floor:
            return answer(spec.floor, f"below min-scale {spec.floor}", self._record(prev, now, current, spec.floor))
        counted, starting = inp.ready, 0
        if spec.metric == k.CPU:
            # Kubernetes' readyPodCount: the instances whose CPU sample counts; those still starting do not
            counted = int(inp.resources.get(CPU_INSTANCES, inp.ready))
            starting = int(inp.resources.get(CPU_IGNORED, 0))
        if observed is None or inp.ready <= 0:
            why = f"no {spec.metric} measurement"
            if inp.ready <= 0:
                why = "no instance ready"
            elif starting:
                why = f"the cpu of {starting} starting instance(s) does not count yet (cpu-initialization-period)"
            return answer(current, f"{why}: keeping the scale", prev)

        ratio = observed / spec.target
        proposal = recommend(ratio, counted, current)
        keep = max(spec.scale_up_window, spec.scale_down_window)
        recommendations = tuple((t, n) for t, n in prev.recommendations if t > now - keep)
        stable = stabilize(recommendations, proposal, current, now, spec.scale_up_window, spec.scale_down_window)
        desired, limit_note = stable, ""
        if stable > current:
            limit = scale_up_limit(current, prev.scale_events, now)
            if stable > limit:
                desired, limit_note = limit, f"; the scale-up policy allows {limit} now"
        bounded = spec.bound(desired)
        new = self._record(
            HPAState(recommendations=(*recommendations, (now, proposal)), scale_events=prev.scale_events),
            now,
            current,
            bounded,
        )
        unit = "%" if spec.metric == k.CPU else "Mi"  # a custom metric never gets this far
        parts = [
            f"{spec.metric} {observed:.4g}{unit} per instance against a target of {spec.target:g}{unit}"
            f" over {counted} ready: {proposal} recommended"
        ]
        if starting:
            parts.append(f"the cpu of {starting} starting instance(s) not counted yet")
        mode = "stable"
        if stable != proposal:
            window = spec.scale_down_window if stable > proposal else spec.scale_up_window
            parts.append(f"stabilized at {stable} over {window:g}s")
            mode = "stabilizing"
        if limit_note:
            parts.append(limit_note.lstrip("; "))
        if bounded != desired:
            parts.append(f"bounded to [{spec.floor}, {spec.max_scale or 'no limit'}]")
        return answer(bounded, "; ".join(parts), new, mode)

    def validate(self, annotations: Mapping[str, str], path: str) -> list[FieldError]:
        return validate_annotations(annotations, path)

    @staticmethod
    def _record(state: HPAState, now: float, current: int, desired: int) -> HPAState:
        """Remember a change of scale for the rate policies (events older than the policy period drop)."""
        events = tuple((t, c) for t, c in state.scale_events if t > now - k.SCALE_UP_PERIOD)
        if desired != current:
            events = (*events, (now, desired - current))
        return attrs.evolve(state, scale_events=events)
