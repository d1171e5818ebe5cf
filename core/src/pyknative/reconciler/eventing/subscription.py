"""Subscription reconciler (messaging.knative.dev/v1): subscribes a subscriber (and reply) to a channel.

``spec.channel`` may name a generic Channel (its backing channel of the same name is used) or a channel kind
directly. Delivery is the Subscription's DeliverySpec, else the channel's; a Subscription on a KafkaChannel is
delivered in order, as Knative's KafkaChannel does. Status ``physicalSubscription`` carries
the resolved URIs; conditions ``ChannelReady``, ``Resolved``, ``AddedToChannel``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import attrs

from pyknative.api import conditions as cond
from pyknative.api.kinds import Kinds
from pyknative.errors import BackendNotInstalledError, NotFoundError
from pyknative.eventing.channel import ChannelRef, SubscriptionRef
from pyknative.reconciler.children import update_status_if_changed
from pyknative.reconciler.eventing.resolver import UnresolvableError, resolve
from pyknative.reconciler.eventing.subscriptions import Subscriptions
from pyknative.reconciler.eventing.trigger import BACKOFF_MAX_ANNOTATION
from pyknative.store import Store
from pyknative.timeutil import rfc3339

CONDITIONS = cond.ConditionSet("Ready", ("ChannelReady", "Resolved", "AddedToChannel"))


@attrs.define(eq=False)
class SubscriptionReconciler:
    cls: type
    store: Store
    kinds: Kinds
    clock: Callable[[], datetime]
    channels: dict[str, ChannelRef]
    subscriptions: Subscriptions
    delivery_policy: Callable[..., Any]
    physical_subscription: Callable[..., Any]

    async def reconcile(self, key: str) -> float | None:
        namespace, name = key.split("/", 1)
        try:
            sub = await self.store.get(self.cls, namespace, name)
        except NotFoundError:
            await self.subscriptions.remove(key)
            return None
        now = rfc3339(self.clock())
        status = sub.status
        conditions = CONDITIONS.initialize(status.conditions, now)
        spec = sub.spec
        ch_ref = spec.channel
        channel_obj = None
        channel = self.channels.get(f"{ch_ref.namespace or namespace}/{ch_ref.name}") if ch_ref is not None else None
        try:
            reg = self.kinds.get(ch_ref.api_version or "", ch_ref.kind or "")
            channel_obj = await self.store.get(reg.cls, ch_ref.namespace or namespace, ch_ref.name or "")
        except NotFoundError as e:
            conditions = CONDITIONS.mark_false(conditions, "ChannelReady", now, "ChannelNotFound", str(e))
        if channel_obj is not None:
            if channel is not None:
                conditions = CONDITIONS.mark_true(conditions, "ChannelReady", now)
            else:
                conditions = CONDITIONS.mark_unknown(conditions, "ChannelReady", now, "ChannelNotReady", f"channel {ch_ref.name!r} is not ready")

        uris: dict[str, str | None] = {"subscriber_uri": None, "reply_uri": None, "dead_letter_sink_uri": None}
        resolved = True
        delivery = spec.delivery if spec.delivery is not None else getattr(getattr(channel_obj, "spec", None), "delivery", None)
        for field, path, reason, dest in (
            ("subscriber_uri", "spec.subscriber", "SubscriberResolveFailed", spec.subscriber),
            ("reply_uri", "spec.reply", "ReplyResolveFailed", spec.reply),
            ("dead_letter_sink_uri", "spec.delivery.deadLetterSink", "DeadLetterSinkResolveFailed",
             delivery.dead_letter_sink if delivery is not None else None),
        ):
            if dest is None:
                continue
            try:
                uris[field] = await resolve(dest, namespace, self.store, self.kinds)
            except UnresolvableError as e:
                if resolved:  # the first failure is the condition's, as Knative reports it
                    conditions = CONDITIONS.mark_false(conditions, "Resolved", now, reason, f"Failed to resolve {path}: {e} ({e.reason})")
                resolved = False
        if resolved and uris["subscriber_uri"] is not None:
            conditions = CONDITIONS.mark_true(conditions, "Resolved", now)

        if channel is not None and resolved and uris["subscriber_uri"]:
            policy = self.delivery_policy(delivery, uris["dead_letter_sink_uri"], sub.metadata.annotation(BACKOFF_MAX_ANNOTATION))
            ref = SubscriptionRef(namespace, name, sub.metadata.uid or "", policy)
            target = {"subscriber_uri": uris["subscriber_uri"], "reply_uri": uris["reply_uri"], "namespace": namespace,
                      "drop_ttl": False, "filter": None}
            try:
                await self.subscriptions.ensure(key, channel, ref, target, tuple(sorted((k, v) for k, v in target.items() if k != "filter")))
                conditions = CONDITIONS.mark_true(conditions, "AddedToChannel", now)
            except BackendNotInstalledError as e:
                conditions = CONDITIONS.mark_false(conditions, "AddedToChannel", now, "ChannelNotInstalled", str(e))
        else:
            await self.subscriptions.remove(key)
            conditions = CONDITIONS.mark_unknown(conditions, "AddedToChannel", now, "NotSubscribed", "waiting for the channel and the subscriber")

        new = attrs.evolve(status, conditions=conditions, observed_generation=sub.metadata.generation,
                           physical_subscription=self.physical_subscription(**uris))
        await update_status_if_changed(self.store, sub, attrs.evolve(sub, status=new))
        return None
