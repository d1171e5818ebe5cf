"""Delivery to real subscriber servers: retries and backoff, replies, dead letters, headers, formats."""

from __future__ import annotations

import base64
import json
import logging
import socket

import pytest

from pyknative.eventing import codec
from pyknative.eventing.channel import Outcome, SubscriberHandler
from pyknative.eventing.delivery_policy import DeliveryPolicy
from pyknative.eventing.dispatcher import DeliveryTarget
from pyknative.eventing.filter import compile_trigger_filter
from pyknative.eventing.message import BROKER_TTL, Message


def _event(id: str = "e-1", type: str = "dev.test.event", data: bytes = b'{"n":1}', **extra: str) -> Message:
    attrs = {"specversion": "1.0", "id": id, "source": "/test", "type": type, "datacontenttype": "application/json"}
    return Message({**attrs, **extra}, data)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _gaps(received) -> list[float]:
    return [b.at - a.at for a, b in zip(received, received[1:], strict=False)]


async def test_handler_is_a_subscriber_handler(dispatcher, subscriber_factory):
    sub = await subscriber_factory()
    assert isinstance(dispatcher.handler(DeliveryTarget(sub.url)), SubscriberHandler)


async def test_delivers_binary_with_prefer_and_namespace_headers(dispatcher, subscriber_factory):
    sub = await subscriber_factory()
    handler = dispatcher.handler(DeliveryTarget(sub.url, namespace="team-a"))
    message = _event(myext="a b€")
    assert await handler.deliver(message) is Outcome.DELIVERED
    (got,) = sub.received
    assert got.header("prefer") == "reply"
    assert got.header("kn-namespace") == "team-a"
    assert got.header("ce-id") == "e-1"
    assert got.header("ce-myext") == "a%20b%E2%82%AC"
    assert got.header("content-type") == "application/json"
    assert got.body == b'{"n":1}'
    assert codec.from_http(got.headers, got.body) == message


async def test_format_json_sends_structured(dispatcher, subscriber_factory):
    sub = await subscriber_factory()
    handler = dispatcher.handler(DeliveryTarget(sub.url, policy=DeliveryPolicy(format="json")))
    message = _event()
    assert await handler.deliver(message) is Outcome.DELIVERED
    (got,) = sub.received
    assert got.header("content-type") == "application/cloudevents+json"
    assert not any(k.startswith("ce-") for k in got.headers)
    assert json.loads(got.body)["data"] == {"n": 1}
    assert codec.from_http(got.headers, got.body) == message


async def test_format_binary_sends_binary(dispatcher, subscriber_factory):
    sub = await subscriber_factory()
    handler = dispatcher.handler(DeliveryTarget(sub.url, policy=DeliveryPolicy(format="binary")))
    await handler.deliver(_event())
    assert sub.received[0].header("ce-specversion") == "1.0"


async def test_trigger_subscriber_does_not_see_the_ttl(dispatcher, subscriber_factory):
    sub = await subscriber_factory()
    trigger = dispatcher.handler(DeliveryTarget(sub.url, drop_ttl=True))
    subscription = dispatcher.handler(DeliveryTarget(sub.url))
    await trigger.deliver(_event(**{BROKER_TTL: "254"}))
    await subscription.deliver(_event(**{BROKER_TTL: "254"}))
    assert sub.received[0].header("ce-knativebrokerttl") is None
    assert sub.received[1].header("ce-knativebrokerttl") == "254"


async def test_filter_mismatch_sends_nothing(dispatcher, subscriber_factory):
    sub = await subscriber_factory()
    only_orders = compile_trigger_filter({"attributes": {"type": "order.created"}}, None)
    handler = dispatcher.handler(DeliveryTarget(sub.url, filter=only_orders))
    assert await handler.deliver(_event(type="user.created")) is Outcome.DELIVERED
    assert await handler.deliver(_event(type="order.created")) is Outcome.DELIVERED
    assert [r.header("ce-type") for r in sub.received] == ["order.created"]


async def test_retry_3_with_3_failures_is_delivered(dispatcher, subscriber_factory):
    sub = await subscriber_factory()
    dls = await subscriber_factory()
    sub.answer(500, times=3)
    policy = DeliveryPolicy(retry=3, backoff_policy="linear", backoff_delay=0.01, dead_letter_uri=dls.url)
    handler = dispatcher.handler(DeliveryTarget(sub.url, policy=policy))
    assert await handler.deliver(_event()) is Outcome.DELIVERED
    assert len(sub.received) == 4
    assert dls.received == []


async def test_retry_3_with_4_failures_is_dead_lettered_with_extensions(dispatcher, subscriber_factory):
    sub = await subscriber_factory()
    dls = await subscriber_factory()
    sub.answer(503, body=b"overloaded, try later", times=4)
    policy = DeliveryPolicy(retry=3, backoff_delay=0.005, dead_letter_uri=dls.url)
    handler = dispatcher.handler(DeliveryTarget(sub.url, policy=policy))
    assert await handler.deliver(_event()) is Outcome.DEAD_LETTERED
    assert len(sub.received) == 4
    (dead,) = dls.received
    assert dead.header("ce-id") == "e-1"
    assert dead.body == b'{"n":1}'
    assert dead.header("ce-knativeerrordest") == sub.url
    assert dead.header("ce-knativeerrorcode") == "503"
    assert base64.b64decode(dead.header("ce-knativeerrordata")) == b"overloaded, try later"


async def test_400_is_not_retried(dispatcher, subscriber_factory):
    sub = await subscriber_factory()
    dls = await subscriber_factory()
    sub.answer(400, body=b"bad")
    policy = DeliveryPolicy(retry=3, dead_letter_uri=dls.url)
    handler = dispatcher.handler(DeliveryTarget(sub.url, policy=policy))
    assert await handler.deliver(_event()) is Outcome.DEAD_LETTERED
    assert len(sub.received) == 1
    assert dls.received[0].header("ce-knativeerrorcode") == "400"


async def test_error_data_is_cut_to_1024_base64_characters(dispatcher, subscriber_factory):
    sub = await subscriber_factory()
    dls = await subscriber_factory()
    sub.answer(422, body=bytes(range(256)) * 20)
    handler = dispatcher.handler(DeliveryTarget(sub.url, policy=DeliveryPolicy(dead_letter_uri=dls.url)))
    await handler.deliver(_event())
    data = dls.received[0].header("ce-knativeerrordata")
    assert len(data) == 1024
    assert base64.b64decode(data) == (bytes(range(256)) * 3)


async def test_unreachable_subscriber_dead_letters_with_code_500(dispatcher, subscriber_factory):
    dls = await subscriber_factory()
    url = f"http://127.0.0.1:{_closed_port()}/"
    policy = DeliveryPolicy(retry=1, dead_letter_uri=dls.url)
    handler = dispatcher.handler(DeliveryTarget(url, policy=policy))
    assert await handler.deliver(_event()) is Outcome.DEAD_LETTERED
    (dead,) = dls.received
    assert dead.header("ce-knativeerrordest") == url
    assert dead.header("ce-knativeerrorcode") == "500"
    assert base64.b64decode(dead.header("ce-knativeerrordata")).startswith(b"dispatch error:")


async def test_no_dead_letter_sink_drops_and_logs_the_event_id(dispatcher, subscriber_factory, caplog):
    sub = await subscriber_factory()
    sub.answer(500, times=2)
    handler = dispatcher.handler(DeliveryTarget(sub.url, policy=DeliveryPolicy(retry=1)))
    with caplog.at_level(logging.WARNING):
        assert await handler.deliver(_event(id="lost-42")) is Outcome.DROPPED
    assert len(sub.received) == 2
    assert "lost-42" in caplog.text


async def test_failing_dead_letter_sink_is_retried_then_dropped(dispatcher, subscriber_factory):
    sub = await subscriber_factory()
    dls = await subscriber_factory()
    sub.answer(500, times=2)
    dls.answer(500, times=1)
    policy = DeliveryPolicy(retry=1, dead_letter_uri=dls.url)
    handler = dispatcher.handler(DeliveryTarget(sub.url, policy=policy))
    assert await handler.deliver(_event()) is Outcome.DEAD_LETTERED  # the sink's second try succeeds
    dls.answer(500, times=2)
    sub.answer(500, times=2)
    assert await handler.deliver(_event(id="e-2")) is Outcome.DROPPED
    assert len(dls.received) == 4


async def test_reply_goes_to_the_reply_uri_with_the_ttl_back(dispatcher, subscriber_factory):
    sub = await subscriber_factory()
    replies = await subscriber_factory()
    reply_headers = {"ce-specversion": "1.0", "ce-id": "r-1", "ce-source": "/replier", "ce-type": "dev.reply",
                     "content-type": "text/plain"}
    sub.answer(200, body=b"pong", headers=reply_headers)
    handler = dispatcher.handler(DeliveryTarget(sub.url, reply_uri=replies.url, drop_ttl=True, namespace="ns"))
    assert await handler.deliver(_event(**{BROKER_TTL: "200"})) is Outcome.DELIVERED
    (reply,) = replies.received
    assert reply.header("ce-id") == "r-1"
    assert reply.header("ce-type") == "dev.reply"
    assert reply.header("ce-knativebrokerttl") == "200"
    assert reply.header("kn-namespace") == "ns"
    assert reply.body == b"pong"


async def test_structured_reply_is_forwarded(dispatcher, subscriber_factory):
    sub = await subscriber_factory()
    replies = await subscriber_factory()
    body = json.dumps({"specversion": "0.3", "id": "r-2", "source": "/r", "type": "t", "data": {"a": 1}}).encode()
    sub.answer(200, body=body, headers={"content-type": "application/cloudevents+json"})
    handler = dispatcher.handler(DeliveryTarget(sub.url, reply_uri=replies.url))
    assert await handler.deliver(_event()) is Outcome.DELIVERED
    (reply,) = replies.received
    assert reply.header("ce-specversion") == "0.3"
    assert json.loads(reply.body) == {"a": 1}


async def test_reply_without_reply_uri_is_discarded(dispatcher, subscriber_factory):
    sub = await subscriber_factory()
    sub.answer(200, headers={"ce-specversion": "1.0", "ce-id": "r", "ce-source": "/r", "ce-type": "t"})
    handler = dispatcher.handler(DeliveryTarget(sub.url))
    assert await handler.deliver(_event()) is Outcome.DELIVERED


async def test_2xx_with_a_non_event_body_is_a_502_failure(dispatcher, subscriber_factory):
    sub = await subscriber_factory()
    dls = await subscriber_factory()
    sub.answer(200, body=b"<html>ok</html>", headers={"content-type": "text/html"}, times=2)
    policy = DeliveryPolicy(retry=1, dead_letter_uri=dls.url)
    handler = dispatcher.handler(DeliveryTarget(sub.url, policy=policy))
    assert await handler.deliver(_event()) is Outcome.DEAD_LETTERED
    assert len(sub.received) == 2  # 502 is retryable
    (dead,) = dls.received
    assert dead.header("ce-knativeerrorcode") == "502"
    assert base64.b64decode(dead.header("ce-knativeerrordata")) == b"<html>ok</html>"


async def test_malformed_reply_is_a_502_failure(dispatcher, subscriber_factory):
    sub = await subscriber_factory()
    dls = await subscriber_factory()
    sub.answer(200, headers={"ce-specversion": "1.0", "ce-source": "/r", "ce-type": "t"})  # no id
    handler = dispatcher.handler(DeliveryTarget(sub.url, policy=DeliveryPolicy(dead_letter_uri=dls.url)))
    assert await handler.deliver(_event()) is Outcome.DEAD_LETTERED
    assert dls.received[0].header("ce-knativeerrorcode") == "502"


async def test_failed_reply_dead_letters_the_original_event(dispatcher, subscriber_factory):
    sub = await subscriber_factory()
    replies = await subscriber_factory()
    dls = await subscriber_factory()
    sub.answer(200, headers={"ce-specversion": "1.0", "ce-id": "r", "ce-source": "/r", "ce-type": "t"})
    replies.answer(500, times=2)
    policy = DeliveryPolicy(retry=1, dead_letter_uri=dls.url)
    handler = dispatcher.handler(DeliveryTarget(sub.url, reply_uri=replies.url, policy=policy))
    assert await handler.deliver(_event(id="orig")) is Outcome.DEAD_LETTERED
    assert len(replies.received) == 2
    (dead,) = dls.received
    assert dead.header("ce-id") == "orig"
    assert dead.header("ce-knativeerrordest") == replies.url


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        ("linear", [0.0, 0.1, 0.2]),
        ("exponential", [0.1, 0.2, 0.4]),
    ],
)
async def test_backoff_timing(dispatcher, subscriber_factory, policy, expected):
    sub = await subscriber_factory()
    sub.answer(500, times=3)
    handler = dispatcher.handler(
        DeliveryTarget(sub.url, policy=DeliveryPolicy(retry=3, backoff_policy=policy, backoff_delay=0.1))
    )
    assert await handler.deliver(_event()) is Outcome.DELIVERED
    for gap, want in zip(_gaps(sub.received), expected, strict=True):
        assert want - 0.005 <= gap <= want + 0.09, (_gaps(sub.received), expected)


async def test_retry_after_counts_only_with_retry_after_max(dispatcher, subscriber_factory):
    sub = await subscriber_factory()
    sub.answer(429, headers={"retry-after": "5"})
    capped = DeliveryPolicy(retry=1, backoff_delay=0.0, retry_after_max=0.25)
    assert await dispatcher.handler(DeliveryTarget(sub.url, policy=capped)).deliver(_event()) is Outcome.DELIVERED
    assert 0.24 <= _gaps(sub.received)[0] <= 0.4
    sub.received.clear()
    sub.answer(429, headers={"retry-after": "5"})
    ignored = DeliveryPolicy(retry=1, backoff_delay=0.0)
    assert await dispatcher.handler(DeliveryTarget(sub.url, policy=ignored)).deliver(_event()) is Outcome.DELIVERED
    assert _gaps(sub.received)[0] < 1.0  # not the 5 s the subscriber asked for


async def test_per_attempt_timeout_counts_as_no_response(dispatcher, subscriber_factory):
    sub = await subscriber_factory()
    dls = await subscriber_factory()
    sub.answer(202, delay=1.0, times=2)
    policy = DeliveryPolicy(retry=1, timeout=0.1, dead_letter_uri=dls.url)
    handler = dispatcher.handler(DeliveryTarget(sub.url, policy=policy))
    assert await handler.deliver(_event()) is Outcome.DEAD_LETTERED
    assert len(sub.received) == 2
    assert dls.received[0].header("ce-knativeerrorcode") == "500"


async def test_attempt_is_one_try(dispatcher, subscriber_factory):
    sub = await subscriber_factory()
    dls = await subscriber_factory()
    sub.answer(500, times=2)
    policy = DeliveryPolicy(retry=1, backoff_delay=0.5, dead_letter_uri=dls.url)
    handler = dispatcher.handler(DeliveryTarget(sub.url, policy=policy))
    first = await handler.attempt(_event(), 0)
    assert (first.outcome, first.status, first.delay) == (Outcome.RETRY, 500, 0.5)
    assert len(sub.received) == 1
    last = await handler.attempt(_event(), 1)
    assert (last.outcome, last.status) == (Outcome.DEAD_LETTERED, 500)
    assert len(dls.received) == 1
    assert (await handler.attempt(_event(), 0)).outcome is Outcome.DELIVERED


async def test_connections_are_reused(dispatcher, subscriber_factory):
    sub = await subscriber_factory()
    handler = dispatcher.handler(DeliveryTarget(sub.url))
    for i in range(20):
        assert await handler.deliver(_event(id=str(i))) is Outcome.DELIVERED
    assert len(sub.received) == 20
    assert sum(len(p.idle) for p in dispatcher.client._pools.values()) == 1


def test_https_is_refused_with_a_clear_error(dispatcher):
    with pytest.raises(ValueError, match="only http://"):
        dispatcher.handler(DeliveryTarget("https://example.com/"))
