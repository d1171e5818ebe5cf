"""Fuzzing the event ingress: generated requests never get a 5xx, and what it accepts can be delivered.

Each example is a structured event (a JSON object whose attributes may be any JSON value, with ``data`` nested
up to 100,000 deep, lone surrogates in escapes) or a binary one (``ce-`` headers of odd text, any body), or raw
bytes. The ingress is the real one on a loopback port; its target encodes every accepted event in both content
modes as delivery does, so an event it should have refused (``"id": 5``) fails the run. Seeded, derandomized.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import aiohttp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyknative.eventing import codec
from pyknative.eventing.ingress import EventIngress
from pyknative.eventing.message import Message

EXAMPLES = 1_000

_attribute_values = (
    st.sampled_from(["", "1.0", "0.3", "/s", "t", "2024-01-01T00:00:00Z", "\ud800", "application/json", "x\ty"])
    | st.text(max_size=10)
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.booleans()
    | st.none()
    | st.floats(allow_nan=False)
    | st.lists(st.integers(), max_size=2)
    | st.dictionaries(st.text(max_size=3), st.integers(), max_size=2)
)
_names = st.sampled_from(
    ["specversion", "id", "source", "type", "time", "subject", "datacontenttype", "dataschema", "data_base64",
     "knativebrokerttl", "ext", "Bad-Name", "data"]
)
_data = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8) | st.sampled_from(["\ud800", "aGk="]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=6,
)


@st.composite
def structured(draw: st.DrawFn) -> tuple[dict[str, str], bytes]:
    event: dict[str, Any] = {"specversion": "1.0", "id": "e", "source": "/s", "type": "t"}
    for _ in range(draw(st.integers(0, 3))):
        event[draw(_names)] = draw(_attribute_values)
    if draw(st.booleans()):
        event["data"] = draw(_data)
    body = json.dumps(event).encode()
    depth = draw(st.sampled_from([0, 0, 0, 50, 3_000, 100_000]))
    if depth:  # data nested ``depth`` lists deep, written by hand (json.dumps itself would recurse too deep)
        body = body[:-1] + b', "data": ' + b"[" * depth + b"]" * depth + b"}"
    content_type = draw(st.sampled_from(["application/cloudevents+json", "application/cloudevents+json; charset=utf-8",
                                         "application/cloudevents-batch+json", "application/cloudevents+xml"]))
    return {"content-type": content_type}, body


_header_text = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=12) | st.sampled_from(
    ["%ff", "%", "%e2%82", '"quoted\\"', '"', "1.0", "0.3"]
)


@st.composite
def binary(draw: st.DrawFn) -> tuple[dict[str, str], bytes]:
    headers = {"ce-specversion": "1.0", "ce-id": "e", "ce-source": "/s", "ce-type": "t"}
    for _ in range(draw(st.integers(0, 3))):
        headers["ce-" + draw(_names | st.text(alphabet="abcxyz-", min_size=1, max_size=5))] = draw(_header_text)
    if draw(st.booleans()):
        headers["content-type"] = draw(_header_text)
    return headers, draw(st.binary(max_size=64))


class _Deliverable:
    """The publish target: encodes each accepted event in both content modes, as delivery will."""

    def __init__(self) -> None:
        self.accepted = 0

    async def publish(self, message: Message) -> None:
        codec.binary_head(message)
        codec.to_binary(message)
        body = codec.structured_body(message)
        codec.decode_structured(codec.STRUCTURED_JSON, body)  # what we send, a receiver can read
        self.accepted += 1


def test_generated_events_never_get_a_5xx(caplog):
    caplog.set_level(logging.WARNING)
    loop = asyncio.new_event_loop()
    target = _Deliverable()
    ingress = EventIngress(lookup=lambda ns, name: target if (ns, name) == ("ns", "default") else None)
    host, port = loop.run_until_complete(ingress.start())
    session = loop.run_until_complete(_session())
    statuses: list[tuple[int, str]] = []

    async def post(path: str, headers: dict[str, str], body: bytes) -> None:
        async with session.post(f"http://{host}:{port}{path}", headers=headers, data=body) as r:
            statuses.append((r.status, (await r.text())[:200]))

    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(request=structured() | binary(), path=st.sampled_from(["/ns/default", "/ns/default", "/ns/missing", "/x"]))
    def run(request: tuple[dict[str, str], bytes], path: str) -> None:
        headers, body = request
        loop.run_until_complete(post(path, headers, body))

    try:
        run()
    finally:
        loop.run_until_complete(session.close())
        loop.run_until_complete(ingress.stop())
        loop.close()
    print(f"ingress fuzz: {len(statuses)} events, {sum(1 for s, _ in statuses if s >= 500)} answered >= 500")
    assert not [s for s in statuses if s[0] >= 500], [s for s in statuses if s[0] >= 500][:5]
    assert {s for s, _ in statuses} >= {202, 400, 404}
    assert target.accepted == sum(1 for s, _ in statuses if s == 202)
    tracebacks = [r for r in caplog.records if r.exc_info or "Traceback" in r.getMessage()]
    assert not tracebacks, tracebacks[:3]


async def _session() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(skip_auto_headers=["Content-Type"])
