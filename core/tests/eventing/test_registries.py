"""The data plane's registries: the ingress's routes, and the subscriptions kept in step with what reconcilers want."""

from __future__ import annotations

import attrs
import pytest

from pyknative.eventing.channel import ChannelRef, SubscriptionRef
from pyknative.eventing.ingress import ChannelTarget
from pyknative.eventing.plane import EventingPlane
from pyknative.eventing.routes import Routes
from pyknative.eventing.subscriptions import DesiredSubscription, Subscriptions

IMC = ("messaging.knative.dev/v1", "InMemoryChannel")
A = ChannelRef("ns", "a", "ua", *IMC)
B = ChannelRef("ns", "b", "ub", *IMC)


@attrs.define(eq=False)
class FakeBackend:
    ordered_by_default: bool = False
    calls: list[tuple] = attrs.field(factory=list)

    async def subscribe(self, channel, sub, handler):
        self.calls.append(("subscribe", channel.name, sub.name, sub.ordered, handler))

    async def unsubscribe(self, channel, sub, *, delete: bool):
        self.calls.append(("unsubscribe", channel.name, sub.name, delete))


def test_routes_set_read_and_remove():
    routes = Routes()
    routes.set_broker("ns/default", A)
    routes.set_channel("ns/b", B)
    assert (routes.broker("ns/default"), routes.channel("ns/b")) == (A, B)
    assert routes.broker("ns/b") is None and routes.channel("ns/default") is None, (
        "brokers and channels apart"
    )
    routes.remove_broker("ns/default")
    routes.remove_broker("ns/never")
    assert routes.broker("ns/default") is None
    assert routes.remove_channel("ns/b") == B and routes.remove_channel("ns/b") is None


def test_the_ingress_finds_a_target_only_once_routed_and_the_backend_made():
    plane = EventingPlane(platform=None)
    backend = FakeBackend()
    assert plane.broker_target("ns", "default") is None
    plane.routes.set_broker("ns/default", A)
    assert plane.broker_target("ns", "default") is None, "no backend made for the kind yet"
    plane._backends[IMC] = backend
    assert plane.broker_target("ns", "default") == ChannelTarget(backend, A)
    plane.routes.set_channel("ns/b", B)
    assert plane.channel_target("ns", "b") == ChannelTarget(backend, B)
    assert plane.channel_target("ns", "default") is None


def _desired(channel=A, subscriber="http://s", ordered=None) -> DesiredSubscription:
    return DesiredSubscription(
        channel, SubscriptionRef("ns", "t", "ut", ordered=ordered), subscriber, namespace="ns"
    )


@pytest.fixture
def backend() -> FakeBackend:
    return FakeBackend(ordered_by_default=True)


@pytest.fixture
def subs(backend) -> Subscriptions:
    async def backend_for(api_version, kind):
        assert (api_version, kind) == IMC
        return backend

    return Subscriptions(backend_for, lambda desired: f"handler for {desired.subscriber_uri}")


async def test_ensure_subscribes_once_with_the_kinds_default_order(subs, backend):
    await subs.ensure("ns/t", _desired())
    await subs.ensure("ns/t", _desired())
    assert backend.calls == [("subscribe", "a", "t", True, "handler for http://s")]


async def test_a_changed_target_resubscribes_on_the_same_channel(subs, backend):
    await subs.ensure("ns/t", _desired())
    await subs.ensure("ns/t", _desired(subscriber="http://other", ordered=False))
    assert backend.calls[1:] == [("subscribe", "a", "t", False, "handler for http://other")]


async def test_a_moved_subscription_leaves_its_old_channel_deleting_its_consumer(subs, backend):
    await subs.ensure("ns/t", _desired())
    await subs.ensure("ns/t", _desired(channel=B))
    assert backend.calls[1:] == [
        ("unsubscribe", "a", "t", True),
        ("subscribe", "b", "t", True, "handler for http://s"),
    ]


async def test_remove_deletes_and_stop_all_keeps_consumers(subs, backend):
    await subs.ensure("ns/t", _desired())
    await subs.remove("ns/t")
    await subs.remove("ns/t")
    await subs.ensure("ns/t", _desired())
    await subs.stop_all()
    assert [c for c in backend.calls if c[0] == "unsubscribe"] == [
        ("unsubscribe", "a", "t", True),
        ("unsubscribe", "a", "t", False),
    ]
