"""Composition of a class's scale decision with the floors plugins answer (hook ``pyknative_scale_floor``).

Pure. The highest floor of all plugins wins; it is clamped to the revision's max-scale (the annotation, else
``config-autoscaler``) and ignored for a revision no route sends traffic to, as Knative ignores min-scale there.
When it raises the class's decision, the decision's mode reads ``<mode>+floor`` and its reason names the floor;
the class's own state is kept as it is, so the class goes on deciding from what it measures.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from pyknative.scaling import ScaleDecision, ScaleFloor, ScaleInput


def highest_floor(floors: Iterable[ScaleFloor | int | None]) -> ScaleFloor | None:
    """The highest of the plugins' answers (a bare int counts as a floor without a reason); None for none."""
    best: ScaleFloor | None = None
    for floor in floors:
        if isinstance(floor, bool) or floor is None:
            continue
        if isinstance(floor, int):
            floor = ScaleFloor(floor, f"scale floor {floor}")
        if floor.replicas > 0 and (best is None or floor.replicas > best.replicas):
            best = floor
    return best


def apply_floors(decision: ScaleDecision, floors: Iterable[ScaleFloor | int | None], inp: ScaleInput) -> ScaleDecision:
    """``decision`` with ``desired = max(decision.desired, floor)``, the floor clamped to max-scale."""
    best = highest_floor(floors)
    if best is None or not inp.reachable:
        return decision
    replicas, note = best.replicas, best.reason or f"scale floor {best.replicas}"
    cap = inp.settings.max_scale
    if 0 < cap < replicas:
        replicas, note = cap, f"{note} (clamped to max-scale {cap})"
    if replicas <= decision.desired:
        return decision
    reason = f"{decision.reason}; {note} => {replicas}" if decision.reason else f"{note} => {replicas}"
    return attrs.evolve(decision, desired=replicas, mode=f"{decision.mode}+floor", reason=reason)
