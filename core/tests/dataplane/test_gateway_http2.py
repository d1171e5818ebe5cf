"""HTTP/2 through the gateway: h2c from clients (prior knowledge, ``Upgrade: h2c``) to HTTP/1.1 and h2c revisions,
and gRPC (a real ``grpcio`` server and client) with every call type, trailers, deadlines and cancellation."""

from __future__ import annotations

import asyncio
import hashlib
import importlib.util
import json
import socket
import sys
import threading
import time
from pathlib import Path

import grpc
import h2.config
import h2.connection
import h2.events
import httpx
import pytest

from pyknative.dataplane import RevisionKey, RouteRule, Split


def _load(name: str):
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


grpc_echo = _load("grpc_echo")
h2_echo = _load("h2_echo")

V1 = RevisionKey("default", "hello-00001")
G1 = RevisionKey("default", "grpc-00001")
HOST = "hello.default.example.com"
GHOST = "grpc.default.example.com"


@pytest.fixture
def grpc_servers():
    """Start gRPC echo servers on demand (``grpc_servers(n)``), stopped after the test."""
    started = []

    def start(n: int = 1):
        out = [grpc_echo.serve() for _ in range(n)]
        started.extend(out)
        return out

    yield start
    for server, _, _ in started:
        server.stop(0)


def h2_client(harness) -> httpx.AsyncClient:
    return httpx.AsyncClient(http1=False, http2=True, base_url=harness.url())


# -- HTTP/2 clients to an HTTP/1.1 revision ----------------------------------------------------------------


async def test_prior_knowledge_client_reaches_http1_revision(harness):
    b1 = await harness.backend("v1")
    harness.serve(HOST, V1, b1)
    async with h2_client(harness) as client:
        r = await client.get("/", headers={"host": HOST})
        assert r.http_version == "HTTP/2"
        assert (r.status_code, r.text) == (200, "hello from v1")
        r = await client.get("/headers", headers={"host": HOST, "x-user": "set", "cookie": "a=1"})
        seen = {k.lower(): v for k, v in r.json()["headers"]}
        assert seen["host"] == HOST
        assert seen["x-user"] == "set"
        assert seen["knative-serving-revision"] == "hello-00001"
        assert seen["x-forwarded-for"] == "127.0.0.1"
        assert seen["x-forwarded-proto"] == "http"
        r = await client.get("/", headers={"host": "nowhere.example.com"})
        assert r.status_code == 404


async def test_h2_request_bodies_reach_http1_revision_whole(harness):
    b1 = await harness.backend("v1")
    harness.serve(HOST, V1, b1)
    payload = bytes(range(256)) * 20_000  # 5 MB: past every flow-control window
    async with h2_client(harness) as client:
        r = await client.post("/upload", headers={"host": HOST}, content=payload)
        assert r.json()["size"] == len(payload)
        assert r.json()["sha256"] == hashlib.sha256(payload).hexdigest()

        async def pieces():
            for _ in range(20):
                yield b"x" * 1000

        r = await client.post("/upload", headers={"host": HOST}, content=pieces())
        assert (r.json()["size"], r.json()["chunked"]) == (20_000, "chunked")


async def test_many_streams_on_one_connection_are_spread_and_bounded(harness):
    b1, b2 = await harness.backend("v1"), await harness.backend("v2")
    harness.gateway.set_revision(V1, endpoints=[b1.address, b2.address], container_concurrency=1, timeout_seconds=10)
    harness.route(HOST, V1)
    async with h2_client(harness) as client:
        answers = await asyncio.gather(
            *(client.get("/slow", params={"delay": "0.2", "n": str(i)}, headers={"host": HOST}) for i in range(8))
        )
    assert {r.status_code for r in answers} == {200}
    assert {r.text for r in answers} == {"slow from v1", "slow from v2"}
    assert (b1.max_in_flight, b2.max_in_flight) == (1, 1)  # containerConcurrency counts streams


async def test_upgrade_h2c_serves_the_request_as_stream_one(harness):
    b1 = await harness.backend("v1")
    harness.serve(HOST, V1, b1)
    status, headers, body = await asyncio.to_thread(_upgrade_request, harness.gateway.address, HOST, "/headers")
    assert status == 200
    seen = {k.lower(): v for k, v in json.loads(body)["headers"]}
    assert seen["host"] == HOST and "http2-settings" not in seen and "upgrade" not in seen


async def test_upgrade_h2c_with_a_body_is_served_over_http1(harness):
    b1 = await harness.backend("v1")
    harness.serve(HOST, V1, b1)
    raw = await harness.raw(
        b"POST /upload HTTP/1.1\r\nHost: %b\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
        b"HTTP2-Settings: AAMAAABkAAQAAP__\r\nContent-Length: 5\r\n\r\nhello" % HOST.encode()
    )
    assert raw.startswith(b"HTTP/1.1 200")
    assert b'"size": 5' in raw


def _upgrade_request(address, host: str, path: str) -> tuple[int, dict, bytes]:
    """An ``Upgrade: h2c`` GET with the h2 library as the client; the response of stream 1."""
    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
    settings = conn.initiate_upgrade_connection()
    sock = socket.create_connection(address, timeout=5)
    try:
        sock.sendall(
            b"GET %b HTTP/1.1\r\nHost: %b\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
            b"HTTP2-Settings: %b\r\n\r\n" % (path.encode(), host.encode(), settings)
        )
        buf = b""
        while b"\r\n\r\n" not in buf:
            buf += sock.recv(65536)
        head, _, rest = buf.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 101"), head
        sock.sendall(conn.data_to_send())
        status, headers, body = 0, {}, b""
        data = rest
        while True:
            for ev in conn.receive_data(data) if data else ():
                if isinstance(ev, h2.events.ResponseReceived) and ev.stream_id == 1:
                    headers = dict(ev.headers)
                    status = int(headers[":status"])
                elif isinstance(ev, h2.events.DataReceived) and ev.stream_id == 1:
                    body += ev.data
                    conn.acknowledge_received_data(ev.flow_controlled_length, 1)
                elif isinstance(ev, h2.events.StreamEnded) and ev.stream_id == 1:
                    return status, headers, body
            sock.sendall(conn.data_to_send())
            data = sock.recv(65536)
            assert data, "the gateway closed the connection before the response ended"
    finally:
        sock.close()


# -- h2c revisions ----------------------------------------------------------------------------------------


async def test_h2c_revision_sees_http2_from_http1_and_http2_clients(harness):
    server, port = await h2_echo.start()
    try:
        harness.gateway.set_revision(
            V1, endpoints=[("127.0.0.1", port)], container_concurrency=0, timeout_seconds=5, protocol="h2c"
        )
        harness.route(HOST, V1)
        # HTTP/1.1 client: translated to HTTP/2; the trailers close the chunked body.
        status, text, headers = await harness.get(HOST, "/path?q=1")
        seen = json.loads(text)
        assert (status, seen["http_version"], seen["path"], seen["authority"]) == (200, "2", "/path?q=1", HOST)
        names = dict(seen["headers"])
        assert names["knative-serving-revision"] == "hello-00001"
        assert names["x-forwarded-for"] == "127.0.0.1"
        raw = await harness.raw(b"GET / HTTP/1.1\r\nHost: %b\r\nConnection: close\r\n\r\n" % HOST.encode())
        assert raw.rstrip().endswith(b"0\r\nx-echo-trailer: done")
        # An upload from an HTTP/1.1 client, chunked and with a length.
        payload = b"y" * 300_000
        async with harness.session.post(harness.url("/up"), headers={"Host": HOST}, data=payload) as r:
            seen = await r.json()
        assert seen["body_length"] == len(payload)
        assert seen["body_sha256"] == hashlib.sha256(payload).hexdigest()
        # HTTP/2 client end to end.
        async with h2_client(harness) as client:
            r = await client.get("/x", headers={"host": HOST})
            assert (r.status_code, r.json()["http_version"]) == (200, "2")
            r = await client.get("/stream?n=4", headers={"host": HOST})
            assert r.text == "line-0\nline-1\nline-2\nline-3\n"
    finally:
        server.close()


# -- gRPC through the gateway -----------------------------------------------------------------------------


def grpc_revision(harness, servers, *, cc: int = 0, timeout: float = 10.0) -> str:
    harness.gateway.set_revision(
        G1, endpoints=[("127.0.0.1", port) for _, port, _ in servers], container_concurrency=cc,
        timeout_seconds=timeout, protocol="h2c",
    )
    harness.route(GHOST, G1)
    host, port = harness.gateway.address
    return f"{host}:{port}"


def channel(target: str, authority: str = GHOST) -> grpc.Channel:
    return grpc.insecure_channel(target, options=[("grpc.default_authority", authority)])


async def test_grpc_every_call_type_with_trailers(harness, grpc_servers):
    target = grpc_revision(harness, grpc_servers(1))

    def calls():
        with channel(target) as ch:
            reply, call = ch.unary_unary("/echo.Echo/Unary").with_call(b"ping", timeout=5)
            out = {"unary": reply, "trailer": dict(call.trailing_metadata())["x-echo-trailer"]}
            out["server"] = list(ch.unary_stream("/echo.Echo/ServerStream")(b"4", timeout=5))
            out["client"] = ch.stream_unary("/echo.Echo/ClientStream")(iter([b"a", b"b", b"c"]), timeout=5)
            out["bidi"] = list(ch.stream_stream("/echo.Echo/Bidi")(iter([b"x", b"y", b"z"]), timeout=5))
            big = bytes(range(256)) * 12_000  # 3 MB each way
            out["big"] = ch.unary_unary("/echo.Echo/Unary")(big, timeout=10) == big + b"- pong"
            try:
                ch.unary_unary("/echo.Echo/Unary")(b"fail:5", timeout=5)
            except grpc.RpcError as err:
                out["fail"] = (err.code(), err.details())
            from grpc_health.v1 import health_pb2, health_pb2_grpc

            out["health"] = health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(), timeout=5).status
            return out

    out = await asyncio.to_thread(calls)
    assert out["unary"] == b"ping- pong"
    assert out["trailer"] == "done"
    assert out["server"] == [b"0", b"1", b"2", b"3"]
    assert out["client"] == b"a,b,c"
    assert out["bidi"] == [b"x!", b"y!", b"z!"]
    assert out["big"] is True
    assert out["fail"] == (grpc.StatusCode.NOT_FOUND, "asked to fail")
    assert out["health"] == 1  # SERVING


async def test_grpc_bidi_is_interactive(harness, grpc_servers):
    """Each reply of a bidirectional call arrives before the client sends its next message."""
    target = grpc_revision(harness, grpc_servers(1))

    def call():
        replies = []
        ready = threading.Condition()

        def requests():
            for i in range(3):
                with ready:
                    ready.wait_for(lambda i=i: len(replies) == i, timeout=5)
                yield b"m%d" % i

        with channel(target) as ch:
            for reply in ch.stream_stream("/echo.Echo/Bidi")(requests(), timeout=10):
                with ready:
                    replies.append(reply)
                    ready.notify_all()
        return replies

    replies = await asyncio.to_thread(call)
    assert replies == [b"m0!", b"m1!", b"m2!"]


async def test_grpc_deadline_is_bounded_by_the_revision_timeout(harness, grpc_servers):
    [(_, _, echo)] = servers = grpc_servers(1)
    target = grpc_revision(harness, servers, timeout=2.0)

    def calls():
        with channel(target) as ch:
            out = {
                "short": float(ch.unary_unary("/echo.Echo/Deadline")(b"", timeout=1.0)),
                "long": float(ch.unary_unary("/echo.Echo/Deadline")(b"", timeout=30)),
                "none": float(ch.unary_unary("/echo.Echo/Deadline")(b"")),
            }
            try:
                ch.unary_unary("/echo.Echo/Sleep")(b"5", timeout=30)  # the revision allows 2 s
            except grpc.RpcError as err:
                out["slow"] = err.code()
            return out

    out = await asyncio.to_thread(calls)
    # as the app sees them, to grpc's rounding of the header
    assert 0 < out["short"] < 1.5
    assert 1.5 < out["long"] < 2.1
    assert 1.5 < out["none"] < 2.1
    assert out["slow"] == grpc.StatusCode.DEADLINE_EXCEEDED


async def test_grpc_client_cancellation_cancels_upstream(harness, grpc_servers):
    [(_, _, echo)] = servers = grpc_servers(1)
    target = grpc_revision(harness, servers)

    def calls():
        with channel(target) as ch:
            future = ch.unary_unary("/echo.Echo/Sleep").future(b"20")
            deadline = time.monotonic() + 5
            while harness.gateway.stats(G1).in_flight == 0 and time.monotonic() < deadline:
                time.sleep(0.02)
            future.cancel()
            deadline = time.monotonic() + 5
            while echo.cancelled == 0 and time.monotonic() < deadline:
                time.sleep(0.02)
            return future.cancelled(), echo.cancelled

    cancelled, upstream_cancelled = await asyncio.to_thread(calls)
    assert cancelled
    assert upstream_cancelled == 1
    for _ in range(100):
        if harness.gateway.stats(G1).in_flight == 0:
            break
        await asyncio.sleep(0.02)
    assert harness.gateway.stats(G1).in_flight == 0  # the slot came back


async def test_grpc_streams_of_one_channel_are_spread_over_instances(harness, grpc_servers):
    servers = grpc_servers(2)
    target = grpc_revision(harness, servers, cc=1)

    def calls():
        with channel(target) as ch:
            who = ch.unary_unary("/echo.Echo/Who")
            futures = [who.future(b"0.2", timeout=10) for _ in range(6)]
            return [f.result() for f in futures]

    answers = await asyncio.to_thread(calls)
    ports = {int(a.split(b":")[1]) for a in answers}
    assert ports == {port for _, port, _ in servers}
    assert max(echo.max_in_flight for _, _, echo in servers) == 1  # containerConcurrency 1: one stream each


async def test_grpc_errors_of_the_gateway_are_grpc_statuses(harness, grpc_servers):
    target = grpc_revision(harness, grpc_servers(1))
    harness.gateway.set_revision(V1, endpoints=[], container_concurrency=0, timeout_seconds=0.3, protocol="h2c")
    harness.gateway.update_routes({HOST: RouteRule((Split(V1, 100),))})

    def calls():
        out = {}
        for name, authority in (("no route", "nowhere.example.com"), ("no instance", HOST)):
            with channel(target, authority) as ch:
                try:
                    ch.unary_unary("/echo.Echo/Unary")(b"x", timeout=5)
                except grpc.RpcError as err:
                    out[name] = err.code()
        return out

    out = await asyncio.to_thread(calls)
    assert out == {"no route": grpc.StatusCode.UNIMPLEMENTED, "no instance": grpc.StatusCode.DEADLINE_EXCEEDED}
