"""A revision's initial scale through its two reconcilers: the PodAutoscaler marks ``ScaleTargetInitialized`` once
Knative's threshold of instances was ready (at once with ``initial-scale: 0``), and the Revision becomes Ready on
it without an instance, inactive (``Active=False NoTraffic``), as Knative's does."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import attrs
import pytest

from pyknative.api import conditions as cond
from pyknative.api.autoscaling import PodAutoscaler
from pyknative.api.kinds import Kinds
from pyknative.api.kinds_plugin import registrations
from pyknative.api.serving import ROUTING_STATE_LABEL, Revision
from pyknative.errors import NotFoundError
from pyknative.reconciler.autoscaling.metrics import MetricsCollector
from pyknative.reconciler.autoscaling.reconciler import PodAutoscalerReconciler
from pyknative.reconciler.events import EventRecorder
from pyknative.reconciler.revision.reconciler import RevisionReconciler
from pyknative.runtime.api import InstancesStatus
from pyknative.scaling import ScaleDecision, ScaleInput
from pyknative.store.sqlite import SQLiteStore

A = "autoscaling.knative.dev/"
KEY = "default/hello-00001"


def clock() -> datetime:
    return datetime(2026, 11, 24, 12, 0, 0, tzinfo=UTC)


@attrs.define
class Runtime:
    """No process: ``ready`` instances are reported, whatever scale is asked for."""

    ready: int = 0
    scaled: list[int] = attrs.field(factory=list)

    def check(self, rev: Revision) -> None:
        pass

    async def scale(self, rev: Revision, replicas: int) -> None:
        self.scaled.append(replicas)

    def status(self, key: str) -> InstancesStatus:
        return InstancesStatus(desired=self.ready, ready=self.ready, total=self.ready)


@attrs.define
class HoldsInitialScale:
    """A class that starts at the revision's initial scale (at least its min-scale) and stays there, as the KPA
    does while no request comes."""

    autoscaler_class: str = "kpa.autoscaling.knative.dev"

    def decide(self, inp: ScaleInput, state: Any) -> ScaleDecision:
        low, _ = inp.settings.scale_bounds(inp.reachable)
        return ScaleDecision(desired=max(low, inp.settings.initial_scale), reason="initial scale")

    def validate(self, annotations, path):
        return []


@pytest.fixture
async def store():
    s = SQLiteStore(":memory:", Kinds(registrations()), clock=clock)
    yield s
    await s.close()


async def converge(
    store, annotations: dict[str, str], config: dict[str, str], runtime: Runtime, *, labels=None
):
    """Create the Revision, then run Revision → PodAutoscaler → Revision reconciles, as the watches would."""
    try:
        await store.get(Revision, "default", "hello-00001")
    except NotFoundError:
        await store.create(
            Revision.from_dict(
                {
                    "metadata": {
                        "name": "hello-00001",
                        "namespace": "default",
                        "labels": labels or {},
                        "annotations": {A + k: v for k, v in annotations.items()},
                    },
                    "spec": {"containers": [{"image": "x", "command": ["app"]}]},
                }
            )
        )

    async def scaler_for(cls: str):
        return HoldsInitialScale()

    revisions = RevisionReconciler(
        store, runtime, EventRecorder(store, "test", clock), clock, lambda: dict(config)
    )
    pas = PodAutoscalerReconciler(
        store,
        runtime,
        EventRecorder(store, "test", clock),
        clock,
        MetricsCollector(),
        scaler_for,
        lambda: dict(config),
    )
    await revisions.reconcile(KEY)
    await pas.reconcile(KEY)
    await revisions.reconcile(KEY)
    pa = await store.get(PodAutoscaler, "default", "hello-00001")
    rev = await store.get(Revision, "default", "hello-00001")
    return pa, rev


def status_of(conditions, type_: str) -> tuple[str, str | None]:
    c = cond.get(conditions, type_)
    return c.status, c.reason


ZERO_OK = {"allow-zero-initial-scale": "true"}


@pytest.mark.parametrize(
    ("annotations", "config", "ready", "labels", "initialized", "pa_active", "rev_ready"),
    [
        # Knative: minReady = max(min-scale, initial-scale) = 0, so the target is initialized with nothing ready
        pytest.param(
            {"initial-scale": "0"},
            ZERO_OK,
            0,
            None,
            "True",
            ("False", "NoTraffic"),
            ("True", None),
            id="initial-zero-ready-and-inactive",
        ),
        pytest.param(
            {},
            {"initial-scale": "0", **ZERO_OK},
            0,
            None,
            "True",
            ("False", "NoTraffic"),
            ("True", None),
            id="initial-zero-from-config",
        ),
        # without allow-zero-initial-scale the annotation is ignored: one instance is waited for
        pytest.param(
            {"initial-scale": "0"},
            {},
            0,
            None,
            "Unknown",
            ("Unknown", "Queued"),
            ("Unknown", "Deploying"),
            id="initial-zero-not-allowed",
        ),
        pytest.param(
            {},
            {},
            0,
            None,
            "Unknown",
            ("Unknown", "Queued"),
            ("Unknown", "Deploying"),
            id="default-waits-for-one",
        ),
        pytest.param({}, {}, 1, None, "True", ("True", None), ("True", None), id="default-one-ready"),
        # min-scale raises the threshold while the revision is routable, not once it is unreachable
        pytest.param(
            {"initial-scale": "0", "min-scale": "2"},
            ZERO_OK,
            0,
            None,
            "Unknown",
            ("Unknown", "Queued"),
            ("Unknown", "Deploying"),
            id="min-scale-above-initial-zero",
        ),
        pytest.param(
            {"initial-scale": "0", "min-scale": "2"},
            ZERO_OK,
            0,
            {ROUTING_STATE_LABEL: "reserve"},
            "True",
            ("False", "NoTraffic"),
            ("True", None),
            id="unreachable-ignores-min-scale",
        ),
        pytest.param(
            {"initial-scale": "3"},
            {},
            2,
            None,
            "Unknown",
            ("True", None),
            # Knative's PropagateAutoscalerStatus: ResourcesAvailable waits for ScaleTargetInitialized
            ("Unknown", "Deploying"),
            id="initial-three-not-reached",
        ),
        pytest.param(
            {"initial-scale": "3"},
            {},
            3,
            None,
            "True",
            ("True", None),
            ("True", None),
            id="initial-three-reached",
        ),
    ],
)
async def test_initial_scale(store, annotations, config, ready, labels, initialized, pa_active, rev_ready):
    pa, rev = await converge(store, annotations, config, Runtime(ready=ready), labels=labels)
    assert status_of(pa.status.conditions, "ScaleTargetInitialized")[0] == initialized
    assert status_of(pa.status.conditions, "Active") == pa_active
    assert status_of(rev.status.conditions, "Ready") == rev_ready
    # the Revision's Active mirrors the PodAutoscaler's and does not hold back its Ready
    assert status_of(rev.status.conditions, "Active") == pa_active


async def test_initial_scale_zero_asks_for_no_instance_and_reports_zero_replicas(store):
    runtime = Runtime(ready=0)
    pa, rev = await converge(store, {"initial-scale": "0"}, ZERO_OK, runtime)
    assert runtime.scaled == [0]
    assert (pa.status.desired_scale, pa.status.actual_scale) == (0, 0)
    assert (rev.status.desired_replicas, rev.status.actual_replicas) == (0, 0)
    assert status_of(rev.status.conditions, "ResourcesAvailable") == ("True", None)
    assert status_of(rev.status.conditions, "ContainerHealthy") == ("True", None)


async def test_scale_target_initialized_stays_true_once_reached(store):
    runtime = Runtime(ready=3)
    pa, _ = await converge(store, {"initial-scale": "3"}, {}, runtime)
    assert status_of(pa.status.conditions, "ScaleTargetInitialized")[0] == "True"
    runtime.ready = 0  # scaled to zero later: the target stays initialized
    pa, rev = await converge(store, {"initial-scale": "3"}, {}, runtime)
    assert status_of(pa.status.conditions, "ScaleTargetInitialized")[0] == "True"
    assert status_of(rev.status.conditions, "Ready") == ("True", None)
