"""The Route controller's index of which routes name which configurations and revisions."""

from __future__ import annotations

from pyknative.api.serving import Configuration, Revision, Route
from pyknative.reconciler.route.controller import _RouteIndex


def route(name: str, *targets: dict) -> Route:
    return Route.from_dict({"metadata": {"name": name, "namespace": "ns"}, "spec": {"traffic": list(targets)}})


def rev(name: str, config: str | None = None) -> Revision:
    labels = {"serving.knative.dev/configuration": config} if config else {}
    return Revision.from_dict({"metadata": {"name": name, "namespace": "ns", "labels": labels}})


def test_routes_are_found_by_what_they_name_and_forgetting_one_leaves_the_others():
    index = _RouteIndex()
    index.remember(route("a", {"configurationName": "c", "percent": 50}, {"revisionName": "c-00001", "percent": 50}))
    index.remember(route("b", {"configurationName": "c", "percent": 100}))
    config = Configuration.from_dict({"metadata": {"name": "c", "namespace": "ns"}})
    assert index.routes_for_config(config) == ["ns/a", "ns/b"]
    assert index.routes_for_revision(rev("c-00001")) == ["ns/a"]
    assert index.routes_for_revision(rev("c-00002", config="c")) == ["ns/a", "ns/b"]  # a new revision of c

    index.forget("ns/a")
    assert index.routes_for_config(config) == ["ns/b"]
    assert index.routes_for_revision(rev("c-00001")) == []
    index.forget("ns/b")
    index.forget("ns/never-seen")
    assert index.routes_for_config(config) == [] and index._configs == {} and index._revisions == {}


def test_a_route_remembered_again_after_its_traffic_changed_names_only_the_new_targets():
    index = _RouteIndex()
    index.remember(route("a", {"revisionName": "r1", "percent": 100}))
    index.forget("ns/a")  # the controller forgets before each reconcile, then remembers what it read
    index.remember(route("a", {"revisionName": "r2", "percent": 100}))
    assert index.routes_for_revision(rev("r1")) == [] and index.routes_for_revision(rev("r2")) == ["ns/a"]
