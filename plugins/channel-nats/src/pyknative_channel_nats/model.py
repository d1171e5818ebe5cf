"""``NatsJetStreamChannel`` (``messaging.knative.dev/v1alpha1``): the model, field for field as eventing-natss has it.

The spec is the core's ChannelableSpec (``subscribers``, ``delivery``) plus ``stream`` ({``overrideName``, ``config``}) and ``consumerConfigTemplate``,
both from knative-extensions/eventing-natss ``pkg/apis/messaging/v1alpha1``. Durations (``maxAge``,
``duplicateWindow``, ``ackWait``) are Go durations as ``metav1.Duration`` writes them (``"1h0m0s"``). Unknown keys
survive a round trip, as with every pyknative model. ``deploymentSpecTemplate`` (the dispatcher Deployment's
scheduling) is kept but has no effect: there is no dispatcher Deployment here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import attrs

from pyknative.api import extra_field, wire
from pyknative.api.messaging import ChannelableSpec, ChannelableStatus
from pyknative.api.meta import KindInfo, Resource

GROUP = "messaging.knative.dev"
VERSION = "v1alpha1"
KIND = "NatsJetStreamChannel"
API_VERSION = f"{GROUP}/{VERSION}"

#: eventing-natss' enumerations, as they are spelled on the wire
RETENTION_POLICIES = ("Limits", "Interest", "Work")
DISCARD_POLICIES = ("Old", "New")
STORAGE_TYPES = ("File", "Memory")
DELIVER_POLICIES = ("All", "Last", "New", "ByStartSequence", "ByStartTime")
REPLAY_POLICIES = ("Instant", "Original")
CONSUMER_TYPES = ("Push", "Pull")

#: JetStream's hard limit on one message; ``maxMsgSize`` must stay below it
MAX_MSG_SIZE_LIMIT = 1 << 20


@attrs.frozen
class StreamPlacement:
    cluster: str | None = wire()
    tags: tuple[str, ...] | None = wire()
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class StreamSource:
    name: str | None = wire()
    opt_start_seq: int | None = wire()
    #: RFC 3339 time
    opt_start_time: str | None = wire()
    filter_subject: str | None = wire()
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class StreamConfig:
    additional_subjects: tuple[str, ...] | None = wire()
    retention: str | None = wire()
    max_consumers: int | None = wire()
    max_msgs: int | None = wire()
    max_bytes: int | None = wire()
    discard: str | None = wire()
    max_age: str | None = wire()
    max_msg_size: int | None = wire()
    storage: str | None = wire()
    replicas: int | None = wire()
    no_ack: bool | None = wire()
    duplicate_window: str | None = wire()
    placement: StreamPlacement | None = wire()
    mirror: StreamSource | None = wire()
    sources: tuple[StreamSource, ...] | None = wire()
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class Stream:
    override_name: str | None = wire()
    config: StreamConfig | None = wire()
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class ConsumerConfigTemplate:
    deliver_policy: str | None = wire()
    opt_start_seq: int | None = wire()
    #: RFC 3339 time
    opt_start_time: str | None = wire()
    ack_wait: str | None = wire()
    #: accepted and ignored, as eventing-natss does: MaxDeliver comes from the subscription's ``retry``
    max_deliver: int | None = wire()
    filter_subject: str | None = wire()
    replay_policy: str | None = wire()
    rate_limit_bps: int | None = wire("rateLimitBPS")
    sample_frequency: str | None = wire()
    max_ack_pending: int | None = wire()
    #: ``Push`` or ``Pull``; pyknative always pulls (the delivery is the same)
    consumer_type: str | None = wire()
    #: how long one fetch waits for messages: a Go duration, or an integer of milliseconds
    fetch_max_wait: int | str | None = wire()
    fetch_batch_size: int | None = wire()
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class NatsJetStreamChannelSpec(ChannelableSpec):
    """Knative's ChannelableSpec (``subscribers``, ``delivery``) plus the stream and consumer settings."""

    stream: Stream | None = wire()
    consumer_config_template: ConsumerConfigTemplate | None = wire()
    deployment_spec_template: Mapping[str, Any] | None = wire()


#: the channel's status is Knative's ChannelableStatus
NatsJetStreamChannelStatus = ChannelableStatus


@attrs.frozen
class NatsJetStreamChannel(Resource):
    KIND: ClassVar[KindInfo] = KindInfo(GROUP, VERSION, KIND, "natsjetstreamchannels", ("natsjsmc",))

    spec: NatsJetStreamChannelSpec | None = wire(factory=NatsJetStreamChannelSpec)
    status: NatsJetStreamChannelStatus | None = wire(factory=NatsJetStreamChannelStatus)
