"""Pure builders for a Trigger: the subscription on its Broker's trigger channel, and the conditions its status
takes from the Broker.

Delivery is the Trigger's DeliverySpec, else the Broker's; with no dead-letter sink of its own (even with its own
delivery) a Trigger uses the Broker's resolved one, as Knative does. The Kafka broker's annotation
``kafka.eventing.knative.dev/delivery.order`` picks ordered or unordered delivery (else the trigger channel kind's
default); ``delivery.pyknative.dev/backoff-max`` on the Trigger, else its Broker, caps the backoff. Replies go back
into the Broker. Conditions: ``BrokerReady``, ``SubscriberResolved``, ``DeadLetterSinkResolved``,
``SubscriptionReady``, ``DependencyReady``.
"""

from __future__ import annotations

from typing import Any

from pyknative.api import conditions as cond
from pyknative.api._serde import to_dict
from pyknative.api.duck import BACKOFF_MAX_ANNOTATION, DeliverySpec, delivery_policy
from pyknative.api.eventing import DELIVERY_ORDER_ANNOTATION
from pyknative.eventing.channel import ChannelRef, SubscriptionRef
from pyknative.eventing.subscriptions import DesiredSubscription
from pyknative.reconciler.base import Conditions

CONDITIONS = cond.ConditionSet(
    "Ready",
    ("BrokerReady", "SubscriberResolved", "DeadLetterSinkResolved", "SubscriptionReady", "DependencyReady"),
)


def broker_name(trigger: Any) -> str:
    """``spec.broker``, else ``spec.brokerRef.name``."""
    spec = trigger.spec
    return spec.broker or (spec.broker_ref.name if spec.broker_ref is not None else "")


def mark_broker(conditions: Conditions, broker: Any | None, name: str, routed: bool, now: str) -> Conditions:
    """``BrokerReady``: False while the Broker does not exist; True once it is Ready and the ingress routes to its
    trigger channel (``routed``); else Unknown with the Broker's reason."""
    if broker is None:
        return CONDITIONS.mark_false(
            conditions, "BrokerReady", now, "BrokerDoesNotExist", f"Broker {name!r} does not exist"
        )
    if routed and cond.is_true(broker.status.conditions, "Ready"):
        return CONDITIONS.mark_true(conditions, "BrokerReady", now)
    ready = cond.get(broker.status.conditions, "Ready")
    reason = (ready.reason if ready else None) or "BrokerNotReady"
    message = (ready.message if ready else None) or f"Broker {name!r} is not ready"
    return CONDITIONS.mark_unknown(conditions, "BrokerReady", now, reason, message)


def delivery(trigger: Any, broker: Any | None) -> DeliverySpec | None:
    """The DeliverySpec the Trigger's events are delivered with: its own, else its Broker's."""
    if trigger.spec.delivery is not None:
        return trigger.spec.delivery
    return broker.spec.delivery if broker is not None else None


def own_dead_letter_sink(trigger: Any) -> Any | None:
    return trigger.spec.delivery.dead_letter_sink if trigger.spec.delivery is not None else None


def inherits_dead_letter_sink(trigger: Any, broker: Any | None) -> bool:
    """Whether the Trigger dead-letters to its Broker's sink: it has none of its own and the Broker has one."""
    broker_dls = (
        broker.spec.delivery.dead_letter_sink if broker is not None and broker.spec.delivery else None
    )
    return broker_dls is not None and own_dead_letter_sink(trigger) is None


def mark_broker_dead_letter_sink(
    conditions: Conditions, broker: Any, name: str, now: str
) -> tuple[str | None, Conditions, bool]:
    """``(uri, conditions, resolved)`` for a Trigger using its Broker's dead-letter sink, as the Broker resolved it."""
    uri = broker.status.dead_letter_sink_uri
    if uri:
        return uri, CONDITIONS.mark_true(conditions, "DeadLetterSinkResolved", now), True
    message = f"the dead letter sink of Broker {name!r} is not resolved yet"
    conditions = CONDITIONS.mark_unknown(
        conditions, "DeadLetterSinkResolved", now, "BrokerDeadLetterSinkNotResolved", message
    )
    return uri, conditions, False


def ordered(trigger: Any) -> bool | None:
    """The ``delivery.order`` annotation: True, False, or None for the trigger channel kind's default."""
    order = (trigger.metadata.annotation(DELIVERY_ORDER_ANNOTATION) or "").lower()
    return {"ordered": True, "unordered": False}.get(order)


def make_subscription(
    trigger: Any, broker: Any, channel: ChannelRef, subscriber_uri: str, dead_letter_uri: str | None
) -> DesiredSubscription:
    """The Trigger's subscription on its Broker's trigger channel, its filter as written (not compiled).

    ValueError when a DeliverySpec duration or the backoff-max annotation is malformed.
    """
    backoff_max = trigger.metadata.annotation(BACKOFF_MAX_ANNOTATION) or broker.metadata.annotation(
        BACKOFF_MAX_ANNOTATION
    )
    policy = delivery_policy(delivery(trigger, broker), dead_letter_uri, backoff_max)
    spec = trigger.spec
    return DesiredSubscription(
        channel=channel,
        sub=SubscriptionRef(
            trigger.namespace, trigger.name, trigger.metadata.uid or "", policy, ordered=ordered(trigger)
        ),
        subscriber_uri=subscriber_uri,
        reply_uri=broker.status.address.url if broker.status.address else None,
        namespace=trigger.namespace,
        drop_ttl=True,
        filter_spec=(
            to_dict(spec.filter) if spec.filter is not None else None,
            [to_dict(f) for f in spec.filters] if spec.filters else None,
        ),
    )
