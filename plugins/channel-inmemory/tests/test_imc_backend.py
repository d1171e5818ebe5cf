"""InMemoryChannelBackend against a fake SubscriberHandler: fan-out, ordering, bounds, backpressure, outcomes."""

from __future__ import annotations

import asyncio
import logging

import pytest
from _imc_helpers import FakeHandler, channel, event, settle, subscription, until
from pyknative_channel_inmemory import IMCConfig, InMemoryChannelBackend

from pyknative.eventing.channel import ChannelBackend, ChannelError, Outcome


@pytest.fixture
async def backend():
    b = InMemoryChannelBackend(redelivery_delay=0.01)
    yield b
    await b.aclose()


def make_backend(**config: int) -> InMemoryChannelBackend:
    return InMemoryChannelBackend(config=IMCConfig(**config), redelivery_delay=0.01)


def test_implements_the_channel_backend_protocol_and_is_not_durable():
    b = InMemoryChannelBackend()
    assert isinstance(b, ChannelBackend)
    assert b.durable is False


async def test_fan_out_to_every_subscription(backend):
    ch = channel()
    a, b = FakeHandler(), FakeHandler()
    await backend.ensure_channel(ch)
    await backend.subscribe(ch, subscription("a"), a)
    await backend.subscribe(ch, subscription("b"), b)
    for n in range(20):
        await backend.publish(ch, event(n))
    await until(lambda: len(a.finished) == 20 and len(b.finished) == 20, what="both subscriptions")
    assert sorted(a.calls, key=int) == [str(n) for n in range(20)]
    assert sorted(b.calls, key=int) == [str(n) for n in range(20)]


async def test_channels_are_separate(backend):
    orders, audit = channel("orders"), channel("audit")
    on_orders, on_audit = FakeHandler(), FakeHandler()
    await backend.subscribe(orders, subscription("s"), on_orders)
    await backend.subscribe(audit, subscription("s"), on_audit)
    await backend.publish(orders, event("o"))
    await backend.publish(audit, event("a"))
    await until(lambda: on_orders.finished and on_audit.finished)
    await settle()
    assert (on_orders.calls, on_audit.calls) == (["o"], ["a"])


async def test_ordered_subscription_delivers_one_at_a_time_in_publish_order(backend):
    ch = channel()
    # earlier events take longer: any concurrency would finish them out of order
    handler = FakeHandler(delay=lambda m: (30 - int(m.id)) * 0.0005)
    await backend.subscribe(ch, subscription("ordered", ordered=True), handler)
    for n in range(30):
        await backend.publish(ch, event(n))
    await until(lambda: len(handler.finished) == 30)
    assert handler.finished == [str(n) for n in range(30)]
    assert handler.max_in_flight == 1


async def test_unordered_subscription_runs_concurrently_up_to_the_bound():
    backend = make_backend(max_in_flight=5)
    ch = channel()
    gate = asyncio.Event()
    handler = FakeHandler(gate=gate)
    sub = subscription("fast")
    await backend.subscribe(ch, sub, handler)
    for n in range(50):
        await backend.publish(ch, event(n))
    await until(lambda: handler.in_flight == 5, what="5 deliveries in flight")
    await settle()
    assert handler.in_flight == 5
    stats = backend.stats(ch, sub)
    assert (stats.in_flight, stats.queued, stats.workers) == (5, 45, 5)
    gate.set()
    await until(lambda: len(handler.finished) == 50)
    assert handler.max_in_flight == 5
    assert backend.stats(ch, sub).delivered == 50
    await backend.aclose()


async def test_default_bound_is_64_in_flight():
    backend = InMemoryChannelBackend()
    ch = channel()
    gate = asyncio.Event()
    handler = FakeHandler(gate=gate)
    await backend.subscribe(ch, subscription("s"), handler)
    for n in range(100):
        await backend.publish(ch, event(n))
    await until(lambda: handler.in_flight == 64)
    await settle()
    assert handler.max_in_flight == 64
    gate.set()
    await until(lambda: len(handler.finished) == 100)
    await backend.aclose()


async def test_a_subscription_gets_nothing_published_before_it_existed(backend):
    ch = channel()
    early = FakeHandler()
    await backend.subscribe(ch, subscription("early"), early)
    for n in range(3):
        await backend.publish(ch, event(f"before-{n}"))
    late = FakeHandler()
    await backend.subscribe(ch, subscription("late"), late)
    await backend.publish(ch, event("after"))
    await until(lambda: len(early.finished) == 4 and late.finished)
    await settle()
    assert late.calls == ["after"]


async def test_a_channel_without_subscriptions_accepts_and_discards(backend):
    ch = channel()
    await backend.ensure_channel(ch)
    await backend.publish(ch, event("nobody"))
    handler = FakeHandler()
    await backend.subscribe(ch, subscription("s"), handler)
    await backend.publish(ch, event("somebody"))
    await until(lambda: handler.finished)
    await settle()
    assert handler.calls == ["somebody"]


async def test_unsubscribe_stops_delivery_and_discards_what_was_queued(backend, caplog):
    ch = channel()
    gate = asyncio.Event()
    gone = FakeHandler(gate=gate)
    stays = FakeHandler()
    sub = subscription("gone", ordered=True)
    await backend.subscribe(ch, sub, gone)
    await backend.subscribe(ch, subscription("stays"), stays)
    for n in range(3):
        await backend.publish(ch, event(n))
    await until(lambda: gone.in_flight == 1)
    with caplog.at_level(logging.WARNING, logger="pyknative_channel_inmemory"):
        await backend.unsubscribe(ch, sub, delete=True)
    assert gone.cancelled == ["0"]  # the delivery in flight was cancelled
    assert "3 undelivered events discarded" in caplog.text
    assert backend.stats(ch, sub) is None
    gate.set()
    await backend.publish(ch, event("later"))
    await until(lambda: "later" in stays.finished, what="the other subscription")
    await settle()
    assert gone.calls == ["0"]
    assert gone.finished == []


async def test_unsubscribe_without_delete_also_stops_delivery(backend):
    ch = channel()
    handler = FakeHandler()
    sub = subscription("s")
    await backend.subscribe(ch, sub, handler)
    await backend.publish(ch, event(1))
    await until(lambda: handler.finished == ["1"])
    await backend.unsubscribe(ch, sub, delete=False)
    await backend.publish(ch, event(2))
    await settle()
    assert handler.calls == ["1"]


async def test_full_queue_refuses_the_event_for_every_subscription():
    backend = make_backend(max_queued=3)
    ch = channel()
    gate = asyncio.Event()
    slow = FakeHandler(gate=gate)
    fast = FakeHandler()
    await backend.subscribe(ch, subscription("slow", ordered=True), slow)
    await backend.subscribe(ch, subscription("fast"), fast)
    await backend.publish(ch, event(0))
    await until(lambda: slow.in_flight == 1)  # one in flight does not count against the queue
    for n in (1, 2, 3):
        await backend.publish(ch, event(n))
    with pytest.raises(ChannelError) as refused:
        await backend.publish(ch, event("refused"))
    assert refused.value.status_code == 503
    assert "default/slow" in str(refused.value)
    assert "config-imc.max-queued-per-subscription" in str(refused.value)
    await until(lambda: len(fast.finished) == 4)
    await settle()
    assert "refused" not in fast.calls  # all or nothing: a retry by the producer duplicates nothing
    gate.set()
    await until(lambda: len(slow.finished) == 4)
    await backend.publish(ch, event("retried"))
    await until(lambda: "retried" in slow.finished and "retried" in fast.finished)
    assert slow.finished == ["0", "1", "2", "3", "retried"]
    await backend.aclose()


@pytest.mark.parametrize("outcome", [Outcome.DELIVERED, Outcome.DEAD_LETTERED, Outcome.DROPPED])
async def test_final_outcomes_end_the_delivery(backend, outcome):
    ch = channel()
    handler = FakeHandler(behave=lambda _m, _n: outcome)
    sub = subscription("s", ordered=True)
    await backend.subscribe(ch, sub, handler)
    await backend.publish(ch, event(1))
    await backend.publish(ch, event(2))
    await until(lambda: handler.finished == ["1", "2"])
    await settle()
    assert handler.calls == ["1", "2"]
    stats = backend.stats(ch, sub)
    counts = {
        Outcome.DELIVERED: stats.delivered,
        Outcome.DEAD_LETTERED: stats.dead_lettered,
        Outcome.DROPPED: stats.dropped,
    }
    assert counts == {o: (2 if o is outcome else 0) for o in counts}
    assert (stats.redelivered, stats.failed) == (0, 0)


async def test_a_retry_outcome_is_a_broken_contract_redelivered_once_then_dropped(backend, caplog):
    ch = channel()
    handler = FakeHandler(behave=lambda _m, _n: Outcome.RETRY)
    sub = subscription("s")
    with caplog.at_level(logging.ERROR, logger="pyknative_channel_inmemory"):
        await backend.subscribe(ch, sub, handler)
        await backend.publish(ch, event("r"))
        await until(lambda: backend.stats(ch, sub).failed == 1)
    await settle()
    assert handler.calls == ["r", "r"]
    assert "not a final outcome" in caplog.text
    assert "dropping event r" in caplog.text


async def test_a_handler_that_raises_once_gets_the_event_again(backend, caplog):
    def behave(_m, call_number):
        if call_number == 1:
            raise RuntimeError("core hiccup")
        return Outcome.DELIVERED

    ch = channel()
    handler = FakeHandler(behave=behave)
    sub = subscription("s")
    with caplog.at_level(logging.ERROR, logger="pyknative_channel_inmemory"):
        await backend.subscribe(ch, sub, handler)
        await backend.publish(ch, event("x"))
        await until(lambda: handler.finished == ["x"])
    assert handler.calls == ["x", "x"]
    stats = backend.stats(ch, sub)
    assert (stats.delivered, stats.redelivered, stats.failed) == (1, 1, 0)
    assert "core hiccup" in caplog.text


async def test_a_handler_that_keeps_raising_loses_the_event_with_an_error_log(backend, caplog):
    def behave(_m, _n):
        raise RuntimeError("core is down")

    ch = channel()
    handler = FakeHandler(behave=behave)
    sub = subscription("s")
    with caplog.at_level(logging.ERROR, logger="pyknative_channel_inmemory"):
        await backend.subscribe(ch, sub, handler)
        await backend.publish(ch, event("x"))
        await backend.publish(ch, event("y"))
        await until(lambda: backend.stats(ch, sub).failed == 2)
    await settle()
    assert sorted(handler.calls) == ["x", "x", "y", "y"]
    assert "dropping event x" in caplog.text and "dropping event y" in caplog.text


async def test_an_ordered_subscription_waits_for_the_redelivery_before_the_next_event(backend):
    def behave(m, call_number):
        if m.id == "1" and call_number == 1:
            raise RuntimeError("once")
        return Outcome.DELIVERED

    ch = channel()
    handler = FakeHandler(behave=behave)
    await backend.subscribe(ch, subscription("s", ordered=True), handler)
    await backend.publish(ch, event(1))
    await backend.publish(ch, event(2))
    await until(lambda: len(handler.finished) == 2)
    assert handler.calls == ["1", "1", "2"]


async def test_publish_to_a_missing_or_deleted_channel_is_refused(backend):
    ch = channel()
    with pytest.raises(ChannelError, match="default/orders does not exist"):
        await backend.publish(ch, event(1))
    gate = asyncio.Event()
    handler = FakeHandler(gate=gate)
    await backend.ensure_channel(ch)
    await backend.ensure_channel(ch)  # idempotent
    await backend.subscribe(ch, subscription("s"), handler)
    await backend.publish(ch, event(1))
    await until(lambda: handler.in_flight == 1)
    await backend.delete_channel(ch)
    assert handler.cancelled == ["1"]
    with pytest.raises(ChannelError, match="does not exist"):
        await backend.publish(ch, event(2))
    await backend.delete_channel(ch)  # deleting again is fine


async def test_aclose_cancels_workers_without_draining():
    backend = make_backend()
    ch = channel()
    handler = FakeHandler(gate=asyncio.Event())  # never opened: aclose must not wait for it
    await backend.subscribe(ch, subscription("s", ordered=True), handler)
    for n in range(5):
        await backend.publish(ch, event(n))
    await until(lambda: handler.in_flight == 1)
    await asyncio.wait_for(backend.aclose(), timeout=1.0)
    assert handler.cancelled == ["0"]
    assert handler.in_flight == 0
    workers = [t for t in asyncio.all_tasks() if t.get_name().startswith("imc ")]
    assert workers == []
    with pytest.raises(ChannelError, match="closed"):
        await backend.publish(ch, event("after"))
    with pytest.raises(ChannelError, match="closed"):
        await backend.subscribe(ch, subscription("t"), FakeHandler())
    await settle()
    assert handler.calls == ["0"]


async def test_sync_publish_returns_once_every_subscription_has_its_final_outcome():
    backend = make_backend()
    ch = channel(sync=True)  # Knative's default: no async-handler annotation
    fast, gated = FakeHandler(), FakeHandler(gate=asyncio.Event())
    await backend.subscribe(ch, subscription("fast"), fast)
    await backend.subscribe(ch, subscription("gated"), gated)
    publishing = asyncio.create_task(backend.publish(ch, event(1)))
    await until(lambda: fast.finished == ["1"] and gated.in_flight == 1)
    await settle()
    assert not publishing.done()  # the producer's answer waits for the slow subscriber
    gated.gate.set()
    await asyncio.wait_for(publishing, 1.0)
    assert gated.finished == ["1"]
    await backend.aclose()


@pytest.mark.parametrize(("outcome", "accepted"), [
    (Outcome.DELIVERED, True), (Outcome.DEAD_LETTERED, True), (Outcome.DROPPED, False),
])
async def test_sync_publish_fails_when_a_subscription_drops_the_event(outcome, accepted):
    backend = make_backend()
    ch = channel(sync=True)
    await backend.subscribe(ch, subscription("ok"), FakeHandler())
    await backend.subscribe(ch, subscription("s"), FakeHandler(behave=lambda _m, _n: outcome))
    if accepted:
        await backend.publish(ch, event(1))
    else:
        with pytest.raises(ChannelError, match="could not be delivered to every subscriber"):
            await backend.publish(ch, event(1))
    await backend.aclose()


async def test_sync_publish_fails_when_the_channel_closes_before_delivery():
    backend = make_backend()
    ch = channel(sync=True)
    await backend.subscribe(ch, subscription("s", ordered=True), FakeHandler(gate=asyncio.Event()))
    first = asyncio.create_task(backend.publish(ch, event(1)))  # in flight
    second = asyncio.create_task(backend.publish(ch, event(2)))  # queued behind it
    await settle()
    await backend.aclose()
    for task in (first, second):
        with pytest.raises(ChannelError, match="stopped before the event was delivered"):
            await task


async def test_drain_delivers_what_was_accepted_before_the_platform_stops():
    backend = make_backend()
    ch = channel()
    handler = FakeHandler(delay=lambda _m: 0.02)
    await backend.subscribe(ch, subscription("s", ordered=True), handler)
    for n in range(10):
        await backend.publish(ch, event(n))
    await asyncio.wait_for(backend.drain(timeout=5.0), timeout=6.0)
    assert handler.finished == [str(n) for n in range(10)]
    await backend.aclose()


async def test_drain_gives_up_after_its_timeout():
    backend = make_backend()
    ch = channel()
    handler = FakeHandler(gate=asyncio.Event())  # never opened
    await backend.subscribe(ch, subscription("s", ordered=True), handler)
    await backend.publish(ch, event(1))
    started = asyncio.get_running_loop().time()
    await backend.drain(timeout=0.1)
    assert 0.1 <= asyncio.get_running_loop().time() - started < 1.0
    await backend.aclose()
    assert handler.cancelled == ["1"]


async def test_subscribing_again_updates_handler_and_ordering_in_place():
    backend = make_backend(max_in_flight=4)
    ch = channel()
    gate = asyncio.Event()
    first = FakeHandler(gate=gate)
    await backend.subscribe(ch, subscription("s"), first)
    for n in range(4):
        await backend.publish(ch, event(n))
    await until(lambda: first.in_flight == 4)
    second = FakeHandler(delay=lambda m: (20 - int(m.id)) * 0.0005)
    await backend.subscribe(ch, subscription("s", ordered=True), second)
    for n in range(4, 20):
        await backend.publish(ch, event(n))
    await settle()
    assert second.calls == []  # the four busy workers hold the only slots until they finish
    gate.set()
    await until(lambda: len(second.finished) == 16)
    assert sorted(first.finished, key=int) == ["0", "1", "2", "3"]
    assert second.finished == [str(n) for n in range(4, 20)]
    assert second.max_in_flight == 1
    assert backend.stats(ch, subscription("s")).workers == 1
    await backend.aclose()


async def test_turning_an_ordered_subscription_unordered_raises_its_concurrency():
    backend = make_backend(max_in_flight=3)
    ch = channel()
    gate = asyncio.Event()
    handler = FakeHandler(gate=gate)
    await backend.subscribe(ch, subscription("s", ordered=True), handler)
    for n in range(6):
        await backend.publish(ch, event(n))
    await until(lambda: handler.in_flight == 1)
    await backend.subscribe(ch, subscription("s", ordered=False), handler)
    await until(lambda: handler.in_flight == 3, what="the queued events to start at the new bound")
    gate.set()
    await until(lambda: len(handler.finished) == 6)
    assert handler.max_in_flight == 3
    await backend.aclose()
