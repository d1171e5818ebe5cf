"""The channel role's contract: what a channel plugin implements and what the core hands it.

A channel backend (InMemoryChannel, KafkaChannel, NatsJetStreamChannel, ...) stores published messages and feeds
each subscription's :class:`SubscriberHandler`. The handler is the core's delivery: it sends to the subscriber
with the subscription's :class:`~pyknative.eventing.delivery_policy.DeliveryPolicy`, forwards replies and
dead-letters. A durable backend acknowledges (commits the offset, acks the JetStream message) only after the
handler has returned a final :class:`Outcome`, so nothing accepted is lost across a crash.

Two ways to drive a handler:

- ``await handler.deliver(message)``: retries in-process with the policy's backoff, dead-letters at the end, and
  returns the final outcome (in-memory and Kafka channels).
- ``await handler.attempt(message, n)``: one try (``n`` counts from 0); returns RETRY with the delay before the next
  try, or a final outcome (dead-lettering on the last one) — for backends whose broker redelivers (JetStream, nak
  with delay), as eventing-natss does. eventing-natss sets ``MaxDeliver = retry + 1``, which loses an unacked event
  on a crash when ``retry`` is 0; the NATS plugin adds a few deliveries that only repeat a try that never finished.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

import attrs

from pyknative.errors import PyknativeError
from pyknative.eventing.delivery_policy import DeliveryPolicy
from pyknative.eventing.message import Message


class Outcome(enum.Enum):
    DELIVERED = "delivered"
    DEAD_LETTERED = "dead-lettered"
    #: retries exhausted and no dead-letter sink: Knative drops the event (logged and counted)
    DROPPED = "dropped"
    #: not final: try again after ``Attempt.delay``
    RETRY = "retry"

    @property
    def final(self) -> bool:
        return self is not Outcome.RETRY


@attrs.frozen
class Attempt:
    outcome: Outcome
    #: seconds before the next try (RETRY only)
    delay: float = 0.0
    #: the subscriber's status code, None when it did not answer
    status: int | None = None
    detail: str = ""


class ChannelError(PyknativeError):
    """Publishing failed; the ingress answers 5xx so the producer retries (nothing was accepted)."""

    status_code = 503
    reason = "ServiceUnavailable"


@attrs.frozen
class ChannelRef:
    namespace: str
    name: str
    uid: str
    api_version: str
    kind: str
    #: the channel kind's own spec as in its manifest (``numPartitions``, ``stream``, ...)
    spec: Mapping[str, Any] = attrs.field(factory=dict)
    #: the channel object's annotations (``messaging.knative.dev/async-handler``, ...)
    annotations: Mapping[str, str] = attrs.field(factory=dict)

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"


@attrs.frozen
class SubscriptionRef:
    namespace: str
    name: str
    uid: str
    delivery: DeliveryPolicy = DeliveryPolicy()
    #: deliver one message at a time in order (Kafka ``delivery.order: ordered``), or concurrently; None: the
    #: channel kind's default (``ChannelBackend.ordered_by_default``), which the core settles before ``subscribe``
    ordered: bool | None = None

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"


@runtime_checkable
class SubscriberHandler(Protocol):
    async def deliver(self, message: Message) -> Outcome:
        """Deliver with every retry, dead-letter at the end; returns a final outcome. Never raises for a
        subscriber's failure; raising means the core could not run at all (the channel must redeliver)."""

    async def attempt(self, message: Message, attempt: int) -> Attempt:
        """One try (``attempt`` from 0); RETRY with a delay, or a final outcome (dead-lettering on the last)."""


@runtime_checkable
class ChannelBackend(Protocol):
    #: whether an accepted message survives a crash of the platform
    durable: bool
    #: optional (False when absent): whether subscriptions that do not say are delivered in order, as Knative's
    #: KafkaChannel delivers every subscription

    async def ensure_channel(self, channel: ChannelRef) -> None:
        """Create what backs the channel (topic, stream) if missing; idempotent."""

    async def delete_channel(self, channel: ChannelRef) -> None:
        """Remove the channel's topic/stream and every consumer on it."""

    async def publish(self, channel: ChannelRef, message: Message) -> None:
        """Return once the channel holds ``message`` (durably, for a durable backend); ChannelError otherwise."""

    async def subscribe(self, channel: ChannelRef, subscription: SubscriptionRef, handler: SubscriberHandler) -> None:
        """Start (or update) feeding ``handler`` every message published after the subscription was created,
        acknowledging each only after the handler's final outcome; idempotent."""

    async def unsubscribe(self, channel: ChannelRef, subscription: SubscriptionRef, *, delete: bool) -> None:
        """Stop feeding the subscription; ``delete=True`` also removes its consumer (the Subscription was deleted),
        ``delete=False`` keeps it so a restart resumes where it stopped."""

    async def aclose(self) -> None:
        """Stop every consumer (keeping them) and release connections.

        A backend that is not durable may also define ``async def drain(timeout: float) -> None``: the platform,
        stopping, calls it after its ingress stopped and before ``aclose``, so the backend can deliver what it
        accepted (returning when nothing is left, or after ``timeout`` seconds)."""
