"""Pure builders of ContainerSource and SinkBinding: the workload's environment and a selector's text."""

from __future__ import annotations

import pytest

from pyknative.api._serde import from_dict
from pyknative.api.sources import ContainerSource, LabelSelector
from pyknative.reconciler.containersource.resources import make_workload, workload_key
from pyknative.reconciler.sinkbinding.binder import binding_env, selector_string, with_env, without_env
from pyknative.roles import AdapterEnvironment


def source(**container) -> ContainerSource:
    return ContainerSource.from_dict(
        {
            "apiVersion": "sources.knative.dev/v1",
            "kind": "ContainerSource",
            "metadata": {"name": "hb", "namespace": "ns", "uid": "u1"},
            "spec": {
                "template": {"metadata": {"labels": {"app": "hb"}}, "spec": {"containers": [container]}},
                "sink": {"uri": "http://sink/"},
            },
        }
    )


def env_of(rev) -> dict[str, str]:
    return {e.name: e.value for e in rev.spec.containers[0].env}


def test_the_workload_has_knatives_adapter_environment_replacing_the_templates():
    s = source(command=["python", "a.py"], env=[{"name": "K_SINK", "value": "old"}, {"name": "KEEP", "value": "1"}])
    rev = make_workload(s, AdapterEnvironment(sink="http://sink/", namespace="ns", name="hb", ce_overrides={"a": "b"}))
    assert rev.key == workload_key("ns/hb") == "ns/containersource.hb"
    assert env_of(rev) == {
        "KEEP": "1",
        "K_SINK": "http://sink/",
        "NAME": "hb",
        "NAMESPACE": "ns",
        "K_CE_OVERRIDES": '{"extensions": {"a": "b"}}',
    }
    assert rev.metadata.labels == {"app": "hb", "sources.knative.dev/containerSource": "hb"}


def test_a_changed_sink_changes_the_workloads_version_and_the_same_one_does_not():
    s = source(command=["python", "a.py"])
    a = make_workload(s, AdapterEnvironment(sink="http://a/", namespace="ns", name="hb"))
    a2 = make_workload(s, AdapterEnvironment(sink="http://a/", namespace="ns", name="hb"))
    b = make_workload(s, AdapterEnvironment(sink="http://b/", namespace="ns", name="hb"))
    assert a.metadata.resource_version == a2.metadata.resource_version != b.metadata.resource_version


def test_a_binding_injects_k_sink_and_overrides_only():
    env = AdapterEnvironment(sink="http://s/", namespace="ns", name="b", ce_overrides={"x": "y"})
    assert binding_env(env) == {"K_SINK": "http://s/", "K_CE_OVERRIDES": '{"extensions": {"x": "y"}}'}
    containers = source(command=["x"], env=[{"name": "A", "value": "1"}]).spec.template.spec.containers
    bound = with_env(containers, binding_env(env))
    assert [e.name for e in bound[0].env] == ["A", "K_SINK", "K_CE_OVERRIDES"]
    assert [e.name for e in without_env(bound)[0].env] == ["A"]


@pytest.mark.parametrize(
    ("selector", "text"),
    [
        ({"matchLabels": {"b": "2", "a": "1"}}, "a=1,b=2"),
        ({"matchExpressions": [{"key": "t", "operator": "In", "values": ["x", "y"]}]}, "t in (x,y)"),
        ({"matchExpressions": [{"key": "t", "operator": "NotIn", "values": ["x"]}]}, "t notin (x)"),
        ({"matchExpressions": [{"key": "t", "operator": "Exists"}]}, "t"),
        ({"matchExpressions": [{"key": "t", "operator": "DoesNotExist"}]}, "!t"),
    ],
)
def test_label_selectors_become_the_stores_selector_text(selector, text):
    assert selector_string(from_dict(LabelSelector, selector)) == text
