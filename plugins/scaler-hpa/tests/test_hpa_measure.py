"""measure: CPU and memory of real instance processes, read with psutil."""

from __future__ import annotations

import subprocess
import sys
import time

import attrs
import psutil
import pytest
from pyknative_scaler_hpa import MeasureState, measure

BUSY = "while True: pass"
IDLE = "import time; time.sleep(60)"
#: what a busy loop surely gets even when the machine is shared with other work (it is ~100 on an idle one)
SOME_CPU = 15
BIG = "import time; b = b'x' * (96 * 1024 * 1024); time.sleep(60)"
# a parent that only waits while its child burns a core: the instance is the whole tree
PARENT = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {BUSY!r}])"


@pytest.fixture
def spawn():
    procs: list[subprocess.Popen] = []

    def start(code: str) -> int:
        proc = subprocess.Popen([sys.executable, "-c", code])
        procs.append(proc)
        return proc.pid

    yield start
    for proc in procs:
        for child in psutil.Process(proc.pid).children(recursive=True):
            child.kill()
        proc.kill()
        proc.wait()


def test_busy_instance_uses_a_core_idle_one_nothing(spawn):
    busy, idle = spawn(BUSY), spawn(IDLE)
    time.sleep(0.3)
    _, state = measure([busy, idle], None)
    time.sleep(0.6)
    busy_only, _ = measure([busy], state)
    idle_only, _ = measure([idle], state)
    both, state2 = measure([busy, idle], state)
    # 100 is one core; on a shared machine the busy loop may get much less than all of one
    assert SOME_CPU < busy_only["cpu_percent"] <= 110
    assert idle_only["cpu_percent"] < 3
    assert both["cpu_percent"] == pytest.approx((busy_only["cpu_percent"] + idle_only["cpu_percent"]) / 2, rel=0.25)
    assert isinstance(state2, MeasureState) and len(state2.readings) == 2


def test_first_measurement_is_the_lifetime_average(spawn):
    busy = spawn(BUSY)
    time.sleep(0.5)
    first, _ = measure([busy], None)
    assert first["cpu_percent"] > SOME_CPU  # no earlier reading: the average over its life so far


def test_an_instance_is_its_process_tree(spawn):
    parent = spawn(PARENT)
    deadline = time.monotonic() + 5
    while not psutil.Process(parent).children() and time.monotonic() < deadline:
        time.sleep(0.02)
    child = psutil.Process(parent).children()[0].pid
    _, state = measure([parent, child], None)
    time.sleep(0.6)
    tree, _ = measure([parent], state)
    alone, _ = measure([child], state)
    assert alone["cpu_percent"] > SOME_CPU
    assert tree["cpu_percent"] == pytest.approx(alone["cpu_percent"], rel=0.25)
    assert tree["memory_bytes"] > alone["memory_bytes"]  # both interpreters' memory


def test_memory_is_the_average_resident_set(spawn):
    big, idle = spawn(BIG), spawn(IDLE)
    deadline = time.monotonic() + 5
    alone: dict = {"memory_bytes": 0}
    while time.monotonic() < deadline:
        before = alone["memory_bytes"]
        alone, _ = measure([big], None)
        if alone["memory_bytes"] > 96 * 2**20 and alone["memory_bytes"] == before:
            break  # the 96 MiB are all there, and its resident set stopped growing
        time.sleep(0.05)
    assert alone["memory_bytes"] > 96 * 2**20
    both, _ = measure([big, idle], None)
    small, _ = measure([idle], None)
    assert both["memory_bytes"] == pytest.approx((alone["memory_bytes"] + small["memory_bytes"]) / 2, rel=0.05)


def test_gone_processes_are_skipped(spawn):
    idle = spawn(IDLE)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    resources, state = measure([idle, dead.pid], None)
    assert set(resources) == {"cpu_percent", "cpu_instances", "memory_bytes"} and resources["cpu_instances"] == 1
    assert [pid for pid, _ in state.readings] == [idle]
    assert measure([dead.pid], state) == ({}, MeasureState({}))
    assert measure([], None)[0] == {}


def test_measured_busy_instances_make_the_hpa_scale_up(spawn):
    """What the core does each tick: measure the ready instances, then decide on the result."""
    from _hpa_helpers import make_input
    from pyknative_scaler_hpa import HPAScaler

    pids = [spawn(BUSY), spawn(BUSY)]
    time.sleep(0.3)
    _, state = measure(pids, None)
    time.sleep(0.6)
    resources, _ = measure(pids, state)
    inp = make_input(ready=2, annotations={"target": "5"})
    decision = HPAScaler().decide(attrs.evolve(inp, resources=resources), None)
    assert decision.metric == "cpu" and decision.observed == resources["cpu_percent"]
    assert decision.desired >= 4, decision.reason  # busy loops use well over 5% of a core each
    idle = HPAScaler(scale_down_stabilization=0).decide(attrs.evolve(inp, resources={}), None)
    assert idle.desired == 2  # no measurement: the scale stays
