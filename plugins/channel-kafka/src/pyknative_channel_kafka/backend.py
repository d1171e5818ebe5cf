"""The KafkaChannel backend: a :class:`pyknative.eventing.channel.ChannelBackend` on any Kafka-protocol broker.

A channel is the topic ``knative-messaging-kafka.<namespace>.<name>`` (created with the spec's partitions,
replication factor and ``retention.ms``). ``publish`` writes the event in binary content mode with ``acks=all``
and returns only once the broker acknowledged it, so the ingress's 202 means the event is stored. Each
subscription is a :class:`SubscriptionDispatcher` in consumer group ``kafka.<namespace>.<channel>.<uid>``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any, ClassVar

import attrs
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError, KafkaTimeoutError

from pyknative.errors import PermanentError, PyknativeError
from pyknative.eventing.channel import ChannelError, ChannelRef, SubscriberHandler, SubscriptionRef
from pyknative.eventing.delivery_policy import parse_iso8601_duration
from pyknative.eventing.message import Message
from pyknative_channel_kafka.admin import KafkaAdmin
from pyknative_channel_kafka.api import DEFAULT_RETENTION_DURATION
from pyknative_channel_kafka.codec import encode
from pyknative_channel_kafka.config import KafkaConfig
from pyknative_channel_kafka.dispatcher import SubscriptionDispatcher
from pyknative_channel_kafka.naming import consumer_group, topic_name

log = logging.getLogger(__name__)


@attrs.frozen
class TopicSettings:
    partitions: int
    replication_factor: int
    retention_ms: int

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], config: KafkaConfig) -> TopicSettings:
        """From a KafkaChannel spec (``numPartitions``, ``replicationFactor``, ``retentionDuration``)."""
        try:
            partitions = int(spec.get("numPartitions") or config.default_partitions)
            replication = int(spec.get("replicationFactor") or config.default_replication_factor)
            retention = parse_iso8601_duration(str(spec.get("retentionDuration") or DEFAULT_RETENTION_DURATION))
        except (TypeError, ValueError) as e:
            raise PermanentError(f"invalid KafkaChannel spec: {e}") from e
        if partitions <= 0 or replication <= 0 or retention <= 0:
            raise PermanentError(
                f"invalid KafkaChannel spec: numPartitions {partitions}, replicationFactor {replication} and "
                f"retentionDuration {retention:g}s must all be > 0"
            )
        return cls(partitions, replication, int(retention * 1000))


@attrs.define(eq=False)
class _Running:
    subscription: SubscriptionRef
    handler: SubscriberHandler
    dispatcher: SubscriptionDispatcher


@attrs.define(eq=False)
class KafkaChannelBackend:
    durable: ClassVar[bool] = True
    #: Knative's KafkaChannel delivers every subscription in order (``DefaultDeliveryOrder = Ordered``)
    ordered_by_default: ClassVar[bool] = True

    config: KafkaConfig = attrs.field(factory=KafkaConfig)
    _admin: KafkaAdmin = attrs.field(init=False)
    _producer: AIOKafkaProducer | None = None
    _producer_lock: asyncio.Lock = attrs.field(factory=asyncio.Lock)
    _control_lock: asyncio.Lock = attrs.field(factory=asyncio.Lock)
    _running: dict[tuple[str, str], _Running] = attrs.field(factory=dict)
    #: topics known to exist: publishing checks once, since the producer's metadata request would auto-create one
    _topics: set[str] = attrs.field(factory=set)

    def __attrs_post_init__(self) -> None:
        self._admin = KafkaAdmin(self.config.bootstrap_servers)

    @property
    def admin(self) -> KafkaAdmin:
        return self._admin

    @staticmethod
    def topic(channel: ChannelRef) -> str:
        return topic_name(channel.namespace, channel.name)

    @staticmethod
    def group(channel: ChannelRef, subscription: SubscriptionRef) -> str:
        return consumer_group(channel.namespace, channel.name, subscription.uid)

    # ------------------------------------------------------------------------------------------- channels

    async def ensure_channel(self, channel: ChannelRef) -> None:
        settings = TopicSettings.from_spec(channel.spec, self.config)
        created = await self._admin.create_topic(
            self.topic(channel), settings.partitions, settings.replication_factor, settings.retention_ms
        )
        self._topics.add(self.topic(channel))
        if created:
            log.info("created topic %s for KafkaChannel %s (%s)", self.topic(channel), channel.key, settings)

    async def delete_channel(self, channel: ChannelRef) -> None:
        async with self._control_lock:
            for key in [k for k in self._running if k[0] == channel.key]:
                running = self._running.pop(key)
                await running.dispatcher.stop()
                await self._admin.delete_group(running.dispatcher.group)
        self._topics.discard(self.topic(channel))
        await self._admin.delete_topic(self.topic(channel))

    async def publish(self, channel: ChannelRef, message: Message) -> None:
        record = encode(message)
        topic = self.topic(channel)
        if topic not in self._topics:
            try:
                found = await self._admin.exists(topic)
            except PyknativeError as e:
                raise ChannelError(f"publishing to topic {topic!r} failed: {e}") from e
            if not found:
                raise ChannelError(f"channel {channel.key} has no topic {topic!r} (it was not created or was deleted)")
            self._topics.add(topic)
        try:
            producer = await self._started_producer()
            # The producer's request timeout bounds both the wait for metadata and for the acknowledgement.
            sent = await producer.send(topic, value=record.value, key=record.key, headers=record.headers)
            await sent
        except KafkaTimeoutError as e:
            raise ChannelError(
                f"publishing to topic {topic!r} timed out after {self.config.delivery_timeout_ms} ms (delivery.timeout.ms)"
            ) from e
        except (KafkaError, OSError) as e:
            raise ChannelError(f"publishing to topic {topic!r} failed: {type(e).__name__}: {e}") from e

    # ------------------------------------------------------------------------------------------- subscriptions

    async def subscribe(self, channel: ChannelRef, subscription: SubscriptionRef, handler: SubscriberHandler) -> None:
        key = (channel.key, subscription.uid)
        async with self._control_lock:
            running = self._running.get(key)
            if running is not None:
                if running.subscription == subscription and running.handler is handler:
                    return
                del self._running[key]
                await running.dispatcher.stop()
            topic = self.topic(channel)
            dispatcher = SubscriptionDispatcher(
                topic=topic,
                group=self.group(channel, subscription),
                handler=handler,
                ordered=subscription.ordered,
                config=self.config,
                name=f"{subscription.key} on {channel.key}",
            )
            await dispatcher.start(await self._admin.partitions(topic))
            self._running[key] = _Running(subscription, handler, dispatcher)

    async def unsubscribe(self, channel: ChannelRef, subscription: SubscriptionRef, *, delete: bool) -> None:
        async with self._control_lock:
            running = self._running.pop((channel.key, subscription.uid), None)
            if running is not None:
                await running.dispatcher.stop()
            if delete:
                await self._admin.delete_group(self.group(channel, subscription))

    async def aclose(self) -> None:
        async with self._control_lock:
            running, self._running = list(self._running.values()), {}
            for r in running:
                await r.dispatcher.stop()
        async with self._producer_lock:
            producer, self._producer = self._producer, None
        if producer is not None:
            await producer.stop()
        await self._admin.close()

    # ------------------------------------------------------------------------------------------- internals

    async def _started_producer(self) -> AIOKafkaProducer:
        if self._producer is not None:
            return self._producer
        async with self._producer_lock:
            if self._producer is None:
                producer = AIOKafkaProducer(
                    bootstrap_servers=self.config.bootstrap_servers,
                    client_id="pyknative-kafka-channel",
                    acks="all",
                    request_timeout_ms=self.config.delivery_timeout_ms,
                )
                try:
                    await producer.start()
                except (KafkaError, OSError) as e:
                    await producer.stop()
                    raise ChannelError(f"starting a producer for {self.config.bootstrap_servers} failed: {type(e).__name__}: {e}") from e
                self._producer = producer
        return self._producer

