"""Helpers for the durable-channel end-to-end tests: one :class:`DurableKind` per channel plugin (its operator config
and raw-client checks of what backs a channel), and a producer that POSTs events until each is accepted.

The raw checks use the servers' own clients (aiokafka's admin client, nats-py's JetStream manager), never the
plugins' code, so they see what is really on the server.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable

import aiohttp
import attrs
from pyknative_channel_kafka import consumer_group, topic_name
from pyknative_channel_nats import consumer_name, stream_name


@attrs.frozen
class DurableKind:
    """A durable channel kind and the server it runs on."""

    #: the pip extra (and entry-point name) of its plugin
    extra: str
    api_version: str
    kind: str
    #: ``host:port`` (Kafka bootstrap servers) or ``nats://host:port``
    server: str

    def ops_yaml(self, *, sections: str = "") -> str:
        """An operator config whose channel-based Brokers and generic Channels use this kind."""
        template = f"apiVersion: {self.api_version}\n    kind: {self.kind}\n"
        if self.extra == "kafka":
            # tansu holds every empty fetch for the whole fetch.max.wait.ms (see config-kafka): keep it short
            own = f"config-kafka:\n  bootstrap.servers: {self.server}\n  fetch.max.wait.ms: '10'\n"
        else:
            own = f"config-nats:\n  url: {self.server}\n  fetch-max-wait: 50ms\n"
        return (
            f"config-br-default-channel:\n  channel-template-spec: |\n    {template}"
            f"default-ch-webhook:\n  default-ch-config: |\n    clusterDefault:\n"
            f"      apiVersion: {self.api_version}\n      kind: {self.kind}\n"
            + own
            + sections
        )

    async def backing_exists(self, namespace: str, channel: str) -> bool:
        """Whether the channel's topic (Kafka) or stream (JetStream) is on the server."""
        if self.extra == "kafka":
            return topic_name(namespace, channel) in await self._kafka(lambda a: a.list_topics())
        return await self._nats(lambda js: js.stream_info(stream_name(namespace, channel)))

    async def consumer_exists(self, namespace: str, channel: str, subscription_uid: str) -> bool:
        """Whether a subscription's consumer group (Kafka) or durable consumer (JetStream) is on the server."""
        if self.extra == "kafka":
            groups = await self._kafka(lambda a: a.list_consumer_groups())
            return consumer_group(namespace, channel, subscription_uid) in {g[0] for g in groups}
        return await self._nats(
            lambda js: js.consumer_info(stream_name(namespace, channel), consumer_name(subscription_uid))
        )

    async def _kafka(self, call: Callable):
        from aiokafka.admin import AIOKafkaAdminClient

        admin = AIOKafkaAdminClient(bootstrap_servers=self.server)
        await admin.start()
        try:
            return await call(admin)
        finally:
            await admin.close()

    async def _nats(self, call: Callable) -> bool:
        import nats
        from nats.js.errors import NotFoundError

        nc = await nats.connect(self.server)
        try:
            await call(nc.jsm())
            return True
        except NotFoundError:
            return False
        finally:
            await nc.close()


def event_headers(event_id: str, type: str = "com.example.durable") -> dict[str, str]:
    return {"ce-specversion": "1.0", "ce-id": event_id, "ce-source": "/e2e/durable", "ce-type": type,
            "Content-Type": "application/json"}


@attrs.define(eq=False)
class Producer:
    """POSTs events to a Broker's address with ``concurrency`` keep-alive connections; an event that is not
    answered 202 (the platform is down, the connection broke, a 5xx) is sent again until it is, as a producer
    does. ``accepted`` holds the ids answered 202, in the order of the answers."""

    url: str
    concurrency: int = 32
    retry_pause: float = 0.05
    accepted: list[str] = attrs.field(factory=list)
    refused: int = 0

    async def send(self, ids: Iterable[str], *, deadline: float) -> None:
        queue: asyncio.Queue[str] = asyncio.Queue()
        for event_id in ids:
            queue.put_nowait(event_id)
        timeout = aiohttp.ClientTimeout(total=10)
        connector = aiohttp.TCPConnector(limit=self.concurrency, force_close=False)
        async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:

            async def worker() -> None:
                while time.monotonic() < deadline:
                    try:
                        event_id = queue.get_nowait()
                    except asyncio.QueueEmpty:
                        return
                    try:
                        async with session.post(self.url, data=b'{"n": 1}', headers=event_headers(event_id)) as r:
                            await r.read()
                            ok = r.status == 202
                    except (TimeoutError, aiohttp.ClientError, OSError):
                        ok = False
                    if ok:
                        self.accepted.append(event_id)
                    else:
                        self.refused += 1
                        queue.put_nowait(event_id)
                        await asyncio.sleep(self.retry_pause)

            await asyncio.gather(*(worker() for _ in range(self.concurrency)))
        if not queue.empty():
            raise AssertionError(f"{queue.qsize()} events were still not accepted at the deadline")
