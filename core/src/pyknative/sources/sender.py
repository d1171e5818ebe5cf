"""Sending a source's events to its sink through the platform's delivery, counted per source.

:class:`EventSender` is what an in-process adapter is handed: ``await sender.send(message)`` sets every
``ceOverrides`` extension on the event (overriding what the adapter set, as Knative's adapter client does), then
delivers it with the core's dispatcher (:mod:`pyknative.eventing.dispatcher`) under the sender's
:class:`~pyknative.eventing.delivery_policy.DeliveryPolicy`: retries with backoff on what Knative retries
(no answer, 5xx, 404, 408, 409, 429), the per-attempt timeout, then the dead-letter sink when the policy has one.
It returns the final :class:`~pyknative.eventing.channel.Outcome` and counts it in :class:`SourceCounters`, which
``GET /metrics`` publishes. :func:`new_event` builds a CloudEvent with a fresh UUID ``id``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime

import attrs

from pyknative.eventing.channel import Outcome
from pyknative.eventing.delivery_policy import DeliveryPolicy
from pyknative.eventing.message import Message
from pyknative.roles.source import AdapterEnvironment

#: Knative's adapters' send retries (mtping, apiserver, redis): 5 retries, exponential backoff from 50 ms
ADAPTER_POLICY = DeliveryPolicy(retry=5, backoff_policy="exponential", backoff_delay=0.05, timeout=30.0)


def new_event(
    type: str,
    source: str,
    data: bytes = b"",
    *,
    content_type: str | None = None,
    time: datetime | None = None,
    id: str | None = None,
    **attributes: str,
) -> Message:
    """A CloudEvent (spec version 1.0) with a UUID ``id`` unless given and ``time`` in RFC 3339 when given."""
    attrs_: dict[str, str] = {
        "specversion": "1.0",
        "id": id or str(uuid.uuid4()),
        "source": source,
        "type": type,
    }
    if content_type:
        attrs_["datacontenttype"] = content_type
    if time is not None:
        attrs_["time"] = _rfc3339(time)
    attrs_.update({k: v for k, v in attributes.items() if v is not None})
    return Message(attrs_, data)


def _rfc3339(t: datetime) -> str:
    t = t.astimezone(UTC)
    if t.microsecond:
        return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


@attrs.frozen
class SourceId:
    """Which source a count belongs to: ``resource_group`` is ``<plural>.<group>`` (``pingsources.sources.knative.dev``),
    as Knative's adapters tag their metrics."""

    resource_group: str
    namespace: str
    name: str


@attrs.define(eq=False)
class SourceCounters:
    """Events each source sent: delivered, dead-lettered, failed (dropped after the last retry)."""

    _counts: dict[SourceId, dict[Outcome, int]] = attrs.field(factory=dict)

    def count(self, source: SourceId, outcome: Outcome) -> None:
        per = self._counts.setdefault(source, {})
        per[outcome] = per.get(outcome, 0) + 1

    def get(self, source: SourceId, outcome: Outcome) -> int:
        return self._counts.get(source, {}).get(outcome, 0)

    def forget(self, source: SourceId) -> None:
        self._counts.pop(source, None)

    def items(self) -> Iterator[tuple[SourceId, Mapping[Outcome, int]]]:
        return iter(list(self._counts.items()))


@attrs.define(eq=False)
class EventSender:
    """Delivers one source's events to its sink (see the module docstring)."""

    env: AdapterEnvironment
    #: the dispatcher's handler for the sink (``Dispatcher.handler(DeliveryTarget(env.sink, policy=...))``)
    handler: object
    source: SourceId
    counters: SourceCounters | None = None

    async def send(self, message: Message) -> Outcome:
        """Deliver ``message`` with the overrides set; the final outcome (never raises for a failed delivery)."""
        if self.env.ce_overrides:
            message = message.with_attributes(**dict(self.env.ce_overrides))
        outcome = await self.handler.deliver(message)  # type: ignore[attr-defined]
        if self.counters is not None:
            self.counters.count(self.source, outcome)
        return outcome
