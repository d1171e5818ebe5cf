"""The PodAutoscaler reconciler against the real SQLite store: what it hands the class scaler, what it converges."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import attrs
import pytest

from pyknative.api.autoscaling import PodAutoscaler
from pyknative.api.kinds import Kinds
from pyknative.api.kinds_plugin import registrations
from pyknative.api.serving import Revision
from pyknative.reconciler.autoscaling.metrics import MetricsCollector
from pyknative.reconciler.autoscaling.reconciler import PodAutoscalerReconciler
from pyknative.reconciler.events import EventRecorder
from pyknative.runtime.api import InstanceInfo, InstancesStatus
from pyknative.scaling import ScaleDecision, ScaleInput
from pyknative.store.sqlite import SQLiteStore


def clock() -> datetime:
    return datetime(2026, 11, 24, 12, 0, 0, tzinfo=UTC)


@attrs.define
class RecordingRuntime:
    """Stands in for the process runtime: remembers the scale it was asked for, reports ``pids`` ready."""

    pids: tuple[int, ...]
    scaled: list[int] = attrs.field(factory=list)

    async def scale(self, rev: Revision, replicas: int) -> None:
        self.scaled.append(replicas)

    def status(self, key: str) -> InstancesStatus:
        desired = self.scaled[-1] if self.scaled else 0
        return InstancesStatus(desired=desired, ready=len(self.pids), total=len(self.pids), pids=self.pids)


@attrs.define
class Scaler:
    autoscaler_class: str = "test.example.com"
    inputs: list[ScaleInput] = attrs.field(factory=list)

    def decide(self, inp: ScaleInput, state: Any) -> ScaleDecision:
        self.inputs.append(inp)
        return ScaleDecision(desired=len(self.inputs), metric="cpu", reason="test", state=state)

    def validate(self, annotations, path):
        return []


@attrs.define
class MeasuringScaler(Scaler):
    measured: list[tuple[tuple[int, ...], Any]] = attrs.field(factory=list)

    def measure(self, pids, state):
        self.measured.append((tuple(pids), state))
        calls = (state or 0) + 1
        return {"cpu_percent": 10.0 * calls}, calls


@pytest.fixture
async def store():
    s = SQLiteStore(":memory:", Kinds(registrations()), clock=clock)
    rev = Revision.from_dict({"metadata": {"name": "r-00001", "namespace": "default"},
                              "spec": {"containers": [{"image": "x", "command": ["app"]}]}})
    await s.create(rev)
    await s.create(PodAutoscaler.from_dict({"metadata": {"name": "r-00001", "namespace": "default"}, "spec": {}}))
    yield s
    await s.close()


def reconciler(store, runtime, scaler) -> PodAutoscalerReconciler:
    async def scaler_for(cls: str):
        return scaler

    return PodAutoscalerReconciler(store, runtime, EventRecorder(store, "test", clock), clock, MetricsCollector(),
                                   scaler_for, dict)


async def test_a_measuring_scaler_reads_the_ready_instances_and_decides_on_its_measurements(store):
    runtime, scaler = RecordingRuntime(pids=(101, 102)), MeasuringScaler()
    r = reconciler(store, runtime, scaler)
    await r.reconcile("default/r-00001")
    await r.reconcile("default/r-00001")
    assert scaler.measured == [((101, 102), None), ((101, 102), 1)]  # its own state comes back to it
    assert [dict(i.resources) for i in scaler.inputs] == [{"cpu_percent": 10.0}, {"cpu_percent": 20.0}]
    assert runtime.scaled == [1, 2]
    pa = await store.get(PodAutoscaler, "default", "r-00001")
    assert (pa.status.desired_scale, pa.status.actual_scale) == (2, 2)


async def test_a_cpu_request_makes_utilisation_relative_to_it(store):
    rev = Revision.from_dict({"metadata": {"name": "req-00001", "namespace": "default"},
                              "spec": {"containers": [{"image": "x", "command": ["app"],
                                                       "resources": {"requests": {"cpu": "500m"}}}]}})
    await store.create(rev)
    await store.create(PodAutoscaler.from_dict({"metadata": {"name": "req-00001", "namespace": "default"}, "spec": {}}))
    scaler = MeasuringScaler()
    await reconciler(store, RecordingRuntime(pids=(7,)), scaler).reconcile("default/req-00001")
    assert dict(scaler.inputs[0].resources) == {"cpu_percent": 10.0, "cpu_request_cores": 0.5}


async def test_other_scalers_and_revisions_with_nothing_ready_are_not_measured(store):
    plain = Scaler()
    await reconciler(store, RecordingRuntime(pids=(101,)), plain).reconcile("default/r-00001")
    assert dict(plain.inputs[0].resources) == {}

    measuring = MeasuringScaler()
    await reconciler(store, RecordingRuntime(pids=()), measuring).reconcile("default/r-00001")
    assert measuring.measured == [] and dict(measuring.inputs[0].resources) == {}


@attrs.define
class InstancesScaler(Scaler):
    """A measuring scaler whose ``measure`` takes ``instances``: it gets every running instance's times."""

    seen: list[tuple[Any, ...]] = attrs.field(factory=list)

    def measure(self, pids, state, instances=()):
        self.seen.append(tuple(instances))
        return {"cpu_percent": 1.0}, state


async def test_a_measure_that_takes_instances_gets_their_start_and_readiness_times(store):
    starting = InstanceInfo(pid=102, started_at=1000.0, ready=False, ready_changed_at=None)
    ready = InstanceInfo(pid=101, started_at=900.0, ready=True, ready_changed_at=901.0)

    @attrs.define
    class Runtime(RecordingRuntime):
        def status(self, key: str) -> InstancesStatus:
            return InstancesStatus(desired=2, ready=1, total=2, pids=(101,), instances=(ready, starting))

    scaler = InstancesScaler()
    await reconciler(store, Runtime(pids=(101,)), scaler).reconcile("default/r-00001")
    assert scaler.seen == [(ready, starting)]
    # a measure without the keyword is called as before (the test above), with the ready pids only



def test_the_scaler_gets_the_samples_of_the_stable_window_not_the_whole_hour_kept():
    from pyknative.reconciler.autoscaling.metrics import MetricsCollector
    from pyknative.scaling import MetricSample

    m = MetricsCollector()
    for t in range(1000):
        m.record("ns/r", MetricSample(time=float(t), concurrency=1.0, requests=1.0))
    assert len(m.samples("ns/r")) == 1000
    recent = m.samples("ns/r", 62.5)  # the newest 63: the last 63 seconds
    assert [s.time for s in recent] == [float(t) for t in range(937, 1000)]
    assert len(m.samples("ns/r", 5000.0)) == 1000 and m.samples("other", 10.0) == ()
