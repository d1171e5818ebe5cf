"""Eventing's kind registrations: Broker, Trigger, Channel, InMemoryChannel and Subscription with their
defaulting and validation (wired into the core's ``kinds`` plugin by :mod:`pyknative.api.kinds_plugin`)."""

from __future__ import annotations

from pyknative.api import columns as c
from pyknative.api import eventing_defaults as d
from pyknative.api import eventing_validation as v
from pyknative.api.eventing import Broker, Trigger
from pyknative.api.kinds import KindRegistration
from pyknative.api.messaging import Channel, InMemoryChannel, Subscription

#: the ``categories`` of Knative Eventing's CRDs (knative/eventing config/core/resources/*.yaml, and
#: config/channels/in-memory-channel/resources/in-memory-channel.yaml for InMemoryChannel)
EVENTING = ("all", "knative", "eventing")
CHANNEL = ("all", "knative", "messaging", "channel")
MESSAGING = ("all", "knative", "messaging")


def registrations() -> list[KindRegistration]:
    return [
        KindRegistration(
            Broker,
            d.default_broker,
            v.validate_broker,
            addressable=True,
            columns=c.ADDRESSABLE,
            categories=EVENTING,
        ),
        KindRegistration(
            Trigger, d.default_trigger, v.validate_trigger, columns=c.TRIGGER, categories=EVENTING
        ),
        KindRegistration(
            Channel,
            d.default_channel,
            v.validate_channel,
            addressable=True,
            columns=c.ADDRESSABLE,
            categories=CHANNEL,
        ),
        KindRegistration(
            InMemoryChannel,
            d.default_in_memory_channel,
            v.validate_in_memory_channel,
            addressable=True,
            columns=c.ADDRESSABLE,
            categories=CHANNEL,
        ),
        KindRegistration(
            Subscription,
            d.default_subscription,
            v.validate_subscription,
            columns=c.SUBSCRIPTION,
            categories=MESSAGING,
        ),
    ]
