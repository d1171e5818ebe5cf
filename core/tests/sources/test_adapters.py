"""The adapter contract: Knative's environment both ways, in-process adapters supervised (restarted when they
fail, stopped and closed), sending through the core's dispatcher with overrides, retries and a dead-letter sink,
and the counts in ``/metrics``."""

from __future__ import annotations

import asyncio

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from pyknative.admin.metrics import SourceCollector
from pyknative.eventing.channel import Outcome
from pyknative.eventing.delivery_policy import DeliveryPolicy
from pyknative.eventing.dispatcher import DeliveryTarget, Dispatcher
from pyknative.sources import (
    AdapterContext,
    AdapterEnvironment,
    InProcessAdapters,
    ManualClock,
    SourceCounters,
    SourceId,
    new_event,
)


@pytest.fixture
async def dispatcher():
    d = Dispatcher()
    yield d
    await d.aclose()


def adapters_over(dispatcher: Dispatcher, run, **kw) -> InProcessAdapters:
    return InProcessAdapters(
        run,
        lambda uri, policy: dispatcher.handler(DeliveryTarget(uri, policy=policy)),
        "examples.sources.example.com",
        **kw,
    )


def test_the_environment_reads_back_as_an_adapter_process_reads_it():
    env = AdapterEnvironment(sink="http://sink/", namespace="ns", name="src", ce_overrides={"team": "a"})
    assert AdapterEnvironment.from_env(env.to_env()) == env
    assert AdapterEnvironment.from_env({"K_SINK": "http://s"}).name == "adapter"  # Knative's default NAME
    with pytest.raises(ValueError, match="K_SINK: required"):
        AdapterEnvironment.from_env({})
    with pytest.raises(ValueError, match="K_CE_OVERRIDES: not JSON"):
        AdapterEnvironment.from_env({"K_SINK": "http://s", "K_CE_OVERRIDES": "{"})
    with pytest.raises(ValueError, match="K_CE_OVERRIDES: expected"):
        AdapterEnvironment.from_env({"K_SINK": "http://s", "K_CE_OVERRIDES": '{"extensions": [1]}'})


class _Source:
    def __init__(self, spec: str) -> None:
        self.spec = spec


async def test_overrides_win_over_what_the_adapter_set_and_the_outcome_is_counted(dispatcher, sink):
    counters = SourceCounters()
    outcomes = []

    async def run(ctx: AdapterContext) -> None:
        outcomes.append(await ctx.sender.send(new_event("t.example", "/src", b"x", subject="mine", team="adapter's")))
        await asyncio.Event().wait()

    adapters = adapters_over(dispatcher, run, counters=counters)
    env = AdapterEnvironment(sink=sink.url, namespace="ns", name="one", ce_overrides={"team": "override"})
    await adapters.start(_Source("a"), env)
    [(headers, body)] = await sink.wait_for(1)
    assert (headers["ce-team"], headers["ce-subject"], body) == ("override", "mine", b"x")
    async with asyncio.timeout(5):
        while not outcomes:
            await asyncio.sleep(0.01)
    assert outcomes == [Outcome.DELIVERED]
    assert counters.get(SourceId("examples.sources.example.com", "ns", "one"), Outcome.DELIVERED) == 1

    registry = CollectorRegistry(auto_describe=False)
    registry.register(SourceCollector(counters))
    text = generate_latest(registry).decode()
    assert (
        'source_events_total{name="one",namespace_name="ns",resource_group="examples.sources.example.com",'
        'result="delivered"} 1.0' in text
    )
    await adapters.aclose()
    assert not adapters.running("ns/one")


async def test_a_failed_delivery_goes_to_the_dead_letter_sink_of_the_policy(dispatcher, sink, make_sink):
    dead = await make_sink()
    sink.status = 500
    counters = SourceCounters()

    async def run(ctx: AdapterContext) -> None:
        await ctx.sender.send(new_event("t.example", "/src", b"x", id="e1"))
        await asyncio.Event().wait()

    policy = DeliveryPolicy(retry=2, dead_letter_uri=dead.url)
    adapters = adapters_over(dispatcher, run, counters=counters, policy=policy)
    await adapters.start(_Source("a"), AdapterEnvironment(sink=sink.url, namespace="ns", name="dl"))
    [(headers, _)] = await dead.wait_for(1)
    async with asyncio.timeout(5):
        while not counters.get(SourceId("examples.sources.example.com", "ns", "dl"), Outcome.DEAD_LETTERED):
            await asyncio.sleep(0.01)
    assert len(sink.received) == 3  # 1 try + 2 retries
    assert (headers["ce-id"], headers["ce-knativeerrorcode"], headers["ce-knativeerrordest"]) == ("e1", "500", sink.url)
    assert counters.get(SourceId("examples.sources.example.com", "ns", "dl"), Outcome.DEAD_LETTERED) == 1
    await adapters.aclose()


async def test_a_crashing_adapter_is_started_again_and_an_unchanged_start_keeps_it(dispatcher):
    starts = []

    async def run(ctx: AdapterContext) -> None:
        starts.append(ctx.source.spec)
        if len(starts) < 3:
            raise RuntimeError("boom")
        await asyncio.Event().wait()

    adapters = adapters_over(dispatcher, run, restart_initial=0.01)
    env = AdapterEnvironment(sink="http://127.0.0.1:9/", namespace="ns", name="crashy")
    await adapters.start(_Source("a"), env)
    async with asyncio.timeout(5):
        while len(starts) < 3:
            await asyncio.sleep(0.01)
    assert adapters.restarts("ns/crashy") == 2 and adapters.running("ns/crashy")
    await adapters.start(_Source("a"), env)  # same spec, same environment: nothing happens
    await asyncio.sleep(0.05)
    assert starts == ["a", "a", "a"]
    await adapters.start(_Source("b"), env)  # a changed spec: stopped and started anew
    async with asyncio.timeout(5):
        while starts[-1] != "b":
            await asyncio.sleep(0.01)
    await adapters.stop("ns/crashy")
    assert not adapters.running("ns/crashy")
    await adapters.aclose()


async def test_the_manual_clock_wakes_sleepers_in_time_order():
    clock = ManualClock()
    woke = []

    async def sleeper(seconds: int) -> None:
        from datetime import timedelta

        await clock.sleep_until(clock.now() + timedelta(seconds=seconds))
        woke.append((seconds, clock.now()))

    tasks = [asyncio.create_task(sleeper(s)) for s in (30, 10, 20)]
    await clock.wait_for_sleepers(3)
    await clock.advance(25)
    assert [s for s, _ in woke] == [10, 20]
    assert [(t - woke[0][1]).total_seconds() for _, t in woke] == [0, 10]
    await clock.advance(5)
    await asyncio.gather(*tasks)
    assert [s for s, _ in woke] == [10, 20, 30]
