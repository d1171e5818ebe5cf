"""Trigger reconciler: a subscription on the Broker's trigger channel, delivering to the resolved subscriber.

See :mod:`.resources` for what the subscription and the conditions are made of. A Trigger that is not Ready looks
again every :data:`NOT_READY_RECHECK` seconds: its Broker, subscriber or dead-letter sink may appear later (a
Trigger may be created before its Broker).
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
from pyknative.reconciler.destinations import UnresolvableError, resolve, resolve_dead_letter_sink
from pyknative.reconciler.subscribe import sync_subscription
from pyknative.reconciler.trigger import resources
from pyknative.reconciler.trigger.index import TriggerIndex
from pyknative.reconciler.trigger.resources import CONDITIONS
from pyknative.store import Store

NOT_READY_RECHECK = 2.0


@attrs.define(eq=False)
class TriggerReconciler:
    cls: type
    broker_cls: type
    store: Store
    kinds: Kinds
    clock: Callable[[], datetime]
    #: ``broker_channel(broker key)``: the trigger channel the ingress routes the Broker to (None: not Ready)
    broker_channel: Callable[[str], ChannelRef | None]
    subscriptions: Subscriptions
    #: ``compile_filter(spec.filter, spec.filters)``: the predicate the dispatcher applies
    compile_filter: Callable[[Any, Any], Any]
    index: TriggerIndex = attrs.field(factory=TriggerIndex)

    async def reconcile(self, key: str) -> float | None:
        return await reconcile_status(
            key,
            store=self.store,
            cls=self.cls,
            clock=self.clock,
            conditions=CONDITIONS,
            step=self._step,
            on_missing=self._deleted,
        )

    async def _deleted(self, key: str) -> None:
        self.index.forget(key)
        await self.subscriptions.remove(key)

    async def _step(self, trigger: Any, conditions: Conditions, now: str) -> Outcome:
        namespace = trigger.namespace
        conditions = CONDITIONS.mark_true(conditions, "DependencyReady", now)
        broker_name = resources.broker_name(trigger)
        broker_key = f"{namespace}/{broker_name}"
        self.index.set(trigger.key, broker_key)
        try:
            broker = await self.store.get(self.broker_cls, namespace, broker_name)
        except NotFoundError:
            broker = None
        channel = self.broker_channel(broker_key)
        conditions = resources.mark_broker(conditions, broker, broker_name, channel is not None, now)

        changes: dict[str, Any] = {}
        try:
            subscriber_uri = await resolve(trigger.spec.subscriber, namespace, self.store, self.kinds)
            conditions = CONDITIONS.mark_true(conditions, "SubscriberResolved", now)
        except UnresolvableError as e:
            subscriber_uri = None
            reason = "Unable to get the Subscriber's URI"
            conditions = CONDITIONS.mark_false(conditions, "SubscriberResolved", now, reason, str(e))
        changes["subscriber_uri"] = subscriber_uri

        if resources.inherits_dead_letter_sink(trigger, broker):
            dls_uri, conditions, dls_ok = resources.mark_broker_dead_letter_sink(
                conditions, broker, broker_name, now
            )
        else:
            dls_uri, conditions, dls_ok = await resolve_dead_letter_sink(
                resources.own_dead_letter_sink(trigger),
                namespace,
                self.store,
                self.kinds,
                CONDITIONS,
                conditions,
                now,
            )
        changes["dead_letter_sink_uri"] = dls_uri

        desired = None
        if channel is not None and broker is not None and subscriber_uri is not None and dls_ok:
            desired = resources.make_subscription(trigger, broker, channel, subscriber_uri, dls_uri)
            desired = attrs.evolve(desired, filter=self.compile_filter(*desired.filter_spec))
        conditions = await sync_subscription(
            self.subscriptions,
            trigger.key,
            desired,
            conditions=conditions,
            condition_set=CONDITIONS,
            condition="SubscriptionReady",
            now=now,
            waiting=("SubscriptionNotConfigured", "waiting for the broker and the subscriber"),
        )
        return Outcome(conditions, changes, requeue=recheck_unless_ready(conditions, NOT_READY_RECHECK))
