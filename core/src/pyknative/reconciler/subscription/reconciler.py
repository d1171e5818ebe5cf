"""Subscription reconciler (messaging.knative.dev/v1): subscribes a subscriber (and reply) to a channel.

``spec.channel`` may name a generic Channel (its backing channel of the same name is what the data plane routes)
or a channel kind directly. See :mod:`.resources` for the subscription and the status. A Subscription that is not
Ready looks again every :data:`NOT_READY_RECHECK` seconds: its channel or subscriber may appear later.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import attrs

from pyknative.api.kinds import Kinds
from pyknative.errors import NotFoundError
from pyknative.eventing.channel import ChannelRef
from pyknative.eventing.subscriptions import Subscriptions
from pyknative.reconciler.base import Conditions, Outcome, recheck_unless_ready, reconcile_status
from pyknative.reconciler.destinations import UnresolvableError, resolve
from pyknative.reconciler.subscribe import sync_subscription
from pyknative.reconciler.subscription import resources
from pyknative.reconciler.subscription.resources import CONDITIONS
from pyknative.store import Store

NOT_READY_RECHECK = 2.0


@attrs.define(eq=False)
class SubscriptionReconciler:
    cls: type
    store: Store
    kinds: Kinds
    clock: Callable[[], datetime]
    #: ``channel_route(channel key)``: the channel as the data plane routes it (None: its backend does not hold it)
    channel_route: Callable[[str], ChannelRef | None]
    subscriptions: Subscriptions

    async def reconcile(self, key: str) -> float | None:
        return await reconcile_status(
            key,
            store=self.store,
            cls=self.cls,
            clock=self.clock,
            conditions=CONDITIONS,
            step=self._step,
            on_missing=self.subscriptions.remove,
        )

    async def _step(self, sub: Any, conditions: Conditions, now: str) -> Outcome:
        namespace = sub.namespace
        ch_ref = sub.spec.channel
        channel = self.channel_route(resources.channel_key(sub))
        channel_obj = missing = None
        try:
            reg = self.kinds.get(ch_ref.api_version or "", ch_ref.kind or "")
            channel_obj = await self.store.get(reg.cls, ch_ref.namespace or namespace, ch_ref.name or "")
        except NotFoundError as e:
            missing = str(e)
        conditions = resources.mark_channel(conditions, ch_ref.name, missing, channel is not None, now)

        delivery = resources.delivery(sub, channel_obj)
        uris: dict[str, str | None] = {
            "subscriber_uri": None,
            "reply_uri": None,
            "dead_letter_sink_uri": None,
        }
        failures = []
        for field, path, reason, dest in resources.destinations(sub, delivery):
            try:
                uris[field] = await resolve(dest, namespace, self.store, self.kinds)
            except UnresolvableError as e:
                failures.append((path, reason, e))
        conditions = resources.mark_resolved(conditions, uris, failures, now)

        ready = channel is not None and not failures and uris["subscriber_uri"]
        conditions = await sync_subscription(
            self.subscriptions,
            sub.key,
            resources.make_subscription(sub, channel, uris, delivery) if ready else None,
            conditions=conditions,
            condition_set=CONDITIONS,
            condition="AddedToChannel",
            now=now,
            waiting=("NotSubscribed", "waiting for the channel and the subscriber"),
        )
        changes = {"physical_subscription": resources.physical_subscription(uris)}
        return Outcome(conditions, changes, requeue=recheck_unless_ready(conditions, NOT_READY_RECHECK))
