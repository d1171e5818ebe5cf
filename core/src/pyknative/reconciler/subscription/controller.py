"""Wiring of the Subscription reconciler: Subscriptions are primary (not-Ready ones look again on their own)."""

from __future__ import annotations

from pyknative.api.messaging import Subscription
from pyknative.reconciler.controller import Controller
from pyknative.reconciler.subscription.reconciler import SubscriptionReconciler


def new_controller(platform) -> Controller:
    ev = platform.eventing
    r = SubscriptionReconciler(
        Subscription,
        platform.cache,
        platform.kinds,
        platform.clock,
        channel_route=ev.routes.channel,
        subscriptions=ev.subscriptions,
    )
    return Controller("subscription", platform.store, Subscription, r.reconcile)
