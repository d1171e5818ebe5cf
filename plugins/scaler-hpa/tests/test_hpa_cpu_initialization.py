"""Kubernetes' CPU initialization period: the CPU an instance burns while it starts does not scale a revision up.

A table of the rule (``cpu_sample_counts``, Kubernetes' ``groupPods``), the decisions it leads to, the
``config-hpa`` keys that set its two periods, and real processes that burn CPU while starting, then idle.
"""

from __future__ import annotations

import subprocess
import sys
import time

import attrs
import pytest
from _hpa_helpers import make_input
from pyknative_scaler_hpa import HPAScaler, measure
from pyknative_scaler_hpa.rules import cpu_sample_counts

from pyknative.platform import Platform
from pyknative.runtime.api import InstanceInfo

T0 = 1_700_000_000.0  # when the instance's process started (epoch seconds)


def inst(ready: bool, changed: float | None) -> InstanceInfo:
    return InstanceInfo(
        pid=1, started_at=T0, ready=ready, ready_changed_at=None if changed is None else T0 + changed
    )


@pytest.mark.parametrize(
    ("instance", "window_start", "now", "counts"),
    [
        # within the 5 min initialization period: only a ready instance's sample taken after it turned ready
        pytest.param(inst(True, 2), T0, T0 + 3, False, id="lifetime-sample-includes-start-up"),
        pytest.param(inst(True, 2), T0 + 1, T0 + 4, False, id="window-starts-before-ready"),
        pytest.param(inst(True, 2), T0 + 2, T0 + 4, True, id="window-wholly-after-ready"),
        pytest.param(inst(False, None), T0, T0 + 3, False, id="not-ready-yet"),
        pytest.param(inst(False, 120), T0 + 150, T0 + 160, False, id="unready-again-within-period"),
        pytest.param(inst(True, 2), T0, T0 + 299, False, id="last-second-of-the-period"),
        # after it: a ready instance always counts; an unready one only if it was ready once (after 30 s)
        pytest.param(inst(True, 2), T0, T0 + 301, True, id="after-the-period-lifetime-counts"),
        pytest.param(inst(False, 120), T0 + 290, T0 + 310, True, id="unready-after-being-ready-counts"),
        pytest.param(inst(False, 10), T0 + 290, T0 + 310, False, id="unready-never-really-ready"),
        pytest.param(inst(False, None), T0 + 290, T0 + 310, False, id="never-ready"),
    ],
)
def test_cpu_sample_counts(instance, window_start, now, counts):
    assert cpu_sample_counts(instance, window_start, now) is counts


def test_the_periods_are_arguments():
    assert cpu_sample_counts(inst(True, 2), T0, T0 + 3, initialization_period=0) is True
    assert cpu_sample_counts(inst(False, 10), T0 + 290, T0 + 310, readiness_delay=5) is True


HPA = HPAScaler()


@pytest.mark.parametrize(
    ("resources", "ready", "scaler", "desired", "why"),
    [
        # the one instance's sample was left out: nothing to go on, the scale stays
        pytest.param(
            {"cpu_ignored": 1.0, "memory_bytes": 1.0},
            1,
            HPA,
            1,
            "1 starting instance(s) does not count",
            id="all-starting-keeps-the-scale",
        ),
        # two ready, one still starting: the settled one's CPU over one instance; the starting one is idle
        # when scaling up (3, not 6) ...
        pytest.param(
            {"cpu_percent": 240.0, "cpu_instances": 1.0, "cpu_ignored": 1.0},
            2,
            HPA,
            3,
            "over 1 ready",
            id="starting-counts-as-idle-on-scale-up",
        ),
        # ... and left out when scaling down (Kubernetes' readyPodCount)
        pytest.param(
            {"cpu_percent": 20.0, "cpu_instances": 1.0, "cpu_ignored": 1.0},
            2,
            HPAScaler(0),
            1,
            "not counted yet",
            id="starting-left-out-on-scale-down",
        ),
        pytest.param(
            {"cpu_percent": 240.0, "cpu_instances": 2.0}, 2, HPA, 6, "over 2 ready", id="all-settled"
        ),
    ],
)
def test_decisions_over_the_instances_whose_cpu_counts(resources, ready, scaler, desired, why):
    d = scaler.decide(attrs.evolve(make_input(ready=ready), resources=resources), None)
    assert d.desired == desired, d.reason
    assert why in d.reason


async def test_config_hpa_sets_both_periods(tmp_path):
    path = tmp_path / "ops.yaml"
    path.write_text("config-hpa:\n  cpu-initialization-period: 1m\n  initial-readiness-delay: 10s\n")
    scaler = await Platform.from_config(path).scaler("hpa.autoscaling.knative.dev")
    assert (scaler.cpu_initialization_period, scaler.initial_readiness_delay) == (60.0, 10.0)
    default = await Platform.from_config(None).scaler("hpa.autoscaling.knative.dev")
    assert (default.cpu_initialization_period, default.initial_readiness_delay) == (300.0, 30.0)


# An interpreter that burns CPU while it starts (imports, warm-up), says it is ready, then idles.
STARTS_BUSY = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.4: pass\nprint('ready', flush=True)\ntime.sleep(60)"


@pytest.fixture
def started():
    """Start ``STARTS_BUSY``; returns its InstanceInfo once it printed ready (the runtime's probe passing)."""
    procs: list[subprocess.Popen] = []

    def start() -> InstanceInfo:
        started_at = time.time()
        proc = subprocess.Popen([sys.executable, "-c", STARTS_BUSY], stdout=subprocess.PIPE, text=True)
        procs.append(proc)
        assert proc.stdout.readline().strip() == "ready"
        return InstanceInfo(proc.pid, started_at, ready=True, ready_changed_at=time.time())

    yield start
    for proc in procs:
        proc.kill()
        proc.wait()


def test_start_up_cpu_does_not_scale_an_idle_revision_up(started):
    info = started()
    # what the HPA class did before: the lifetime average, start-up included, counted and scaled the revision up
    unruled, _ = measure([info.pid], None)
    assert unruled["cpu_percent"] > 5  # 0.4 s of CPU at start: how much of its lifetime depends on the machine's load
    # a target a third of that start-up average (and above the idle instance's use, checked at the end)
    target = max(5.0, unruled["cpu_percent"] / 3)
    inp = make_input(ready=1, annotations={"target": f"{target:.2f}"})
    assert HPA.decide(attrs.evolve(inp, resources=unruled), None).desired >= 2

    # with the instance's start and readiness times the start-up sample is left out: the scale stays
    first, state = HPA.measure([info.pid], None, instances=[info])
    assert "cpu_percent" not in first and first["cpu_ignored"] == 1
    assert HPA.decide(attrs.evolve(inp, resources=first), None).desired == 1

    # the next sample, taken wholly after it turned ready, counts: an idle instance, still one
    time.sleep(0.5)
    second, _ = HPA.measure([info.pid], state, instances=[info])
    assert second["cpu_instances"] == 1 and second["cpu_percent"] < 5
    assert HPA.decide(attrs.evolve(inp, resources=second), None).desired == 1


def test_after_the_initialization_period_the_start_up_counts_again(started):
    info = started()
    resources, _ = HPAScaler(cpu_initialization_period=0).measure([info.pid], None, instances=[info])
    assert resources["cpu_instances"] == 1 and resources["cpu_percent"] > 20
