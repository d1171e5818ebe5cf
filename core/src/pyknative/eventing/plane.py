"""The eventing plane of a running platform: event ingress, dispatcher, channel backends, and who is subscribed.

It owns its registries: :attr:`EventingPlane.routes` (broker → trigger channel, channel → its backend ref, see
:mod:`pyknative.eventing.routes`) and :attr:`EventingPlane.subscriptions` (see
:mod:`pyknative.eventing.subscriptions`). Reconcilers are handed their narrow methods; the ingress reads the routes
on every request: ``/<namespace>/<broker>`` publishes to the broker's trigger channel, ``/channels/<ns>/<name>`` to
that channel. Channel backends come from channel plugins by kind, cached. Nothing here imports a reconciler.
"""

from __future__ import annotations

import asyncio
from typing import Any

import attrs

from pyknative import plugins as plugin_loader
from pyknative.eventing.channel import ChannelBackend, ChannelRef
from pyknative.eventing.ingress import ChannelTarget
from pyknative.eventing.routes import Routes
from pyknative.eventing.subscriptions import DesiredSubscription, Subscriptions

#: seconds a stopping platform gives non-durable channels to deliver the events they accepted
DRAIN_TIMEOUT = 10.0


@attrs.define(eq=False)
class EventingPlane:
    platform: Any
    routes: Routes = attrs.field(factory=Routes)
    subscriptions: Subscriptions | None = None
    ingress: Any = None
    dispatcher: Any = None
    address: tuple[str, int] | None = None
    _backends: dict[tuple[str, str], ChannelBackend] = attrs.field(factory=dict)

    def __attrs_post_init__(self) -> None:
        self.subscriptions = Subscriptions(self.channel_backend, self.make_handler)

    # ------------------------------------------------------------ addresses

    def broker_url(self, namespace: str, name: str) -> str:
        host, port = self.address
        return f"http://{host}:{port}/{namespace}/{name}"

    def channel_url(self, namespace: str, name: str) -> str:
        host, port = self.address
        return f"http://{host}:{port}/channels/{namespace}/{name}"

    # ------------------------------------------------------------ the ingress's lookups

    def broker_target(self, namespace: str, name: str) -> ChannelTarget | None:
        """Where an event POSTed to a Broker goes: its trigger channel's backend (None: 404)."""
        return self._target(self.routes.broker(f"{namespace}/{name}"))

    def channel_target(self, namespace: str, name: str) -> ChannelTarget | None:
        """Where an event POSTed to a channel goes: the channel's backend (None: 404)."""
        return self._target(self.routes.channel(f"{namespace}/{name}"))

    def _target(self, ref: ChannelRef | None) -> ChannelTarget | None:
        backend = self.cached_backend(ref) if ref is not None else None
        return None if backend is None else ChannelTarget(backend, ref)

    # ------------------------------------------------------------ backends

    async def channel_backend(self, api_version: str, kind: str) -> ChannelBackend:
        key = (api_version, kind)
        if key not in self._backends:
            self._backends[key] = await self.platform.plugins.make(
                "pyknative_make_channel",
                role="channel",
                config_key="default-ch-webhook.default-ch-config",
                value=kind,
                api_version=api_version,
                kind=kind,
                platform=self.platform,
            )
        return self._backends[key]

    def cached_backend(self, ref: ChannelRef) -> ChannelBackend | None:
        """The backend already made for a channel's kind (the ingress path must not await a plugin)."""
        return self._backends.get((ref.api_version, ref.kind))

    def make_handler(self, desired: DesiredSubscription) -> Any:
        """The dispatcher's handler delivering one subscription's events."""
        from pyknative.eventing.dispatcher import DeliveryTarget

        target = DeliveryTarget(
            desired.subscriber_uri,
            reply_uri=desired.reply_uri,
            policy=desired.sub.delivery,
            filter=desired.filter,
            namespace=desired.namespace,
            drop_ttl=desired.drop_ttl,
        )
        return self.dispatcher.handler(target)

    # ------------------------------------------------------------ lifecycle

    async def stop(self, drain_timeout: float = DRAIN_TIMEOUT) -> None:
        """Stop taking events first (no 202 after this), let non-durable channels deliver what they hold (up to
        ``drain_timeout`` seconds), then stop consuming and close the backends."""
        if self.ingress is not None:
            await self.ingress.stop()
        drains = [
            b.drain(drain_timeout) for b in self._backends.values() if callable(getattr(b, "drain", None))
        ]
        if drains:
            await asyncio.gather(*drains)
        if self.subscriptions is not None:
            await self.subscriptions.stop_all()
        for backend in self._backends.values():
            await backend.aclose()
        if self.dispatcher is not None:
            await plugin_loader_maybe_close(self.dispatcher)


async def plugin_loader_maybe_close(obj: Any) -> None:
    close = getattr(obj, "aclose", None) or getattr(obj, "close", None)
    if close is not None:
        result = close()
        if hasattr(result, "__await__"):
            await result


__all__ = ["EventingPlane", "plugin_loader"]
