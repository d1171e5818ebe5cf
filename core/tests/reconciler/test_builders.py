"""Pure builders of child objects: tables of input → the child Knative would make."""

import pytest

from pyknative.api.meta import ObjectMeta
from pyknative.api.serving import Configuration, Revision, Route, Service
from pyknative.reconciler.configuration.resources import make_revision, revision_name
from pyknative.reconciler.revision.resources import make_pa
from pyknative.reconciler.route.resources import HostConfig, host, make_ingress, status_traffic
from pyknative.reconciler.route.traffic import ResolvedTarget
from pyknative.reconciler.service.resources import make_configuration, make_route


def _svc(traffic=None):
    spec = {"template": {"spec": {"containers": [{"image": "x"}]}}}
    if traffic:
        spec["traffic"] = traffic
    return Service.from_dict({"metadata": {"name": "hello", "namespace": "ns", "uid": "u1", "labels": {"app": "a"}}, "spec": spec})


def test_service_children_are_owned_and_labelled():
    svc = _svc()
    cfg = make_configuration(svc)
    assert cfg.name == "hello" and cfg.namespace == "ns"
    assert cfg.metadata.labels == {"app": "a", "serving.knative.dev/service": "hello", "serving.knative.dev/serviceUID": "u1"}
    assert cfg.metadata.owner_references[0].uid == "u1" and cfg.metadata.owner_references[0].controller
    assert cfg.spec.template == svc.spec.template


@pytest.mark.parametrize(
    ("traffic", "want"),
    [
        pytest.param(None, [("hello", None, True, 100)], id="default latest"),
        pytest.param(
            [{"latestRevision": True, "percent": 80}, {"revisionName": "hello-00001", "latestRevision": False, "percent": 20, "tag": "old"}],
            [("hello", None, True, 80), (None, "hello-00001", False, 20)],
            id="split with tag",
        ),
    ],
)
def test_route_traffic_from_service(traffic, want):
    route = make_route(_svc(traffic))
    got = [(t.configuration_name, t.revision_name, t.latest_revision, t.percent) for t in route.spec.traffic]
    assert got == want


@pytest.mark.parametrize(
    ("template_name", "generation", "want"),
    [(None, 1, "c-00001"), (None, 12, "c-00012"), ("c-blue", 3, "c-blue")],
)
def test_revision_names(template_name, generation, want):
    meta = {"name": template_name} if template_name else {}
    cfg = Configuration.from_dict({"metadata": {"name": "c", "generation": generation}, "spec": {"template": {"metadata": meta, "spec": {}}}})
    assert revision_name(cfg) == want


def test_revision_from_configuration_carries_labels_and_annotations():
    cfg = Configuration.from_dict({
        "metadata": {"name": "c", "namespace": "ns", "uid": "cu", "generation": 2, "labels": {"serving.knative.dev/service": "s"}},
        "spec": {"template": {"metadata": {"labels": {"x": "1"}, "annotations": {"autoscaling.knative.dev/min-scale": "1"}},
                              "spec": {"containers": [{"image": "i"}]}}},
    })
    rev = make_revision(cfg)
    assert rev.name == "c-00002"
    assert rev.metadata.labels["serving.knative.dev/configurationGeneration"] == "2"
    assert rev.metadata.labels["serving.knative.dev/service"] == "s"
    assert rev.metadata.labels["x"] == "1"
    assert rev.metadata.annotations == {"autoscaling.knative.dev/min-scale": "1"}
    assert rev.is_controlled_by(cfg)


@pytest.mark.parametrize(
    ("annotations", "config", "state", "want_class", "want_reach"),
    [
        ({}, {}, "active", "kpa.autoscaling.knative.dev", "Reachable"),
        ({"autoscaling.knative.dev/class": "hpa.autoscaling.knative.dev"}, {}, "reserve", "hpa.autoscaling.knative.dev", "Unreachable"),
        ({}, {"pod-autoscaler-class": "custom.example.com"}, "pending", "custom.example.com", ""),
    ],
)
def test_pa_class_and_reachability(annotations, config, state, want_class, want_reach):
    rev = Revision.from_dict({"metadata": {"name": "r", "namespace": "n", "uid": "ru", "annotations": annotations,
                                           "labels": {"serving.knative.dev/routingState": state}},
                              "spec": {"containerConcurrency": 3}})
    pa = make_pa(rev, config)
    assert pa.metadata.annotations["autoscaling.knative.dev/class"] == want_class
    assert pa.metadata.annotations.keys() == {*annotations, "autoscaling.knative.dev/class"}
    assert pa.spec.reachability == want_reach
    assert pa.spec.container_concurrency == 3


ROUTE = Route(metadata=ObjectMeta(name="hello", namespace="ns", uid="ru"))


@pytest.mark.parametrize(
    ("hosts", "tag", "want"),
    [
        (HostConfig(domain="example.com"), None, "hello.ns.example.com"),
        (HostConfig(domain="example.com"), "old", "old-hello.ns.example.com"),
        (HostConfig(domain="x.io", domain_template="{{.Name}}-{{.Namespace}}.{{.Domain}}"), None, "hello-ns.x.io"),
        (HostConfig(domain="svc.cluster.local"), None, "hello.ns.svc.cluster.local"),
    ],
)
def test_hosts(hosts, tag, want):
    assert host(ROUTE, hosts, tag) == want


def test_ingress_has_weighted_rule_and_tag_rules():
    resolved = (ResolvedTarget(None, "hello-00002", "hello", True, 80), ResolvedTarget("old", "hello-00001", None, False, 20))
    ing = make_ingress(ROUTE, resolved, HostConfig(domain="example.com"), "embedded.ingress.networking.knative.dev")
    rules = {r.hosts: [(s.service_name, s.percent) for s in r.http.paths[0].splits] for r in ing.spec.rules}
    assert rules == {
        ("hello.ns", "hello.ns.svc", "hello.ns.svc.cluster.local"): [("hello-00002", 80), ("hello-00001", 20)],
        ("hello.ns.example.com",): [("hello-00002", 80), ("hello-00001", 20)],
        ("old-hello.ns", "old-hello.ns.svc", "old-hello.ns.svc.cluster.local"): [("hello-00001", 100)],
        ("old-hello.ns.example.com",): [("hello-00001", 100)],
    }
    split = ing.spec.rules[1].http.paths[0].splits[0]
    assert split.append_headers == {"Knative-Serving-Revision": "hello-00002", "Knative-Serving-Namespace": "ns"}
    tagged = status_traffic(ROUTE, resolved, HostConfig(domain="example.com"))
    assert [t.url for t in tagged] == [None, "http://old-hello.ns.example.com"]


def test_same_revision_twice_is_merged_in_the_split():
    resolved = (ResolvedTarget(None, "r1", "c", True, 50), ResolvedTarget("t", "r1", None, False, 50))
    ing = make_ingress(ROUTE, resolved, HostConfig(domain="example.com"), "x")
    assert [(s.service_name, s.percent) for s in ing.spec.rules[0].http.paths[0].splits] == [("r1", 100)]


def test_pa_carries_every_revision_annotation_but_kubectls_copy():
    ann = {"example.com/replicas": "3", "autoscaling.knative.dev/min-scale": "1",
           "kubectl.kubernetes.io/last-applied-configuration": "{}"}
    rev = Revision.from_dict({"metadata": {"name": "r", "namespace": "n", "uid": "ru", "annotations": ann}, "spec": {}})
    assert make_pa(rev, {}).metadata.annotations == {
        "example.com/replicas": "3", "autoscaling.knative.dev/min-scale": "1",
        "autoscaling.knative.dev/class": "kpa.autoscaling.knative.dev",
    }
