"""``KPAScaler``: the kpa.autoscaling.knative.dev class, one pure ``decide`` per revision per tick.

A decision runs Knative's two halves in order: the decider (:mod:`~pyknative_scaler_kpa.decider`, metric
windows, panic mode, rate limits, scale-down delay, burst capacity) and the reconciler's scale step
(:mod:`~pyknative_scaler_kpa.activation`, bounds, initial scale, the guarded way to zero). All memory is in
the returned :class:`~pyknative_scaler_kpa.state.KPAState`; nothing is read but the input.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import attrs

from pyknative import FieldError
from pyknative.autoscaling_settings import RevisionAutoscaling
from pyknative.scaling import ScaleDecision, ScaleInput
from pyknative_scaler_kpa import keys as k
from pyknative_scaler_kpa.activation import Outcome, quiet_until, reconcile
from pyknative_scaler_kpa.decider import DeciderResult, Observed, decide_metric, start_state
from pyknative_scaler_kpa.spec import KPASpec, progress_deadline, spec_from
from pyknative_scaler_kpa.state import KPAState
from pyknative_scaler_kpa.validation import validate_annotations
from pyknative_scaler_kpa.windows import concurrency, requests, window_average

#: KPASpec by (id of the settings, containerConcurrency, reachability, progress deadline); the settings object is
#: kept beside its spec, so an id reused by another object never matches
_SPECS: dict[tuple[int, int, bool, float], tuple[RevisionAutoscaling, KPASpec]] = {}
_SPECS_LIMIT = 4096


@attrs.frozen
class KPAScaler:
    """Knative's Pod Autoscaler: scales on concurrency or requests per second, with panic mode and scale to zero."""

    autoscaler_class: ClassVar[str] = k.KPA_CLASS

    def spec(self, inp: ScaleInput) -> KPASpec:
        """The settings this input resolves to (the core's ``inp.settings``, containerConcurrency, reachability).

        Kept per settings object (the core shares one per distinct annotations and config): every revision is
        decided every tick.
        """
        settings, deadline = inp.settings, progress_deadline(inp.config)
        key = (id(settings), inp.container_concurrency, inp.reachable, deadline)
        cached = _SPECS.get(key)
        if cached is not None and cached[0] is settings:
            return cached[1]
        spec = spec_from(settings, inp.container_concurrency, inp.reachable, deadline)
        if len(_SPECS) >= _SPECS_LIMIT:
            _SPECS.clear()
        _SPECS[key] = (settings, spec)
        return spec

    def decide(self, inp: ScaleInput, state: Any) -> ScaleDecision:
        spec = self.spec(inp)
        first = not isinstance(state, KPAState)
        prev: KPAState = start_state(inp.ready, inp.now) if first else state
        if first and inp.initialized:  # a restarted platform: the revision reached its initial scale before
            prev = attrs.evolve(prev, initialized=True)

        observed = self._observe(spec, inp)
        result = decide_metric(spec, observed, inp.ready, inp.now, prev)
        decided = result.desired
        poked = inp.ready == 0 and inp.pending_requests > 0
        if poked:  # the activator holds requests and nothing can serve them: scale up now
            decided = max(decided, 1, spec.activation_scale)

        # While a step towards zero waits, the scale stays where it is; a new revision is at its initial scale.
        held = (
            spec.initial_scale
            if first and inp.current_desired <= 0 and not inp.initialized
            else max(0, inp.current_desired)
        )
        outcome = reconcile(
            spec, decided, result.excess_burst_capacity, inp.ready, held, inp.now, result.state
        )
        mode = "panic" if result.panicking else "stable"
        quiet = None
        if (
            observed.stable == 0 and observed.panic == 0 and not poked and not result.panicking
            and result.delayed_from is None and outcome.desired == held
        ):  # nothing but the clock moves this revision: say until when its decisions stay this one
            again = reconcile(  # the next tick, were it now: a state this tick changed may move it at once
                spec, decided, result.excess_burst_capacity, inp.ready, outcome.desired, inp.now, outcome.state
            )
            if again.desired == outcome.desired and again.state.activity == outcome.state.activity:
                quiet = quiet_until(spec, decided, outcome.state, inp.now)
        return ScaleDecision(
            desired=outcome.desired,
            mode=mode,
            metric=spec.metric,
            observed=observed.panic if result.panicking else observed.stable,
            target=spec.target,
            excess_burst_capacity=result.excess_burst_capacity,
            state=outcome.state,
            reason=self._reason(spec, inp, observed, result, outcome, mode, poked),
            quiet_until=quiet,
        )

    def validate(self, annotations: Mapping[str, str], path: str) -> list[FieldError]:
        return validate_annotations(annotations, path)

    @staticmethod
    def _observe(spec: KPASpec, inp: ScaleInput) -> Observed:
        value = requests if spec.metric == k.RPS else concurrency
        stable = window_average(inp.samples, inp.now, spec.stable_window, value)
        panic = window_average(inp.samples, inp.now, spec.panic_window, value)
        if inp.ready == 0 and inp.pending_requests > 0:
            # At zero the activator's buffered requests are the whole demand, as its stats report to Knative.
            stable, panic = max(stable, float(inp.pending_requests)), max(panic, float(inp.pending_requests))
        return Observed(stable=stable, panic=panic)

    @staticmethod
    def _reason(
        spec: KPASpec,
        inp: ScaleInput,
        observed: Observed,
        result: DeciderResult,
        outcome: Outcome,
        mode: str,
        poked: bool,
    ) -> str:
        value = observed.panic if mode == "panic" else observed.stable
        parts = [f"{mode}: {spec.metric} {value:g} against a target of {spec.target:g} per instance"]
        if poked:
            parts.append(f"{inp.pending_requests} request(s) waiting at zero scale")
        if result.delayed_from is not None:
            parts.append(f"scale-down-delay holds {result.desired} instead of {result.delayed_from}")
        if outcome.reason:
            parts.append(outcome.reason)
        return f"{'; '.join(parts)} => {outcome.desired}"
