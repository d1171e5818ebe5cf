"""The PingSource adapter: one in-process task per PingSource, sending one event per tick of its schedule.

It reads the time from the :class:`~pyknative.sources.clock.Clock` it is handed (a test moves a
:class:`~pyknative.sources.clock.ManualClock` instead of waiting), sleeps until the next fire time of the
schedule strictly after the last tick (or after the start), waits a random jitter of up to ``jitter`` seconds
(Knative's adapter spreads ticks over 0–500 ms) and sends the tick's event through the sender: the platform's
delivery, with Knative's 5 retries from 50 ms; an event that still fails is counted and dropped, as Knative's
adapter drops it. A tick's sending does not delay the next tick: each send runs as its own task.

Guarantee: a schedule's fire times are computed from the last one, so no tick is sent twice by one adapter and
none is skipped while it runs. An adapter restarted (the source's spec or sink changed, the platform restarted)
resumes with the first fire time after the restart; ticks whose time passed while no adapter ran are not sent
late, as Knative's cron runner does not catch up either.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from datetime import timedelta

from pyknative.reconciler.pingsource import resources
from pyknative.sources.adapters import AdapterContext

log = logging.getLogger(__name__)

#: Knative's per-tick jitter (``pkg/adapter/mtping/runner.go``)
JITTER = 0.5


def ping_adapter(jitter: float = JITTER, rand: Callable[[], float] = random.random):
    """The adapter function for :class:`~pyknative.sources.adapters.InProcessAdapters` (``jitter`` in seconds)."""

    async def run(ctx: AdapterContext) -> None:
        source = ctx.source
        schedule = resources.schedule(source)
        pending: set[asyncio.Task] = set()
        last = ctx.clock.now()
        try:
            while True:
                tick = schedule.next_after(last)
                if tick is None:
                    log.warning("PingSource %s: schedule %r never fires", ctx.key, schedule.text)
                    await asyncio.Event().wait()
                    return
                await ctx.clock.sleep_until(tick)
                last = tick
                event = resources.make_event(source, tick)
                task = asyncio.create_task(_send(ctx, event, jitter * rand()), name=f"ping {ctx.key} {tick}")
                pending.add(task)
                task.add_done_callback(pending.discard)
        finally:
            for task in pending:
                task.cancel()

    return run


async def _send(ctx: AdapterContext, event, delay: float) -> None:
    if delay > 0:
        await ctx.clock.sleep_until(ctx.clock.now() + timedelta(seconds=delay))
    outcome = await ctx.sender.send(event)
    log.debug("PingSource %s: event %s %s", ctx.key, event.id, outcome.value)
