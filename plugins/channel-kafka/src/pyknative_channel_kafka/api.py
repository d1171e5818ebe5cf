"""messaging.knative.dev/v1beta1 KafkaChannel: the core's channel duck types (ChannelableSpec/Status) plus the topic.

Field names and shapes follow eventing-kafka-broker's ``control-plane/pkg/apis/messaging/v1beta1`` (the topic
settings) and knative.dev/eventing's duck v1 ``ChannelableSpec``/``ChannelableStatus`` (subscribers, delivery).
Unknown keys survive a ``from_dict``/``to_dict`` round trip in every type's ``extra``.
"""

from __future__ import annotations

from typing import ClassVar

import attrs

from pyknative.api import wire
from pyknative.api.messaging import ChannelableSpec, ChannelableStatus
from pyknative.api.meta import KindInfo, Resource

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
class KafkaChannelSpec(ChannelableSpec):
    """Knative's ChannelableSpec (``subscribers``, ``delivery``) plus the topic settings."""

    #: partitions of the channel's topic (default 1; immutable)
    num_partitions: int | None = wire()
    #: replication factor of the channel's topic (default 1; immutable)
    replication_factor: int | None = wire()
    #: ISO-8601 duration the topic keeps events (``retention.ms``; default PT168H; immutable)
    retention_duration: str | None = wire()


#: a KafkaChannel's status is Knative's ChannelableStatus
KafkaChannelStatus = ChannelableStatus


@attrs.frozen
class KafkaChannel(Resource):
    KIND: ClassVar[KindInfo] = KindInfo(GROUP, VERSION, KIND, "kafkachannels", ("kc",))

    spec: KafkaChannelSpec | None = wire(factory=KafkaChannelSpec)
    status: KafkaChannelStatus | None = wire(factory=KafkaChannelStatus)
