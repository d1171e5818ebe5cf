"""The InMemoryChannel backend: fans each published message out to a bounded queue per subscription.

Not durable. ``publish`` checks that every subscription's queue has room (all or nothing, so a refused message
reached no subscription and the producer's retry duplicates nothing), then enqueues; a full queue is
backpressure: ChannelError, which the ingress answers with 503. Then, as Knative's IMC by default, it waits until
every subscription reached a final outcome (delivered or dead-lettered; dropped raises ChannelError), so the
producer's 202 means the event was handled and a crash loses nothing that was answered 202. With the annotation
``messaging.knative.dev/async-handler: "true"`` on the channel, ``publish`` returns once the message is queued:
faster for the producer, but what is queued is lost if the process dies. Channels and subscriptions are keyed by
``namespace/name``.
"""

from __future__ import annotations

import asyncio
import logging
from typing import ClassVar

import attrs

from pyknative.eventing.channel import ChannelError, ChannelRef, Outcome, SubscriberHandler, SubscriptionRef
from pyknative.eventing.message import Message
from pyknative_channel_inmemory.config import MAX_QUEUED, SECTION, IMCConfig
from pyknative_channel_inmemory.feed import Feed, FeedStats

log = logging.getLogger("pyknative_channel_inmemory")

API_VERSION = "messaging.knative.dev/v1"
#: Knative's IMC annotation: "true" answers the producer once the event is queued, before it is delivered
ASYNC_HANDLER = "messaging.knative.dev/async-handler"
KIND = "InMemoryChannel"


@attrs.define(eq=False)
class InMemoryChannelBackend:
    """:class:`pyknative.eventing.channel.ChannelBackend` for ``InMemoryChannel`` (``durable = False``)."""

    durable: ClassVar[bool] = False

    config: IMCConfig = attrs.field(factory=IMCConfig)
    #: seconds before a message whose handler raised is handed over once more
    redelivery_delay: float = 0.5
    #: channel key -> subscription key -> feed
    _channels: dict[str, dict[str, Feed]] = attrs.field(init=False, factory=dict)
    _closed: bool = attrs.field(init=False, default=False)

    async def ensure_channel(self, channel: ChannelRef) -> None:
        self._check_open()
        self._channels.setdefault(channel.key, {})

    async def delete_channel(self, channel: ChannelRef) -> None:
        feeds = self._channels.pop(channel.key, None)
        if feeds:
            await asyncio.gather(*(self._close_feed(feed) for feed in feeds.values()))

    async def publish(self, channel: ChannelRef, message: Message) -> None:
        feeds = self._channels.get(channel.key)
        if feeds is None:
            self._check_open()
            raise ChannelError(f"InMemoryChannel {channel.key} does not exist (not created yet, or deleted)")
        for feed in feeds.values():
            if feed.full():
                raise ChannelError(
                    f"{feed.label} already holds {feed.max_queued} undelivered events "
                    f"({SECTION}.{MAX_QUEUED}); try again later"
                )
        if channel.annotations.get(ASYNC_HANDLER, "").lower() == "true":
            for feed in feeds.values():
                feed.offer(message)
            return
        # Knative's default: fan out before answering, so the producer's 202 means delivered or dead-lettered.
        loop = asyncio.get_running_loop()
        waits = [loop.create_future() for _ in feeds]
        for feed, done in zip(feeds.values(), waits, strict=True):
            feed.offer(message, done)
        for outcome in await asyncio.gather(*waits):
            if outcome is None or outcome is Outcome.DROPPED:
                raise ChannelError(f"event {message.id!r} could not be delivered to every subscriber")

    async def subscribe(
        self, channel: ChannelRef, subscription: SubscriptionRef, handler: SubscriberHandler
    ) -> None:
        """Feed ``handler`` every message published from now on (the channel is created if missing);
        subscribing again updates the subscription and handler in place, keeping its queue."""
        self._check_open()
        feeds = self._channels.setdefault(channel.key, {})
        feed = feeds.get(subscription.key)
        if feed is not None:
            feed.update(subscription, handler)
            return
        feeds[subscription.key] = Feed(
            channel_key=channel.key,
            subscription=subscription,
            handler=handler,
            max_queued=self.config.max_queued,
            max_in_flight=self.config.max_in_flight,
            redelivery_delay=self.redelivery_delay,
        )

    async def unsubscribe(self, channel: ChannelRef, subscription: SubscriptionRef, *, delete: bool) -> None:
        """Stop feeding the subscription, cancelling its deliveries and discarding its queue. ``delete`` makes
        no difference: memory keeps no position to resume from."""
        feeds = self._channels.get(channel.key)
        feed = feeds.pop(subscription.key, None) if feeds is not None else None
        if feed is not None:
            await self._close_feed(feed)

    async def drain(self, timeout: float) -> None:
        """Wait until every subscription delivered (or dead-lettered) what it holds, at most ``timeout`` seconds:
        the platform calls this when it stops, after its ingress stopped taking events."""
        feeds = [feed for subs in self._channels.values() for feed in subs.values()]
        await asyncio.gather(*(feed.drain(timeout) for feed in feeds))

    async def aclose(self) -> None:
        """Cancel every worker and wait for them; queued messages are discarded, not drained."""
        self._closed = True
        feeds = [feed for subs in self._channels.values() for feed in subs.values()]
        self._channels.clear()
        await asyncio.gather(*(self._close_feed(feed) for feed in feeds))

    def stats(self, channel: ChannelRef, subscription: SubscriptionRef) -> FeedStats | None:
        """Queue depth, deliveries in flight and outcome counts of one subscription; None when not subscribed."""
        feed = self._channels.get(channel.key, {}).get(subscription.key)
        return feed.stats() if feed is not None else None

    def _check_open(self) -> None:
        if self._closed:
            raise ChannelError("the InMemoryChannel backend is closed")

    @staticmethod
    async def _close_feed(feed: Feed) -> None:
        discarded = await feed.close()
        if discarded:
            log.warning("%s stopped with %d undelivered events discarded", feed.label, discarded)
