"""Wiring of the Channel reconciler: Channels are primary; every served channel kind maps to its owning Channel."""

from __future__ import annotations

from pyknative.api.messaging import Channel
from pyknative.reconciler.channel.reconciler import ChannelReconciler
from pyknative.reconciler.channelable.controller import served_kinds
from pyknative.reconciler.controller import Controller, owner_keys


def new_controller(platform) -> Controller:
    r = ChannelReconciler(
        Channel, platform.cache, platform.kinds, platform.recorder("channel-controller"), platform.clock
    )
    watches = [(cls, owner_keys("Channel")) for cls in served_kinds(platform)]
    return Controller("channel", platform.store, Channel, r.reconcile, watches=watches)
