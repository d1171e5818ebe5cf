"""Reconcilers against the real SQLite store: what they create, what they leave alone, what status they report."""

from __future__ import annotations

from datetime import UTC, datetime

import attrs
import pytest

from pyknative.api import conditions as cond
from pyknative.api.kinds import Kinds
from pyknative.api.kinds_plugin import registrations
from pyknative.api.meta import Condition
from pyknative.api.networking import Ingress
from pyknative.api.serving import Configuration, Revision, Route, Service
from pyknative.reconciler.configuration.reconciler import ConfigurationReconciler
from pyknative.reconciler.events import EventRecorder
from pyknative.reconciler.route.reconciler import RouteReconciler
from pyknative.reconciler.route.resources import HostConfig
from pyknative.reconciler.service.reconciler import ServiceReconciler
from pyknative.store.sqlite import SQLiteStore


def clock() -> datetime:
    return datetime(2026, 11, 24, 12, 0, 0, tzinfo=UTC)


@pytest.fixture
async def store():
    s = SQLiteStore(":memory:", Kinds(registrations()), clock=clock)
    yield s
    await s.close()


def rec(store):
    return EventRecorder(store, "test", clock)


SERVICE = {
    "metadata": {"name": "hello", "namespace": "default"},
    "spec": {"template": {"spec": {"containers": [{"image": "x", "command": ["app"]}], "containerConcurrency": 0, "timeoutSeconds": 300}},
             "traffic": [{"latestRevision": True, "percent": 100}]},
}


async def test_service_creates_owned_configuration_and_route_once(store):
    svc = await store.create(Service.from_dict(SERVICE))
    r = ServiceReconciler(store, rec(store), clock)
    await r.reconcile("default/hello")
    cfg = await store.get(Configuration, "default", "hello")
    route = await store.get(Route, "default", "hello")
    assert cfg.is_controlled_by(svc) and route.is_controlled_by(svc)
    assert route.spec.traffic[0].configuration_name == "hello"
    versions = (cfg.metadata.resource_version, route.metadata.resource_version)
    svc_rv = (await store.get(Service, "default", "hello")).metadata.resource_version
    await r.reconcile("default/hello")
    cfg2 = await store.get(Configuration, "default", "hello")
    route2 = await store.get(Route, "default", "hello")
    assert (cfg2.metadata.resource_version, route2.metadata.resource_version) == versions
    assert (await store.get(Service, "default", "hello")).metadata.resource_version == svc_rv
    status = (await store.get(Service, "default", "hello")).status
    assert status.observed_generation == 1
    assert cond.get(status.conditions, "ConfigurationsReady").reason == "OutOfDate"


async def test_service_reports_a_child_it_does_not_own(store):
    await store.create(Configuration.from_dict({"metadata": {"name": "hello", "namespace": "default"}, "spec": {}}))
    await store.create(Service.from_dict(SERVICE))
    await ServiceReconciler(store, rec(store), clock).reconcile("default/hello")
    st = (await store.get(Service, "default", "hello")).status
    c = cond.get(st.conditions, "ConfigurationsReady")
    assert (c.status, c.reason) == ("False", "NotOwned")
    assert cond.get(st.conditions, "Ready").status == "False"


async def _mark_ready(store, name):
    rev = await store.get(Revision, "default", name)
    conds = (Condition(type="Ready", status="True"),)
    await store.update_status(attrs.evolve(rev, status=attrs.evolve(rev.status, conditions=conds)))


async def test_configuration_stamps_a_revision_per_generation_and_tracks_latest_ready(store):
    cfg = await store.create(Configuration.from_dict({"metadata": {"name": "c", "namespace": "default"},
                                                      "spec": {"template": {"spec": {"containers": [{"image": "x"}]}}}}))
    r = ConfigurationReconciler(store, rec(store), clock)
    await r.reconcile("default/c")
    assert (await store.get(Revision, "default", "c-00001")).is_controlled_by(cfg)
    await _mark_ready(store, "c-00001")
    await r.reconcile("default/c")
    st = (await store.get(Configuration, "default", "c")).status
    assert (st.latest_created_revision_name, st.latest_ready_revision_name) == ("c-00001", "c-00001")

    cfg = await store.get(Configuration, "default", "c")
    new_template = Configuration.from_dict({"spec": {"template": {"spec": {"containers": [{"image": "y"}]}}}}).spec
    await store.update(attrs.evolve(cfg, spec=new_template))
    await r.reconcile("default/c")
    st = (await store.get(Configuration, "default", "c")).status
    assert (st.latest_created_revision_name, st.latest_ready_revision_name) == ("c-00002", "c-00001")
    assert cond.get(st.conditions, "Ready").status == "Unknown"
    await _mark_ready(store, "c-00002")
    await r.reconcile("default/c")
    st = (await store.get(Configuration, "default", "c")).status
    assert st.latest_ready_revision_name == "c-00002" and cond.is_true(st.conditions, "Ready")


def route_reconciler(store):
    return RouteReconciler(store, rec(store), clock, hosts=lambda r: HostConfig(domain="example.com"),
                           ingress_class=lambda r: "embedded.ingress.networking.knative.dev")


async def test_route_waits_for_a_ready_revision_then_renders_its_ingress(store):
    await store.create(Configuration.from_dict({"metadata": {"name": "c", "namespace": "default"},
                                                "spec": {"template": {"spec": {"containers": [{"image": "x"}]}}}}))
    await store.create(Route.from_dict({"metadata": {"name": "c", "namespace": "default"},
                                        "spec": {"traffic": [{"configurationName": "c", "latestRevision": True, "percent": 100}]}}))
    r = route_reconciler(store)
    await r.reconcile("default/c")
    st = (await store.get(Route, "default", "c")).status
    c = cond.get(st.conditions, "AllTrafficAssigned")
    assert (c.status, c.reason) == ("Unknown", "RevisionMissing")
    assert st.url == "http://c.default.example.com"
    assert await store.list(Ingress, "default") == []

    await ConfigurationReconciler(store, rec(store), clock).reconcile("default/c")
    await _mark_ready(store, "c-00001")
    await ConfigurationReconciler(store, rec(store), clock).reconcile("default/c")
    await r.reconcile("default/c")
    ing = await store.get(Ingress, "default", "c")
    hosts = [h for rule in ing.spec.rules for h in rule.hosts]
    # the cluster-local rule with its short forms, as Knative's ExpandedHosts
    assert hosts == ["c.default", "c.default.svc", "c.default.svc.cluster.local", "c.default.example.com"]
    rev = await store.get(Revision, "default", "c-00001")
    assert rev.metadata.labels["serving.knative.dev/routingState"] == "active"
    st = (await store.get(Route, "default", "c")).status
    assert cond.is_true(st.conditions, "AllTrafficAssigned")
    assert cond.get(st.conditions, "IngressReady").reason == "IngressNotConfigured"


async def test_route_to_a_missing_configuration_fails_with_knatives_reason(store):
    await store.create(Route.from_dict({"metadata": {"name": "r", "namespace": "default"},
                                        "spec": {"traffic": [{"configurationName": "nope", "percent": 100}]}}))
    await route_reconciler(store).reconcile("default/r")
    st = (await store.get(Route, "default", "r")).status
    c = cond.get(st.conditions, "AllTrafficAssigned")
    assert (c.status, c.reason) == ("False", "ConfigurationMissing")
    assert cond.get(st.conditions, "Ready").status == "False"


@attrs.define
class StaleReads:
    """A cache that has seen no Revision yet: their gets miss; writes and ``uncached`` reach the store."""

    uncached: SQLiteStore

    async def get(self, cls, namespace, name):
        from pyknative.errors import NotFoundError

        if cls is Revision:
            raise NotFoundError(f"{cls.KIND.kind} {namespace}/{name} not found")
        return await self.uncached.get(cls, namespace, name)

    def __getattr__(self, name):
        return getattr(self.uncached, name)


async def test_a_configuration_reconciled_again_before_the_cache_saw_its_revision_does_not_fail(store):
    cfg = {"metadata": {"name": "c", "namespace": "default"}, "spec": {"template": SERVICE["spec"]["template"]}}
    await store.create(Configuration.from_dict(cfg))
    r = ConfigurationReconciler(StaleReads(store), rec(store), clock)
    await r.reconcile("default/c")
    await r.reconcile("default/c")  # the Revision exists, the cache says it does not: no AlreadyExistsError
    revs = await store.list(Revision, "default")
    assert [x.name for x in revs] == ["c-00001"]
    assert (await store.get(Configuration, "default", "c")).status.latest_created_revision_name == "c-00001"


async def _create_ready_revision(store, name, config="c"):
    await store.create(Revision.from_dict({
        "metadata": {"name": name, "namespace": "default", "labels": {"serving.knative.dev/configuration": config}},
        "spec": {"containers": [{"image": "x"}]},
    }))
    await _mark_ready(store, name)


async def test_route_to_a_revision_that_does_not_exist_yet_reports_it_then_serves_it(store):
    await store.create(Route.from_dict({"metadata": {"name": "r", "namespace": "default"},
                                        "spec": {"traffic": [{"revisionName": "c-00007", "percent": 100}]}}))
    r = route_reconciler(store)
    await r.reconcile("default/r")
    st = (await store.get(Route, "default", "r")).status
    want = ("False", "RevisionMissing", 'Revision "c-00007" referenced in traffic not found.')
    for ctype in ("AllTrafficAssigned", "Ready"):
        c = cond.get(st.conditions, ctype)
        assert (c.status, c.reason, c.message) == want, ctype
    assert await store.list(Ingress, "default") == []

    await _create_ready_revision(store, "c-00007")
    await r.reconcile("default/r")
    st = (await store.get(Route, "default", "r")).status
    assert cond.is_true(st.conditions, "AllTrafficAssigned")
    assert [(t.revision_name, t.percent) for t in st.traffic] == [("c-00007", 100)]
    assert (await store.get(Ingress, "default", "r")).spec.rules


async def test_service_mirrors_its_routes_missing_revision(store):
    doc = {**SERVICE, "spec": {**SERVICE["spec"], "traffic": [
        {"latestRevision": True, "percent": 50}, {"revisionName": "hello-old", "percent": 50}]}}
    await store.create(Service.from_dict(doc))
    svc_r, route_r = ServiceReconciler(store, rec(store), clock), route_reconciler(store)
    await svc_r.reconcile("default/hello")
    await route_r.reconcile("default/hello")
    await svc_r.reconcile("default/hello")
    st = (await store.get(Service, "default", "hello")).status
    routes_ready, ready = cond.get(st.conditions, "RoutesReady"), cond.get(st.conditions, "Ready")
    want = ("False", "RevisionMissing", 'Revision "hello-old" referenced in traffic not found.')
    assert (routes_ready.status, routes_ready.reason, routes_ready.message) == want
    assert (ready.status, ready.reason, ready.message) == want

    await _create_ready_revision(store, "hello-old", config="hello")
    await route_r.reconcile("default/hello")
    await svc_r.reconcile("default/hello")
    st = (await store.get(Service, "default", "hello")).status
    c = cond.get(st.conditions, "RoutesReady")
    # the named revision resolves; what is left is the latest revision, still deploying
    assert (c.status, c.reason) == ("Unknown", "RevisionMissing")
    assert c.message == 'Configuration "hello" is waiting for a Revision to become ready.'
