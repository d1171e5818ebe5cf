"""Keeps channel backends' subscriptions in step with Triggers and Subscriptions.

A reconciler says what a subscription should be (channel, delivery policy, target); this module subscribes,
re-subscribes when any of it changed (or the subscription moved to another channel), and unsubscribes when the
object is gone, deleting its consumer so a durable channel stops keeping messages for it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import attrs

from pyknative.eventing.channel import ChannelBackend, ChannelRef, SubscriptionRef


@attrs.define(eq=False)
class Subscriptions:
    backend_for: Callable[[str, str], Awaitable[ChannelBackend]]
    make_handler: Callable[..., Any]
    _active: dict[str, tuple[ChannelRef, SubscriptionRef, Any]] = attrs.field(factory=dict)

    async def ensure(self, key: str, channel: ChannelRef, sub: SubscriptionRef, target: dict[str, Any], fingerprint: Any) -> None:
        """Subscribe ``key`` with ``target`` (handler arguments); ``fingerprint`` says when the target changed."""
        if sub.ordered is None:
            backend = await self.backend_for(channel.api_version, channel.kind)
            sub = attrs.evolve(sub, ordered=bool(getattr(backend, "ordered_by_default", False)))
        current = self._active.get(key)
        if current is not None and current[0] == channel and current[1] == sub and current[2] == fingerprint:
            return
        if current is not None and current[0] != channel:
            old_backend = await self.backend_for(current[0].api_version, current[0].kind)
            await old_backend.unsubscribe(current[0], current[1], delete=True)
        backend = await self.backend_for(channel.api_version, channel.kind)
        await backend.subscribe(channel, sub, self.make_handler(policy=sub.delivery, **target))
        self._active[key] = (channel, sub, fingerprint)

    async def remove(self, key: str, *, delete: bool = True) -> None:
        current = self._active.pop(key, None)
        if current is None:
            return
        backend = await self.backend_for(current[0].api_version, current[0].kind)
        await backend.unsubscribe(current[0], current[1], delete=delete)

    async def stop_all(self) -> None:
        """Stop consuming without deleting consumers (the platform is stopping; a restart resumes)."""
        for key in list(self._active):
            await self.remove(key, delete=False)
