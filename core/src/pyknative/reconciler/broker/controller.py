"""Wiring of the Broker reconciler: Brokers are primary; every served channel kind maps to its owning Broker."""

from __future__ import annotations

from pyknative.api.eventing import Broker
from pyknative.reconciler.broker.reconciler import BrokerReconciler
from pyknative.reconciler.broker.resources import trigger_channel_template
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
        channel_template=lambda broker: trigger_channel_template(broker, platform.config.sections),
        broker_url=ev.broker_url,
        set_route=ev.routes.set_broker,
        remove_route=ev.routes.remove_broker,
    )
    watches = [(cls, owner_keys("Broker")) for cls in served_kinds(platform)]
    return Controller("broker", platform.store, Broker, r.reconcile, watches=watches)
