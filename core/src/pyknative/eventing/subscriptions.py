"""Keeps channel backends' subscriptions in step with what Triggers and Subscriptions want.

A reconciler says what a subscription should be (a :class:`DesiredSubscription`: channel, delivery policy,
target); this module subscribes, re-subscribes when any of it changed (or the subscription moved to another
channel), and unsubscribes when the object is gone, deleting its consumer so a durable channel stops keeping
messages for it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import attrs

from pyknative.eventing.channel import ChannelBackend, ChannelRef, SubscriberHandler, SubscriptionRef


@attrs.frozen
class DesiredSubscription:
    """One Trigger's or Subscription's subscription: on ``channel``, delivering to ``subscriber_uri``."""

    channel: ChannelRef
    sub: SubscriptionRef
    subscriber_uri: str
    #: where replies go (a Trigger's Broker, a Subscription's ``spec.reply``); None discards them
    reply_uri: str | None = None
    namespace: str = ""
    #: leave ``knativebrokerttl`` out towards the subscriber and put it back on a reply (Triggers)
    drop_ttl: bool = False
    #: the Trigger's ``spec.filter`` and ``spec.filters`` as written: what says the filter changed
    filter_spec: tuple[Mapping[str, Any] | None, Sequence[Mapping[str, Any]] | None] = (None, None)
    #: the compiled predicate of ``filter_spec`` (None delivers everything); not compared
    filter: Callable[..., bool] | None = attrs.field(default=None, eq=False)


@attrs.define(eq=False)
class Subscriptions:
    backend_for: Callable[[str, str], Awaitable[ChannelBackend]]
    #: the handler that delivers a subscription's events (the dispatcher's)
    make_handler: Callable[[DesiredSubscription], SubscriberHandler]
    _active: dict[str, DesiredSubscription] = attrs.field(factory=dict)

    async def ensure(self, key: str, desired: DesiredSubscription) -> None:
        """Subscribe ``key`` as ``desired`` says, unless it already is."""
        if desired.sub.ordered is None:
            backend = await self.backend_for(desired.channel.api_version, desired.channel.kind)
            ordered = bool(getattr(backend, "ordered_by_default", False))
            desired = attrs.evolve(desired, sub=attrs.evolve(desired.sub, ordered=ordered))
        current = self._active.get(key)
        if current is not None and current == desired:
            return
        if current is not None and current.channel != desired.channel:
            old_backend = await self.backend_for(current.channel.api_version, current.channel.kind)
            await old_backend.unsubscribe(current.channel, current.sub, delete=True)
        backend = await self.backend_for(desired.channel.api_version, desired.channel.kind)
        await backend.subscribe(desired.channel, desired.sub, self.make_handler(desired))
        self._active[key] = desired

    async def remove(self, key: str, *, delete: bool = True) -> None:
        current = self._active.pop(key, None)
        if current is None:
            return
        backend = await self.backend_for(current.channel.api_version, current.channel.kind)
        await backend.unsubscribe(current.channel, current.sub, delete=delete)

    async def stop_all(self) -> None:
        """Stop consuming without deleting consumers (the platform is stopping; a restart resumes)."""
        for key in list(self._active):
            await self.remove(key, delete=False)
