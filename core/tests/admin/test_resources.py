"""The admin API's resource routes over a real socket: CRUD, lists, errors as Status objects."""

from __future__ import annotations

import json

SVC = "/apis/serving.knative.dev/v1/namespaces/default/services"


def service(name: str, *, image: str = "hello:1", labels: dict | None = None, **spec) -> dict:
    return {
        "apiVersion": "serving.knative.dev/v1",
        "kind": "Service",
        "metadata": {"name": name, **({"labels": labels} if labels else {})},
        "spec": {"template": {"spec": {"containers": [{"image": image}]}}, **spec},
    }


async def test_healthz_and_discovery(api):
    session, base = api
    async with session.get(base + "/healthz") as r:
        assert r.status == 200 and await r.text() == "ok"
    async with session.get(base + "/apis") as r:
        resources = (await r.json())["resources"]
    ksvc = next(x for x in resources if x["kind"] == "Service")
    columns = ksvc.pop("additionalPrinterColumns")
    assert [c["name"] for c in columns] == ["URL", "LATEST", "AGE", "CONDITIONS", "READY", "REASON"]
    assert columns[-2] == {
        "name": "READY",
        "type": "string",
        "jsonPath": ".status.conditions[?(@.type=='Ready')].status",
    }
    assert ksvc == {
        "group": "serving.knative.dev",
        "version": "v1",
        "kind": "Service",
        "plural": "services",
        "singular": "service",
        "shortNames": ["ksvc", "kservice"],
        "namespaced": True,
        "categories": ["all", "knative", "serving"],
        "printName": True,
    }
    gadget = next(x for x in resources if x["kind"] == "Gadget")
    assert gadget["namespaced"] is False
    assert [c["name"] for c in gadget["additionalPrinterColumns"]] == ["READY", "REASON", "AGE"]


async def test_create_get_update_delete(api):
    session, base = api
    async with session.post(base + SVC, json=service("hello")) as r:
        assert r.status == 201
        created = await r.json()
    assert created["metadata"]["namespace"] == "default"
    assert created["metadata"]["generation"] == 1 and created["metadata"]["uid"]
    # defaulting ran at admission
    assert created["spec"]["traffic"] == [{"latestRevision": True, "percent": 100}]

    async with session.get(base + SVC + "/hello") as r:
        assert r.status == 200
        assert (await r.json())["metadata"]["uid"] == created["metadata"]["uid"]

    changed = dict(created, spec=service("hello", image="hello:2")["spec"])
    async with session.put(base + SVC + "/hello", json=changed) as r:
        assert r.status == 200, await r.text()
        updated = await r.json()
    assert updated["metadata"]["generation"] == 2
    assert updated["spec"]["template"]["spec"]["containers"][0]["image"] == "hello:2"

    async with session.delete(base + SVC + "/hello") as r:
        assert r.status == 200
        assert (await r.json())["metadata"]["name"] == "hello"
    async with session.get(base + SVC + "/hello") as r:
        assert r.status == 404
        body = await r.json()
    assert body["kind"] == "Status" and body["reason"] == "NotFound" and body["code"] == 404
    assert "hello" in body["message"]


async def test_status_subresource_writes_only_status(api, support):
    session, base = api
    async with session.post(base + SVC, json=service("hello")) as r:
        created = await r.json()
    created["status"] = {
        "url": "http://hello.default.example.com",
        "conditions": [{"type": "Ready", "status": "True"}],
    }
    created["spec"]["template"] = {"spec": {"containers": [{"image": "ignored:9"}]}}
    async with session.put(base + SVC + "/hello/status", json=created) as r:
        assert r.status == 200, await r.text()
    async with session.get(base + SVC + "/hello/status") as r:
        got = await r.json()
    assert got["status"]["url"] == "http://hello.default.example.com"
    assert got["spec"]["template"]["spec"]["containers"][0]["image"] == "hello:1"
    assert got["metadata"]["generation"] == 1


async def test_list_with_label_selector_and_all_namespaces(api):
    session, base = api
    await session.post(base + SVC, json=service("a", labels={"team": "x"}))
    await session.post(base + SVC, json=service("b", labels={"team": "y"}))
    other = service("c", labels={"team": "x"})
    await session.post(base + "/apis/serving.knative.dev/v1/namespaces/other/services", json=other)

    async with session.get(base + SVC, params={"labelSelector": "team=x"}) as r:
        body = await r.json()
    assert body["apiVersion"] == "serving.knative.dev/v1" and body["kind"] == "ServiceList"
    assert body["metadata"]["resourceVersion"]
    assert [i["metadata"]["name"] for i in body["items"]] == ["a"]

    async with session.get(
        base + "/apis/serving.knative.dev/v1/services", params={"labelSelector": "team in (x)"}
    ) as r:
        body = await r.json()
    assert [(i["metadata"]["namespace"], i["metadata"]["name"]) for i in body["items"]] == [
        ("default", "a"),
        ("other", "c"),
    ]

    async with session.get(base + SVC, params={"fieldSelector": "metadata.name=b"}) as r:
        assert [i["metadata"]["name"] for i in (await r.json())["items"]] == ["b"]


async def test_validation_error_is_422_status_with_every_cause(api):
    session, base = api
    bad = service("hello", traffic=[{"percent": 150}, {"percent": -5}])
    async with session.post(base + SVC, json=bad) as r:
        assert r.status == 422
        body = await r.json()
    assert body["kind"] == "Status" and body["apiVersion"] == "v1" and body["status"] == "Failure"
    assert body["reason"] == "Invalid" and body["code"] == 422
    assert body["details"]["kind"] == "Service" and body["details"]["name"] == "hello"
    causes = {(c["field"], c["reason"]) for c in body["details"]["causes"]}
    assert causes == {
        ("spec.traffic[0].percent", "FieldValueInvalid"),
        ("spec.traffic[1].percent", "FieldValueInvalid"),
        ("spec.traffic", "FieldValueInvalid"),
    }
    async with session.get(base + SVC) as r:
        assert (await r.json())["items"] == []


async def test_type_errors_are_422_with_field_paths(api):
    session, base = api
    doc = service("hello", traffic=[{"percent": "lots"}])
    async with session.post(base + SVC, json=doc) as r:
        assert r.status == 422
        body = await r.json()
    assert [c["field"] for c in body["details"]["causes"]] == ["spec.traffic[0].percent"]
    assert "expected an integer" in body["details"]["causes"][0]["message"]


async def test_conflicts_are_409(api):
    session, base = api
    async with session.post(base + SVC, json=service("hello")) as r:
        first = await r.json()
    async with session.post(base + SVC, json=service("hello")) as r:
        assert r.status == 409
        assert (await r.json())["reason"] == "AlreadyExists"
    async with session.put(base + SVC + "/hello", json=first) as r:  # bumps the resourceVersion
        assert r.status == 200
    async with session.put(base + SVC + "/hello", json=first) as r:  # the old resourceVersion is now stale
        assert r.status == 409
        body = await r.json()
    assert body["reason"] == "Conflict" and body["code"] == 409


async def test_not_found_paths(api):
    session, base = api
    async with session.get(base + "/apis/serving.knative.dev/v1/namespaces/default/nosuchthings") as r:
        assert r.status == 404
        assert (await r.json())["reason"] == "NotFound"
    async with session.get(base + "/no/such/route") as r:
        assert r.status == 404
        assert (await r.json())["kind"] == "Status"
    async with session.delete(base + SVC + "/ghost") as r:
        assert r.status == 404


async def test_malformed_bodies_are_400(api):
    session, base = api
    async with session.post(base + SVC, data=b"{not json", headers={"Content-Type": "application/json"}) as r:
        assert r.status == 400
        body = await r.json()
    assert body["reason"] == "BadRequest" and "not valid JSON" in body["message"]
    async with session.post(base + SVC, data=b"a: [b", headers={"Content-Type": "application/yaml"}) as r:
        assert r.status == 400
        assert "not valid YAML" in (await r.json())["message"]
    async with session.post(base + SVC, json=["a list"]) as r:
        assert r.status == 400


async def test_yaml_body_creates(api):
    session, base = api
    text = (
        "apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata: {name: y}\nspec: {template: {a: 1}}\n"
    )
    async with session.post(base + SVC, data=text, headers={"Content-Type": "application/yaml"}) as r:
        assert r.status == 201, await r.text()


async def test_name_and_namespace_must_match_the_url(api):
    session, base = api
    async with session.post(base + SVC, json=service("hello")) as r:
        created = await r.json()
    async with session.put(base + SVC + "/other", json=created) as r:
        assert r.status == 400
        assert "does not match the name" in (await r.json())["message"]
    doc = service("x")
    doc["metadata"]["namespace"] = "elsewhere"
    async with session.post(base + SVC, json=doc) as r:
        assert r.status == 400
        assert "namespace" in (await r.json())["message"]
    wrong = dict(service("x"), kind="Revision")
    async with session.post(base + SVC, json=wrong) as r:
        assert r.status == 400


async def test_cluster_scoped_kind(api):
    session, base = api
    col = base + "/apis/test.pyknative.dev/v1/gadgets"
    doc = {
        "apiVersion": "test.pyknative.dev/v1",
        "kind": "Gadget",
        "metadata": {"name": "g1"},
        "spec": {"x": 1},
    }
    async with session.post(col, json=doc) as r:
        assert r.status == 201, await r.text()
        assert "namespace" not in (await r.json())["metadata"]
    async with session.get(col + "/g1") as r:
        assert (await r.json())["spec"] == {"x": 1}
    async with session.get(base + "/apis/test.pyknative.dev/v1/namespaces/default/gadgets") as r:
        assert r.status == 404
    async with session.delete(col + "/g1") as r:
        assert r.status == 200


async def test_logs(api):
    session, base = api
    async with session.get(
        base + "/logs/namespaces/default/services/hello", params={"revision": "hello-1", "tail": "2"}
    ) as r:
        assert r.status == 200
        assert (await r.text()).splitlines() == [
            "default/hello/hello-1 line 3",
            "default/hello/hello-1 line 4",
        ]
    async with session.get(base + "/logs/namespaces/default/services/hello") as r:
        assert len((await r.text()).splitlines()) == 5
    async with session.get(base + "/logs/namespaces/default/services/missing") as r:
        assert r.status == 404
    async with session.get(base + "/logs/namespaces/default/services/hello", params={"tail": "x"}) as r:
        assert r.status == 400


async def test_logs_unavailable_without_a_source(support, store):
    import aiohttp

    from pyknative.admin import make_api_app, start_api_server
    from pyknative.api.kinds import AdmissionContext

    app = make_api_app(kinds=support.make_kinds(), store=store, admission=AdmissionContext)
    runner, (host, port) = await start_api_server(app)
    try:
        async with (
            aiohttp.ClientSession() as s,
            s.get(f"http://{host}:{port}/logs/namespaces/d/services/x") as r,
        ):
            assert r.status == 501
            assert json.loads(await r.text())["message"] == "this server has no log source"
    finally:
        await runner.cleanup()
