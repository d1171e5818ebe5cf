"""One subscription's feed: a bounded asyncio queue and a worker pool that hands each message to the handler.

An unordered subscription runs up to ``max_in_flight`` deliveries at once, an ordered one runs one at a time in
publish order. Workers are started on demand (when a message is queued and no idle worker will take it), up to
that bound, and stay until the feed closes; so ``offer`` creates a task only while the pool is still growing.

A handler that raises (the core could not run the delivery), or that breaks its contract by answering a non-final
outcome, gets the message once more after ``redelivery_delay``; after a second failure the message is dropped
with an error log, since memory has nowhere to keep it.

A message may come with a future (the channel's synchronous mode): it is resolved with the final outcome
(None when the delivery failed in the core), or fails with ChannelError when the feed closes first.
"""

from __future__ import annotations

import asyncio
import logging

import attrs

from pyknative.eventing.channel import ChannelError, Outcome, SubscriberHandler, SubscriptionRef
from pyknative.eventing.message import Message

log = logging.getLogger("pyknative_channel_inmemory")


@attrs.frozen
class FeedStats:
    """A snapshot of one subscription's feed (counters since it was subscribed)."""

    queued: int
    in_flight: int
    workers: int
    delivered: int
    dead_lettered: int
    dropped: int
    #: messages handed to the handler a second time because its first call raised or answered RETRY
    redelivered: int
    #: messages given up after the redelivery failed too (lost: logged as errors)
    failed: int


@attrs.define(eq=False)
class Feed:
    channel_key: str
    subscription: SubscriptionRef
    handler: SubscriberHandler
    max_queued: int
    max_in_flight: int
    redelivery_delay: float
    _queue: asyncio.Queue[tuple[Message, asyncio.Future[Outcome | None] | None]] = attrs.field(init=False)
    _workers: set[asyncio.Task[None]] = attrs.field(init=False, factory=set)
    #: workers waiting for (or about to take) the next message
    _idle: set[asyncio.Task[None]] = attrs.field(init=False, factory=set)
    _in_flight: int = attrs.field(init=False, default=0)
    _counts: dict[str, int] = attrs.field(init=False, factory=dict)
    _closed: bool = attrs.field(init=False, default=False)

    def __attrs_post_init__(self) -> None:
        self._queue = asyncio.Queue(maxsize=self.max_queued)

    @property
    def limit(self) -> int:
        """Deliveries this subscription may run at once."""
        return 1 if self.subscription.ordered else self.max_in_flight

    @property
    def label(self) -> str:
        return f"subscription {self.subscription.key} of InMemoryChannel {self.channel_key}"

    def full(self) -> bool:
        return self._queue.full()

    def queued(self) -> int:
        return self._queue.qsize()

    def offer(self, message: Message, done: asyncio.Future[Outcome | None] | None = None) -> None:
        """Queue ``message`` (the caller checked :meth:`full` first) and start a worker if none will take it;
        ``done`` gets the final outcome."""
        self._queue.put_nowait((message, done))
        if self._queue.qsize() > len(self._idle) and len(self._workers) < self.limit:
            self._spawn()

    def update(self, subscription: SubscriptionRef, handler: SubscriberHandler) -> None:
        """Take a changed subscription (delivery, ordering) and handler; the next deliveries use them."""
        self.subscription = subscription
        self.handler = handler
        excess = len(self._workers) - self.limit
        # Idle workers can stop at once (an item stays queued when its getter is cancelled); busy ones stop
        # after their current message, so a subscription turned ordered is ordered from the next message on.
        for task in list(self._idle)[: max(excess, 0)]:
            self._idle.discard(task)
            self._workers.discard(task)
            task.cancel()
        while self._queue.qsize() > len(self._idle) and len(self._workers) < self.limit:
            self._spawn()

    async def drain(self, timeout: float) -> None:
        """Return once nothing is queued or in flight, or after ``timeout`` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while (self._queue.qsize() or self._in_flight) and not self._closed and loop.time() < deadline:
            await asyncio.sleep(0.01)

    async def close(self) -> int:
        """Cancel every worker (in-flight deliveries included) and wait for them; returns the messages discarded."""
        self._closed = True
        in_flight = self._in_flight
        workers = list(self._workers)
        for task in workers:
            task.cancel()
        if workers:
            await asyncio.gather(*workers, return_exceptions=True)
        self._workers.clear()
        self._idle.clear()
        discarded = self._queue.qsize() + in_flight
        while not self._queue.empty():
            _, done = self._queue.get_nowait()
            _fail(done, self.label)
        return discarded

    def stats(self) -> FeedStats:
        c = self._counts
        return FeedStats(
            queued=self._queue.qsize(),
            in_flight=self._in_flight,
            workers=len(self._workers),
            delivered=c.get(Outcome.DELIVERED.value, 0),
            dead_lettered=c.get(Outcome.DEAD_LETTERED.value, 0),
            dropped=c.get(Outcome.DROPPED.value, 0),
            redelivered=c.get("redelivered", 0),
            failed=c.get("failed", 0),
        )

    # ------------------------------------------------------------------------------------------ workers

    def _spawn(self) -> None:
        if self._closed:
            return
        task = asyncio.get_running_loop().create_task(self._work(), name=f"imc {self.label}")
        self._workers.add(task)
        self._idle.add(task)

    async def _work(self) -> None:
        me = asyncio.current_task()
        assert me is not None
        try:
            while len(self._workers) <= self.limit:
                self._idle.add(me)
                try:
                    message, done = await self._queue.get()
                finally:
                    self._idle.discard(me)
                self._in_flight += 1
                try:
                    outcome = await self._deliver(message)
                except BaseException:
                    _fail(done, self.label)
                    raise
                finally:
                    self._in_flight -= 1
                if done is not None and not done.done():
                    done.set_result(outcome)
        finally:
            self._workers.discard(me)
            self._idle.discard(me)

    async def _deliver(self, message: Message) -> Outcome | None:
        for attempt in range(2):
            if attempt:
                await asyncio.sleep(self.redelivery_delay)
                self._count("redelivered")
            handler = self.handler
            try:
                outcome = await handler.deliver(message)
            except Exception:
                log.exception(
                    "delivering event %s to %s failed in the core%s",
                    message.id,
                    self.label,
                    "" if attempt else f"; redelivering in {self.redelivery_delay}s",
                )
                continue
            if isinstance(outcome, Outcome) and outcome.final:
                self._count(outcome.value)
                return outcome
            log.error(
                "the handler of %s answered %r for event %s, not a final outcome%s",
                self.label,
                outcome,
                message.id,
                "" if attempt else f"; redelivering in {self.redelivery_delay}s",
            )
        self._count("failed")
        log.error(
            "dropping event %s (type %s, source %s) for %s after a failed redelivery: an in-memory channel "
            "cannot keep it",
            message.id,
            message.type,
            message.source,
            self.label,
        )
        return None

    def _count(self, what: str) -> None:
        self._counts[what] = self._counts.get(what, 0) + 1


def _fail(done: asyncio.Future[Outcome | None] | None, label: str) -> None:
    if done is not None and not done.done():
        done.set_exception(ChannelError(f"{label} stopped before the event was delivered"))
