"""The Revision and Ingress reconcilers against the real SQLite store, with a scripted runtime and ingress backend:
what they ask of them, what status they report, what a deletion does."""

from __future__ import annotations

from datetime import UTC, datetime

import attrs
import pytest

from pyknative.api import conditions as cond
from pyknative.api.autoscaling import PodAutoscaler
from pyknative.api.core import Secret
from pyknative.api.kinds import Kinds
from pyknative.api.kinds_plugin import registrations
from pyknative.api.meta import Condition
from pyknative.api.networking import Ingress, LoadBalancerStatus
from pyknative.api.serving import Revision
from pyknative.errors import BackendNotInstalledError
from pyknative.reconciler.events import EventRecorder
from pyknative.reconciler.ingress.reconciler import IngressReconciler
from pyknative.reconciler.revision.reconciler import RevisionReconciler
from pyknative.runtime.api import InstancesStatus, NotRunnableError
from pyknative.store.sqlite import SQLiteStore


def clock() -> datetime:
    return datetime(2026, 11, 24, 12, 0, 0, tzinfo=UTC)


@pytest.fixture
async def store():
    s = SQLiteStore(":memory:", Kinds(registrations()), clock=clock)
    yield s
    await s.close()


def _conditions(obj) -> dict[str, tuple[str, str | None]]:
    return {c.type: (c.status, c.reason) for c in obj.status.conditions}


# ---------------------------------------------------------------------------------------------- Revision


@attrs.define(eq=False)
class FakeRuntime:
    instances: InstancesStatus = InstancesStatus()
    unrunnable: NotRunnableError | None = None

    def check(self, rev) -> None:
        if self.unrunnable is not None:
            raise self.unrunnable

    def status(self, key: str) -> InstancesStatus:
        return self.instances


REVISION = {
    "metadata": {"name": "hello-00001", "namespace": "default"},
    "spec": {"containers": [{"image": "x", "command": ["app"]}]},
}


def _revision_reconciler(store, runtime, published=None, forgotten=None):
    async def forget(key: str) -> None:
        forgotten.append(key)

    return RevisionReconciler(
        store,
        runtime,
        EventRecorder(store, "test", clock),
        clock,
        dict,
        publish=published.append if published is not None else None,
        forget=forget if forgotten is not None else None,
    )


async def test_revision_publishes_makes_its_pa_and_reports_ready_instances(store):
    await store.create(Revision.from_dict(REVISION))
    published: list = []
    runtime = FakeRuntime(InstancesStatus(desired=1, ready=1, total=1))
    reconciler = _revision_reconciler(store, runtime, published)
    await reconciler.reconcile("default/hello-00001")
    rev = await store.get(Revision, "default", "hello-00001")
    assert [r.name for r in published] == ["hello-00001"]
    pa = await store.get(PodAutoscaler, "default", "hello-00001")
    assert pa.is_controlled_by(rev)
    # An instance is ready, but the PodAutoscaler has not reached its initial scale yet: not Ready (Knative).
    assert _conditions(rev)["ContainerHealthy"] == ("True", None)
    assert _conditions(rev)["ResourcesAvailable"] == ("Unknown", "Deploying")
    initialized = cond.set_condition(
        pa.status.conditions if pa.status else (), Condition(type="ScaleTargetInitialized", status="True"), "now"
    )
    await store.update_status(attrs.evolve(pa, status=attrs.evolve(pa.status, conditions=initialized)))
    await reconciler.reconcile("default/hello-00001")
    rev = await store.get(Revision, "default", "hello-00001")
    assert cond.is_true(rev.status.conditions, "Ready")
    assert (rev.status.actual_replicas, rev.status.observed_generation) == (1, 1)


async def test_revision_the_runtime_cannot_run(store):
    await store.create(Revision.from_dict(REVISION))
    runtime = FakeRuntime(unrunnable=NotRunnableError("ImageNotRunnableLocally", "no command"))
    await _revision_reconciler(store, runtime).reconcile("default/hello-00001")
    rev = await store.get(Revision, "default", "hello-00001")
    assert _conditions(rev)["ResourcesAvailable"] == ("False", "ImageNotRunnableLocally")
    assert _conditions(rev)["ContainerHealthy"] == ("Unknown", "ImageNotRunnableLocally")
    assert rev.status.actual_replicas == 0


async def test_revision_whose_secret_is_missing_until_it_is_created(store):
    env = [{"name": "T", "valueFrom": {"secretKeyRef": {"name": "tok", "key": "t"}}}]
    doc = {**REVISION, "spec": {"containers": [{"image": "x", "command": ["app"], "env": env}]}}
    await store.create(Revision.from_dict(doc))
    r = _revision_reconciler(store, FakeRuntime(InstancesStatus(desired=1, ready=0)))
    await r.reconcile("default/hello-00001")
    rev = await store.get(Revision, "default", "hello-00001")
    ready = cond.get(rev.status.conditions, "Ready")
    assert (ready.status, ready.reason, ready.message) == ("False", "CreateContainerConfigError", 'secret "tok" not found')
    assert _conditions(rev)["ContainerHealthy"] == ("Unknown", "CreateContainerConfigError")

    await store.create(Secret.from_dict({"metadata": {"name": "tok", "namespace": "default"}, "data": {"t": "eA=="}}))
    r.runtime = FakeRuntime(InstancesStatus(desired=1, ready=1))
    await r.reconcile("default/hello-00001")
    rev = await store.get(Revision, "default", "hello-00001")
    assert _conditions(rev)["ContainerHealthy"] == ("True", None)
    assert _conditions(rev)["ResourcesAvailable"] != ("False", "CreateContainerConfigError")


async def test_revision_with_failing_instances(store):
    await store.create(Revision.from_dict(REVISION))
    runtime = FakeRuntime(InstancesStatus(desired=1, failure=("ExitCode1", "container exited with 1")))
    await _revision_reconciler(store, runtime).reconcile("default/hello-00001")
    rev = await store.get(Revision, "default", "hello-00001")
    assert _conditions(rev)["ContainerHealthy"] == ("False", "ExitCode1")
    assert _conditions(rev)["Ready"][0] == "False"


async def test_a_deleted_revision_is_forgotten(store):
    forgotten: list[str] = []
    await _revision_reconciler(store, FakeRuntime(), forgotten=forgotten).reconcile("default/gone")
    assert forgotten == ["default/gone"]


# ---------------------------------------------------------------------------------------------- Ingress


@attrs.define(eq=False)
class FakeIngressBackend:
    calls: list[tuple] = attrs.field(factory=list)

    async def program(self, ingress) -> LoadBalancerStatus:
        self.calls.append(("program", ingress.key))
        return LoadBalancerStatus()

    async def remove(self, namespace: str, name: str) -> None:
        self.calls.append(("remove", f"{namespace}/{name}"))


def _ingress_reconciler(store, backends: dict):
    async def backend_for(cls: str):
        if cls not in backends:
            raise BackendNotInstalledError("config-network.ingress-class", cls, "pyknative[x]")
        return backends[cls]

    return IngressReconciler(store, clock, lambda: "embedded", backend_for)


def _ingress(cls: str | None = None) -> Ingress:
    annotations = {"networking.knative.dev/ingress.class": cls} if cls else {}
    return Ingress.from_dict(
        {"metadata": {"name": "hello", "namespace": "default", "annotations": annotations}}
    )


async def test_ingress_is_programmed_moved_between_classes_and_removed(store):
    embedded, other = FakeIngressBackend(), FakeIngressBackend()
    r = _ingress_reconciler(store, {"embedded": embedded, "other": other})
    await store.create(_ingress())
    await r.reconcile("default/hello")
    assert cond.is_true((await store.get(Ingress, "default", "hello")).status.conditions, "Ready")

    ing = await store.get(Ingress, "default", "hello")
    annotations = {"networking.knative.dev/ingress.class": "other"}
    await store.update(attrs.evolve(ing, metadata=attrs.evolve(ing.metadata, annotations=annotations)))
    await r.reconcile("default/hello")
    assert embedded.calls == [("program", "default/hello"), ("remove", "default/hello")]

    await store.delete(Ingress, "default", "hello")
    await r.reconcile("default/hello")
    assert other.calls == [("program", "default/hello"), ("remove", "default/hello")]


async def test_ingress_of_a_class_nobody_installed(store):
    await store.create(_ingress("missing"))
    await _ingress_reconciler(store, {}).reconcile("default/hello")
    ing = await store.get(Ingress, "default", "hello")
    assert _conditions(ing)["NetworkConfigured"] == ("False", "IngressClassNotInstalled")


@attrs.define(eq=False)
class ImageRuntime(FakeRuntime):
    """A runtime that resolves images, as the container runtime does; ``pulls`` scripts each answer."""

    pulls: list = attrs.field(factory=list)
    asked: int = 0

    def choose(self, rev) -> str:
        return "container"

    async def resolve_images(self, rev):
        self.asked += 1
        answer = self.pulls.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


async def test_revision_images_resolve_once_to_digests_and_a_failed_pull_is_reported_then_retried(store):
    from pyknative.api.serving import ContainerStatus
    from pyknative.runtime.api import ImagePullError

    await store.create(Revision.from_dict({**REVISION, "spec": {"containers": [{"image": "ghcr.io/x/hello"}]}}))
    digest = (ContainerStatus(name="user-container", image_digest="ghcr.io/x/hello@sha256:" + "a" * 64),)
    runtime = ImageRuntime(
        InstancesStatus(desired=1, ready=0),
        pulls=[ImagePullError("ErrImagePull", "ghcr.io/x/hello: manifest unknown", retry_after=7.0), digest],
    )
    r = _revision_reconciler(store, runtime)
    assert await r.reconcile("default/hello-00001") == 7.0  # asked again after the back-off
    rev = await store.get(Revision, "default", "hello-00001")
    healthy = cond.get(rev.status.conditions, "ContainerHealthy")
    assert (healthy.status, healthy.reason, healthy.message) == ("False", "ErrImagePull", "ghcr.io/x/hello: manifest unknown")
    assert _conditions(rev)["Ready"][0] == "False"
    assert rev.status.annotations == {"pyknative.dev/runtime": "container"}
    assert not rev.status.container_statuses

    await r.reconcile("default/hello-00001")
    rev = await store.get(Revision, "default", "hello-00001")
    assert rev.status.container_statuses == digest
    assert _conditions(rev)["ContainerHealthy"] == ("Unknown", "Deploying")
    assert rev.status.annotations == {"pyknative.dev/runtime": "container"}
    # Resolved once: later passes keep the digest even if the tag moved.
    await r.reconcile("default/hello-00001")
    assert runtime.asked == 2
    assert (await store.get(Revision, "default", "hello-00001")).status.container_statuses == digest
