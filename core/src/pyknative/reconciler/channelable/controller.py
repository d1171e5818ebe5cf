"""Wiring of the channel-kind reconcilers: one controller per kind a channel plugin serves, each kind primary."""

from __future__ import annotations

from pyknative.api.meta import Resource
from pyknative.reconciler.channelable.reconciler import ChannelableReconciler
from pyknative.reconciler.controller import Controller


def served_kinds(platform) -> list[type[Resource]]:
    """The registered channel kinds an installed channel plugin serves (InMemoryChannel, KafkaChannel, ...)."""
    return [reg.cls for reg in platform.kinds if reg.cls.KIND.kind in platform.plugins.provided("channel")]


def new_controllers(platform) -> list[Controller]:
    ev = platform.eventing
    controllers = []
    for cls in served_kinds(platform):
        r = ChannelableReconciler(
            cls,
            platform.cache,
            platform.clock,
            ev.channel_backend,
            ev.channel_url,
            set_route=ev.routes.set_channel,
            remove_route=ev.routes.remove_channel,
            kinds=platform.kinds,
        )
        controllers.append(Controller(f"channel-{cls.KIND.kind.lower()}", platform.store, cls, r.reconcile))
    return controllers
