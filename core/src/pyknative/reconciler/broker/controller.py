"""Wiring of the Broker reconciler: Brokers are primary; every served channel kind maps to its owning Broker; a
ConfigMap maps to every Broker whose ``spec.config`` names it."""

from __future__ import annotations

from collections.abc import Iterable

from pyknative.api.core import ConfigMap
from pyknative.api.eventing import Broker
from pyknative.api.meta import Resource
from pyknative.reconciler.broker.reconciler import BrokerReconciler
from pyknative.reconciler.broker.resources import config_map_ref, trigger_channel_template
from pyknative.reconciler.channelable.controller import served_kinds
from pyknative.reconciler.controller import Controller, owner_keys


def new_controller(platform) -> Controller:
    ev = platform.eventing
    r = BrokerReconciler(
        Broker,
        platform.cache,
        platform.kinds,
        platform.recorder("broker-controller"),
        platform.clock,
        channel_template=lambda broker, cm: trigger_channel_template(broker, platform.config.sections, cm),
        broker_url=ev.broker_url,
        set_route=ev.routes.set_broker,
        remove_route=ev.routes.remove_broker,
    )

    def readers(cm: Resource) -> Iterable[str]:
        brokers = platform.informers.lister(Broker).list()
        return [b.key for b in brokers if config_map_ref(b) == (cm.namespace, cm.name)]

    watches = [(cls, owner_keys("Broker")) for cls in served_kinds(platform)]
    watches.append((ConfigMap, readers))
    return Controller("broker", platform.store, Broker, r.reconcile, watches=watches)
