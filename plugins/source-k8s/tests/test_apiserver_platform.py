"""ApiServerSource through a real in-process Platform (the SQLite store, the controllers, the plugin loaded
from its entry point) and a recording sink server on loopback: applying, updating and deleting a Service emits
Knative's events in both modes; objects that existed before the source make none; a deleted source stops."""

from __future__ import annotations

import asyncio
import json

import pytest
from pyknative_source_k8s.api import ApiServerSource

from pyknative.api import conditions as cond
from pyknative.api.serving import Service
from pyknative.platform import Platform
from pyknative.testing.platform import PORTS, apply
from pyknative.testing.platform import until as _until


@pytest.fixture
async def platform(tmp_path):
    p = Platform.from_config(None, overrides={**PORTS, "data-dir": str(tmp_path / "data")})
    await p.start()
    try:
        yield p
    finally:
        await p.stop()



async def until(check, timeout: float = 10.0):
    return await _until(check, timeout, 0.02)


async def ready(platform: Platform, name: str):
    async def check():
        obj = await platform.store.get(ApiServerSource, "default", name)
        c = cond.get(obj.status.conditions if obj.status else None, "Ready")
        return obj if c is not None and c.status == "True" else None

    obj = await until(check)
    await asyncio.sleep(0.2)  # the adapter lists, then watches
    return obj


def source_doc(name: str, sink: str, mode: str, **spec) -> dict:
    return {
        "apiVersion": "sources.knative.dev/v1",
        "kind": "ApiServerSource",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "mode": mode,
            "resources": [{"apiVersion": "serving.knative.dev/v1", "kind": "Service"}],
            "sink": {"uri": sink},
            **spec,
        },
    }


def service_doc(name: str, namespace: str = "default", labels=None) -> dict:
    return {
        "apiVersion": "serving.knative.dev/v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": namespace, **({"labels": labels} if labels else {})},
        "spec": {"template": {"spec": {"containers": [{"image": "ghcr.io/knative/helloworld-go:latest"}]}}},
    }


def of(sink, name: str, type_: str | None = None):
    return [
        (h, b)
        for h, b in sink.received
        if h.get("ce-name") == name and (type_ is None or h["ce-type"] == type_)
    ]


async def wait_type(sink, name: str, type_: str):
    async def check():
        return of(sink, name, type_)

    return await until(check)


@pytest.mark.parametrize("mode, kind", [("Reference", "ref"), ("Resource", "resource")])
async def test_applying_and_deleting_a_service_emits_events(platform, sink, mode, kind):
    await apply(platform, service_doc("before"))  # exists before the source
    await apply(platform, source_doc("watch", sink.url, mode, ceOverrides={"extensions": {"team": "blue"}}))
    src = await ready(platform, "watch")
    admin = platform.listener_url("admin")
    assert src.to_dict()["status"]["ceAttributes"] == [
        {"type": f"dev.knative.apiserver.{kind}.{verb}", "source": admin} for verb in ("add", "update", "delete")
    ]
    assert src.status.sink_uri == sink.url

    await apply(platform, service_doc("web"))
    [(headers, body)] = await wait_type(sink, "web", f"dev.knative.apiserver.{kind}.add")
    assert {k: v for k, v in headers.items() if k.startswith("ce-") and k not in ("ce-id", "ce-time")} == {
        "ce-specversion": "1.0",
        "ce-type": f"dev.knative.apiserver.{kind}.add",
        "ce-source": admin,
        "ce-subject": "/apis/serving.knative.dev/v1/namespaces/default/services/web",
        "ce-kind": "Service",
        "ce-name": "web",
        "ce-namespace": "default",
        "ce-apiversion": "serving.knative.dev/v1",
        "ce-team": "blue",
    }
    assert headers["content-type"] == "application/json"
    if mode == "Reference":
        assert body == b'{"kind":"Service","namespace":"default","name":"web","apiVersion":"serving.knative.dev/v1"}'
    else:
        doc = json.loads(body)
        assert (doc["kind"], doc["metadata"]["name"]) == ("Service", "web")
        assert doc["spec"]["template"]["spec"]["containers"][0]["image"] == "ghcr.io/knative/helloworld-go:latest"

    await wait_type(sink, "web", f"dev.knative.apiserver.{kind}.update")  # its controller writes its status

    await platform.store.delete(Service, "default", "web")
    [(_, body)] = await wait_type(sink, "web", f"dev.knative.apiserver.{kind}.delete")
    if mode == "Resource":
        assert json.loads(body)["metadata"]["name"] == "web"
    # an object that existed before the source makes no add (its later writes are updates, as in Knative)
    assert of(sink, "before", f"dev.knative.apiserver.{kind}.add") == []
    types = [h["ce-type"] for h, _ in of(sink, "web")]
    assert types[0].endswith(".add") and types[-1].endswith(".delete")
    assert all(t.startswith(f"dev.knative.apiserver.{kind}.") for t in types)


async def test_selectors_and_namespaces(platform, sink):
    await apply(
        platform,
        source_doc(
            "picky",
            sink.url,
            "Reference",
            resources=[
                {
                    "apiVersion": "serving.knative.dev/v1",
                    "kind": "Service",
                    "selector": {"matchLabels": {"app": "web"}},
                }
            ],
        ),
    )
    await ready(platform, "picky")
    await apply(platform, service_doc("other-ns", namespace="elsewhere", labels={"app": "web"}))
    await apply(platform, service_doc("unlabelled"))
    await apply(platform, service_doc("labelled", labels={"app": "web"}))
    await wait_type(sink, "labelled", "dev.knative.apiserver.ref.add")
    await asyncio.sleep(0.3)
    names = {h["ce-name"] for h, _ in sink.received}
    assert names == {"labelled"}


async def test_a_namespace_selector_watches_other_namespaces(platform, sink):
    await apply(platform, source_doc("wide", sink.url, "Reference", namespaceSelector={}))
    await ready(platform, "wide")
    await apply(platform, service_doc("far", namespace="elsewhere"))
    [(headers, _)] = await wait_type(sink, "far", "dev.knative.apiserver.ref.add")
    assert headers["ce-subject"] == "/apis/serving.knative.dev/v1/namespaces/elsewhere/services/far"


async def test_a_deleted_source_stops_sending(platform, sink):
    await apply(platform, source_doc("gone", sink.url, "Reference"))
    await ready(platform, "gone")
    await apply(platform, service_doc("one"))
    await wait_type(sink, "one", "dev.knative.apiserver.ref.add")
    await platform.store.delete(ApiServerSource, "default", "gone")

    async def stopped():
        return not (await platform.source_adapter("sources.knative.dev/v1", "ApiServerSource")).running("default/gone")

    await until(stopped)
    count = len(sink.received)
    await apply(platform, service_doc("two"))
    await asyncio.sleep(0.5)
    assert of(sink, "two") == []
    assert len(sink.received) >= count
