"""Eventing's reconcilers against the real SQLite store, with the data plane's real registries and a recording
channel backend: what they create, what they route and subscribe, what status they report."""

from __future__ import annotations

from datetime import UTC, datetime

import attrs
import pytest

from pyknative.api import conditions as cond
from pyknative.api.core import ConfigMap
from pyknative.api.eventing import Broker, Trigger
from pyknative.api.kinds import Kinds
from pyknative.api.kinds_plugin import registrations
from pyknative.api.messaging import Channel, InMemoryChannel, Subscription
from pyknative.api.meta import Addressable, Condition
from pyknative.errors import BackendNotInstalledError
from pyknative.eventing.routes import Routes
from pyknative.eventing.subscriptions import Subscriptions
from pyknative.reconciler.broker.reconciler import BrokerReconciler
from pyknative.reconciler.broker.resources import trigger_channel_template
from pyknative.reconciler.channel.reconciler import ChannelReconciler
from pyknative.reconciler.channelable.reconciler import ChannelableReconciler
from pyknative.reconciler.events import EventRecorder
from pyknative.reconciler.subscription.reconciler import SubscriptionReconciler
from pyknative.reconciler.trigger.reconciler import NOT_READY_RECHECK, TriggerReconciler
from pyknative.store.sqlite import SQLiteStore

KINDS = Kinds(registrations())
SECTIONS = {"config-br-default-channel": {"channel-template-spec": ""}}
SUBSCRIBER = {"uri": "http://subscriber"}


def clock() -> datetime:
    return datetime(2026, 11, 24, 12, 0, 0, tzinfo=UTC)


@attrs.define(eq=False)
class FakeBackend:
    calls: list[tuple] = attrs.field(factory=list)

    async def ensure_channel(self, ref):
        self.calls.append(("ensure", ref.key))

    async def delete_channel(self, ref):
        self.calls.append(("delete", ref.key))

    async def subscribe(self, channel, sub, handler):
        self.calls.append(("subscribe", channel.key, sub.key, handler.subscriber_uri, handler.filter))

    async def unsubscribe(self, channel, sub, *, delete):
        self.calls.append(("unsubscribe", channel.key, sub.key, delete))


@attrs.define(eq=False)
class Plane:
    """The data plane's registries, with one backend for every channel kind (or none installed)."""

    backend: FakeBackend = attrs.field(factory=FakeBackend)
    routes: Routes = attrs.field(factory=Routes)
    installed: bool = True
    subscriptions: Subscriptions = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self.subscriptions = Subscriptions(self.backend_for, lambda desired: desired)

    async def backend_for(self, api_version: str, kind: str) -> FakeBackend:
        if not self.installed:
            raise BackendNotInstalledError("default-ch-webhook.default-ch-config", kind, "pyknative[channel]")
        return self.backend


@pytest.fixture
async def store():
    s = SQLiteStore(":memory:", KINDS, clock=clock)
    yield s
    await s.close()


@pytest.fixture
def plane() -> Plane:
    return Plane()


def _broker_reconciler(store, plane):
    return BrokerReconciler(
        Broker,
        store,
        KINDS,
        EventRecorder(store, "test", clock),
        clock,
        channel_template=lambda b, cm: trigger_channel_template(b, SECTIONS, cm),
        broker_url=lambda ns, name: f"http://ingress/{ns}/{name}",
        set_route=plane.routes.set_broker,
        remove_route=plane.routes.remove_broker,
    )


def _channelable(store, plane):
    return ChannelableReconciler(
        InMemoryChannel,
        store,
        clock,
        plane.backend_for,
        lambda ns, name: f"http://ingress/channels/{ns}/{name}",
        set_route=plane.routes.set_channel,
        remove_route=plane.routes.remove_channel,
        kinds=KINDS,
    )


def _trigger_reconciler(store, plane):
    return TriggerReconciler(
        Trigger,
        Broker,
        store,
        KINDS,
        clock,
        broker_channel=plane.routes.broker,
        subscriptions=plane.subscriptions,
        compile_filter=lambda flt, flts: ("compiled", flt, flts),
    )


def _conditions(obj) -> dict[str, tuple[str, str | None]]:
    return {c.type: (c.status, c.reason) for c in obj.status.conditions}


async def _mark_ready(store, cls, namespace, name, **status):
    obj = await store.get(cls, namespace, name)
    conds = (Condition(type="Ready", status="True"),)
    await store.update_status(attrs.evolve(obj, status=attrs.evolve(obj.status, conditions=conds, **status)))


BROKER = {
    "metadata": {
        "name": "default",
        "namespace": "ns",
        "annotations": {"eventing.knative.dev/broker.class": "MTChannelBasedBroker"},
    }
}


# ---------------------------------------------------------------------------------------------- Broker


async def test_broker_routes_to_its_trigger_channel_once_that_is_ready(store, plane):
    b = await store.create(Broker.from_dict(BROKER))
    r = _broker_reconciler(store, plane)
    await r.reconcile("ns/default")
    ch = await store.get(InMemoryChannel, "ns", "default-kne-trigger")
    assert ch.is_controlled_by(b)
    status = (await store.get(Broker, "ns", "default")).status
    assert _conditions(await store.get(Broker, "ns", "default"))["TriggerChannelReady"] == (
        "Unknown",
        "ChannelNotReady",
    )
    assert status.address.url == "http://ingress/ns/default"
    assert plane.routes.broker("ns/default") is None

    await _mark_ready(store, InMemoryChannel, "ns", "default-kne-trigger")
    await r.reconcile("ns/default")
    assert cond.is_true((await store.get(Broker, "ns", "default")).status.conditions, "Ready")
    assert plane.routes.broker("ns/default").name == "default-kne-trigger"

    await store.delete(Broker, "ns", "default")
    await r.reconcile("ns/default")
    assert plane.routes.broker("ns/default") is None


async def test_broker_of_another_class_is_not_served(store, plane):
    doc = {"metadata": {**BROKER["metadata"], "annotations": {"eventing.knative.dev/broker.class": "Kafka"}}}
    await store.create(Broker.from_dict(doc))
    await _broker_reconciler(store, plane).reconcile("ns/default")
    broker = await store.get(Broker, "ns", "default")
    assert _conditions(broker)["TriggerChannelReady"] == ("False", "BrokerClassNotSupported")
    assert broker.status.address is None
    assert await store.list(InMemoryChannel, "ns") == []


async def test_broker_with_a_bad_config_stops_routing(store, plane):
    await store.create(
        Broker.from_dict({**BROKER, "spec": {"config": {"kind": "ConfigMap", "name": "nowhere"}}})
    )
    plane.routes.set_broker("ns/default", object())
    await _broker_reconciler(store, plane).reconcile("ns/default")
    broker = await store.get(Broker, "ns", "default")
    assert _conditions(broker)["TriggerChannelReady"] == ("False", "ChannelTemplateFailed")
    assert plane.routes.broker("ns/default") is None


async def test_broker_config_naming_a_config_map_works_once_the_config_map_exists(store, plane):
    """As Knative's docs: ``spec.config`` names a ConfigMap holding ``channel-template-spec``; the ConfigMap may come
    after the Broker (the controller watches ConfigMaps), and it wins over an operator-config section of its name."""
    config = {"apiVersion": "v1", "kind": "ConfigMap", "name": "config-br-default-channel", "namespace": "ns"}
    await store.create(Broker.from_dict({**BROKER, "spec": {"config": {**config, "name": "my-channel"}}}))
    r = _broker_reconciler(store, plane)
    await r.reconcile("ns/default")
    failed = cond.get((await store.get(Broker, "ns", "default")).status.conditions, "TriggerChannelReady")
    assert (failed.status, failed.reason) == ("False", "ChannelTemplateFailed")
    assert 'configmap "my-channel" not found' in failed.message

    template = "apiVersion: messaging.knative.dev/v1\nkind: Channel\nspec:\n  channelTemplate:\n    kind: X\n"
    await store.create(ConfigMap.from_dict(
        {"metadata": {"name": "my-channel", "namespace": "ns"}, "data": {"channel-template-spec": template}}
    ))
    await r.reconcile("ns/default")
    ch = await store.get(Channel, "ns", "default-kne-trigger")
    assert ch.spec.channel_template.kind == "X"


# ---------------------------------------------------------------------------------------------- channel kinds


async def test_channel_kind_is_backed_routed_addressed_and_deleted(store, plane):
    await store.create(InMemoryChannel.from_dict({"metadata": {"name": "imc", "namespace": "ns"}}))
    r = _channelable(store, plane)
    await r.reconcile("ns/imc")
    imc = await store.get(InMemoryChannel, "ns", "imc")
    assert cond.is_true(imc.status.conditions, "Ready")
    assert imc.status.address.url == "http://ingress/channels/ns/imc"
    assert plane.routes.channel("ns/imc").name == "imc"
    await store.delete(InMemoryChannel, "ns", "imc")
    await r.reconcile("ns/imc")
    assert plane.backend.calls == [("ensure", "ns/imc"), ("delete", "ns/imc")]
    assert plane.routes.channel("ns/imc") is None


async def test_channel_kind_nobody_serves(store, plane):
    plane.installed = False
    await store.create(InMemoryChannel.from_dict({"metadata": {"name": "imc", "namespace": "ns"}}))
    await _channelable(store, plane).reconcile("ns/imc")
    imc = await store.get(InMemoryChannel, "ns", "imc")
    assert _conditions(imc)["DispatcherReady"] == ("False", "ChannelNotInstalled")
    assert plane.routes.channel("ns/imc") is None


# ---------------------------------------------------------------------------------------------- Channel


CHANNEL = {
    "metadata": {"name": "ch", "namespace": "ns"},
    "spec": {"channelTemplate": {"apiVersion": "messaging.knative.dev/v1", "kind": "InMemoryChannel"}},
}


async def test_channel_owns_its_backing_channel_and_reports_its_address(store):
    ch = await store.create(Channel.from_dict(CHANNEL))
    r = ChannelReconciler(Channel, store, KINDS, EventRecorder(store, "test", clock), clock)
    await r.reconcile("ns/ch")
    backing = await store.get(InMemoryChannel, "ns", "ch")
    assert backing.is_controlled_by(ch)
    assert _conditions(await store.get(Channel, "ns", "ch"))["BackingChannelReady"][0] == "Unknown"
    await _mark_ready(store, InMemoryChannel, "ns", "ch", address=Addressable(url="http://imc"))
    await r.reconcile("ns/ch")
    status = (await store.get(Channel, "ns", "ch")).status
    assert cond.is_true(status.conditions, "Ready") and status.address.url == "http://imc"


async def test_channel_whose_backing_name_is_taken(store):
    await store.create(InMemoryChannel.from_dict({"metadata": {"name": "ch", "namespace": "ns"}}))
    await store.create(Channel.from_dict(CHANNEL))
    await ChannelReconciler(Channel, store, KINDS, EventRecorder(store, "test", clock), clock).reconcile(
        "ns/ch"
    )
    assert _conditions(await store.get(Channel, "ns", "ch"))["BackingChannelReady"] == ("False", "NotOwned")


# ---------------------------------------------------------------------------------------------- Trigger


TRIGGER = {
    "metadata": {"name": "t", "namespace": "ns"},
    "spec": {
        "broker": "default",
        "subscriber": SUBSCRIBER,
        "filter": {"attributes": {"type": "order.created"}},
    },
}


async def test_trigger_before_its_broker_looks_again(store, plane):
    await store.create(Trigger.from_dict(TRIGGER))
    r = _trigger_reconciler(store, plane)
    assert await r.reconcile("ns/t") == NOT_READY_RECHECK
    t = await store.get(Trigger, "ns", "t")
    assert _conditions(t)["BrokerReady"] == ("False", "BrokerDoesNotExist")
    assert _conditions(t)["SubscriptionReady"] == ("Unknown", "SubscriptionNotConfigured")
    assert plane.backend.calls == []
    assert list(r.index.triggers_of(Broker.from_dict(BROKER))) == ["ns/t"]


async def test_trigger_subscribes_on_its_brokers_trigger_channel(store, plane):
    await store.create(Broker.from_dict(BROKER))
    await store.create(Trigger.from_dict(TRIGGER))
    br = _broker_reconciler(store, plane)
    await br.reconcile("ns/default")
    await _mark_ready(store, InMemoryChannel, "ns", "default-kne-trigger")
    await br.reconcile("ns/default")
    r = _trigger_reconciler(store, plane)
    assert await r.reconcile("ns/t") is None
    t = await store.get(Trigger, "ns", "t")
    assert cond.is_true(t.status.conditions, "Ready"), _conditions(t)
    assert t.status.subscriber_uri == "http://subscriber"
    compiled = ("compiled", {"attributes": {"type": "order.created"}}, None)
    assert plane.backend.calls == [
        ("subscribe", "ns/default-kne-trigger", "ns/t", "http://subscriber", compiled)
    ]

    await r.reconcile("ns/t")
    assert len(plane.backend.calls) == 1, "an unchanged subscription is not made again"

    await store.delete(Trigger, "ns", "t")
    await r.reconcile("ns/t")
    assert plane.backend.calls[-1] == ("unsubscribe", "ns/default-kne-trigger", "ns/t", True)
    assert list(r.index.triggers_of(Broker.from_dict(BROKER))) == []


# ---------------------------------------------------------------------------------------------- Subscription


SUBSCRIPTION = {
    "metadata": {"name": "s", "namespace": "ns"},
    "spec": {
        "channel": {"apiVersion": "messaging.knative.dev/v1", "kind": "InMemoryChannel", "name": "imc"},
        "subscriber": SUBSCRIBER,
    },
}


async def test_subscription_subscribes_once_its_channel_is_routed(store, plane):
    await store.create(InMemoryChannel.from_dict({"metadata": {"name": "imc", "namespace": "ns"}}))
    await store.create(Subscription.from_dict(SUBSCRIPTION))
    r = SubscriptionReconciler(Subscription, store, KINDS, clock, plane.routes.channel, plane.subscriptions)
    assert await r.reconcile("ns/s") == NOT_READY_RECHECK
    assert _conditions(await store.get(Subscription, "ns", "s"))["ChannelReady"] == (
        "Unknown",
        "ChannelNotReady",
    )

    await _channelable(store, plane).reconcile("ns/imc")
    assert await r.reconcile("ns/s") is None
    sub = await store.get(Subscription, "ns", "s")
    assert cond.is_true(sub.status.conditions, "Ready")
    assert sub.status.physical_subscription.subscriber_uri == "http://subscriber"
    assert plane.backend.calls[-1] == ("subscribe", "ns/imc", "ns/s", "http://subscriber", None)

    await store.delete(Subscription, "ns", "s")
    await r.reconcile("ns/s")
    assert plane.backend.calls[-1] == ("unsubscribe", "ns/imc", "ns/s", True)
