"""Trigger reconciler: a subscription on its Broker's trigger channel that filters and delivers to the subscriber.

The subscription's delivery is the Trigger's DeliverySpec if it has one, else the Broker's, wholesale (as the MT
broker does); the dead-letter sink is the Trigger's, else the Broker's (resolved in the Broker's status), even
when the Trigger brings a delivery of its own. Replies go back to the Broker's ingress. A Trigger may be
created before its Broker and becomes Ready when the Broker does. Conditions: ``BrokerReady``,
``SubscriberResolved``, ``DeadLetterSinkResolved``, ``SubscriptionReady``, ``DependencyReady``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import attrs

from pyknative.api import conditions as cond
from pyknative.api._serde import to_dict
from pyknative.api.kinds import Kinds
from pyknative.errors import BackendNotInstalledError, NotFoundError
from pyknative.eventing.channel import ChannelRef, SubscriptionRef
from pyknative.reconciler.children import update_status_if_changed
from pyknative.reconciler.eventing.resolver import UnresolvableError, resolve, resolve_dead_letter_sink
from pyknative.reconciler.eventing.subscriptions import Subscriptions
from pyknative.store import Store
from pyknative.timeutil import rfc3339

CONDITIONS = cond.ConditionSet(
    "Ready", ("BrokerReady", "SubscriberResolved", "DeadLetterSinkResolved", "SubscriptionReady", "DependencyReady")
)
ORDER_ANNOTATION = "kafka.eventing.knative.dev/delivery.order"
BACKOFF_MAX_ANNOTATION = "delivery.pyknative.dev/backoff-max"


@attrs.define(eq=False)
class TriggerReconciler:
    cls: type
    broker_cls: type
    store: Store
    kinds: Kinds
    clock: Callable[[], datetime]
    brokers: dict[str, ChannelRef]
    subscriptions: Subscriptions
    delivery_policy: Callable[..., Any]
    compile_filter: Callable[[Any, Any], Any]
    #: trigger key → broker key, so Broker changes reach their Triggers
    index: dict[str, str] = attrs.field(factory=dict)

    async def reconcile(self, key: str) -> float | None:
        namespace, name = key.split("/", 1)
        try:
            trigger = await self.store.get(self.cls, namespace, name)
        except NotFoundError:
            self.index.pop(key, None)
            await self.subscriptions.remove(key)
            return None
        now = rfc3339(self.clock())
        status = trigger.status
        conditions = CONDITIONS.initialize(status.conditions, now)
        conditions = CONDITIONS.mark_true(conditions, "DependencyReady", now)
        changes: dict[str, Any] = {}
        spec = trigger.spec
        broker_name = spec.broker or (spec.broker_ref.name if spec.broker_ref is not None else "")
        self.index[key] = f"{namespace}/{broker_name}"

        broker = None
        try:
            broker = await self.store.get(self.broker_cls, namespace, broker_name)
        except NotFoundError:
            conditions = CONDITIONS.mark_false(conditions, "BrokerReady", now, "BrokerDoesNotExist", f"Broker {broker_name!r} does not exist")
        channel = self.brokers.get(f"{namespace}/{broker_name}")
        if broker is not None:
            if channel is not None and cond.is_true(broker.status.conditions, "Ready"):
                conditions = CONDITIONS.mark_true(conditions, "BrokerReady", now)
            else:
                ready = cond.get(broker.status.conditions, "Ready")
                conditions = CONDITIONS.mark_unknown(conditions, "BrokerReady", now, (ready.reason if ready else None) or "BrokerNotReady", (ready.message if ready else None) or f"Broker {broker_name!r} is not ready")

        subscriber_uri = None
        try:
            subscriber_uri = await resolve(spec.subscriber, namespace, self.store, self.kinds)
            conditions = CONDITIONS.mark_true(conditions, "SubscriberResolved", now)
            changes["subscriber_uri"] = subscriber_uri
        except UnresolvableError as e:
            conditions = CONDITIONS.mark_false(conditions, "SubscriberResolved", now, "Unable to get the Subscriber's URI", str(e))
            changes["subscriber_uri"] = None

        delivery = spec.delivery if spec.delivery is not None else (broker.spec.delivery if broker is not None else None)
        dls = spec.delivery.dead_letter_sink if spec.delivery is not None else None
        broker_dls = broker.spec.delivery.dead_letter_sink if broker is not None and broker.spec.delivery else None
        if broker_dls is not None and dls is None:
            # Knative's fallback: no dead-letter sink on the Trigger (even with its own delivery) -> the Broker's.
            dls_uri = broker.status.dead_letter_sink_uri
            dls_ok = bool(dls_uri)
            if dls_ok:
                conditions = CONDITIONS.mark_true(conditions, "DeadLetterSinkResolved", now)
            else:
                conditions = CONDITIONS.mark_unknown(conditions, "DeadLetterSinkResolved", now, "BrokerDeadLetterSinkNotResolved", f"the dead letter sink of Broker {broker_name!r} is not resolved yet")
        else:
            dls_uri, conditions, dls_ok = await resolve_dead_letter_sink(dls, namespace, self.store, self.kinds, CONDITIONS, conditions, now)
        changes["dead_letter_sink_uri"] = dls_uri

        if channel is not None and broker is not None and subscriber_uri is not None and dls_ok:
            backoff_max = trigger.metadata.annotation(BACKOFF_MAX_ANNOTATION) or broker.metadata.annotation(BACKOFF_MAX_ANNOTATION)
            policy = self.delivery_policy(delivery, dls_uri, backoff_max)
            order = (trigger.metadata.annotation(ORDER_ANNOTATION) or "").lower()
            ordered = {"ordered": True, "unordered": False}.get(order)  # else the trigger channel kind's default
            sub = SubscriptionRef(namespace, name, trigger.metadata.uid or "", policy, ordered=ordered)
            flt = spec.filter
            filters = spec.filters
            target = {
                "subscriber_uri": subscriber_uri,
                "reply_uri": broker.status.address.url if broker.status.address else None,
                "namespace": namespace,
                "drop_ttl": True,
            }
            flt_spec = to_dict(flt) if flt is not None else None
            filters_spec = [to_dict(f) for f in filters] if filters else None
            fingerprint = (tuple(sorted(target.items())), repr((flt_spec, filters_spec)))
            target["filter"] = self.compile_filter(flt_spec, filters_spec)
            try:
                await self.subscriptions.ensure(key, channel, sub, target, fingerprint)
                conditions = CONDITIONS.mark_true(conditions, "SubscriptionReady", now)
            except BackendNotInstalledError as e:
                conditions = CONDITIONS.mark_false(conditions, "SubscriptionReady", now, "ChannelNotInstalled", str(e))
        else:
            await self.subscriptions.remove(key)
            conditions = CONDITIONS.mark_unknown(conditions, "SubscriptionReady", now, "SubscriptionNotConfigured", "waiting for the broker and the subscriber")

        new = attrs.evolve(status, conditions=conditions, observed_generation=trigger.metadata.generation, **changes)
        await update_status_if_changed(self.store, trigger, attrs.evolve(trigger, status=new))
        return None
