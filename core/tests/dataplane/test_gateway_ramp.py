"""The gateway ramps its connections to an endpoint: a burst of requests to an app with a small listen backlog
does not overflow its accept queue (which would stall requests for a TCP retransmit, 1 s or more), and a slow first
response does not hold the ramp back."""

from __future__ import annotations

import asyncio
import time

from pyknative.dataplane import RevisionKey

V1 = RevisionKey("default", "hello-00001")
HOST = "hello.default.example.com"
BURST = 64


async def _small_backlog_app(backlog: int) -> tuple[asyncio.AbstractServer, list[int]]:
    """A keep-alive HTTP/1.1 app listening with ``backlog`` (socketserver's default is 5); counts connections."""
    accepted: list[int] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(1)
        try:
            while True:
                await reader.readuntil(b"\r\n\r\n")
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=backlog)
    return server, accepted


async def _timed(harness, path: str = "/") -> tuple[int, float]:
    started = time.monotonic()
    status, _, _ = await harness.get(HOST, path)
    return status, time.monotonic() - started


async def test_a_burst_to_an_app_with_a_small_backlog_does_not_stall(harness):
    server, accepted = await _small_backlog_app(backlog=5)
    try:
        port = server.sockets[0].getsockname()[1]
        harness.gateway.set_revision(V1, endpoints=[("127.0.0.1", port)], container_concurrency=0, timeout_seconds=10)
        harness.route(HOST, V1)
        results = await asyncio.gather(*(_timed(harness) for _ in range(BURST)))
        assert [status for status, _ in results] == [200] * BURST
        slowest = max(took for _, took in results)
        # An accept queue overflow costs a SYN (or ACK) retransmit: at least 1 s for the requests it hits.
        assert slowest < 0.9, f"slowest request took {slowest:.2f}s"
        # Connections given back served the requests that waited: fewer connections than requests.
        assert len(accepted) < BURST
    finally:
        server.close()
        await server.wait_closed()


async def test_slow_first_responses_do_not_hold_the_ramp_back(harness):
    b1 = await harness.backend("v1")
    harness.serve(HOST, V1, b1, timeout=10)
    # As many slow requests as a ramp lets be new at once; each holds a new connection for 3 s.
    slow = [asyncio.create_task(_timed(harness, "/slow?delay=3")) for _ in range(8)]
    await asyncio.sleep(0.2)
    status, took = await _timed(harness)
    assert status == 200 and took < 1.0, f"a quick request behind slow ones took {took:.2f}s"
    assert [s for s, _ in await asyncio.gather(*slow)] == [200] * 8


async def test_every_request_waiting_for_a_connection_gets_its_answer_when_connects_fail(harness):
    server, _ = await _small_backlog_app(backlog=5)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()  # nothing listens there any more: every connect is refused
    harness.gateway.set_revision(V1, endpoints=[("127.0.0.1", port)], container_concurrency=0, timeout_seconds=10)
    harness.route(HOST, V1)
    results = await asyncio.gather(*(_timed(harness) for _ in range(3 * BURST // 4)))
    assert {status for status, _ in results} == {502}
    assert max(took for _, took in results) < 5.0  # answered, not left to the revision's 10 s timeout
