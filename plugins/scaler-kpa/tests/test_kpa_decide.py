"""Table tests of KPAScaler.decide: one tick, given the input and the previous state."""

from __future__ import annotations

import attrs
import pytest
from _kpa_helpers import NOW, RUNNING, make_input, series, steady
from pyknative_scaler_kpa import KPAScaler, KPAState

from pyknative.scaling import Scaler

INACTIVE = "inactive"


def _inactive(for_seconds: float, proxy_for: float | None = None) -> KPAState:
    """A revision deactivated ``for_seconds`` ago (the activator in the path since ``proxy_for`` ago)."""
    proxy = for_seconds if proxy_for is None else proxy_for
    return KPAState(activity=INACTIVE, activity_since=NOW - for_seconds, proxy_since=NOW - proxy, initialized=True)


CASES = [
    # --- target and steady load -----------------------------------------------------------------------------
    pytest.param(make_input(steady(200), ready=3), RUNNING, 3, "stable", id="steady-load-keeps-scale"),
    pytest.param(make_input(steady(300), ready=3), RUNNING, 5, "stable", id="steady-load-ceil-observed-over-target"),
    pytest.param(make_input(steady(35), ready=5, annotations={"target": "10"}), RUNNING, 5, "stable",
                 id="target-annotation"),
    pytest.param(make_input(steady(35), ready=5, cc=10), RUNNING, 5, "stable", id="container-concurrency-as-target"),
    pytest.param(make_input(steady(35), ready=5, cc=10, annotations={"target": "50"}), RUNNING, 5, "stable",
                 id="target-annotation-capped-by-container-concurrency"),
    pytest.param(make_input(steady(100), ready=2, annotations={"target-utilization-percentage": "50"}), RUNNING, 2,
                 "stable", id="target-utilization-annotation"),
    pytest.param(make_input(steady(5, requests=1000), ready=8, annotations={"metric": "rps"}), RUNNING, 8, "stable",
                 id="rps-metric"),
    # --- panic --------------------------------------------------------------------------------------------------
    pytest.param(make_input(series([70] * 54 + [700] * 6), ready=1), RUNNING, 10, "panic", id="burst-enters-panic"),
    pytest.param(make_input(steady(70), ready=10),
                 attrs.evolve(RUNNING, panic_time=NOW - 5, panic_started=NOW - 30, max_panic_pods=10), 10, "panic",
                 id="no-scale-down-in-panic"),
    pytest.param(make_input(steady(70), ready=10),
                 attrs.evolve(RUNNING, panic_time=NOW - 61, panic_started=NOW - 90, max_panic_pods=10), 5, "stable",
                 id="panic-exit-after-stable-window"),
    pytest.param(make_input(steady(0), ready=5), None, 5, "panic", id="fresh-scaler-with-ready-pods-starts-in-panic"),
    # --- rate limits --------------------------------------------------------------------------------------------
    pytest.param(make_input(steady(70), ready=10), RUNNING, 5, "stable", id="scale-down-rate-limit"),
    pytest.param(make_input(steady(700), ready=2, config={"max-scale-up-rate": "2"},
                            annotations={"panic-threshold-percentage": "1000"}), RUNNING, 4, "stable",
                 id="scale-up-rate-limit"),
    # --- bounds -------------------------------------------------------------------------------------------------
    pytest.param(make_input(steady(0), ready=3, annotations={"min-scale": "3"}), RUNNING, 3, "stable",
                 id="min-scale-floor"),
    pytest.param(make_input(steady(0), ready=3, config={"min-scale": "2"}), RUNNING, 2, "stable",
                 id="min-scale-from-config"),
    pytest.param(make_input(steady(0), ready=1, annotations={"min-scale": "3"}, reachable=False), _inactive(100), 0,
                 "stable", id="min-scale-ignored-when-unreachable"),
    pytest.param(make_input(steady(700), ready=4, annotations={"max-scale": "4"}), RUNNING, 4, "panic",
                 id="max-scale-cap"),
    # --- first decision, activation -----------------------------------------------------------------------------
    pytest.param(make_input(ready=0, current=0), None, 1, "stable", id="first-decision-initial-scale-default"),
    pytest.param(make_input(ready=0, current=0, annotations={"initial-scale": "3"}), None, 3, "stable",
                 id="first-decision-initial-scale-annotation"),
    pytest.param(make_input(ready=0, current=0, annotations={"initial-scale": "0"},
                            config={"allow-zero-initial-scale": "true"}), None, 0, "stable",
                 id="first-decision-initial-scale-zero-allowed"),
    pytest.param(make_input(ready=0, current=0, annotations={"initial-scale": "0"}), None, 1, "stable",
                 id="first-decision-initial-scale-zero-not-allowed"),
    pytest.param(make_input(ready=0, current=2), None, 2, "stable", id="first-decision-keeps-a-scale-already-asked-for"),
    pytest.param(make_input(ready=0, current=0, pending=1), _inactive(300), 1, "stable",
                 id="pending-request-at-zero-scales-to-one"),
    pytest.param(make_input(ready=0, current=0, pending=1, annotations={"activation-scale": "3"}), _inactive(300), 3,
                 "stable", id="activation-scale-from-zero"),
    pytest.param(make_input(steady(10), ready=1, annotations={"activation-scale": "3"}), RUNNING, 3, "stable",
                 id="activation-scale-with-any-traffic"),
    pytest.param(make_input(ready=0, current=0, pending=1, config={"activation-scale": "4"}), _inactive(300), 4,
                 "stable", id="activation-scale-from-config-autoscaler"),
    pytest.param(make_input(ready=0, current=0, pending=1, config={"activation-scale": "4"},
                            annotations={"activation-scale": "2"}), _inactive(300), 2,
                 "stable", id="activation-scale-annotation-over-config"),
    pytest.param(make_input(ready=0, current=0, pending=400), _inactive(300), 6, "panic",
                 id="pending-requests-at-zero-count-as-load"),
    # --- scale-down delay ---------------------------------------------------------------------------------------
    pytest.param(make_input(steady(70), ready=5, annotations={"scale-down-delay": "1m"}),
                 attrs.evolve(RUNNING, delay_window=((NOW - 30, 5),)), 5, "stable", id="scale-down-delay-holds-max"),
    pytest.param(make_input(steady(70), ready=5, annotations={"scale-down-delay": "1m"}),
                 attrs.evolve(RUNNING, delay_window=((NOW - 61, 5),)), 2, "stable",
                 id="scale-down-delay-expired"),
    # --- scale to zero ------------------------------------------------------------------------------------------
    pytest.param(make_input(steady(0), ready=1, annotations={"target-burst-capacity": "0"}), _inactive(31), 0,
                 "stable", id="scale-to-zero-after-grace"),
    pytest.param(make_input(steady(0), ready=1, annotations={"target-burst-capacity": "0"}), _inactive(10), 1,
                 "stable", id="no-scale-to-zero-before-grace"),
    pytest.param(make_input(steady(0), ready=1), _inactive(1, proxy_for=100), 0, "stable",
                 id="scale-to-zero-fast-path-activator-already-in-path"),
    pytest.param(make_input(steady(0), ready=1, config={"enable-scale-to-zero": "false"}), _inactive(300), 1,
                 "stable", id="enable-scale-to-zero-false-keeps-one"),
    pytest.param(make_input(steady(0), ready=1), RUNNING, 1, "stable", id="idle-active-revision-deactivates-first"),
    pytest.param(make_input(steady(0), ready=1), attrs.evolve(RUNNING, activity_since=NOW - 20), 1, "stable",
                 id="active-less-than-stable-window-keeps-one"),
    pytest.param(make_input(steady(0), ready=1, annotations={"scale-to-zero-pod-retention-period": "5m"}),
                 _inactive(60), 1, "stable", id="retention-period-keeps-last-pod"),
    pytest.param(make_input(steady(0), ready=1, annotations={"scale-to-zero-pod-retention-period": "5m"}),
                 _inactive(301), 0, "stable", id="retention-period-over"),
    pytest.param(make_input(series([0] * 30 + [50] + [0] * 29), ready=1, annotations={"target-burst-capacity": "0"}),
                 _inactive(100), 1, "stable", id="traffic-in-stable-window-keeps-one"),
]


@pytest.mark.parametrize(("inp", "state", "desired", "mode"), CASES)
def test_decide(inp, state, desired, mode):
    decision = KPAScaler().decide(inp, state)
    assert (decision.desired, decision.mode) == (desired, mode), decision.reason
    assert isinstance(decision.state, KPAState)
    assert decision.reason.endswith(f"=> {desired}")


def test_scaler_satisfies_the_core_protocol():
    scaler = KPAScaler()
    assert isinstance(scaler, Scaler)
    assert scaler.autoscaler_class == "kpa.autoscaling.knative.dev"


def test_decision_reports_metric_observed_and_target():
    decision = KPAScaler().decide(make_input(steady(5, requests=1000), ready=8, annotations={"metric": "rps"}),
                                  RUNNING)
    assert (decision.metric, decision.observed, decision.target) == ("rps", 1000.0, 140.0)


def test_panic_reports_panic_window_value():
    decision = KPAScaler().decide(make_input(series([70] * 54 + [700] * 6), ready=1), RUNNING)
    assert decision.observed == 700.0
    assert decision.state.max_panic_pods == 10
    assert decision.state.panic_started == NOW


@pytest.mark.parametrize(
    ("annotations", "ready", "concurrency", "expected"),
    [
        pytest.param({"target-burst-capacity": "211"}, 5, 50, 239.0, id="tbc-211"),
        pytest.param({}, 5, 50, 239.0, id="tbc-default-is-211"),
        pytest.param({}, 1, 50, -161.0, id="tbc-211-one-pod-is-negative"),
        pytest.param({"target-burst-capacity": "0"}, 5, 50, 0.0, id="tbc-0-always-zero"),
        pytest.param({"target-burst-capacity": "-1"}, 5, 50, -1.0, id="tbc-minus-1-always-negative"),
        pytest.param({"target-burst-capacity": "100"}, 0, 0, -100.0, id="tbc-at-zero-scale"),
    ],
)
def test_excess_burst_capacity(annotations, ready, concurrency, expected):
    decision = KPAScaler().decide(make_input(steady(concurrency), ready=ready, annotations=annotations), RUNNING)
    assert decision.excess_burst_capacity == expected


def test_deactivation_moves_state_to_inactive_and_puts_activator_in_path():
    decision = KPAScaler().decide(make_input(steady(0), ready=1, annotations={"target-burst-capacity": "0"}), RUNNING)
    assert decision.desired == 1
    assert (decision.state.activity, decision.state.activity_since, decision.state.proxy_since) == (INACTIVE, NOW, NOW)


def test_traffic_returning_reactivates_an_inactive_revision():
    decision = KPAScaler().decide(make_input(steady(140), ready=1), _inactive(10))
    assert decision.desired == 2
    assert (decision.state.activity, decision.state.activity_since) == ("active", NOW)


def test_initial_scale_floor_lasts_until_reached_once():
    scaler = KPAScaler()
    first = scaler.decide(make_input(ready=0, current=0, annotations={"initial-scale": "3"}), None)
    assert first.desired == 3 and not first.state.initialized
    still = scaler.decide(make_input(steady(0, seconds=5), ready=2, current=3, annotations={"initial-scale": "3"},
                                     now=NOW + 5), first.state)
    assert still.desired == 3 and not still.state.initialized
    reached = scaler.decide(make_input(steady(0, seconds=10), ready=3, current=3, annotations={"initial-scale": "3"},
                                       now=NOW + 10), still.state)
    assert reached.state.initialized
    after = scaler.decide(make_input(steady(0, seconds=70), ready=3, current=3, annotations={"initial-scale": "3"},
                                     now=NOW + 70), attrs.evolve(reached.state, panic_time=None, max_panic_pods=0))
    assert after.desired == 1  # the floor is gone: 3 ready scale down at most by half


def test_activation_that_never_succeeds_is_given_up():
    state = KPAState(activity="activating", activity_since=NOW - 611)
    decision = KPAScaler().decide(make_input(ready=0, current=1), state)
    assert decision.desired == 0
    held = KPAScaler().decide(make_input(ready=0, current=1), attrs.evolve(state, activity_since=NOW - 100))
    assert held.desired == 1


def test_missing_config_keys_use_knative_defaults():
    full = {
        "container-concurrency-target-default": "100", "container-concurrency-target-percentage": "70",
        "stable-window": "60s", "panic-window-percentage": "10", "panic-threshold-percentage": "200",
        "max-scale-up-rate": "1000", "max-scale-down-rate": "2", "target-burst-capacity": "211",
    }
    inp = make_input(series([70] * 54 + [700] * 6), ready=1)
    assert KPAScaler().decide(inp, RUNNING) == KPAScaler().decide(attrs.evolve(inp, config=full), RUNNING)


def test_a_restarted_platform_does_not_force_an_initialized_revision_back_to_its_initial_scale():
    """The scaler's memory is lost with the process; the PodAutoscaler's ScaleTargetInitialized is not."""
    import time as _time

    from pyknative_scaler_kpa.scaler import KPAScaler as _KPA

    from pyknative.scaling import ScaleInput as _Input

    def first_tick(initialized: bool) -> int:
        inp = _Input(
            key="default/r-00001",
            annotations={"autoscaling.knative.dev/initial-scale": "3"},
            config={},
            container_concurrency=0,
            samples=(),
            ready=1,
            current_desired=1,  # status.desiredScale after it scaled down from 3
            pending_requests=0,
            now=_time.monotonic(),
            initialized=initialized,
        )
        return _KPA().decide(inp, None).desired

    assert first_tick(initialized=False) == 3  # a new revision starts at its initial scale
    assert first_tick(initialized=True) <= 1  # one that reached it before the restart is not sent back


def test_a_decision_on_the_stable_window_tail_is_the_decision_on_the_whole_history():
    """The core hands the scaler the samples of the stable window and a few seconds before it: averages over
    that tail equal those over an hour of history, with a history running through the window and one that
    starts inside it."""
    from pyknative_scaler_kpa.windows import concurrency, window_average

    from pyknative.scaling import MetricSample

    now = 3600.4
    for start in (0, 3570):  # a whole hour of samples, or 30 s of them
        full = tuple(MetricSample(time=float(t), concurrency=float(t % 7), requests=1.0) for t in range(start, 3600))
        tail = tuple(s for s in full if s.time >= now - 60 - 3)
        for window in (60.0, 6.0):
            assert window_average(tail, now, window, concurrency) == window_average(full, now, window, concurrency)
