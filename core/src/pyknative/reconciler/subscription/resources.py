"""Pure builders for a Subscription (messaging.knative.dev/v1): the subscription on its channel, and the
conditions and ``physicalSubscription`` its status reports.

Delivery is the Subscription's DeliverySpec, else the channel's; ``delivery.pyknative.dev/backoff-max`` caps the
backoff. Replies go to ``spec.reply``. Conditions ``ChannelReady``, ``Resolved`` (the first destination that does
not resolve gives its reason, as Knative reports it), ``AddedToChannel``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pyknative.api import conditions as cond
from pyknative.api.duck import BACKOFF_MAX_ANNOTATION, DeliverySpec, delivery_policy
from pyknative.api.messaging import PhysicalSubscription
from pyknative.eventing.channel import ChannelRef, SubscriptionRef
from pyknative.eventing.subscriptions import DesiredSubscription
from pyknative.reconciler.base import Conditions
from pyknative.reconciler.destinations import UnresolvableError

CONDITIONS = cond.ConditionSet("Ready", ("ChannelReady", "Resolved", "AddedToChannel"))


def channel_key(sub: Any) -> str:
    """``namespace/name`` of ``spec.channel`` (its namespace defaults to the Subscription's)."""
    ref = sub.spec.channel
    return f"{ref.namespace or sub.namespace}/{ref.name}"


def delivery(sub: Any, channel: Any | None) -> DeliverySpec | None:
    """The DeliverySpec the Subscription's events are delivered with: its own, else its channel's."""
    if sub.spec.delivery is not None:
        return sub.spec.delivery
    return getattr(getattr(channel, "spec", None), "delivery", None)


def destinations(sub: Any, delivery: DeliverySpec | None) -> list[tuple[str, str, str, Any]]:
    """``(status field, spec path, failure reason, destination)`` of each destination the Subscription sets, in the
    order Knative resolves them."""
    candidates = (
        ("subscriber_uri", "spec.subscriber", "SubscriberResolveFailed", sub.spec.subscriber),
        ("reply_uri", "spec.reply", "ReplyResolveFailed", sub.spec.reply),
        (
            "dead_letter_sink_uri",
            "spec.delivery.deadLetterSink",
            "DeadLetterSinkResolveFailed",
            delivery.dead_letter_sink if delivery is not None else None,
        ),
    )
    return [c for c in candidates if c[3] is not None]


def mark_channel(
    conditions: Conditions, name: str, missing: str | None, routed: bool, now: str
) -> Conditions:
    """``ChannelReady``: False when the channel does not exist (``missing`` says why); True once the ingress routes
    to it (``routed``: its backend holds it); else Unknown."""
    if missing is not None:
        return CONDITIONS.mark_false(conditions, "ChannelReady", now, "ChannelNotFound", missing)
    if routed:
        return CONDITIONS.mark_true(conditions, "ChannelReady", now)
    return CONDITIONS.mark_unknown(
        conditions, "ChannelReady", now, "ChannelNotReady", f"channel {name!r} is not ready"
    )


def mark_resolved(
    conditions: Conditions,
    uris: Mapping[str, str | None],
    failures: Sequence[tuple[str, str, UnresolvableError]],
    now: str,
) -> Conditions:
    """``Resolved`` from the destinations that did not resolve (``(spec path, reason, error)``, in order): False
    with the first one's reason; True once the subscriber resolved and nothing failed."""
    if failures:
        path, reason, error = failures[0]
        message = f"Failed to resolve {path}: {error} ({error.reason})"
        return CONDITIONS.mark_false(conditions, "Resolved", now, reason, message)
    if uris.get("subscriber_uri") is not None:
        return CONDITIONS.mark_true(conditions, "Resolved", now)
    return conditions


def physical_subscription(uris: Mapping[str, str | None]) -> PhysicalSubscription:
    return PhysicalSubscription(
        subscriber_uri=uris.get("subscriber_uri"),
        reply_uri=uris.get("reply_uri"),
        dead_letter_sink_uri=uris.get("dead_letter_sink_uri"),
    )


def make_subscription(
    sub: Any, channel: ChannelRef, uris: Mapping[str, str | None], delivery: DeliverySpec | None
) -> DesiredSubscription:
    """The Subscription's subscription on ``channel`` (ValueError: a malformed DeliverySpec duration)."""
    policy = delivery_policy(
        delivery, uris.get("dead_letter_sink_uri"), sub.metadata.annotation(BACKOFF_MAX_ANNOTATION)
    )
    return DesiredSubscription(
        channel=channel,
        sub=SubscriptionRef(sub.namespace, sub.name, sub.metadata.uid or "", policy),
        subscriber_uri=uris["subscriber_uri"],
        reply_uri=uris.get("reply_uri"),
        namespace=sub.namespace,
        drop_ttl=False,
    )
