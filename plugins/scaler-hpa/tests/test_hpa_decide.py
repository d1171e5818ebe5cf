"""HPAScaler.decide: the Kubernetes HPA rule on locally measured CPU and memory, one table row per behaviour."""

from __future__ import annotations

import pytest
from _hpa_helpers import NOW, make_input
from pyknative_scaler_hpa import HPAScaler, HPAState

HPA = HPAScaler()


def held(*values: int, age: float = 100.0) -> HPAState:
    """A state whose recent recommendations (``age`` seconds ago) were ``values``."""
    return HPAState(recommendations=tuple((NOW - age, v) for v in values))


@pytest.mark.parametrize(
    ("inp", "state", "scaler", "desired"),
    [
        # the rule: ceil(ready × observed / target), target 80% CPU when no target annotation
        pytest.param(make_input(cpu=160, ready=2), None, HPA, 4, id="default-target-80-doubles"),
        pytest.param(make_input(cpu=120, ready=3, annotations={"target": "60"}), None, HPA, 6, id="cpu-target"),
        pytest.param(make_input(cpu=70.5, ready=3, annotations={"target": "69.2"}), None, HPA, 3,
                     id="target-rounded-up-to-70-within-tolerance"),
        # 10% tolerance around the target keeps the scale
        pytest.param(make_input(cpu=87, ready=2), None, HPA, 2, id="ratio-1.09-within-tolerance"),
        pytest.param(make_input(cpu=89, ready=2), None, HPA, 3, id="ratio-above-tolerance"),
        pytest.param(make_input(cpu=72, ready=4), None, HPAScaler(0), 4, id="ratio-0.9-within-tolerance"),
        pytest.param(make_input(cpu=71, ready=4), None, HPAScaler(0), 4, id="ratio-0.89-ceil-stays"),
        pytest.param(make_input(cpu=40, ready=4), None, HPAScaler(0), 2, id="halves-without-stabilization"),
        # cpu relative to the request: 50% of a core is 100% of a 500m request
        pytest.param(make_input(cpu=50, request=0.5, ready=2, annotations={"target": "50"}), None, HPA, 4,
                     id="cpu-of-request"),
        # memory: Mi per instance
        pytest.param(make_input(memory_mi=512, ready=2, annotations={"metric": "memory", "target": "256"}),
                     None, HPA, 4, id="memory-target-mi"),
        pytest.param(make_input(memory_mi=300, cpu=500, ready=2, annotations={"metric": "memory", "target": "256.9"}),
                     None, HPA, 3, id="memory-target-truncated-to-whole-mi"),
        pytest.param(make_input(cpu=160, memory_mi=10, ready=2, annotations={"metric": "memory"}), None, HPA, 4,
                     id="memory-without-target-is-cpu-80"),
        # scale-up policy: at most +4 or +100% per 15 s
        pytest.param(make_input(cpu=800, ready=2), None, HPA, 6, id="scale-up-limited-to-plus-4"),
        pytest.param(make_input(cpu=800, ready=10), None, HPA, 20, id="scale-up-limited-to-double"),
        pytest.param(make_input(cpu=800, ready=6), HPAState(scale_events=((NOW - 5, 4),)), HPA, 6,
                     id="scale-up-limit-counts-recent-events"),
        pytest.param(make_input(cpu=800, ready=6), HPAState(scale_events=((NOW - 16, 4),)), HPA, 12,
                     id="scale-up-limit-forgets-old-events"),
        # scale-down stabilization: the highest recommendation of the last 300 s
        pytest.param(make_input(cpu=20, ready=4), held(4), HPA, 4, id="scale-down-held-by-stabilization"),
        pytest.param(make_input(cpu=20, ready=4), held(3), HPA, 3, id="scale-down-to-highest-recent"),
        pytest.param(make_input(cpu=20, ready=4), held(4, age=301), HPA, 1, id="scale-down-after-window"),
        pytest.param(make_input(cpu=20, ready=4), held(4), HPAScaler(scale_down_stabilization=60), 1,
                     id="config-hpa-shorter-window"),
        pytest.param(make_input(cpu=20, ready=4, annotations={"window": "60s"}), held(4), HPA, 1,
                     id="window-annotation-replaces-300s"),
        # the window annotation also stabilizes scale-up (lowest recent recommendation)
        pytest.param(make_input(cpu=160, ready=2, annotations={"window": "60s"}), held(2, age=30), HPA, 2,
                     id="window-stabilizes-scale-up"),
        pytest.param(make_input(cpu=160, ready=2, annotations={"window": "60s"}), held(2, age=61), HPA, 4,
                     id="window-scale-up-after-window"),
        # bounds; never below one
        pytest.param(make_input(cpu=0, ready=3), None, HPAScaler(0), 1, id="never-zero"),
        pytest.param(make_input(cpu=0, ready=3, annotations={"min-scale": "2"}), None, HPAScaler(0), 2,
                     id="min-scale"),
        pytest.param(make_input(cpu=0, ready=3, config={"min-scale": "2"}), None, HPAScaler(0), 2,
                     id="config-min-scale"),
        pytest.param(make_input(cpu=0, ready=3, annotations={"min-scale": "2"}, reachable=False), None,
                     HPAScaler(0), 1, id="unreachable-ignores-min-scale-not-one"),
        pytest.param(make_input(cpu=400, ready=2, annotations={"max-scale": "5"}), None, HPA, 5, id="max-scale"),
        pytest.param(make_input(cpu=400, ready=2, config={"max-scale": "3"}), None, HPA, 3, id="config-max-scale"),
        pytest.param(make_input(cpu=80, ready=6, annotations={"max-scale": "4"}), None, HPA, 4,
                     id="above-max-comes-down-at-once"),
        pytest.param(make_input(cpu=80, ready=1, annotations={"min-scale": "3"}), None, HPA, 3,
                     id="below-min-goes-up-at-once"),
        # a new revision starts at its initial scale
        pytest.param(make_input(ready=0, current=0), None, HPA, 1, id="first-tick-initial-1"),
        pytest.param(make_input(ready=0, current=0, annotations={"initial-scale": "3"}), None, HPA, 3,
                     id="first-tick-initial-scale"),
        pytest.param(make_input(ready=0, current=0, annotations={"initial-scale": "0"}), None, HPA, 1,
                     id="initial-zero-not-allowed-is-one"),
        pytest.param(make_input(ready=0, current=0, annotations={"min-scale": "2"}), None, HPA, 2,
                     id="first-tick-min-scale"),
        # nothing to go on: keep the scale
        pytest.param(make_input(ready=3), held(1, age=400), HPAScaler(0), 3, id="no-resources-keeps-scale"),
        pytest.param(make_input(cpu=500, ready=0, current=2), None, HPA, 2, id="nothing-ready-keeps-scale"),
        pytest.param(make_input(cpu=500, ready=2, annotations={"metric": "memory", "target": "100"}), None, HPA, 2,
                     id="no-memory-measurement-keeps-scale"),
        # a custom metric is not measured locally: the scale stays within its bounds
        pytest.param(make_input(cpu=500, memory_mi=900, ready=2, annotations={"metric": "rps", "target": "10"}), None,
                     HPA, 2, id="custom-metric-keeps-scale"),
        pytest.param(make_input(cpu=500, ready=2, annotations={"metric": "rps", "target": "10", "max-scale": "1"}),
                     None, HPA, 1, id="custom-metric-bounded"),
        # without a target Knative renders no metric: Kubernetes' 80% CPU, whatever the metric's name
        pytest.param(make_input(cpu=160, ready=2, annotations={"metric": "rps"}), None, HPA, 4,
                     id="custom-metric-without-target-is-cpu-80"),
        # instances still starting count as idle when scaling up
        pytest.param(make_input(cpu=100, ready=2, current=4), None, HPA, 4, id="unready-dilute-the-ratio"),
        pytest.param(make_input(cpu=200, ready=2, current=3), None, HPA, 5, id="unready-overloaded-still-grows"),
    ],
)
def test_decide(inp, state, scaler, desired):
    decision = scaler.decide(inp, state)
    assert decision.desired == desired, decision.reason
    assert isinstance(decision.state, HPAState)
    assert decision.excess_burst_capacity == 0.0


def test_decision_reports_metric_observed_and_target():
    d = HPA.decide(make_input(cpu=50, request=0.5, ready=2, annotations={"target": "50"}), None)
    assert (d.metric, d.observed, d.target) == ("cpu", 100.0, 50.0)
    assert "cpu 100% per instance against a target of 50%" in d.reason and d.reason.endswith("=> 4")
    m = HPA.decide(make_input(memory_mi=300, ready=1, annotations={"metric": "memory", "target": "100"}), None)
    assert (m.metric, m.observed, m.target) == ("memory", 300.0, 100.0)
    assert "Mi" in m.reason


def test_a_custom_metric_says_why_nothing_scales_it():
    first = HPA.decide(make_input(ready=0, current=0, annotations={"metric": "rps", "target": "10"}), None)
    later = HPA.decide(make_input(cpu=500, ready=1, annotations={"metric": "rps", "target": "10"}), first.state)
    for d in (first, later):
        assert (d.desired, d.metric, d.target) == (1, "rps", 10.0)
        assert "custom metric 'rps' is not measured locally: it needs a Kubernetes metrics adapter" in d.reason


def test_a_spike_then_quiet_holds_for_the_stabilization_window_then_drops():
    """Ticks every 2 s: 7.2 cores of work for 20 s, spread over the instances, then almost none."""
    scaler, state, current = HPAScaler(), None, 1
    timeline: list[tuple[float, int]] = []
    for tick in range(0, 200):
        now = tick * 2.0
        total = 720.0 if now < 20 else 5.0
        d = scaler.decide(make_input(cpu=total / current, ready=current, now=now), state)
        state, current = d.state, d.desired
        timeline.append((now, current))
    # 1 → 5 at once (+4 is the policy's most), → 9 once that step is 15 s old, then held
    assert [n for t, n in timeline if t < 20] == [5] * 8 + [9] * 2
    last_high = 18.0  # the last tick whose recommendation was 9
    dropped_at = min(t for t, n in timeline if t > last_high and n < 9)
    assert dropped_at == last_high + 300
    assert dict(timeline)[dropped_at] == 1
    assert len(state.recommendations) <= 151  # only the window's worth is kept
