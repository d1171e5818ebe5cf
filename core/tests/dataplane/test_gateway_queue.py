"""Per-revision queue: containerConcurrency, waiting for endpoints, timeouts, upstream failures and stats."""

from __future__ import annotations

import asyncio
import socket
import time

import pytest

from pyknative.dataplane import RevisionKey

V1 = RevisionKey("default", "hello-00001")
HOST = "hello.default.example.com"


def _dead_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_container_concurrency_1_serialises_requests(harness):
    b1 = await harness.backend("v1")
    harness.serve(HOST, V1, b1, cc=1)
    results = await asyncio.gather(*(harness.get(HOST, "/slow?delay=0.05") for _ in range(8)))
    assert all(status == 200 for status, _, _ in results)
    assert b1.max_in_flight == 1


async def test_unlimited_concurrency_runs_requests_together(harness):
    b1 = await harness.backend("v1")
    harness.serve(HOST, V1, b1, cc=0)
    await asyncio.gather(*(harness.get(HOST, "/slow?delay=0.2") for _ in range(8)))
    assert b1.max_in_flight == 8


async def test_concurrency_is_per_endpoint_and_least_loaded_wins(harness):
    b1, b2 = await harness.backend("a"), await harness.backend("b")
    harness.gateway.set_revision(V1, endpoints=[b1.address, b2.address], container_concurrency=2, timeout_seconds=5)
    harness.route(HOST, V1)
    results = await asyncio.gather(*(harness.get(HOST, "/slow?delay=0.1") for _ in range(12)))
    assert [r[0] for r in results] == [200] * 12
    assert b1.max_in_flight == 2 and b2.max_in_flight == 2


async def test_upstream_too_slow_is_504(harness):
    b1 = await harness.backend("v1")
    harness.serve(HOST, V1, b1, timeout=0.3)
    started = time.monotonic()
    status, body, _ = await harness.get(HOST, "/slow?delay=3")
    elapsed = time.monotonic() - started
    assert status == 504
    assert "revision default/hello-00001 did not respond within 0.3 s" in body
    assert 0.25 <= elapsed < 1.0
    assert harness.gateway.stats(V1).in_flight == 0


async def test_time_spent_queued_counts_towards_the_timeout(harness):
    b1 = await harness.backend("v1")
    harness.serve(HOST, V1, b1, cc=1, timeout=0.5)
    first = asyncio.ensure_future(harness.get(HOST, "/slow?delay=0.4"))
    await asyncio.sleep(0.05)
    second = await harness.get(HOST, "/slow?delay=0.4")  # would start at ~0.4 s and finish at ~0.8 s
    assert (await first)[0] == 200
    assert second[0] == 504


async def test_no_endpoints_waits_until_endpoints_appear(harness):
    b1 = await harness.backend("v1")
    harness.serve(HOST, V1, None, timeout=5)
    woken: list[RevisionKey] = []
    harness.gateway.on_no_endpoints = woken.append
    pending = asyncio.ensure_future(harness.get(HOST))
    await asyncio.sleep(0.3)
    assert not pending.done()
    assert woken == [V1]
    assert harness.gateway.stats(V1).queued == 1
    harness.gateway.set_revision(V1, endpoints=[b1.address], container_concurrency=0, timeout_seconds=5)
    status, body, _ = await asyncio.wait_for(pending, 2)
    assert (status, body) == (200, "hello from v1")


async def test_no_endpoints_until_the_timeout_is_504(harness):
    harness.serve(HOST, V1, None, timeout=0.3)
    status, body, _ = await harness.get(HOST)
    assert status == 504
    assert "revision default/hello-00001 has no ready instance: none became ready within 0.3 s" in body
    assert harness.gateway.stats(V1).in_flight == 0


async def test_connection_refused_is_502(harness):
    harness.gateway.set_revision(V1, endpoints=[("127.0.0.1", _dead_port())], container_concurrency=0, timeout_seconds=5)
    harness.route(HOST, V1)
    status, body, _ = await harness.get(HOST)
    assert status == 502
    assert "could not be reached" in body and "default/hello-00001" in body


async def test_upstream_closing_before_responding_is_502(harness):
    async def slam(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.transport.abort()

    server = await asyncio.start_server(slam, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        harness.gateway.set_revision(V1, endpoints=[("127.0.0.1", port)], container_concurrency=0, timeout_seconds=5)
        harness.route(HOST, V1)
        status, body, _ = await harness.get(HOST)
        assert status == 502
        assert "before responding" in body
    finally:
        server.close()


async def test_remove_revision_answers_waiting_requests(harness):
    harness.serve(HOST, V1, None, timeout=5)
    pending = asyncio.ensure_future(harness.get(HOST))
    for _ in range(200):  # until the request is held (a fixed sleep is too short on a loaded machine)
        await asyncio.sleep(0.01)
        if harness.gateway.stats(V1, window=1.0).queued:
            break
    harness.gateway.remove_revision(V1)
    status, body, _ = await asyncio.wait_for(pending, 2)
    assert status == 503 and "removed" in body


async def test_stats_count_requests_and_concurrency(harness):
    b1 = await harness.backend("v1")
    harness.serve(HOST, V1, b1)
    slow = [asyncio.ensure_future(harness.get(HOST, "/slow?delay=0.5")) for _ in range(4)]
    await asyncio.sleep(0.2)
    during = harness.gateway.stats(V1)
    assert during.in_flight == 4
    await asyncio.gather(*slow)
    after = harness.gateway.stats(V1, window=10)
    assert after.in_flight == 0
    assert after.requests_total == 4
    # Four requests of ~0.5 s each: ~2 concurrency-seconds in total.
    assert 1.8 <= after.concurrency_seconds <= 2.6
    assert after.average_concurrency == pytest.approx(after.concurrency_seconds / after.window_seconds)
    concurrency, rps = after.since(during)
    assert rps == 0.0 and 0 < concurrency <= 4


async def test_client_giving_up_frees_its_slot(harness):
    b1 = await harness.backend("v1")
    harness.serve(HOST, V1, b1, cc=1, timeout=5)
    reader, writer = await asyncio.open_connection(*harness.gateway.address)
    writer.write(f"GET /slow?delay=3 HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
    await writer.drain()
    await asyncio.sleep(0.1)
    assert harness.gateway.stats(V1).in_flight == 1
    writer.close()  # the client hangs up while its request holds the only slot
    started = time.monotonic()
    status, body, _ = await harness.get(HOST)
    assert (status, body) == (200, "hello from v1")
    assert time.monotonic() - started < 1.0
    assert harness.gateway.stats(V1).in_flight == 0


async def test_stale_keep_alive_connection_is_retried_once(harness):
    connections = 0

    async def one_answer_per_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # Answers the first request on a connection, then drops the connection when the next one arrives,
        # like a server whose keep-alive timeout fired just as the gateway reused the connection.
        nonlocal connections
        connections += 1
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        await writer.drain()
        await reader.readuntil(b"\r\n\r\n")
        writer.transport.abort()

    server = await asyncio.start_server(one_answer_per_connection, "127.0.0.1", 0)
    try:
        port = server.sockets[0].getsockname()[1]
        harness.gateway.set_revision(V1, endpoints=[("127.0.0.1", port)], container_concurrency=0, timeout_seconds=5)
        harness.route(HOST, V1)
        for _ in range(3):
            assert (await harness.get(HOST))[:2] == (200, "ok")
        assert connections == 3
    finally:
        server.close()


async def test_stats_window_reports_requests_per_second(harness):
    b1 = await harness.backend("v1")
    harness.serve(HOST, V1, b1)
    for _ in range(50):
        assert (await harness.get(HOST))[0] == 200
    stats = harness.gateway.stats(V1, window=60)
    assert stats.requests_total == 50
    assert stats.requests_per_second == pytest.approx(50 / stats.window_seconds)
    assert stats.endpoints == 1 and stats.queued == 0


async def test_set_revision_rejects_bad_limits(harness):
    with pytest.raises(ValueError, match="container_concurrency"):
        harness.gateway.set_revision(V1, endpoints=[], container_concurrency=-1, timeout_seconds=5)
    with pytest.raises(ValueError, match="timeout_seconds"):
        harness.gateway.set_revision(V1, endpoints=[], container_concurrency=0, timeout_seconds=0)
    with pytest.raises(KeyError, match="default/hello-00001"):
        harness.gateway.stats(V1)


def test_cancelled_waiters_do_not_pile_up():
    from pyknative.dataplane.queue import RevisionQueue

    class _Waiter:
        queued = False

        def on_slot(self, endpoint):  # pragma: no cover - never granted here
            raise AssertionError("no endpoint exists")

    rev = RevisionQueue(V1, 0, 1.0)
    for _ in range(10_000):
        w = _Waiter()
        rev.enqueue(w)
        rev.cancel(w)
    assert rev.queued == 0
    assert len(rev._waiters) <= 64
