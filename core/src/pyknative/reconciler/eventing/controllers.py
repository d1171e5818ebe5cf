"""Wiring of the eventing reconcilers into controllers.

Brokers own their trigger channel; channel kinds served by channel plugins get one controller each; Triggers and
Subscriptions that are not Ready yet look again every few seconds (their broker, subscriber or channel may appear
later: a Trigger may be created before its Broker).
"""

from __future__ import annotations

from collections.abc import Iterable

from pyknative.api.meta import Resource
from pyknative.reconciler.controller import Controller, owner_keys
from pyknative.reconciler.eventing.broker import BROKER_LABEL, BrokerReconciler
from pyknative.reconciler.eventing.channels import ChannelableReconciler, ChannelReconciler
from pyknative.reconciler.eventing.subscription import SubscriptionReconciler
from pyknative.reconciler.eventing.trigger import TriggerReconciler

NOT_READY_RECHECK = 2.0


def _recheck_until_ready(reconcile, store, cls):
    """Requeue objects that are not Ready yet, so late dependencies are noticed without watching every kind."""

    async def wrapped(key: str) -> float | None:
        again = await reconcile(key)
        try:
            obj = await store.get(cls, *key.split("/", 1))
        except Exception:
            return again
        from pyknative.api import conditions as cond

        return again if cond.is_true(obj.status.conditions, "Ready") else NOT_READY_RECHECK

    return wrapped


def new_controllers(platform) -> list[Controller]:
    from pyknative.api.duck import delivery_policy
    from pyknative.api.eventing import Broker, Trigger
    from pyknative.api.messaging import Channel, PhysicalSubscription, Subscription
    from pyknative.eventing.filter import compile_trigger_filter

    ev = platform.eventing
    store, kinds, clock = platform.store, platform.kinds, platform.clock
    channel_kinds = [reg.cls for reg in kinds if reg.cls.KIND.kind in platform.plugins.provided("channel")]
    controllers: list[Controller] = []

    broker = BrokerReconciler(Broker, store, kinds, platform.recorder("broker-controller"), clock,
                              ev.broker_channel_template, ev.broker_url, ev.brokers)
    controllers.append(Controller("broker", store, Broker, broker.reconcile,
                                  watches=[(cls, owner_keys("Broker")) for cls in channel_kinds]))

    for cls in channel_kinds:
        r = ChannelableReconciler(cls, store, clock, ev.channel_backend, ev.channel_url, ev.channels, kinds)
        controllers.append(Controller(f"channel-{cls.KIND.kind.lower()}", store, cls, r.reconcile))

    generic = ChannelReconciler(Channel, store, kinds, platform.recorder("channel-controller"), clock)
    controllers.append(Controller("channel", store, Channel, generic.reconcile,
                                  watches=[(cls, owner_keys("Channel")) for cls in channel_kinds]))

    trigger = TriggerReconciler(Trigger, Broker, store, kinds, clock, ev.brokers, ev.subscriptions,
                                delivery_policy, compile_trigger_filter, index=ev.trigger_index)
    controllers.append(Controller("trigger", store, Trigger, _recheck_until_ready(trigger.reconcile, store, Trigger),
                                  watches=[(Broker, _triggers_of_broker(ev))]))

    sub = SubscriptionReconciler(Subscription, store, kinds, clock, ev.channels, ev.subscriptions, delivery_policy,
                                 PhysicalSubscription)
    controllers.append(Controller("subscription", store, Subscription,
                                  _recheck_until_ready(sub.reconcile, store, Subscription)))
    return controllers


def _triggers_of_broker(ev):
    def mapper(obj: Resource) -> Iterable[str]:
        return ev.triggers_of(obj.namespace, obj.name)

    return mapper


__all__ = ["BROKER_LABEL", "new_controllers"]
