"""The eventing plane of a running platform: event ingress, dispatcher, channel backends, and who is subscribed.

Reconcilers fill the registries (broker → trigger channel, channel → its backend ref) and the ingress reads them
on every request: ``/<namespace>/<broker>`` publishes to the broker's trigger channel, ``/channels/<ns>/<name>`` to
that channel. Channel backends come from channel plugins by kind, cached.
"""

from __future__ import annotations

import asyncio
from typing import Any

import attrs
import yaml

from pyknative import plugins as plugin_loader
from pyknative.eventing.channel import ChannelBackend, ChannelRef
from pyknative.reconciler.eventing.subscriptions import Subscriptions

DEFAULT_CHANNEL_TEMPLATE = ("messaging.knative.dev/v1", "InMemoryChannel", {})
#: seconds a stopping platform gives non-durable channels to deliver the events they accepted
DRAIN_TIMEOUT = 10.0


@attrs.define(eq=False)
class EventingPlane:
    platform: Any
    brokers: dict[str, ChannelRef] = attrs.field(factory=dict)
    channels: dict[str, ChannelRef] = attrs.field(factory=dict)
    trigger_index: dict[str, str] = attrs.field(factory=dict)
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

    def triggers_of(self, namespace: str, broker: str) -> list[str]:
        want = f"{namespace}/{broker}"
        return sorted(k for k, b in self.trigger_index.items() if b == want)

    # ------------------------------------------------------------ backends

    async def channel_backend(self, api_version: str, kind: str) -> ChannelBackend:
        key = (api_version, kind)
        if key not in self._backends:
            self._backends[key] = await self.platform.plugins.make(
                "pyknative_make_channel", role="channel", config_key="default-ch-webhook.default-ch-config",
                value=kind, api_version=api_version, kind=kind, platform=self.platform,
            )
        return self._backends[key]

    def broker_channel_template(self, broker) -> tuple[str, str, dict]:
        """The trigger channel's (apiVersion, kind, spec) from the Broker's ``spec.config`` ConfigMap section."""
        ref = broker.spec.config
        section = (ref.name if ref is not None and ref.name else None) or "config-br-default-channel"
        if ref is not None and ref.kind and ref.kind != "ConfigMap":
            raise ValueError(f"spec.config: a {ref.kind} is not supported, only a ConfigMap section of the operator config")
        values = self.platform.config.sections.get(section)
        if values is None:
            raise ValueError(f"spec.config: no operator-config section {section!r}")
        raw = values.get("channel-template-spec") or ""
        if not raw.strip():
            return DEFAULT_CHANNEL_TEMPLATE
        tpl = yaml.safe_load(raw) if isinstance(raw, str) else raw
        if not isinstance(tpl, dict) or not tpl.get("kind") or not tpl.get("apiVersion"):
            raise ValueError(f"{section}.channel-template-spec: needs apiVersion and kind")
        return tpl["apiVersion"], tpl["kind"], dict(tpl.get("spec") or {})

    def cached_backend(self, ref: ChannelRef) -> ChannelBackend | None:
        """The backend already made for a channel's kind (the ingress path must not await a plugin)."""
        return self._backends.get((ref.api_version, ref.kind))

    def make_handler(self, **target: Any) -> Any:
        from pyknative.eventing.dispatcher import DeliveryTarget

        return self.dispatcher.handler(DeliveryTarget(**target))

    # ------------------------------------------------------------ lifecycle

    async def stop(self, drain_timeout: float = DRAIN_TIMEOUT) -> None:
        """Stop taking events first (no 202 after this), let non-durable channels deliver what they hold (up to
        ``drain_timeout`` seconds), then stop consuming and close the backends."""
        if self.ingress is not None:
            await self.ingress.stop()
        drains = [b.drain(drain_timeout) for b in self._backends.values() if callable(getattr(b, "drain", None))]
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
