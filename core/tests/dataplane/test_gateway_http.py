"""HTTP/1.x behaviour through the gateway: streaming both ways, keep-alive, Connection: close, HTTP/1.0,
HEAD, bodies delimited by the end of the connection, upgrades (WebSocket) and malformed requests."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import time

from pyknative.dataplane import RevisionKey

V1 = RevisionKey("default", "hello-00001")
HOST = "hello.default.example.com"


async def test_streamed_response_arrives_chunk_by_chunk(harness):
    b1 = await harness.backend("v1")
    harness.serve(HOST, V1, b1)
    arrivals: list[tuple[float, bytes]] = []
    started = time.monotonic()
    async with harness.session.get(harness.url("/stream?n=3&gap=0.3"), headers={"Host": HOST}) as r:
        assert r.status == 200
        async for piece in r.content.iter_any():
            arrivals.append((time.monotonic() - started, piece))
    assert b"".join(p for _, p in arrivals) == b"chunk-0\nchunk-1\nchunk-2\n"
    assert len(arrivals) == 3
    # Each chunk arrives when the backend writes it, not when the response ends (~0.9 s).
    assert arrivals[0][0] < 0.25
    assert 0.2 < arrivals[1][0] - arrivals[0][0] < 0.5


async def test_large_upload_passes_intact(harness):
    b1 = await harness.backend("v1")
    harness.serve(HOST, V1, b1)
    payload = os.urandom(24 * 1024 * 1024)
    async with harness.session.post(harness.url("/upload"), data=payload, headers={"Host": HOST}) as r:
        assert r.status == 200
        seen = await r.json()
    assert seen["size"] == len(payload)
    assert seen["sha256"] == hashlib.sha256(payload).hexdigest()


async def test_chunked_upload_is_streamed_as_chunked(harness):
    b1 = await harness.backend("v1")
    harness.serve(HOST, V1, b1)
    pieces = [os.urandom(100_000) for _ in range(20)]

    async def body():
        for piece in pieces:
            yield piece
            await asyncio.sleep(0)

    async with harness.session.post(harness.url("/upload"), data=body(), headers={"Host": HOST}) as r:
        assert r.status == 200
        seen = await r.json()
    assert seen["size"] == 2_000_000
    assert seen["sha256"] == hashlib.sha256(b"".join(pieces)).hexdigest()
    assert seen["chunked"] == "chunked"


async def test_keep_alive_reuses_connections_on_both_sides(harness):
    b1 = await harness.backend("v1")
    harness.serve(HOST, V1, b1)
    reader, writer = await asyncio.open_connection(*harness.gateway.address)
    try:
        for _ in range(5):
            writer.write(f"GET /peer HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
            head = await reader.readuntil(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 200")
            length = int(next(h.split(b":")[1] for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")))
            await reader.readexactly(length)
    finally:
        writer.close()
    # All five requests came over one client connection and went over one upstream connection.
    assert len(set(b1.peers)) == 1 and len(b1.peers) == 5


async def test_connection_close_is_respected(harness):
    b1 = await harness.backend("v1")
    harness.serve(HOST, V1, b1)
    raw = await harness.raw(f"GET / HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n".encode())
    head, body = raw.split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 200")
    assert b"connection: close" in head.lower()
    assert body == b"hello from v1"


async def test_http10_client_gets_an_answer_and_the_connection_closes(harness):
    b1 = await harness.backend("v1")
    harness.serve(HOST, V1, b1)
    raw = await harness.raw(f"GET /stream?n=2&gap=0.01 HTTP/1.0\r\nHost: {HOST}\r\n\r\n".encode())
    head, body = raw.split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 200")
    assert b"transfer-encoding" not in head.lower()
    assert body == b"chunk-0\nchunk-1\n"


async def test_http10_keep_alive_is_honoured(harness):
    b1 = await harness.backend("v1")
    harness.serve(HOST, V1, b1)
    reader, writer = await asyncio.open_connection(*harness.gateway.address)
    try:
        for _ in range(2):
            writer.write(f"GET / HTTP/1.0\r\nHost: {HOST}\r\nConnection: keep-alive\r\n\r\n".encode())
            head = await reader.readuntil(b"\r\n\r\n")
            assert b"connection: keep-alive" in head.lower()
            assert await reader.readexactly(len(b"hello from v1")) == b"hello from v1"
    finally:
        writer.close()


async def test_head_request_gets_headers_only(harness):
    b1 = await harness.backend("v1")
    harness.serve(HOST, V1, b1)
    reader, writer = await asyncio.open_connection(*harness.gateway.address)
    try:
        for _ in range(2):
            writer.write(f"HEAD / HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 2)
            assert head.startswith(b"HTTP/1.1 200")
            assert b"content-length: 13" in head.lower()
        writer.write(f"GET / HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
        await reader.readuntil(b"\r\n\r\n")
        assert await asyncio.wait_for(reader.readexactly(13), 2) == b"hello from v1"
    finally:
        writer.close()


async def test_body_delimited_by_upstream_close_is_rechunked(harness):
    async def old_server(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nuntil the end")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(old_server, "127.0.0.1", 0)
    try:
        port = server.sockets[0].getsockname()[1]
        harness.gateway.set_revision(V1, endpoints=[("127.0.0.1", port)], container_concurrency=0, timeout_seconds=5)
        harness.route(HOST, V1)
        for _ in range(2):  # the client connection stays usable
            status, body, headers = await harness.get(HOST)
            assert (status, body) == (200, "until the end")
            assert headers.get("Transfer-Encoding") == "chunked"
    finally:
        server.close()


async def test_pipelined_requests_are_answered_in_order(harness):
    b1 = await harness.backend("v1")
    harness.serve(HOST, V1, b1)
    request = (
        f"GET /slow?delay=0.1 HTTP/1.1\r\nHost: {HOST}\r\n\r\n"
        f"GET / HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n"
    ).encode()
    raw = await harness.raw(request)
    assert raw.count(b"HTTP/1.1 200") == 2
    assert raw.index(b"slow from v1") < raw.index(b"hello from v1")


async def test_websocket_upgrade_is_tunnelled(harness):
    b1 = await harness.backend("v1")
    harness.serve(HOST, V1, b1)
    async with harness.session.ws_connect(harness.url("/ws"), headers={"Host": HOST}) as ws:
        for word in ("one", "two"):
            await ws.send_str(word)
            msg = await asyncio.wait_for(ws.receive(), 2)
            assert msg.data == f"v1 echoes {word}"
    await asyncio.sleep(0.05)
    assert harness.gateway.stats(V1).in_flight == 0


async def test_expect_100_continue_upload(harness):
    b1 = await harness.backend("v1")
    harness.serve(HOST, V1, b1)
    reader, writer = await asyncio.open_connection(*harness.gateway.address)
    try:
        writer.write(
            f"POST /upload HTTP/1.1\r\nHost: {HOST}\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n".encode()
        )
        interim = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 2)
        assert interim.startswith(b"HTTP/1.1 100")
        writer.write(b"hello")
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 2)
        assert head.startswith(b"HTTP/1.1 200")
        length = int(next(h.split(b":")[1] for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")))
        assert json.loads(await reader.readexactly(length))["size"] == 5
    finally:
        writer.close()


async def test_malformed_request_is_400_and_closed(harness):
    raw = await harness.raw(b"GARBAGE\r\n\r\n")
    assert raw.startswith(b"HTTP/1.1 400")
    assert b"malformed HTTP request" in raw


async def test_stop_closes_client_connections_and_the_listener(harness):
    b1 = await harness.backend("v1")
    harness.serve(HOST, V1, b1)
    address = harness.gateway.address
    reader, writer = await asyncio.open_connection(*address)
    writer.write(f"GET / HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
    await reader.readuntil(b"hello from v1")
    await harness.gateway.stop()
    assert await asyncio.wait_for(reader.read(), 2) == b""
    writer.close()
    try:
        _, w2 = await asyncio.open_connection(*address)
    except OSError:
        pass
    else:
        w2.close()
        raise AssertionError("the gateway still accepts connections after stop()")


async def test_large_download_with_a_slow_reader_is_not_buffered_whole(harness):
    payload = os.urandom(32 * 1024 * 1024)

    async def big(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(payload))
        for i in range(0, len(payload), 1 << 20):
            writer.write(payload[i : i + (1 << 20)])
            await writer.drain()
        await reader.read()

    server = await asyncio.start_server(big, "127.0.0.1", 0)
    try:
        port = server.sockets[0].getsockname()[1]
        harness.gateway.set_revision(V1, endpoints=[("127.0.0.1", port)], container_concurrency=0, timeout_seconds=5)
        harness.route(HOST, V1)
        reader, writer = await asyncio.open_connection(*harness.gateway.address, limit=1 << 16)
        writer.write(f"GET / HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
        await reader.readuntil(b"\r\n\r\n")
        await asyncio.sleep(0.5)  # the client reads nothing for a while
        (client,) = harness.gateway._clients
        assert client.transport.get_write_buffer_size() < 4 * 1024 * 1024
        received = await asyncio.wait_for(reader.readexactly(len(payload)), 10)
        assert hashlib.sha256(received).digest() == hashlib.sha256(payload).digest()
        writer.close()
    finally:
        server.close()


async def test_gateway_can_be_started_again_after_stop(harness):
    b1 = await harness.backend("v1")
    harness.serve(HOST, V1, b1)
    assert (await harness.get(HOST))[0] == 200
    await harness.gateway.stop()
    await harness.gateway.start()
    assert (await harness.get(HOST))[:2] == (200, "hello from v1")
    for _ in range(3):
        assert (await harness.get(HOST, "/peer"))[0] == 200
    assert len(set(b1.peers)) == 1  # upstream keep-alive works again after the restart


async def test_oversized_request_head_is_431(harness):
    b1 = await harness.backend("v1")
    harness.serve(HOST, V1, b1)
    reader, writer = await asyncio.open_connection(*harness.gateway.address)
    try:
        writer.write(f"GET / HTTP/1.1\r\nHost: {HOST}\r\nX-Big: ".encode())
        for _ in range(40):
            writer.write(b"a" * 4096)
            await writer.drain()
            await asyncio.sleep(0.005)
        answer = await asyncio.wait_for(reader.read(), 2)
    except ConnectionResetError:
        answer = b""
    finally:
        writer.close()
    assert answer.startswith(b"HTTP/1.1 431"), answer[:100]


async def test_early_answer_to_an_upload_reaches_the_client(harness):
    # The gateway answers 404 before reading the body; the client is still uploading and must still see it.
    async with harness.session.post(
        harness.url("/upload"), data=os.urandom(8 * 1024 * 1024), headers={"Host": "nope.example.com"}
    ) as r:
        assert r.status == 404
        assert "no route for host 'nope.example.com'" in await r.text()


async def test_a_request_in_absolute_form_is_routed_by_its_authority(harness):
    # Local instances get the gateway as their HTTP proxy: a client sends the whole URL as the target, as to any
    # proxy; the gateway routes it by that URL's host and forwards the path in origin form.
    b1 = await harness.backend("v1")
    harness.serve(HOST, V1, b1)
    raw = await harness.raw(
        f"GET http://{HOST}/headers?x=1 HTTP/1.1\r\nHost: elsewhere.example.com\r\nConnection: close\r\n\r\n".encode()
    )
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    headers = {k.lower(): v for k, v in json.loads(body)["headers"]}
    assert headers["host"] == HOST
    assert (await harness.raw(f"GET http://{HOST}/ HTTP/1.1\r\nConnection: close\r\n\r\n".encode())).endswith(
        b"hello from v1"
    )


async def test_a_client_configured_with_the_gateway_as_its_http_proxy_reaches_a_service(harness):
    import urllib.request

    b1 = await harness.backend("v1")
    harness.serve(HOST, V1, b1)
    host, port = harness.gateway.address
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": f"http://{host}:{port}"}))

    def fetch() -> bytes:
        with opener.open(f"http://{HOST}/", timeout=5) as resp:
            return resp.read()

    assert await asyncio.to_thread(fetch) == b"hello from v1"
