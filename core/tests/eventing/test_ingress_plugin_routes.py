"""Plugins' routes on the event ingress, over raw sockets: what a client on a keep-alive connection sees."""

from __future__ import annotations

import asyncio

import pytest

from pyknative.eventing.ingress import EventIngress
from pyknative.http_routes import RouteTable
from pyknative.roles import HttpRequest, HttpResponse, HttpRoute

PREFIX = "/hooks.example.com/"


async def handler(request: HttpRequest) -> HttpResponse:
    if request.subpath == "bad-body":
        return HttpResponse(200, "text, not bytes")  # type: ignore[arg-type]
    if request.subpath == "bad-header":
        return HttpResponse(200, b"ok", {"x-a\r\nSet-Cookie": "evil", "x-b": "fine", "x-c": "a\r\nb"})
    if request.subpath == "cancel":
        raise asyncio.CancelledError
    if request.subpath == "empty":
        return HttpResponse(204, b"ignored")
    return HttpResponse(200, b"got " + request.subpath.encode() + b" " + request.body, {"x-plugin": "yes"})


@pytest.fixture
async def ingress():
    route = HttpRoute("events", PREFIX, handler=handler, methods=("GET", "HEAD", "POST"))
    ing = EventIngress(lookup=lambda ns, name: None, routes=RouteTable([route]), max_body_bytes=1024)
    host, port = await ing.start()
    yield host, port
    await ing.stop(grace=0.5)


async def exchange(address, raw: bytes, *, until: int = 1, timeout: float = 3.0) -> bytes:
    reader, writer = await asyncio.open_connection(*address)
    writer.write(raw)
    data = b""
    try:
        async with asyncio.timeout(timeout):
            while data.count(b"HTTP/1.1 ") < until or not _complete(data, until):
                chunk = await reader.read(65536)
                if not chunk:
                    break
                data += chunk
    except TimeoutError:
        pass
    writer.close()
    return data


def _complete(data: bytes, n: int) -> bool:
    # every response head has arrived and each declared body too
    rest, seen = data, 0
    while seen < n:
        head, sep, rest = rest.partition(b"\r\n\r\n")
        if not sep:
            return False
        length = 0
        for line in head.split(b"\r\n")[1:]:
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        if b"HTTP/1.1 204" in head or b"HEAD-ANSWER" in head:
            length = 0
        if len(rest) < length:
            return False
        rest, seen = rest[length:], seen + 1
    return True


def req(method: str, path: str, body: bytes = b"") -> bytes:
    return f"{method} {path} HTTP/1.1\r\nhost: x\r\ncontent-length: {len(body)}\r\n\r\n".encode() + body


async def test_pipelined_requests_to_a_route_and_a_broker_are_answered_in_order(ingress):
    raw = req("POST", PREFIX + "a", b"one") + req("POST", "/ns/nobroker") + req("GET", PREFIX + "b")
    data = await exchange(ingress, raw, until=3)
    first, second, third = data.split(b"HTTP/1.1 ")[1:]
    assert first.startswith(b"200") and first.endswith(b"got a one") and b"x-plugin: yes" in first
    assert second.startswith(b"400")  # a broker path without a CloudEvent, untouched by the route
    assert third.startswith(b"200") and third.endswith(b"got b ")


async def test_head_and_204_answers_carry_no_body_so_the_connection_stays_in_step(ingress):
    raw = req("HEAD", PREFIX + "a") + req("GET", PREFIX + "empty") + req("GET", PREFIX + "c")
    data = await exchange(ingress, raw, until=3)
    parts = data.split(b"HTTP/1.1 ")[1:]
    assert [p[:3] for p in parts] == [b"200", b"204", b"200"]
    assert parts[0].endswith(b"\r\n\r\n")  # HEAD: headers only
    assert parts[1].endswith(b"\r\n\r\n") and b"content-length" not in parts[1]
    assert parts[2].endswith(b"got c ")


async def test_a_broken_handler_answer_is_a_500_and_the_connection_goes_on(ingress):
    data = await exchange(ingress, req("GET", PREFIX + "bad-body") + req("GET", PREFIX + "d"), until=2)
    parts = data.split(b"HTTP/1.1 ")[1:]
    assert parts[0].startswith(b"500") and parts[1].endswith(b"got d ")


async def test_header_names_and_values_that_could_split_the_response_are_dropped(ingress):
    data = await exchange(ingress, req("GET", PREFIX + "bad-header"))
    assert b"set-cookie" not in data.lower() and b"x-b: fine" in data and b"x-c" not in data


async def test_a_body_over_the_listener_limit_is_413_before_the_handler(ingress):
    data = await exchange(ingress, req("POST", PREFIX + "big", b"x" * 2048))
    assert data.startswith(b"HTTP/1.1 413")


async def test_a_cancelled_handler_closes_its_connection_instead_of_hanging(ingress):
    loop = asyncio.get_running_loop()
    started = loop.time()
    data = await exchange(ingress, req("GET", PREFIX + "cancel"), timeout=2.0)
    assert (
        data == b"" and loop.time() - started < 1.0
    )  # closed at once, not left open until the client gives up
