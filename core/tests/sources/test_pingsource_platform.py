"""PingSource through a real in-process Platform: the SQLite store, the controllers, the event ingress, an
in-memory Broker, and a recording sink server on loopback. The adapters read a manual clock, so a tick is one
``advance`` away (``pyknative_make_source`` of a test plugin wins over the core's, as any plugin's would)."""

from __future__ import annotations

import asyncio
import base64
import json
import uuid

import pytest

from pyknative import hookimpl
from pyknative.api import conditions as cond
from pyknative.api.core import Event
from pyknative.api.eventing import Broker, Trigger
from pyknative.api.sources import PingSource
from pyknative.eventing.channel import Outcome
from pyknative.platform import Platform
from pyknative.reconciler.pingsource.adapter import ping_adapter
from pyknative.reconciler.pingsource.resources import RESOURCE_GROUP
from pyknative.sources import InProcessAdapters, ManualClock, SourceId
from pyknative.testing.platform import PORTS, apply
from pyknative.testing.platform import until as _until


class ManualPing:
    """Makes PingSource's adapters with a manual clock and no jitter."""

    def __init__(self) -> None:
        self.clock = ManualClock()
        self.adapters: InProcessAdapters | None = None

    @hookimpl
    def pyknative_make_source(self, api_version, kind, platform):
        if kind != "PingSource":
            return None
        self.adapters = InProcessAdapters.for_platform(
            platform, ping_adapter(jitter=0), resource_group=RESOURCE_GROUP, clock=self.clock
        )
        return self.adapters


@pytest.fixture
async def env(tmp_path):
    ping = ManualPing()
    platform = Platform.from_config(
        None, overrides={**PORTS, "data-dir": str(tmp_path / "data")}, extra_plugins=[("source", "manual-ping", ping)]
    )
    await platform.start()
    try:
        yield platform, ping
    finally:
        await platform.stop()



async def until(check, timeout: float = 10.0):
    return await _until(check, timeout, 0.02)


async def condition(platform: Platform, name: str, type: str = "Ready", status: str = "True"):
    async def check():
        obj = await platform.store.get(PingSource, "default", name)
        c = cond.get(obj.status.conditions if obj.status else None, type)
        return obj if c is not None and c.status == status else None

    return await until(check)


def ping_doc(name: str, sink: dict, **spec) -> dict:
    return {
        "apiVersion": "sources.knative.dev/v1",
        "kind": "PingSource",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"sink": sink, **spec},
    }


async def test_each_tick_sends_one_event_with_knatives_attributes(env, sink):
    platform, ping = env
    await apply(
        platform,
        ping_doc(
            "hello",
            {"uri": sink.url},
            schedule="*/1 * * * *",
            contentType="application/json",
            data='{"message": "Hello world!", "a": [1, 2]}',
            ceOverrides={"extensions": {"team": "blue"}},
        ),
    )
    source = await condition(platform, "hello")
    assert source.status.sink_uri == sink.url
    assert [c.type for c in source.status.conditions if c.is_true] == ["Deployed", "Ready", "SinkProvided"]
    assert source.to_dict()["status"]["ceAttributes"] == [
        {"type": "dev.knative.sources.ping", "source": "/apis/v1/namespaces/default/pingsources/hello"}
    ]

    await ping.clock.wait_for_sleepers(1)
    start = ping.clock.now()
    await ping.clock.advance(59)
    assert sink.received == []  # the first tick is at the next whole minute, 60 s after the manual clock's start
    await ping.clock.advance(1)
    [(headers, body)] = await sink.wait_for(1)
    assert {k: v for k, v in headers.items() if k.startswith("ce-") and k != "ce-id"} == {
        "ce-specversion": "1.0",
        "ce-type": "dev.knative.sources.ping",
        "ce-source": "/apis/v1/namespaces/default/pingsources/hello",
        "ce-time": "2026-01-01T00:01:00Z",
        "ce-team": "blue",
    }
    assert uuid.UUID(headers["ce-id"])
    assert headers["content-type"] == "application/json"
    assert json.loads(body) == {"message": "Hello world!", "a": [1, 2]}
    assert body == b'{"a":[1,2],"message":"Hello world!"}'  # as Go's json.Marshal writes the object

    await ping.clock.wait_for_sleepers(1)
    await ping.clock.advance(120)  # two more ticks
    received = await sink.wait_for(3)
    assert [h["ce-time"] for h, _ in received] == [
        "2026-01-01T00:01:00Z",
        "2026-01-01T00:02:00Z",
        "2026-01-01T00:03:00Z",
    ]
    assert len({h["ce-id"] for h, _ in received}) == 3
    assert (ping.clock.now() - start).total_seconds() == 180
    assert platform.source_counters.get(SourceId(RESOURCE_GROUP, "default", "hello"), Outcome.DELIVERED) == 3


async def test_binary_data_and_a_seconds_schedule(env, sink):
    platform, ping = env
    await apply(
        platform,
        ping_doc("binary", {"uri": sink.url}, schedule="*/10 * * * * *", dataBase64=base64.b64encode(b"\x00\x01hi").decode()),
    )
    await condition(platform, "binary")
    await ping.clock.wait_for_sleepers(1)
    await ping.clock.advance(10)
    [(headers, body)] = await sink.wait_for(1)
    assert body == b"\x00\x01hi"
    assert "content-type" not in headers or headers["content-type"] == "application/octet-stream"
    assert headers["ce-time"] == "2026-01-01T00:00:10Z"


async def test_a_missing_sink_is_not_ready_with_knatives_reason_and_becomes_ready_when_it_appears(env, sink):
    platform, ping = env
    broker_ref = {"ref": {"apiVersion": "eventing.knative.dev/v1", "kind": "Broker", "name": "default"}}
    await apply(platform, ping_doc("waiting", broker_ref))
    source = await condition(platform, "waiting", status="False")
    ready = cond.get(source.status.conditions, "Ready")
    sink_provided = cond.get(source.status.conditions, "SinkProvided")
    assert (ready.reason, sink_provided.reason) == ("NotFound", "NotFound")
    assert "Broker default/default not found" in sink_provided.message
    assert source.status.sink_uri is None

    async def warning():
        events = await platform.store.list(Event, "default")
        return [e for e in events if e.reason == "SinkNotFound" and e.involved_object.name == "waiting"]

    [event] = await until(warning)
    assert event.type == "Warning"
    assert event.message == (
        'Sink not found: {"ref":{"apiVersion":"eventing.knative.dev/v1","kind":"Broker","name":"default"}}'
    )

    # The Broker appears (with a Trigger to the sink): the source is reconciled from the watch and sends to it.
    await apply(platform, {"apiVersion": "eventing.knative.dev/v1", "kind": "Broker", "metadata": {"name": "default", "namespace": "default"}})
    await apply(
        platform,
        {
            "apiVersion": "eventing.knative.dev/v1",
            "kind": "Trigger",
            "metadata": {"name": "pings", "namespace": "default"},
            "spec": {"broker": "default", "filter": {"attributes": {"type": "dev.knative.sources.ping"}}, "subscriber": {"uri": sink.url}},
        },
    )
    source = await condition(platform, "waiting")
    broker = await platform.store.get(Broker, "default", "default")
    assert source.status.sink_uri == broker.status.address.url

    async def trigger_ready():
        t = await platform.store.get(Trigger, "default", "pings")
        return cond.is_true(t.status.conditions if t.status else None, "Ready")

    await until(trigger_ready)
    await ping.clock.wait_for_sleepers(1)
    await ping.clock.advance(60)
    [(headers, _)] = await sink.wait_for(1)
    assert headers["ce-source"] == "/apis/v1/namespaces/default/pingsources/waiting"
    assert headers["ce-type"] == "dev.knative.sources.ping"

    # The Broker goes away again: the source is not Ready and its adapter stops.
    await platform.store.delete(Broker, "default", "default")
    await condition(platform, "waiting", status="False")
    assert not ping.adapters.running("default/waiting")


async def test_a_changed_spec_restarts_the_adapter_and_a_deleted_source_stops_sending(env, sink):
    platform, ping = env
    await apply(platform, ping_doc("changing", {"uri": sink.url}, data="one"))
    await condition(platform, "changing")
    await ping.clock.wait_for_sleepers(1)
    await ping.clock.advance(60)
    await sink.wait_for(1)

    await apply(platform, ping_doc("changing", {"uri": sink.url}, data="two"))

    async def restarted():
        await ping.clock.wait_for_sleepers(1)
        return ping.adapters._running["default/changing"].fingerprint[0].data == "two"

    await until(restarted)
    await ping.clock.wait_for_sleepers(1)
    await ping.clock.advance(60)
    received = await sink.wait_for(2)
    assert [body for _, body in received] == [b"one", b"two"]

    await platform.store.delete(PingSource, "default", "changing")
    await until(lambda: _async(not ping.adapters.running("default/changing")))
    await ping.clock.advance(600)
    await asyncio.sleep(0.2)
    assert len(sink.received) == 2


async def test_a_failing_sink_is_retried_as_knative_then_counted_as_failed(env, sink):
    platform, ping = env
    sink.status = 503
    await apply(platform, ping_doc("failing", {"uri": sink.url}))
    await condition(platform, "failing")
    await ping.clock.wait_for_sleepers(1)
    await ping.clock.advance(60)
    await sink.wait_for(6)  # 1 try + 5 retries, with 50 ms exponential backoff in between
    source = SourceId(RESOURCE_GROUP, "default", "failing")
    await until(lambda: _async(platform.source_counters.get(source, Outcome.DROPPED) == 1))
    assert len({h["ce-id"] for h, _ in sink.received}) == 1


async def _async(value):
    return value
