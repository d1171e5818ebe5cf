"""A multi-document apply is one store transaction: a write that fails leaves every document as it was.

Over the real kinds and a SQLite store; a name taken between the plan and the writes (a race with another
client) stands for any write the store refuses. A store without transactions says what it applied first.
"""

from __future__ import annotations

import json

import pytest

from pyknative.admin.apply import ApplyWriteError, execute_apply, plan_apply
from pyknative.admin.state import KINDS
from pyknative.api.kinds import AdmissionContext
from pyknative.api.serving import Service

APPLY = "/apis/pyknative.dev/v1/apply"


def service(name: str, image: str = "hello:1") -> dict:
    return {
        "apiVersion": "serving.knative.dev/v1",
        "kind": "Service",
        "metadata": {"name": name},
        "spec": {"template": {"spec": {"containers": [{"image": image}]}}},
    }


def _image(svc: Service) -> str:
    return svc.spec.template.spec.containers[0].image


async def _plan_then_take(store, kinds, docs, taken: str):
    """Plan ``docs``, then let another client create ``taken`` before the writes."""
    ctx = AdmissionContext(store=store)
    plans = await plan_apply(kinds, store, ctx, docs, "default")
    [other] = await plan_apply(kinds, store, ctx, [service(taken, "theirs:1")], "default")
    await store.create(other.admitted)
    return plans


async def test_a_failed_write_stores_nothing_and_changes_nothing(real_api):
    store, kinds = real_api.app_store, real_api.server.app[KINDS]
    async with real_api.post(APPLY, json={"items": [service("old")]}) as r:
        assert r.status == 200, await r.text()
    old = await store.get(Service, "default", "old")
    plans = await _plan_then_take(store, kinds, [service("old", "hello:2"), service("new"), service("taken")], "taken")
    version = store.resource_version

    with pytest.raises(ApplyWriteError) as caught:
        await execute_apply(kinds, store, plans)

    status = caught.value.status()
    assert status["code"] == 409 and status["reason"] == "AlreadyExists"
    assert 'document 3 (Service "taken")' in status["message"] and "nothing was applied" in status["message"]
    [cause] = status["details"]["causes"]
    assert cause["document"] == {
        "index": 2, "apiVersion": "serving.knative.dev/v1", "kind": "Service", "namespace": "default", "name": "taken",
    }
    assert store.resource_version == version
    assert await store.get(Service, "default", "old") == old and _image(old) == "hello:1"
    assert sorted(s.name for s in await store.list(Service)) == ["old", "taken"]


async def test_a_lone_surrogate_in_the_second_document_stores_the_first_neither(real_api):
    body = json.dumps({"items": [service("first"), {**service("second"), "x": "\ud800"}]})
    async with real_api.post(APPLY, data=body, headers={"Content-Type": "application/json"}) as r:
        assert r.status == 400
        answer = await r.json()
    assert [c["field"] for c in answer["details"]["causes"]] == ["items[1].x"]
    assert await real_api.app_store.list(Service) == []


async def test_a_conflict_with_a_status_write_is_replanned_within_the_transaction(real_api):
    store, kinds = real_api.app_store, real_api.server.app[KINDS]
    async with real_api.post(APPLY, json={"items": [service("a"), service("b")]}) as r:
        assert r.status == 200
    docs = [service("a", "a:2"), service("b", "b:2")]
    plans = await plan_apply(kinds, store, AdmissionContext(store=store), docs, "default")
    b = await store.get(Service, "default", "b")  # a controller writes b's status after the plan
    await store.update_status(Service.from_dict({**b.to_dict(), "status": {"observedGeneration": 1}}))
    applied = await execute_apply(kinds, store, plans)
    assert [a.action for a in applied] == ["configured", "configured"]
    assert [_image(await store.get(Service, "default", n)) for n in "ab"] == ["a:2", "b:2"]
    assert (await store.get(Service, "default", "b")).status.observed_generation == 1


async def test_a_store_without_transactions_says_what_it_applied_first(support):
    from pyknative.api.kinds import Kinds
    from pyknative.api.kinds_plugin import registrations

    store, kinds = support.MemoryStore(), Kinds(registrations())
    plans = await _plan_then_take(store, kinds, [service("first"), service("taken")], "taken")
    with pytest.raises(ApplyWriteError) as caught:
        await execute_apply(kinds, store, plans)
    assert "applied before it: service.serving.knative.dev/first created" in str(caught.value)
    assert sorted(s.name for s in await store.list(Service)) == ["first", "taken"]
