"""Wiring of the Trigger reconciler: Triggers are primary; a Broker maps to the Triggers that name it."""

from __future__ import annotations

from pyknative.api.eventing import Broker, Trigger
from pyknative.eventing.filter import compile_trigger_filter
from pyknative.reconciler.controller import Controller
from pyknative.reconciler.trigger.reconciler import TriggerReconciler


def new_controller(platform) -> Controller:
    ev = platform.eventing
    r = TriggerReconciler(
        Trigger,
        Broker,
        platform.cache,
        platform.kinds,
        platform.clock,
        broker_channel=ev.routes.broker,
        subscriptions=ev.subscriptions,
        compile_filter=compile_trigger_filter,
    )
    return Controller(
        "trigger", platform.store, Trigger, r.reconcile, watches=[(Broker, r.index.triggers_of)]
    )
