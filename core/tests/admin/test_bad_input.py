"""Bad input to the admin API over the real kinds and a SQLite store: a 4xx naming the field, never a 5xx.

One table of requests (each a body or query that once gave a 500, or was stored when Kubernetes refuses it),
each with the status it must get and the field paths its Status must name.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from pyknative.api.serving import Service

SVC = "/apis/serving.knative.dev/v1/namespaces/default/services"
APPLY = "/apis/pyknative.dev/v1/apply"
JSON = {"Content-Type": "application/json"}
YAML = {"Content-Type": "application/yaml"}


def service(name: str = "hello", *, container: Any = None, metadata: dict | None = None) -> dict:
    return {
        "apiVersion": "serving.knative.dev/v1",
        "kind": "Service",
        "metadata": {"name": name, **(metadata or {})},
        "spec": {"template": {"spec": {"containers": [container or {"image": "hello:1"}]}}},
    }


def trigger(attributes: dict) -> dict:
    return {
        "apiVersion": "eventing.knative.dev/v1",
        "kind": "Trigger",
        "metadata": {"name": "t"},
        "spec": {
            "broker": "default",
            "filter": {"attributes": attributes},
            "subscriber": {"uri": "http://example.com/"},
        },
    }


def _apply(*docs: dict) -> bytes:
    return json.dumps({"items": list(docs)}).encode()


def _with_containers(containers: list) -> dict:
    doc = service()
    doc["spec"]["template"]["spec"]["containers"] = containers
    return doc


_CONTAINER = "spec.template.spec.containers[0]"
_LONG_ANNOTATION = {"big": "x" * 900_000}
_MANY_ANNOTATIONS = {f"key-{i:05d}": "v" * 10 for i in range(20_000)}

# (id, method, path, headers, body, status, fields the Status's causes must name)
CASES = [
    ("null container", "POST", APPLY, JSON, _apply(_with_containers([None])), 422, [f"{_CONTAINER}"]),
    ("null env", "POST", APPLY, JSON, _apply(service(container={"image": "a", "env": [None]})), 422,
     [f"{_CONTAINER}.env[0]"]),
    ("null args", "POST", APPLY, JSON, _apply(service(container={"image": "a", "args": [None]})), 422,
     [f"{_CONTAINER}.args[0]"]),
    ("null in command", "POST", APPLY, JSON, _apply(service(container={"image": "a", "command": ["python3", None]})),
     422, [f"{_CONTAINER}.command[1]"]),
    ("null annotation", "POST", APPLY, JSON, _apply(service(metadata={"annotations": {"a": None}})), 422,
     ["metadata.annotations.a"]),
    ("null filter value", "POST", APPLY, JSON, _apply(trigger({"type": None})), 422,
     ["spec.filter.attributes.type"]),
    ("JSON nested 5000 deep", "POST", SVC, JSON, b"[" * 5000 + b"]" * 5000, 400, []),
    ("JSON nested 150 deep", "POST", SVC, JSON,
     json.dumps({**service(), "x": json.loads("[" * 150 + "]" * 150)}).encode(), 400, []),
    ("YAML nested 5000 deep", "POST", SVC, YAML, b"[" * 5000 + b"]" * 5000, 400, []),
    ("invalid UTF-8", "POST", SVC, JSON, b'{"kind": "\xff\xfe"}', 400, []),
    ("lone surrogate", "POST", SVC, JSON, json.dumps(service(metadata={"labels": {"a": "\ud800"}})).encode(), 400,
     ["metadata.labels.a"]),
    ("NaN", "POST", SVC, JSON, json.dumps({**service(), "x": float("nan")}).encode(), 400, ["x"]),
    ("YAML binary", "POST", SVC, YAML, b"apiVersion: serving.knative.dev/v1\nkind: Service\nx: !!binary aGk=\n",
     400, ["x"]),
    ("YAML alias bomb", "POST", SVC, YAML,
     b"a: &a [x,x,x,x,x,x,x,x,x,x]\n" + b"".join(
         f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},"
         f"*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)}]\n".encode()
         for i in range(8)
     ), 413, []),
    ("tail=inf", "GET", "/logs/namespaces/default/services/hello?tail=inf", {}, None, 400, []),
    ("tail=nan", "GET", "/logs/namespaces/default/services/hello?tail=nan", {}, None, 400, []),
    ("namespace ../x", "POST", APPLY + "?namespace=../x", JSON, _apply(service()), 422, ["metadata.namespace"]),
    ("namespace UPPER", "POST", APPLY, JSON, _apply(service(metadata={"namespace": "UPPER"})), 422,
     ["metadata.namespace"]),
    ("namespace of 300", "POST", APPLY, JSON, _apply(service(metadata={"namespace": "n" * 300})), 422,
     ["metadata.namespace"]),
    ("annotations of 900 KB", "POST", SVC, JSON, json.dumps(service(metadata={"annotations": _LONG_ANNOTATION})).encode(),
     422, ["metadata.annotations"]),
    ("20,000 annotations", "POST", SVC, JSON, json.dumps(service(metadata={"annotations": _MANY_ANNOTATIONS})).encode(),
     422, ["metadata.annotations"]),
    ("annotation key 'bad key!'", "POST", SVC, JSON,
     json.dumps(service(metadata={"annotations": {"bad key!": "x"}})).encode(), 422, ["metadata.annotations.bad key!"]),
    ("label key and value", "POST", SVC, JSON,
     json.dumps(service(metadata={"labels": {"-a": "ok", "/b": "ok", "c": "v" * 64, "d": "no way"}})).encode(), 422,
     ["metadata.labels.-a", "metadata.labels./b", "metadata.labels.c", "metadata.labels.d"]),
    ("labelSelector a in (", "GET", SVC + "?labelSelector=a%20in%20(", {}, None, 400, []),
    ("labelSelector a===b", "GET", SVC + "?labelSelector=a%3D%3D%3Db", {}, None, 400, []),
    ("labelSelector bad key", "GET", SVC + "?labelSelector=bad%20key", {}, None, 400, []),
    ("labelSelector stray comma", "GET", SVC + "?labelSelector=a%3Db,", {}, None, 400, []),
    ("watch from a resourceVersion past int64", "GET", SVC + "?watch=true&resourceVersion=" + "9" * 30, {}, None, 422,
     ["resourceVersion"]),
    ("PUT without resourceVersion", "PUT", SVC + "/hello", JSON, json.dumps(service()).encode(), 422,
     ["metadata.resourceVersion"]),
]


@pytest.mark.parametrize(
    ("method", "path", "headers", "body", "status", "fields"), [pytest.param(*c[1:], id=c[0]) for c in CASES]
)
async def test_bad_input_is_a_4xx_naming_the_field(real_api, caplog, method, path, headers, body, status, fields):
    """Every case gets its status (never a 5xx), a Status naming every field at once, and stores nothing new."""
    async with real_api.post(SVC, json=service()) as r:  # something for PUT and logs to find
        assert r.status == 201, await r.text()
    async with real_api.request(method, path, headers=headers, data=body) as r:
        answer = await r.json()
        assert r.status == status, answer
    assert answer["kind"] == "Status" and answer["code"] == status
    named = [c.get("field") for c in answer.get("details", {}).get("causes", [])]
    for field in fields:
        assert field in named, (field, named)
    assert [o.name for o in await real_api.app_store.list(Service)] == ["hello"]
    assert not [r for r in caplog.records if r.exc_info], "a traceback in the log"


async def test_a_good_label_selector_still_selects(real_api):
    for name, tier in (("a", "web"), ("b", "db"), ("c", "")):
        async with real_api.post(SVC, json=service(name, metadata={"labels": {"tier": tier}})) as r:
            assert r.status == 201, await r.text()
    for selector, names in (
        ("tier in (web, db)", ["a", "b"]),
        ("tier notin (web)", ["b", "c"]),
        ("tier=", ["c"]),
        ("!tier", []),
        ("tier,tier!=db", ["a", "c"]),
    ):
        async with real_api.get(SVC, params={"labelSelector": selector}) as r:
            assert r.status == 200, await r.text()
            assert [o["metadata"]["name"] for o in (await r.json())["items"]] == names, selector


async def test_put_with_the_current_resource_version_updates(real_api):
    async with real_api.post(SVC, json=service()) as r:
        created = await r.json()
    changed = service(container={"image": "hello:2"}, metadata={"resourceVersion": created["metadata"]["resourceVersion"]})
    async with real_api.put(SVC + "/hello", json=changed) as r:
        assert r.status == 200, await r.text()
    async with real_api.put(SVC + "/hello", json=changed) as r:
        assert r.status == 409  # that version is stale now


async def test_yaml_timestamps_stay_strings(real_api):
    """A YAML date is a string, as in a JSON body (not a value the store cannot write)."""
    doc = "apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata:\n  name: hello\n  annotations:\n"
    doc += "    when: 2024-01-02\nspec:\n  template:\n    spec:\n      containers: [{image: a}]\n"
    async with real_api.post(APPLY, data=doc, headers=YAML) as r:
        assert r.status == 200, await r.text()
    stored = await real_api.app_store.get(Service, "default", "hello")
    assert stored.metadata.annotations == {"when": "2024-01-02"}
