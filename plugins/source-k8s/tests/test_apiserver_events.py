"""ApiServerSource's event builders, as Knative's adapter makes its events: types per mode and verb, the
subject (self link), extensions, and the data of either mode byte for byte; and the filters."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from pyknative_source_k8s import events
from pyknative_source_k8s.api import (
    ApiServerSource,
    ApiServerSourceSpec,
    APIVersionKind,
    APIVersionKindSelector,
    LabelSelector,
    LabelSelectorRequirement,
)

from pyknative.api.core import Event
from pyknative.api.meta import ObjectMeta, OwnerReference
from pyknative.api.serving import Service

URL = "http://127.0.0.1:8001"
T = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)


def req(key, operator, values=None) -> LabelSelectorRequirement:
    return LabelSelectorRequirement(key=key, operator=operator, values=values)


def service(name="web", namespace="default", labels=None, owners=()) -> Service:
    return Service(metadata=ObjectMeta(name=name, namespace=namespace, labels=labels, owner_references=owners or None))


@pytest.mark.parametrize(
    "mode, verb, expected",
    [
        (None, "add", "dev.knative.apiserver.ref.add"),
        ("Reference", "add", "dev.knative.apiserver.ref.add"),
        ("Reference", "update", "dev.knative.apiserver.ref.update"),
        ("Reference", "delete", "dev.knative.apiserver.ref.delete"),
        ("Resource", "add", "dev.knative.apiserver.resource.add"),
        ("Resource", "update", "dev.knative.apiserver.resource.update"),
        ("Resource", "delete", "dev.knative.apiserver.resource.delete"),
    ],
)
def test_event_types(mode, verb, expected):
    assert events.event_type(mode, verb) == expected


def test_an_unknown_verb_is_refused():
    with pytest.raises(ValueError, match="verb"):
        events.event_type("Reference", "patch")


@pytest.mark.parametrize(
    "api_version, plural, expected",
    [
        ("serving.knative.dev/v1", "services", "/apis/serving.knative.dev/v1/namespaces/ns/services/x"),
        ("v1", "events", "/apis/v1/namespaces/ns/events/x"),
        ("apps/v1", "deployments", "/apis/apps/v1/namespaces/ns/deployments/x"),
        # Knative's createSelfLink: a bare group gets a placeholder version
        ("serving.knative.dev", "services", "/apis/serving.knative.dev/versionUnknown/namespaces/ns/services/x"),
    ],
)
def test_subject_is_knatives_self_link(api_version, plural, expected):
    assert events.subject(api_version, plural, "ns", "x") == expected


def test_reference_mode_event():
    e = events.make_event("add", service(), mode="Reference", api_server_url=URL, time=T, id="1")
    assert e.attributes == {
        "specversion": "1.0",
        "id": "1",
        "type": "dev.knative.apiserver.ref.add",
        "source": URL,
        "subject": "/apis/serving.knative.dev/v1/namespaces/default/services/web",
        "datacontenttype": "application/json",
        "time": "2026-01-01T12:00:00Z",
        "kind": "Service",
        "name": "web",
        "namespace": "default",
        "apiversion": "serving.knative.dev/v1",
    }
    # corev1.ObjectReference's field order, as Go marshals it
    assert e.data == b'{"kind":"Service","namespace":"default","name":"web","apiVersion":"serving.knative.dev/v1"}'


def test_resource_mode_event_carries_the_object_as_go_marshals_it():
    svc = service(labels={"b": "<&>", "a": "1"})
    e = events.make_event("delete", svc, mode="Resource", api_server_url=URL, time=T)
    assert e.attributes["type"] == "dev.knative.apiserver.resource.delete"
    assert json.loads(e.data) == json.loads(json.dumps(svc.to_dict()))
    text = e.data.decode()
    assert '"labels":{"a":"1","b":"\\u003c\\u0026\\u003e"}' in text  # keys sorted, HTML characters escaped
    assert text.index('"apiVersion"') < text.index('"kind"') < text.index('"metadata"')
    assert " " not in text


def test_a_core_v1_event_subject_and_extensions():
    ev = Event(metadata=ObjectMeta(name="e1", namespace="ns1"))
    e = events.make_event("update", ev, mode=None, api_server_url=URL)
    assert e.attributes["subject"] == "/apis/v1/namespaces/ns1/events/e1"
    assert (e.attributes["kind"], e.attributes["apiversion"]) == ("Event", "v1")
    assert json.loads(e.data) == {"kind": "Event", "namespace": "ns1", "name": "e1", "apiVersion": "v1"}


def test_ce_attributes_name_the_three_types_of_the_mode():
    src = ApiServerSource(metadata=ObjectMeta(name="s", namespace="default"), spec=ApiServerSourceSpec(mode="Resource"))
    assert [(a.type, a.source) for a in events.ce_attributes(src, URL)] == [
        ("dev.knative.apiserver.resource.add", URL),
        ("dev.knative.apiserver.resource.update", URL),
        ("dev.knative.apiserver.resource.delete", URL),
    ]


def _source(namespace_selector=None, owner=None) -> ApiServerSource:
    return ApiServerSource(
        metadata=ObjectMeta(name="s", namespace="default"),
        spec=ApiServerSourceSpec(namespace_selector=namespace_selector, owner=owner),
    )


SVC_RES = APIVersionKindSelector(api_version="serving.knative.dev/v1", kind="Service")


@pytest.mark.parametrize(
    "selector, labels, passes",
    [
        (None, None, True),
        (LabelSelector(), {"a": "1"}, True),
        (LabelSelector(match_labels={"app": "web"}), {"app": "web", "x": "y"}, True),
        (LabelSelector(match_labels={"app": "web"}), {"app": "db"}, False),
        (LabelSelector(match_labels={"app": "web"}), None, False),
        (LabelSelector(match_expressions=(req("tier", "In", ("a", "b")),)), {"tier": "b"}, True),
        (LabelSelector(match_expressions=(req("tier", "In", ("a",)),)), {"tier": "b"}, False),
        (LabelSelector(match_expressions=(req("tier", "NotIn", ("a",)),)), {}, True),
        (LabelSelector(match_expressions=(req("tier", "NotIn", ("a",)),)), {"tier": "a"}, False),
        (LabelSelector(match_expressions=(req("tier", "Exists"),)), {"tier": ""}, True),
        (LabelSelector(match_expressions=(req("tier", "Exists"),)), {}, False),
        (LabelSelector(match_expressions=(req("tier", "DoesNotExist"),)), {}, True),
    ],
)
def test_resource_label_selectors(selector, labels, passes):
    res = APIVersionKindSelector(api_version="serving.knative.dev/v1", kind="Service", selector=selector)
    assert events.passes(_source(), res, service(labels=labels)) is passes


@pytest.mark.parametrize(
    "namespace_selector, namespace, passes",
    [
        (None, "default", True),
        (None, "other", False),  # without a selector: the source's own namespace only
        (LabelSelector(), "other", True),  # an empty selector: every namespace
        (LabelSelector(match_labels={"kubernetes.io/metadata.name": "other"}), "other", True),
        (LabelSelector(match_labels={"kubernetes.io/metadata.name": "other"}), "default", False),
    ],
)
def test_namespace_selector(namespace_selector, namespace, passes):
    assert events.passes(_source(namespace_selector), SVC_RES, service(namespace=namespace)) is passes


@pytest.mark.parametrize(
    "owners, passes",
    [
        ((), False),
        ((OwnerReference(api_version="serving.knative.dev/v1", kind="Service", name="web", uid="u1", controller=True),), True),
        ((OwnerReference(api_version="serving.knative.dev/v1", kind="Configuration", name="web", uid="u1", controller=True),), False),
        ((OwnerReference(api_version="serving.knative.dev/v2", kind="Service", name="web", uid="u1", controller=True),), False),
    ],
)
def test_owner_filter(owners, passes):
    owner = APIVersionKind(api_version="serving.knative.dev/v1", kind="Service")
    assert events.passes(_source(owner=owner), SVC_RES, service(owners=owners)) is passes
