"""The event ingress over real sockets: Knative's status codes, TTL and arrival time, channels, HTTP details."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import aiohttp
import attrs
import pytest

from pyknative.eventing.channel import ChannelError
from pyknative.eventing.ingress import EventIngress
from pyknative.eventing.message import ARRIVAL_TIME, BROKER_TTL, Message

CE = {"ce-specversion": "1.0", "ce-id": "e-1", "ce-source": "/test", "ce-type": "dev.test"}


@attrs.define(eq=False)
class Target:
    published: list[Message] = attrs.field(factory=list)
    delay: float = 0.0
    error: Exception | None = None

    async def publish(self, message: Message) -> None:
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.error is not None:
            raise self.error
        self.published.append(message)


@attrs.define(eq=False)
class Setup:
    ingress: EventIngress
    brokers: dict[tuple[str, str], Target]
    channels: dict[tuple[str, str], Target]
    session: aiohttp.ClientSession
    base: str

    async def post(self, path: str, headers=None, body: bytes = b"", method: str = "POST"):
        async with self.session.request(method, self.base + path, headers=headers, data=body) as resp:
            return resp.status, resp.headers, await resp.read()


@pytest.fixture
async def setup() -> AsyncIterator[Setup]:
    brokers = {("ns", "default"): Target()}
    channels = {("ns", "imc"): Target()}
    ingress = EventIngress(
        host="127.0.0.1",
        port=0,
        lookup=lambda ns, name: brokers.get((ns, name)),
        channel_lookup=lambda ns, name: channels.get((ns, name)),
        max_body_bytes=64 * 1024,
    )
    host, port = await ingress.start()
    async with aiohttp.ClientSession() as session:
        yield Setup(ingress, brokers, channels, session, f"http://{host}:{port}")
    await ingress.stop()


async def test_accepts_a_binary_event(setup):
    before = datetime.now(UTC)
    status, _, body = await setup.post("/ns/default", {**CE, "content-type": "application/json"}, b'{"a":1}')
    assert (status, body) == (202, b"")
    (m,) = setup.brokers["ns", "default"].published
    assert m.id == "e-1"
    assert m.data == b'{"a":1}'
    assert m.attributes["datacontenttype"] == "application/json"
    assert m.attributes[BROKER_TTL] == "255"
    arrived = datetime.fromisoformat(m.attributes[ARRIVAL_TIME])
    assert before - timedelta(seconds=1) <= arrived <= datetime.now(UTC)
    assert m.attributes[ARRIVAL_TIME].endswith("Z")


@pytest.mark.parametrize("version", ["1.0", "0.3"])
async def test_accepts_structured_events_keeping_the_version(setup, version):
    body = json.dumps({"specversion": version, "id": "s", "source": "/s", "type": "t", "data": {"x": 1}}).encode()
    status, _, _ = await setup.post("/ns/default", {"content-type": "application/cloudevents+json"}, body)
    assert status == 202
    (m,) = setup.brokers["ns", "default"].published
    assert m.attributes["specversion"] == version


async def test_accepts_binary_0_3(setup):
    status, _, _ = await setup.post("/ns/default", {**CE, "ce-specversion": "0.3"}, b"x")
    assert status == 202
    assert setup.brokers["ns", "default"].published[0].attributes["specversion"] == "0.3"


async def test_options(setup):
    status, headers, _ = await setup.post("/ns/default", method="OPTIONS")
    assert status == 200
    assert headers["Allow"] == "POST, OPTIONS"
    assert headers["WebHook-Allowed-Origin"] == "*"
    assert headers["WebHook-Allowed-Rate"] == "*"


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
async def test_other_methods_are_405(setup, method):
    status, headers, _ = await setup.post("/ns/default", CE, method=method)
    assert status == 405
    assert headers["Allow"] == "POST, OPTIONS"


@pytest.mark.parametrize(
    ("path", "status"),
    [("/", 404), ("/ns", 400), ("/ns/default/extra", 400), ("//default", 400), ("/channels/ns", 404)],
)
async def test_paths(setup, path, status):
    got, _, _ = await setup.post(path, CE)
    assert got == status


async def test_trailing_slash_and_query_are_tolerated(setup):
    assert (await setup.post("/ns/default/?x=1", CE))[0] == 202


async def test_unknown_broker_is_404(setup):
    status, _, body = await setup.post("/ns/missing", CE)
    assert status == 404
    assert b"broker ns/missing not found" in body


async def test_invalid_event_is_400_even_for_an_unknown_broker(setup):
    status, _, body = await setup.post("/ns/missing", {k: v for k, v in CE.items() if k != "ce-specversion"})
    assert status == 400
    assert b"specversion" in body


@pytest.mark.parametrize(
    "headers",
    [
        {k: v for k, v in CE.items() if k != "ce-id"},
        {**CE, "ce-specversion": "19.0"},
        {"content-type": "application/cloudevents+json"},
    ],
)
async def test_invalid_events_are_400(setup, headers):
    status, _, _ = await setup.post("/ns/default", headers, b"{nope")
    assert status == 400
    assert setup.brokers["ns", "default"].published == []


async def test_ttl_is_decremented(setup):
    assert (await setup.post("/ns/default", {**CE, "ce-knativebrokerttl": "10"}))[0] == 202
    assert setup.brokers["ns", "default"].published[0].attributes[BROKER_TTL] == "9"


@pytest.mark.parametrize("ttl", ["1", "0", "-3", "many"])
async def test_exhausted_or_bad_ttl_is_400_and_dropped(setup, ttl):
    status, _, _ = await setup.post("/ns/default", {**CE, "ce-knativebrokerttl": ttl})
    assert status == 400
    assert setup.brokers["ns", "default"].published == []


async def test_max_ttl_is_configurable():
    target = Target()
    ingress = EventIngress(lookup=lambda ns, n: target, max_ttl=3)
    host, port = await ingress.start()
    try:
        async with aiohttp.ClientSession() as s, s.post(f"http://{host}:{port}/a/b", headers=CE) as r:
            assert r.status == 202
    finally:
        await ingress.stop()
    assert target.published[0].attributes[BROKER_TTL] == "3"


async def test_body_over_the_limit_is_413(setup):
    status, _, _ = await setup.post("/ns/default", CE, b"x" * (64 * 1024 + 1))
    assert status == 413
    assert setup.brokers["ns", "default"].published == []


async def test_chunked_body_over_the_limit_is_413(setup):
    async def chunks():
        for _ in range(100):
            yield b"x" * 1024

    async with setup.session.post(setup.base + "/ns/default", headers=CE, data=chunks()) as resp:
        assert resp.status == 413


async def test_body_at_the_limit_is_accepted(setup):
    assert (await setup.post("/ns/default", CE, b"x" * (64 * 1024)))[0] == 202


async def test_channel_error_is_503(setup):
    setup.brokers["ns", "default"].error = ChannelError("stream is full")
    status, _, body = await setup.post("/ns/default", CE)
    assert status == 503
    assert b"stream is full" in body


async def test_publish_that_waits_then_fails_is_503(setup):
    setup.brokers["ns", "default"].delay = 0.02
    setup.brokers["ns", "default"].error = ChannelError("broker unreachable")
    status, _, body = await setup.post("/ns/default", CE)
    assert status == 503
    assert b"broker unreachable" in body


async def test_publish_returning_a_future_is_awaited(setup):
    class FutureTarget:
        published: list[Message] = []

        def publish(self, message: Message) -> asyncio.Future[None]:
            fut = asyncio.get_running_loop().create_future()
            asyncio.get_running_loop().call_later(0.01, lambda: (self.published.append(message), fut.set_result(None)))
            return fut

    target = FutureTarget()
    setup.brokers["ns", "future"] = target  # type: ignore[assignment]
    assert (await setup.post("/ns/future", CE))[0] == 202
    assert [m.id for m in target.published] == ["e-1"]


async def test_publish_runs_inside_a_task(setup):
    """A channel backend may use asyncio.timeout or a TaskGroup in publish: those need a current task."""

    class TimedTarget:
        published: list[Message] = []

        async def publish(self, message: Message) -> None:
            async with asyncio.timeout(1):
                self.published.append(message)

    setup.brokers["ns", "timed"] = TimedTarget()  # type: ignore[assignment]
    assert (await setup.post("/ns/timed", CE))[0] == 202


async def test_other_publish_failure_is_500(setup):
    setup.brokers["ns", "default"].error = RuntimeError("boom")
    assert (await setup.post("/ns/default", CE))[0] == 500


async def test_channels_take_events_unchanged(setup):
    status, _, _ = await setup.post("/channels/ns/imc", {**CE, "ce-knativebrokerttl": "7"})
    assert status == 202
    (m,) = setup.channels["ns", "imc"].published
    assert m.attributes[BROKER_TTL] == "7"
    assert ARRIVAL_TIME not in m.attributes
    assert (await setup.post("/channels/ns/other", CE))[0] == 404


async def test_many_requests_on_one_keep_alive_connection(setup):
    conn = aiohttp.TCPConnector(limit=1)
    async with aiohttp.ClientSession(connector=conn) as session:
        for i in range(50):
            async with session.post(setup.base + "/ns/default", headers={**CE, "ce-id": str(i)}) as r:
                assert r.status == 202
    assert [m.id for m in setup.brokers["ns", "default"].published] == [str(i) for i in range(50)]


async def _raw(setup: Setup, data: bytes, until: int) -> bytes:
    host, port = setup.base.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(data)
    out = b""
    while out.count(b"HTTP/1.1 ") < until:
        chunk = await asyncio.wait_for(reader.read(65536), 5)
        if not chunk:
            break
        out += chunk
    writer.close()
    return out


def _request(path: str, id: str, extra: str = "") -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nhost: x\r\nce-specversion: 1.0\r\nce-id: {id}\r\nce-source: /s\r\n"
        f"ce-type: t\r\n{extra}content-length: 0\r\n\r\n"
    ).encode()


async def test_pipelined_requests_are_answered_in_order(setup):
    setup.brokers["ns", "default"].delay = 0.05
    out = await _raw(setup, _request("/ns/default", "1") + _request("/ns/missing", "2") + _request("/ns/default", "3"), 3)
    statuses = re.findall(rb"HTTP/1.1 (\d+) ", out)
    assert statuses == [b"202", b"404", b"202"]
    assert [m.id for m in setup.brokers["ns", "default"].published] == ["1", "3"]


async def test_malformed_http_is_400(setup):
    out = await _raw(setup, b"POST /ns/default HTTP/1.1\r\ncontent-length: zz\r\n\r\n", 1)
    assert out.startswith(b"HTTP/1.1 400 ")


async def test_expect_100_continue(setup):
    out = await _raw(setup, _request("/ns/default", "1", "expect: 100-continue\r\n"), 2)
    assert out.startswith(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 202 ")


_STRUCTURED = {"content-type": "application/cloudevents+json"}
_EVENT = '"specversion": "1.0", "source": "/s", "type": "t"'


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        pytest.param(b'{"id": 5, ' + _EVENT.encode() + b"}", "'id' must be a JSON string", id="numeric id"),
        pytest.param(b'{"id": "e", "specversion": 1.0, "source": "/s", "type": "t"}', "'specversion' must be a JSON",
                     id="numeric specversion"),
        pytest.param(b'{"id": "e", ' + _EVENT.encode() + b', "subject": true}', "'subject' must be a JSON string",
                     id="boolean subject"),
        pytest.param(b'{"id": "e", ' + _EVENT.encode() + b', "data": ' + b"[" * 30_000 + b"]" * 30_000 + b"}",
                     "nested too deeply", id="data nested 30k deep"),
        pytest.param(b'{"id": "\\ud800", ' + _EVENT.encode() + b"}", "lone surrogate", id="lone surrogate id"),
        pytest.param(b'{"id": "e", ' + _EVENT.encode() + b', "data": "\\udfff"}', "lone surrogate",
                     id="lone surrogate data"),
    ],
)
async def test_structured_events_the_spec_refuses_are_400(setup, caplog, body, reason):
    status, _, text = await setup.post("/ns/default", _STRUCTURED, body)
    assert status == 400 and reason in text.decode(), text
    assert setup.brokers["ns", "default"].published == []
    assert not [r for r in caplog.records if r.exc_info]


async def test_an_integer_extension_is_still_accepted_as_its_string(setup):
    body = b'{"id": "e", ' + _EVENT.encode() + b', "count": 5}'
    assert (await setup.post("/ns/default", _STRUCTURED, body))[0] == 202
    assert setup.brokers["ns", "default"].published[0].attributes["count"] == "5"
