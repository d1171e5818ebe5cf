"""Reconciler for a channel kind a plugin serves (InMemoryChannel, KafkaChannel, NatsJetStreamChannel, ...).

It has the backend create what backs the channel (topic, stream), routes the event ingress's
``/channels/<namespace>/<name>`` to it, and reports ``status.address.url`` and, where ``spec.delivery`` names one,
the resolved ``status.deadLetterSinkUri`` (condition ``DeadLetterSinkResolved``). Deleting the object deletes what
backs it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import attrs

from pyknative.api.kinds import Kinds
from pyknative.api.meta import Addressable, Resource
from pyknative.errors import BackendNotInstalledError
from pyknative.eventing.channel import ChannelBackend, ChannelRef
from pyknative.reconciler.base import Conditions, Outcome, reconcile_status
from pyknative.reconciler.channelable import resources
from pyknative.reconciler.destinations import resolve_dead_letter_sink
from pyknative.store import Store


@attrs.define(eq=False)
class ChannelableReconciler:
    """One per channel kind served by a plugin."""

    cls: type[Resource]
    store: Store
    clock: Callable[[], datetime]
    backend_for: Callable[[str, str], Awaitable[ChannelBackend]]
    channel_url: Callable[[str, str], str]
    #: ``set_route(key, ref)``: the ingress publishes the channel's events to its backend
    set_route: Callable[[str, ChannelRef], None]
    #: ``remove_route(key)``: the ingress forgets the channel; returns what it routed to (None: nothing)
    remove_route: Callable[[str], ChannelRef | None]
    kinds: Kinds | None = None

    async def reconcile(self, key: str) -> float | None:
        return await reconcile_status(
            key,
            store=self.store,
            cls=self.cls,
            clock=self.clock,
            conditions=resources.CONDITIONS,
            step=self._step,
            on_missing=self._deleted,
        )

    async def _deleted(self, key: str) -> None:
        ref = self.remove_route(key)
        if ref is not None:
            await (await self.backend_for(ref.api_version, ref.kind)).delete_channel(ref)

    async def _step(self, ch: Any, conditions: Conditions, now: str) -> Outcome:
        changes: dict[str, Any] = {}
        try:
            backend = await self.backend_for(self.cls.KIND.api_version, self.cls.KIND.kind)
        except BackendNotInstalledError as e:
            conditions = resources.mark_not_installed(conditions, str(e), now)
        else:
            ref = resources.channel_ref(ch)
            await backend.ensure_channel(ref)
            self.set_route(ch.key, ref)
            changes["address"] = Addressable(url=self.channel_url(ch.namespace, ch.name))
            conditions = resources.mark_dispatcher_ready(conditions, now)
        delivery = getattr(ch.spec, "delivery", None)
        dls = delivery.dead_letter_sink if delivery is not None else None
        changes["dead_letter_sink_uri"], conditions, _ = await resolve_dead_letter_sink(
            dls, ch.namespace, self.store, self.kinds, resources.CONDITIONS, conditions, now
        )
        return Outcome(conditions, changes)
