"""messaging.knative.dev/v1beta1 KafkaChannel and the eventing duck types its spec and status embed.

Field names and shapes follow eventing-kafka-broker's ``control-plane/pkg/apis/messaging/v1beta1`` (the topic
settings) and knative.dev/eventing's duck v1 ``ChannelableSpec``/``ChannelableStatus`` (subscribers, delivery).
Unknown keys survive a ``from_dict``/``to_dict`` round trip in every type's ``extra``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import attrs

from pyknative.api import extra_field, wire
from pyknative.api.meta import Addressable, KindInfo, Resource
from pyknative.api.serving import Status

GROUP = "messaging.knative.dev"
VERSION = "v1beta1"
API_VERSION = f"{GROUP}/{VERSION}"
KIND = "KafkaChannel"
#: the Subscribable duck version the channel speaks (set by defaulting, as Knative's webhook does)
SUBSCRIBABLE_DUCK_VERSION_ANNOTATION = f"{GROUP}/subscribable"

DEFAULT_NUM_PARTITIONS = 1
DEFAULT_REPLICATION_FACTOR = 1
DEFAULT_RETENTION_DURATION = "PT168H"


@attrs.frozen
class KReference:
    api_version: str | None = wire()
    kind: str | None = wire()
    name: str | None = wire()
    namespace: str | None = wire()
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class Destination:
    ref: KReference | None = wire()
    uri: str | None = wire()
    ca_certs: str | None = wire("CACerts")
    audience: str | None = wire()
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class DeliverySpec:
    dead_letter_sink: Destination | None = wire()
    retry: int | None = wire()
    backoff_policy: str | None = wire()
    backoff_delay: str | None = wire()
    timeout: str | None = wire()
    retry_after_max: str | None = wire()
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class SubscriberSpec:
    """One subscriber as the Subscription controller writes it into ``spec.subscribers``."""

    uid: str | None = wire()
    generation: int | None = wire()
    subscriber_uri: str | None = wire("subscriberUri")
    subscriber_ca_certs: str | None = wire("subscriberCACerts")
    subscriber_audience: str | None = wire()
    reply_uri: str | None = wire("replyUri")
    reply_ca_certs: str | None = wire("replyCACerts")
    reply_audience: str | None = wire()
    delivery: DeliverySpec | None = wire()
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class KafkaChannelSpec:
    #: partitions of the channel's topic (default 1; immutable)
    num_partitions: int | None = wire()
    #: replication factor of the channel's topic (default 1; immutable)
    replication_factor: int | None = wire()
    #: ISO-8601 duration the topic keeps events (``retention.ms``; default PT168H; immutable)
    retention_duration: str | None = wire()
    subscribers: tuple[SubscriberSpec, ...] | None = wire()
    delivery: DeliverySpec | None = wire()
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class SubscriberStatus:
    uid: str | None = wire()
    observed_generation: int | None = wire()
    ready: str | None = wire()
    message: str | None = wire()
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class KafkaChannelStatus(Status):
    address: Addressable | None = wire()
    addresses: tuple[Addressable, ...] | None = wire()
    subscribers: tuple[SubscriberStatus, ...] | None = wire()
    dead_letter_sink_uri: str | None = wire("deadLetterSinkUri")
    dead_letter_sink_ca_certs: str | None = wire("deadLetterSinkCACerts")


@attrs.frozen
class KafkaChannel(Resource):
    KIND: ClassVar[KindInfo] = KindInfo(GROUP, VERSION, KIND, "kafkachannels", ("kc",))

    spec: KafkaChannelSpec | None = wire(factory=KafkaChannelSpec)
    status: KafkaChannelStatus | None = wire(factory=KafkaChannelStatus)
