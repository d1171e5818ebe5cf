"""Destination resolution against the real SQLite store: refs to each addressable kind, relative URIs, failures."""

from __future__ import annotations

from datetime import UTC, datetime

import attrs
import pytest

from pyknative.api._serde import from_dict
from pyknative.api.duck import Destination
from pyknative.api.eventing import Broker
from pyknative.api.kinds import Kinds
from pyknative.api.kinds_plugin import registrations
from pyknative.api.messaging import Channel
from pyknative.api.meta import Addressable
from pyknative.api.serving import Service
from pyknative.reconciler.destinations import UnresolvableError, resolve
from pyknative.store.sqlite import SQLiteStore


def clock() -> datetime:
    return datetime(2026, 11, 24, 12, 0, 0, tzinfo=UTC)


async def _addressed(store, cls, doc: dict, url: str | None):
    obj = await store.create(cls.from_dict(doc))
    if url is not None:
        obj = await store.get(cls, obj.metadata.namespace, obj.metadata.name)
        await store.update_status(
            attrs.evolve(obj, status=attrs.evolve(obj.status, address=Addressable(url=url)))
        )


@pytest.fixture
def kinds() -> Kinds:
    return Kinds(registrations())


@pytest.fixture
async def store(kinds):
    s = SQLiteStore(":memory:", kinds, clock=clock)
    svc = {
        "metadata": {"name": "display", "namespace": "default"},
        "spec": {"template": {"spec": {"containers": [{"image": "x", "command": ["app"]}]}}},
    }
    await _addressed(s, Service, svc, "http://display.default.svc.cluster.local")
    await _addressed(
        s,
        Broker,
        {"metadata": {"name": "default", "namespace": "default"}},
        "http://127.0.0.1:8081/default/default",
    )
    await _addressed(
        s,
        Channel,
        {"metadata": {"name": "ch", "namespace": "other"}},
        "http://127.0.0.1:8081/channels/other/ch",
    )
    await _addressed(s, Broker, {"metadata": {"name": "young", "namespace": "default"}}, None)
    yield s
    await s.close()


def dest(ref: dict | None = None, uri: str | None = None) -> Destination:
    doc = {}
    if ref is not None:
        doc["ref"] = ref
    if uri is not None:
        doc["uri"] = uri
    return from_dict(Destination, doc)


KSVC = {"apiVersion": "serving.knative.dev/v1", "kind": "Service", "name": "display"}
BROKER = {"apiVersion": "eventing.knative.dev/v1", "kind": "Broker", "name": "default"}
CHANNEL = {"apiVersion": "messaging.knative.dev/v1", "kind": "Channel", "name": "ch", "namespace": "other"}


@pytest.mark.parametrize(
    ("destination", "want"),
    [
        (dest(uri="http://example.com/hook"), "http://example.com/hook"),
        (dest(KSVC), "http://display.default.svc.cluster.local"),
        (dest(KSVC, "/extra/path"), "http://display.default.svc.cluster.local/extra/path"),
        (dest(KSVC, "extra"), "http://display.default.svc.cluster.local/extra"),
        (dest(BROKER), "http://127.0.0.1:8081/default/default"),
        # RFC 3986 resolution, as Go's url.ResolveReference: an absolute path replaces the ref's path,
        # a relative one its last segment
        (dest(BROKER, "/x"), "http://127.0.0.1:8081/x"),
        (dest(BROKER, "x"), "http://127.0.0.1:8081/default/x"),
        (dest(CHANNEL), "http://127.0.0.1:8081/channels/other/ch"),  # the ref's own namespace wins
    ],
)
async def test_resolves(store, kinds, destination, want):
    assert await resolve(destination, "default", store, kinds) == want


@pytest.mark.parametrize(
    ("destination", "reason", "message"),
    [
        (dest(), "DestinationMissing", "needs a ref or a uri"),
        (dest({**KSVC, "name": "missing"}), "NotFound", "Service default/missing not found"),
        (dest({**BROKER, "name": "young"}), "AddressNotSet", "does not have an address yet"),
        (
            dest({"apiVersion": "example.com/v1", "kind": "Thing", "name": "t"}),
            "KindNotInstalled",
            r"Thing \(example.com/v1\) is not a kind",
        ),
        (
            dest({"apiVersion": "serving.knative.dev/v1", "kind": "Revision", "name": "r"}),
            "NotAddressable",
            "not addressable",
        ),
    ],
)
async def test_unresolvable_names_the_reason(store, kinds, destination, reason, message):
    with pytest.raises(UnresolvableError, match=message) as info:
        await resolve(destination, "default", store, kinds)
    assert info.value.reason == reason


async def _no_backend(api_version: str, kind: str):
    raise AssertionError("nothing is subscribed while a reference does not resolve")


@pytest.mark.parametrize(
    ("spec", "reason", "message"),
    [
        (
            {"subscriber": {"ref": {**KSVC, "name": "missing"}}},
            "SubscriberResolveFailed",
            "Failed to resolve spec.subscriber: Service default/missing not found (NotFound)",
        ),
        (
            {"subscriber": {"ref": KSVC}, "reply": {"ref": {**BROKER, "name": "young"}}},
            "ReplyResolveFailed",
            "Failed to resolve spec.reply: Broker default/young does not have an address yet (AddressNotSet)",
        ),
        (
            {"subscriber": {"ref": KSVC}, "delivery": {"deadLetterSink": {"ref": {**KSVC, "name": "gone"}}}},
            "DeadLetterSinkResolveFailed",
            "Failed to resolve spec.delivery.deadLetterSink: Service default/gone not found",
        ),
    ],
)
async def test_subscription_reports_what_does_not_resolve_with_knatives_reasons(
    store, kinds, spec, reason, message
):
    from pyknative.api import conditions as cond
    from pyknative.api.messaging import Subscription
    from pyknative.eventing.subscriptions import Subscriptions
    from pyknative.reconciler.subscription.reconciler import SubscriptionReconciler

    channel = {"apiVersion": "messaging.knative.dev/v1", "kind": "Channel", "name": "ch"}
    await store.create(
        from_dict(
            Subscription,
            {"metadata": {"name": "s", "namespace": "default"}, "spec": {"channel": channel, **spec}},
        )
    )
    r = SubscriptionReconciler(
        Subscription, store, kinds, clock, lambda key: None, Subscriptions(_no_backend, dict)
    )
    await r.reconcile("default/s")
    status = (await store.get(Subscription, "default", "s")).status
    resolved = cond.get(status.conditions, "Resolved")
    assert (resolved.status, resolved.reason) == ("False", reason)
    assert message in resolved.message
    assert cond.get(status.conditions, "Ready").status != "True"
