"""A channel's spec and a subscription's delivery turned into JetStream stream and consumer configs.

Stream: eventing-natss' ``buildStreamConfig`` — the publish subject plus ``additionalSubjects``; limits retention,
old discard and **file** storage unless the spec says otherwise; zero limits mean the server's (unlimited).

Consumer: eventing-natss' ``buildPullConsumerConfig`` — a durable pull consumer named after the subscription,
explicit acks, ``MaxDeliver = retry + 1`` (plus ``config-nats: extra-deliveries`` so a try cut short by a crash
is repeated, not lost), ``AckWait = timeout + 500 ms`` when the delivery has a timeout (else
the template's ``ackWait``, else JetStream's 30 s), the template's filter subject, replay policy, sample frequency
and ``maxAckPending``. Two pyknative choices: the deliver policy defaults to **New** (a new subscription gets
what is published after it, which is the channel contract; eventing-natss defaults to All), and an ordered
subscription gets ``MaxAckPending = 1`` so JetStream hands out one message at a time, redeliveries included.
"""

from __future__ import annotations

import attrs
from nats.js import api

from pyknative.api import from_dict
from pyknative.config import parse_duration
from pyknative.eventing.channel import ChannelRef, SubscriptionRef
from pyknative_channel_nats import model as m
from pyknative_channel_nats.admission import parse_rfc3339
from pyknative_channel_nats.names import consumer_name, publish_subject, stream_name
from pyknative_channel_nats.settings import NatsSettings

#: added to the delivery timeout for AckWait, as eventing-natss does
ACK_WAIT_JITTER = 0.5

_RETENTION = {"Limits": api.RetentionPolicy.LIMITS, "Interest": api.RetentionPolicy.INTEREST, "Work": api.RetentionPolicy.WORK_QUEUE}
_DISCARD = {"Old": api.DiscardPolicy.OLD, "New": api.DiscardPolicy.NEW}
_STORAGE = {"File": api.StorageType.FILE, "Memory": api.StorageType.MEMORY}
_DELIVER = {
    "All": api.DeliverPolicy.ALL,
    "Last": api.DeliverPolicy.LAST,
    "New": api.DeliverPolicy.NEW,
    "ByStartSequence": api.DeliverPolicy.BY_START_SEQUENCE,
    "ByStartTime": api.DeliverPolicy.BY_START_TIME,
}
_REPLAY = {"Instant": api.ReplayPolicy.INSTANT, "Original": api.ReplayPolicy.ORIGINAL}


@attrs.frozen
class ChannelPlan:
    """What one channel is on JetStream: its stream and subject, and its parsed spec."""

    stream: str
    subject: str
    spec: m.NatsJetStreamChannelSpec

    @classmethod
    def of(cls, channel: ChannelRef) -> ChannelPlan:
        spec = m.NatsJetStreamChannelSpec() if not channel.spec else _load_spec(channel)
        override = (spec.stream or m.Stream()).override_name
        return cls(stream_name(channel.namespace, channel.name, override), publish_subject(channel.namespace, channel.name), spec)

    @property
    def template(self) -> m.ConsumerConfigTemplate:
        return self.spec.consumer_config_template or m.ConsumerConfigTemplate()

    def stream_config(self) -> api.StreamConfig:
        c = (self.spec.stream or m.Stream()).config or m.StreamConfig()
        return api.StreamConfig(
            name=self.stream,
            subjects=[self.subject, *(c.additional_subjects or ())],
            retention=_RETENTION[c.retention or "Limits"],
            max_consumers=_limit(c.max_consumers),
            max_msgs=_limit(c.max_msgs),
            max_bytes=_limit(c.max_bytes),
            discard=_DISCARD[c.discard or "Old"],
            max_age=parse_duration(c.max_age) if c.max_age else 0,
            max_msg_size=_limit(c.max_msg_size),
            storage=_STORAGE[c.storage or "File"],
            num_replicas=c.replicas or 1,
            no_ack=bool(c.no_ack),
            duplicate_window=parse_duration(c.duplicate_window) if c.duplicate_window else 0,
            placement=api.Placement(cluster=c.placement.cluster, tags=list(c.placement.tags or ())) if c.placement else None,
            sources=[_source(s) for s in c.sources] if c.sources else None,
        )

    def ack_wait(self, subscription: SubscriptionRef) -> float | None:
        """Seconds JetStream waits for an ack before redelivering; None leaves the server's default (30 s)."""
        if subscription.delivery.timeout:
            return subscription.delivery.timeout + ACK_WAIT_JITTER
        if self.template.ack_wait and parse_duration(self.template.ack_wait) > 0:
            return parse_duration(self.template.ack_wait)
        return None

    def consumer_config(self, subscription: SubscriptionRef, extra_deliveries: int = 0) -> api.ConsumerConfig:
        t = self.template
        name = consumer_name(subscription.uid)
        return api.ConsumerConfig(
            name=name,
            durable_name=name,
            deliver_policy=_DELIVER[t.deliver_policy or "New"],
            opt_start_seq=t.opt_start_seq if t.deliver_policy == "ByStartSequence" else None,
            opt_start_time=parse_rfc3339(t.opt_start_time) if t.deliver_policy == "ByStartTime" and t.opt_start_time else None,
            ack_policy=api.AckPolicy.EXPLICIT,
            ack_wait=self.ack_wait(subscription),
            max_deliver=subscription.delivery.retry + 1 + extra_deliveries,
            filter_subject=t.filter_subject or None,
            replay_policy=_REPLAY[t.replay_policy or "Instant"],
            sample_freq=t.sample_frequency or None,
            max_ack_pending=1 if subscription.ordered else (t.max_ack_pending or None),
        )

    def fetch_batch_size(self, settings: NatsSettings) -> int:
        return self.template.fetch_batch_size or settings.fetch_batch_size

    def fetch_max_wait(self, settings: NatsSettings) -> float:
        wait = self.template.fetch_max_wait
        if isinstance(wait, int) and wait > 0:
            return wait / 1000
        if isinstance(wait, str) and parse_duration(wait) > 0:
            return parse_duration(wait)
        return settings.fetch_max_wait


def _load_spec(channel: ChannelRef) -> m.NatsJetStreamChannelSpec:
    return from_dict(m.NatsJetStreamChannelSpec, channel.spec, "spec")


def _limit(value: int | None) -> int:
    """eventing-natss sends 0 for an unset limit, which the server reads as unlimited (-1)."""
    return value if value else -1


def _source(s: m.StreamSource) -> api.StreamSource:
    return api.StreamSource(
        name=s.name or "",
        opt_start_seq=s.opt_start_seq or None,
        opt_start_time=parse_rfc3339(s.opt_start_time) if s.opt_start_time else None,
        filter_subject=s.filter_subject or None,
    )
