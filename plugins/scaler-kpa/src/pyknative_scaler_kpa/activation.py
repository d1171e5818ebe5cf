"""The reconciler half of the KPA: Knative's ``scaler.scale`` and ``computeActiveCondition`` (pkg/reconciler/
autoscaling/kpa/scaler.go and kpa.go).

It clamps the decider's count to min-scale / max-scale (min-scale only while the revision is reachable, and
raised to the initial scale until that many instances were ready once), then guards the way to zero: with
``enable-scale-to-zero: false`` the floor is 1; an active revision first goes *inactive* (the activator takes
over the request path) once it has been active for a stable window, and only after
``scale-to-zero-grace-period`` in that state (sooner if the activator was already in the path that long),
and no earlier than ``scale-to-zero-pod-retention-period``, is the last instance removed. While a step is
not yet allowed the scale is held where it is, as Knative leaves the Deployment untouched.
"""

from __future__ import annotations

import math

import attrs

from pyknative_scaler_kpa.durations import format_duration
from pyknative_scaler_kpa.spec import KPASpec
from pyknative_scaler_kpa.state import ACTIVATING, ACTIVE, INACTIVE, KPAState

#: Knative's ``scaleUnknown``: no scale is asked for this tick.
UNKNOWN = -1


@attrs.frozen
class Outcome:
    #: the scale the instances should have after this tick
    desired: int
    #: Knative's ``want``: what the PodAutoscaler asks for (0 deactivates, -1 asks nothing)
    want: int
    #: why the scale-to-zero guard changed or held the count ("" when it did not)
    reason: str
    state: KPAState


def apply_bounds(low: int, high: int, value: int) -> int:
    """Clamp to ``[low, high]``; ``high == 0`` means no upper bound."""
    if value < low:
        return low
    if high != 0 and value > high:
        return high
    return value


def _scale_to_zero(spec: KPASpec, state: KPAState, now: float) -> tuple[bool, int, str]:
    """``(apply, want, reason)`` for a tick that asks for zero, as Knative's ``handleScaleToZero``."""
    if not spec.enable_scale_to_zero:
        return True, 1, "enable-scale-to-zero is false: keeping 1 instance"
    since = now - state.activity_since
    if state.activity == ACTIVATING:
        if since > spec.activation_timeout:
            return (
                True,
                0,
                f"activation did not succeed in {format_duration(spec.activation_timeout)}: scaling to zero",
            )
        return False, UNKNOWN, "activating: holding the scale until instances are ready"
    if state.activity == ACTIVE:
        if since >= spec.stable_window:
            return (
                False,
                0,
                "no traffic for a stable window: deactivating, the activator takes the request path",
            )
        rest = format_duration(spec.stable_window - since)
        return True, 1, f"active for {format_duration(since)} only: keeping 1 instance for another {rest}"
    retention = spec.retention_period
    if since >= max(spec.grace_period, retention):
        return True, 0, f"scaled to zero: inactive for {format_duration(since)}"
    if retention > 0 and since < retention:
        rest = format_duration(retention - since)
        return False, 0, f"inactive: keeping the last instance for the retention period ({rest} left)"
    proxy_for = now - state.proxy_since if state.proxy_since is not None else 0.0
    if proxy_for >= spec.grace_period:
        return (
            True,
            0,
            f"scaled to zero: the activator has been in the request path for {format_duration(proxy_for)}",
        )
    rest = format_duration(spec.grace_period - max(since, proxy_for))
    return False, 0, f"inactive: waiting out the scale-to-zero grace period ({rest} left)"


def _active_condition(spec: KPASpec, state: KPAState, want: int, ready: int) -> tuple[str, bool]:
    """The new Active condition and ScaleTargetInitialized, as Knative's ``computeActiveCondition``."""
    if state.initialized:
        min_ready = max(spec.min_scale, 1)
    else:
        min_ready = max(spec.min_scale, spec.initial_scale)
    initialized = state.initialized or ready >= min_ready
    keep_going = want > 0 or state.activity != INACTIVE
    if want == 0 or min_ready == 0:
        activity = INACTIVE
    elif ready < min_ready:
        activity = ACTIVATING if keep_going else INACTIVE
    else:
        activity = ACTIVE if keep_going else INACTIVE
    return activity, initialized


def _bound_reason(spec: KPASpec, low: int, decided: int, want: int) -> str:
    if want == decided:
        return ""
    if want > decided:
        name = "initial-scale" if low > spec.min_scale else "min-scale"
        return f"{name} {low} raises {decided} to {want}"
    return f"max-scale {spec.max_scale} caps {decided} at {want}"


def reconcile(
    spec: KPASpec,
    decided: int,
    excess_burst_capacity: float,
    ready: int,
    held: int,
    now: float,
    state: KPAState,
) -> Outcome:
    """Turn the decider's count into the scale to apply; ``held`` is the scale kept while a step waits."""
    low = spec.min_scale
    if spec.initial_scale > 1 and not state.initialized:
        low = max(spec.initial_scale, low)
    want = apply_bounds(low, spec.max_scale, decided)
    apply, reason = True, _bound_reason(spec, low, decided, want)
    if want == 0:
        apply, want, reason = _scale_to_zero(spec, state, now)
    desired = want if apply else held

    activity, initialized = _active_condition(spec, state, want, ready)
    since = state.activity_since if activity == state.activity else now
    # The activator is in the request path at zero, while deactivating, and whenever burst capacity is short.
    proxy = want == 0 or excess_burst_capacity < 0 or (want == UNKNOWN and state.activity == INACTIVE)
    proxy_since = (state.proxy_since if state.proxy_since is not None else now) if proxy else None
    new_state = attrs.evolve(
        state, activity=activity, activity_since=since, proxy_since=proxy_since, initialized=initialized
    )
    return Outcome(desired=max(0, desired), want=want, reason=reason, state=new_state)


def quiet_until(spec: KPASpec, decided: int, state: KPAState, now: float) -> float:
    """When, with no demand (the decider asking ``decided`` on zero traffic) and the ready instances unchanged,
    a later tick's outcome could first differ from this one's: the next deadline of the way to zero (``inf``
    when none lies ahead). ``state`` is the state this tick ends with."""
    want = apply_bounds(spec.min_scale, spec.max_scale, decided)
    if spec.initial_scale > 1 and not state.initialized:
        want = apply_bounds(max(spec.initial_scale, spec.min_scale), spec.max_scale, decided)
    if want != 0 or not spec.enable_scale_to_zero:
        return math.inf
    if state.activity == ACTIVATING:
        return state.activity_since + spec.activation_timeout
    if state.activity == ACTIVE:
        return state.activity_since + spec.stable_window
    deadlines = [state.activity_since + max(spec.grace_period, spec.retention_period)]
    if spec.retention_period > 0:
        deadlines.append(state.activity_since + spec.retention_period)
    if state.proxy_since is not None:
        deadlines.append(state.proxy_since + spec.grace_period)
    return min(deadlines)  # one already past: the next tick may move (the promise ends now)
