"""The one entry point building every eventing controller from the platform.

Brokers own their trigger channel; channel kinds served by channel plugins get one controller each; the generic
Channel owns a backing channel; Triggers and Subscriptions subscribe through the data plane. The platform's event
plane (``platform.eventing``, see :mod:`pyknative.eventing.plane`) must exist first: reconcilers are handed its
routes and subscriptions.
"""

from __future__ import annotations

from pyknative.reconciler.broker import controller as broker
from pyknative.reconciler.channel import controller as channel
from pyknative.reconciler.channelable import controller as channelable
from pyknative.reconciler.controller import Controller
from pyknative.reconciler.subscription import controller as subscription
from pyknative.reconciler.trigger import controller as trigger


def new_controllers(platform) -> list[Controller]:
    return [
        broker.new_controller(platform),
        *channelable.new_controllers(platform),
        channel.new_controller(platform),
        trigger.new_controller(platform),
        subscription.new_controller(platform),
    ]


__all__ = ["new_controllers"]
