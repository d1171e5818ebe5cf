"""Composition of a class's decision with plugins' floors: the highest floor, clamped to max-scale, shown in the
mode and reason, and never applied to a revision no route sends traffic to."""

from __future__ import annotations

import pytest

from pyknative.reconciler.autoscaling.floor import apply_floors, highest_floor
from pyknative.scaling import ScaleDecision, ScaleFloor, ScaleInput

MAX = "autoscaling.knative.dev/max-scale"


def inp(annotations=None, config=None, reachable=True) -> ScaleInput:
    return ScaleInput(
        key="default/hello-00001", annotations=annotations or {}, config=config or {"max-scale": "0"},
        container_concurrency=0, samples=(), ready=0, current_desired=0, pending_requests=0, now=100.0,
        reachable=reachable, wall=1_700_000_000.0,
    )


DECISION = ScaleDecision(desired=1, mode="stable", reason="stable: concurrency 0.5 => 1", state="kept")


@pytest.mark.parametrize(
    ("floors", "annotations", "config", "reachable", "want_desired", "want_mode", "want_note"),
    [
        pytest.param([], {}, None, True, 1, "stable", None, id="no-plugin-answers"),
        pytest.param([None, None], {}, None, True, 1, "stable", None, id="no-floor-now"),
        pytest.param([ScaleFloor(1, "f1")], {}, None, True, 1, "stable", None, id="floor-equal-to-decision"),
        pytest.param([ScaleFloor(3, "f3")], {}, None, True, 3, "stable+floor", "; f3 => 3", id="floor-raises"),
        pytest.param([ScaleFloor(2, "f2"), ScaleFloor(5, "f5"), None], {}, None, True, 5, "stable+floor", "; f5 => 5",
                     id="highest-of-plugins"),
        pytest.param([4], {}, None, True, 4, "stable+floor", "; scale floor 4 => 4", id="bare-int"),
        pytest.param([ScaleFloor(5, "f5")], {MAX: "3"}, None, True, 3, "stable+floor",
                     "; f5 (clamped to max-scale 3) => 3", id="clamped-by-annotation"),
        pytest.param([ScaleFloor(5, "f5")], {}, {"max-scale": "2"}, True, 2, "stable+floor",
                     "; f5 (clamped to max-scale 2) => 2", id="clamped-by-config"),
        pytest.param([ScaleFloor(5, "f5")], {MAX: "0"}, {"max-scale": "2"}, True, 5, "stable+floor", "; f5 => 5",
                     id="annotation-zero-unbounds"),
        pytest.param([ScaleFloor(5, "f5")], {MAX: "1"}, None, True, 1, "stable", None, id="clamped-to-decision"),
        pytest.param([ScaleFloor(5, "f5")], {}, None, False, 1, "stable", None, id="unreachable-ignored"),
    ],
)
def test_apply_floors(floors, annotations, config, reachable, want_desired, want_mode, want_note):
    out = apply_floors(DECISION, floors, inp(annotations, config, reachable))
    assert (out.desired, out.mode) == (want_desired, want_mode)
    assert out.state == "kept"  # the class's memory is untouched
    if want_note is None:
        assert out == DECISION
    else:
        assert out.reason == DECISION.reason + want_note


def test_a_floor_lifts_a_decision_to_zero_and_reads_without_a_class_reason():
    out = apply_floors(ScaleDecision(desired=0, mode="panic"), [ScaleFloor(2, "warm")], inp())
    assert (out.desired, out.mode, out.reason) == (2, "panic+floor", "warm => 2")


def test_highest_floor_ignores_non_positive_and_bool_answers():
    assert highest_floor([0, -1, True, None]) is None
    assert highest_floor([ScaleFloor(2, "a"), ScaleFloor(2, "b")]).reason == "a"


def test_scale_input_wall_defaults_to_now():
    import time

    before = time.time()
    value = ScaleInput(key="k", annotations={}, config={}, container_concurrency=0, samples=(), ready=0,
                       current_desired=0, pending_requests=0, now=0.0).wall
    assert before <= value <= time.time()
