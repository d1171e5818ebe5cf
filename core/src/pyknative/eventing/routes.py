"""Where the event ingress publishes: a Broker's trigger channel, and each channel by its own key.

The data plane owns this table; the control plane fills it through its methods (the Broker reconciler sets a
Broker's route once its trigger channel is Ready, a channel kind's reconciler sets the channel's once its backend
holds it) and the ingress reads it on every request. Keys are ``<namespace>/<name>``.
"""

from __future__ import annotations

import attrs

from pyknative.eventing.channel import ChannelRef


@attrs.define(eq=False)
class Routes:
    _brokers: dict[str, ChannelRef] = attrs.field(factory=dict)
    _channels: dict[str, ChannelRef] = attrs.field(factory=dict)

    def set_broker(self, key: str, channel: ChannelRef) -> None:
        """Events POSTed to Broker ``key`` go to ``channel`` (its trigger channel)."""
        self._brokers[key] = channel

    def remove_broker(self, key: str) -> None:
        self._brokers.pop(key, None)

    def broker(self, key: str) -> ChannelRef | None:
        """The trigger channel of Broker ``key``, while it has a Ready one."""
        return self._brokers.get(key)

    def set_channel(self, key: str, channel: ChannelRef) -> None:
        """Events POSTed to channel ``key`` go to ``channel`` (the backend's view of it)."""
        self._channels[key] = channel

    def remove_channel(self, key: str) -> ChannelRef | None:
        """Forget channel ``key``; returns what it was, so its backend can delete it."""
        return self._channels.pop(key, None)

    def channel(self, key: str) -> ChannelRef | None:
        return self._channels.get(key)
