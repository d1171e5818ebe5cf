"""Activator semantics of the gateway: held requests (FIFO, bounded by the target burst capacity), one scale-up
poke per burst, draining endpoints before their instance stops, and the per-revision response counters."""

from __future__ import annotations

import asyncio
import time

import pytest

from pyknative.dataplane import RevisionKey
from pyknative.dataplane.queue import LATENCY_BUCKETS, held_limit

V1 = RevisionKey("default", "hello-00001")
HOST = "hello.default.example.com"


async def _until(predicate, timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        await asyncio.sleep(0.01)


async def test_held_requests_go_out_in_arrival_order_once_an_instance_is_ready(harness):
    b1 = await harness.backend("v1")
    harness.serve(HOST, V1, None, cc=1, timeout=5)
    pending = []
    for i in range(6):
        pending.append(asyncio.ensure_future(harness.get(HOST, f"/slow?delay=0&n={i}")))
        await _until(lambda n=i: harness.gateway.stats(V1).queued == n + 1)
    harness.gateway.set_revision(V1, endpoints=[b1.address], container_concurrency=1, timeout_seconds=5)
    results = await asyncio.wait_for(asyncio.gather(*pending), 5)
    assert [r[0] for r in results] == [200] * 6
    assert b1.order == [str(i) for i in range(6)]


async def test_a_burst_at_zero_asks_for_scale_up_once(harness):
    b1 = await harness.backend("v1")
    harness.serve(HOST, V1, None, timeout=5)
    woken: list[RevisionKey] = []
    harness.gateway.on_no_endpoints = woken.append
    burst = [asyncio.ensure_future(harness.get(HOST)) for _ in range(20)]
    await _until(lambda: harness.gateway.stats(V1).queued == 20)
    assert woken == [V1]
    harness.gateway.set_revision(V1, endpoints=[b1.address], container_concurrency=0, timeout_seconds=5)
    assert [r[0] for r in await asyncio.gather(*burst)] == [200] * 20
    # Back at zero, the next request asks again at once.
    harness.gateway.set_revision(V1, endpoints=[], container_concurrency=0, timeout_seconds=5)
    again = asyncio.ensure_future(harness.get(HOST))
    await _until(lambda: len(woken) == 2)
    harness.gateway.set_revision(V1, endpoints=[b1.address], container_concurrency=0, timeout_seconds=5)
    assert (await again)[0] == 200


async def test_requests_past_the_target_burst_capacity_get_a_clear_503(harness):
    b1 = await harness.backend("v1")
    harness.serve(HOST, V1, None, timeout=5)
    harness.gateway.set_revision(V1, endpoints=[], container_concurrency=0, timeout_seconds=5, target_burst_capacity=3)
    held = [asyncio.ensure_future(harness.get(HOST)) for _ in range(3)]
    await _until(lambda: harness.gateway.stats(V1).queued == 3)
    status, body, _ = await harness.get(HOST)
    assert status == 503
    assert "revision default/hello-00001 already holds 3 requests waiting for an instance" in body
    assert "target-burst-capacity (3) allows" in body
    harness.gateway.set_revision(V1, endpoints=[b1.address], container_concurrency=0, timeout_seconds=5, target_burst_capacity=3)
    assert [r[0] for r in await asyncio.gather(*held)] == [200] * 3


async def test_unbounded_target_burst_capacity_holds_every_request(harness):
    b1 = await harness.backend("v1")
    harness.gateway.set_revision(V1, endpoints=[], container_concurrency=0, timeout_seconds=5, target_burst_capacity=-1)
    harness.route(HOST, V1)
    held = [asyncio.ensure_future(harness.get(HOST)) for _ in range(90)]
    await _until(lambda: harness.gateway.stats(V1).queued == 90)
    harness.gateway.set_revision(V1, endpoints=[b1.address], container_concurrency=0, timeout_seconds=5, target_burst_capacity=-1)
    assert [r[0] for r in await asyncio.gather(*held)] == [200] * 90


@pytest.mark.parametrize(
    ("tbc", "cc", "endpoints", "limit"),
    [
        (211, 0, 0, 211),
        (2.5, 1, 3, 3),  # fractions round up
        (-1, 1, 3, None),  # the activator always in the path: no bound but the timeout
        (0, 1, 0, None),  # at zero a cold start holds everything
        (0, 2, 3, 60),  # with instances: queue-proxy's 10 per slot
        (0, 0, 3, None),  # unlimited concurrency never waits for a slot
    ],
)
def test_held_limit(tbc, cc, endpoints, limit):
    assert held_limit(tbc, cc, endpoints) == limit


def test_set_revision_rejects_a_bad_target_burst_capacity(harness):
    with pytest.raises(ValueError, match="target_burst_capacity"):
        harness.gateway.set_revision(V1, endpoints=[], container_concurrency=0, timeout_seconds=5, target_burst_capacity=-2)


async def test_a_removed_endpoint_drains_its_requests_and_gets_no_new_ones(harness):
    b1, b2 = await harness.backend("a"), await harness.backend("b")
    gw = harness.gateway
    gw.set_revision(V1, endpoints=[b1.address, b2.address], container_concurrency=0, timeout_seconds=5)
    harness.route(HOST, V1)
    slow = [asyncio.ensure_future(harness.get(HOST, "/slow?delay=0.5&n=old")) for _ in range(4)]
    await _until(lambda: b1.in_flight == 2 and b2.in_flight == 2)
    gw.set_revision(V1, endpoints=[b1.address], container_concurrency=0, timeout_seconds=5)  # scale down: b2 leaves
    started = time.monotonic()
    drain = asyncio.ensure_future(gw.drain(V1, b2.address))
    fresh = await asyncio.gather(*(harness.get(HOST, "/slow?delay=0&n=new") for _ in range(4)))
    assert not drain.done()  # b2 still finishes its requests
    assert await drain is True
    assert 0.3 <= time.monotonic() - started < 1.5
    assert [r[0] for r in await asyncio.gather(*slow)] == [200] * 4
    assert [r[0] for r in fresh] == [200] * 4
    assert "new" not in b2.order and b1.order.count("new") == 4


async def test_drain_takes_an_endpoint_still_in_rotation_out_first(harness):
    b1, b2 = await harness.backend("a"), await harness.backend("b")
    gw = harness.gateway
    gw.set_revision(V1, endpoints=[b1.address, b2.address], container_concurrency=0, timeout_seconds=5)
    harness.route(HOST, V1)
    assert await gw.drain(V1, b2.address) is True  # nothing in flight: drained at once
    await asyncio.gather(*(harness.get(HOST, "/slow?delay=0&n=after") for _ in range(6)))
    assert b2.order == [] and len(b1.order) == 6
    assert gw.stats(V1).endpoints == 1


async def test_drain_gives_up_after_its_timeout(harness):
    b1 = await harness.backend("a")
    gw = harness.gateway
    harness.serve(HOST, V1, b1, timeout=5)
    slow = asyncio.ensure_future(harness.get(HOST, "/slow?delay=1"))
    await _until(lambda: b1.in_flight == 1)
    assert await gw.drain(V1, b1.address, timeout=0.1) is False
    assert (await slow)[0] == 200
    assert await gw.drain(RevisionKey("default", "unknown"), b1.address) is True


async def test_a_removed_revision_drains_too(harness):
    b1 = await harness.backend("a")
    gw = harness.gateway
    harness.serve(HOST, V1, b1, timeout=5)
    slow = asyncio.ensure_future(harness.get(HOST, "/slow?delay=0.4"))
    await _until(lambda: b1.in_flight == 1)
    gw.remove_revision(V1)
    assert await gw.drain(V1, b1.address, timeout=3) is True
    assert (await slow)[0] == 200


async def test_responses_are_counted_by_status_class_with_latencies(harness):
    b1 = await harness.backend("v1")
    harness.serve(HOST, V1, b1, cc=1, timeout=0.3)
    for _ in range(3):
        assert (await harness.get(HOST, "/slow?delay=0.06"))[0] == 200
    assert (await harness.get(HOST, "/slow?delay=1"))[0] == 504
    counters = harness.gateway.counters(V1)
    assert counters.responses[2] == 3 and counters.responses[5] == 1 and sum(counters.responses) == 4
    assert sum(counters.latency_counts) == 4
    assert 0.45 <= counters.latency_sum < 3.0
    # three ~60 ms answers land in buckets above 0.05 s and (with slack for a loaded machine) at most 0.25 s;
    # the 300 ms timeout above 0.25 s
    counts = counters.latency_counts
    assert sum(counts[: LATENCY_BUCKETS.index(0.05) + 1]) == 0
    assert sum(counts[LATENCY_BUCKETS.index(0.1) : LATENCY_BUCKETS.index(0.25) + 1]) == 3
    assert sum(counts[LATENCY_BUCKETS.index(0.5) :]) == 1
