"""Pure builders of Eventing's reconcilers: tables of input → the child, subscription or status Knative would make."""

from __future__ import annotations

import attrs
import pytest

from pyknative.api import conditions as cond
from pyknative.api.eventing import Broker, Trigger
from pyknative.api.kinds import Kinds
from pyknative.api.kinds_plugin import registrations
from pyknative.api.messaging import Channel, InMemoryChannel, PhysicalSubscription, Subscription
from pyknative.api.meta import Addressable, Condition
from pyknative.errors import NotFoundError
from pyknative.eventing.channel import ChannelRef, SubscriptionRef
from pyknative.eventing.delivery_policy import DeliveryPolicy
from pyknative.eventing.subscriptions import DesiredSubscription
from pyknative.reconciler.broker import resources as broker
from pyknative.reconciler.channel import resources as channel
from pyknative.reconciler.channelable import resources as channelable
from pyknative.reconciler.destinations import UnresolvableError
from pyknative.reconciler.subscription import resources as subscription
from pyknative.reconciler.trigger import resources as trigger

NOW = "2026-11-24T12:00:00Z"
KINDS = Kinds(registrations())
IMC = ("messaging.knative.dev/v1", "InMemoryChannel")
CHANNEL_REF = ChannelRef("ns", "default-kne-trigger", "cu", *IMC)


def _status(*conditions: tuple[str, str, str | None, str | None]) -> tuple[Condition, ...]:
    return tuple(Condition(type=t, status=s, reason=r, message=m) for t, s, r, m in conditions)


def _got(conditions, ctype: str) -> tuple[str, str | None, str | None]:
    c = cond.get(conditions, ctype)
    return c.status, c.reason, c.message


def _broker(annotations=None, spec=None, ready=None, address=None, dls_uri=None) -> Broker:
    b = Broker.from_dict(
        {
            "metadata": {"name": "default", "namespace": "ns", "uid": "bu", "annotations": annotations or {}},
            "spec": spec or {},
        }
    )
    status = attrs.evolve(
        b.status,
        conditions=_status(("Ready", ready, None, None)) if ready else None,
        address=Addressable(url=address) if address else None,
        dead_letter_sink_uri=dls_uri,
    )
    return attrs.evolve(b, status=status)


def _trigger(spec=None, annotations=None) -> Trigger:
    return Trigger.from_dict(
        {
            "metadata": {"name": "t", "namespace": "ns", "uid": "tu", "annotations": annotations or {}},
            "spec": {"broker": "default", "subscriber": {"uri": "http://sub"}, **(spec or {})},
        }
    )


# ---------------------------------------------------------------------------------------------- Broker


@pytest.mark.parametrize(
    ("annotations", "want"),
    [
        pytest.param({"eventing.knative.dev/broker.class": "MTChannelBasedBroker"}, None, id="served"),
        pytest.param(
            {"eventing.knative.dev/broker.class": "Kafka"}, "broker class 'Kafka' is not served", id="kafka"
        ),
        pytest.param({}, "broker class None is not served", id="no class"),
    ],
)
def test_unsupported_broker_class(annotations, want):
    got = broker.unsupported_class(_broker(annotations))
    assert got == want if want is None else want in got


SECTIONS = {
    "config-br-default-channel": {"channel-template-spec": ""},
    "kafka-channel": {
        "channel-template-spec": "apiVersion: messaging.knative.dev/v1beta1\nkind: KafkaChannel\nspec:\n  numPartitions: 3\n"
    },
    "no-kind": {"channel-template-spec": "apiVersion: messaging.knative.dev/v1\n"},
}


@pytest.mark.parametrize(
    ("config", "want"),
    [
        pytest.param(None, broker.DEFAULT_CHANNEL_TEMPLATE, id="default section, empty template: IMC"),
        pytest.param(
            {"kind": "ConfigMap", "name": "kafka-channel"},
            ("messaging.knative.dev/v1beta1", "KafkaChannel", {"numPartitions": 3}),
            id="named section",
        ),
        pytest.param({"kind": "Secret", "name": "x"}, "a Secret is not supported", id="not a ConfigMap"),
        pytest.param(
            {"kind": "ConfigMap", "name": "missing"}, "no operator-config section 'missing'", id="no section"
        ),
        pytest.param(
            {"kind": "ConfigMap", "name": "no-kind"}, "no-kind.channel-template-spec: needs", id="no kind"
        ),
    ],
)
def test_trigger_channel_template(config, want):
    b = _broker(spec={"config": config} if config else {})
    if isinstance(want, str):
        with pytest.raises(ValueError, match=want):
            broker.trigger_channel_template(b, SECTIONS)
    else:
        assert broker.trigger_channel_template(b, SECTIONS) == want


def test_trigger_channel_is_owned_named_and_labelled():
    b = _broker()
    ch = broker.make_trigger_channel(b, KINDS, (*IMC, {}))
    assert isinstance(ch, InMemoryChannel)
    assert (ch.namespace, ch.name) == ("ns", "default-kne-trigger")
    assert ch.metadata.labels == {
        "eventing.knative.dev/broker": "default",
        "eventing.knative.dev/brokerEverything": "true",
    }
    assert ch.is_controlled_by(b)


def test_trigger_channel_of_a_kind_nobody_installed():
    with pytest.raises(NotFoundError):
        broker.make_trigger_channel(_broker(), KINDS, ("example.com/v1", "NoChannel", {}))


@pytest.mark.parametrize(
    ("ready", "want", "routed"),
    [
        pytest.param(("Ready", "True", None, None), ("True", None, None), True, id="ready"),
        pytest.param(
            ("Ready", "False", "Boom", "it broke"), ("False", "Boom", "it broke"), False, id="failed"
        ),
        pytest.param(
            ("Ready", "Unknown", None, None),
            ("Unknown", "ChannelNotReady", "trigger channel is not ready"),
            False,
            id="pending",
        ),
        pytest.param(
            None, ("Unknown", "ChannelNotReady", "trigger channel is not ready"), False, id="no status yet"
        ),
    ],
)
def test_trigger_channel_ready(ready, want, routed):
    ch = InMemoryChannel.from_dict({"metadata": {"name": "c", "namespace": "ns"}})
    ch = attrs.evolve(ch, status=attrs.evolve(ch.status, conditions=_status(ready) if ready else None))
    conditions, ok = broker.mark_trigger_channel(broker.CONDITIONS.initialize((), NOW), ch, NOW)
    assert (_got(conditions, "TriggerChannelReady"), ok) == (want, routed)


def test_broker_is_served_by_the_shared_ingress_and_filter():
    conditions = broker.mark_served(broker.CONDITIONS.initialize((), NOW), NOW)
    assert [c.type for c in conditions if c.is_true] == ["Addressable", "FilterReady", "IngressReady"]


# ---------------------------------------------------------------------------------------------- Channel


def _channel(delivery=None) -> Channel:
    spec = {"channelTemplate": {"apiVersion": IMC[0], "kind": IMC[1], "spec": {"x": 1}}}
    if delivery is not None:
        spec["delivery"] = delivery
    return Channel.from_dict({"metadata": {"name": "ch", "namespace": "ns", "uid": "chu"}, "spec": spec})


@pytest.mark.parametrize(
    ("delivery", "want"),
    [
        pytest.param(None, {"x": 1}, id="template spec only"),
        pytest.param({"retry": 3}, {"x": 1, "delivery": {"retry": 3}}, id="with the Channel's delivery"),
    ],
)
def test_backing_channel_of_a_channel(delivery, want):
    ch = _channel(delivery)
    backing = channel.make_backing_channel(ch, KINDS)
    assert isinstance(backing, InMemoryChannel) and (backing.namespace, backing.name) == ("ns", "ch")
    assert backing.metadata.labels == {"messaging.knative.dev/channel": "ch"}
    assert backing.is_controlled_by(ch)
    assert backing.to_dict()["spec"] == want


def _backing(ready=None, address=None, dls_uri=None, dls=None) -> InMemoryChannel:
    b = InMemoryChannel.from_dict({"metadata": {"name": "ch", "namespace": "ns"}})
    conds = tuple(c for c in (ready, dls) if c is not None)
    status = attrs.evolve(
        b.status,
        conditions=_status(*conds) or None,
        address=Addressable(url=address) if address else None,
        dead_letter_sink_uri=dls_uri,
    )
    return attrs.evolve(b, status=status)


READY = ("Ready", "True", None, None)
DLS = {"deadLetterSink": {"uri": "http://dls"}}


@pytest.mark.parametrize(
    ("delivery", "backing", "backing_ready", "dls_resolved", "changes"),
    [
        pytest.param(
            None,
            _backing(READY, "http://imc"),
            ("True", None, None),
            ("True", "DeadLetterSinkNotConfigured", "No dead letter sink is configured."),
            {"address": Addressable(url="http://imc"), "dead_letter_sink_uri": None},
            id="ready, no sink",
        ),
        pytest.param(
            None,
            _backing(READY),
            ("Unknown", "BackingChannelNotReady", ""),
            ("True", "DeadLetterSinkNotConfigured", "No dead letter sink is configured."),
            {"dead_letter_sink_uri": None},
            id="ready without an address",
        ),
        pytest.param(
            None,
            _backing(("Ready", "False", "Broken", "no stream")),
            ("Unknown", "Broken", "no stream"),
            ("True", "DeadLetterSinkNotConfigured", "No dead letter sink is configured."),
            {"dead_letter_sink_uri": None},
            id="failed backing is pending here",
        ),
        pytest.param(
            DLS,
            _backing(READY, "http://imc", "http://dls"),
            ("True", None, None),
            ("True", None, None),
            {"address": Addressable(url="http://imc"), "dead_letter_sink_uri": "http://dls"},
            id="sink resolved by the backing channel",
        ),
        pytest.param(
            DLS,
            _backing(READY, "http://imc", dls=("DeadLetterSinkResolved", "False", "NotFound", "gone")),
            ("True", None, None),
            ("Unknown", "NotFound", "gone"),
            {"address": Addressable(url="http://imc"), "dead_letter_sink_uri": None},
            id="sink not resolved: the backing channel's reason",
        ),
        pytest.param(
            DLS,
            _backing(READY, "http://imc"),
            ("True", None, None),
            (
                "Unknown",
                "DeadLetterSinkNotResolved",
                "the backing channel has not resolved the dead letter sink",
            ),
            {"address": Addressable(url="http://imc"), "dead_letter_sink_uri": None},
            id="sink not resolved yet",
        ),
    ],
)
def test_channel_status_from_its_backing_channel(delivery, backing, backing_ready, dls_resolved, changes):
    conditions, got = channel.propagate_backing_status(
        channel.CONDITIONS.initialize((), NOW), _channel(delivery), backing, NOW
    )
    assert _got(conditions, "BackingChannelReady") == backing_ready
    assert _got(conditions, "DeadLetterSinkResolved") == dls_resolved
    assert got == changes


# ---------------------------------------------------------------------------------------------- channel kinds


def test_channel_ref_carries_identity_kind_spec_and_annotations():
    imc = InMemoryChannel.from_dict(
        {
            "metadata": {"name": "c", "namespace": "ns", "uid": "u", "annotations": {"a": "b"}},
            "spec": {"delivery": {"retry": 2}},
        }
    )
    assert channelable.channel_ref(imc) == ChannelRef(
        "ns", "c", "u", *IMC, {"delivery": {"retry": 2}}, {"a": "b"}
    )


def test_channel_kind_conditions():
    start = channelable.CONDITIONS.initialize((), NOW)
    ready = channelable.mark_dispatcher_ready(start, NOW)
    assert _got(ready, "DispatcherReady") == _got(ready, "Addressable") == ("True", None, None)
    missing = channelable.mark_not_installed(start, "pip install pyknative[kafka]", NOW)
    assert _got(missing, "Ready") == ("False", "ChannelNotInstalled", "pip install pyknative[kafka]")


# ---------------------------------------------------------------------------------------------- Trigger


@pytest.mark.parametrize(
    ("spec", "want"),
    [
        pytest.param({"broker": "b"}, "b", id="spec.broker"),
        pytest.param({"broker": None, "brokerRef": {"name": "r"}}, "r", id="spec.brokerRef"),
        pytest.param({"broker": None}, "", id="neither"),
    ],
)
def test_trigger_broker_name(spec, want):
    assert trigger.broker_name(_trigger(spec)) == want


@pytest.mark.parametrize(
    ("b", "routed", "want"),
    [
        pytest.param(
            None, False, ("False", "BrokerDoesNotExist", "Broker 'default' does not exist"), id="no broker"
        ),
        pytest.param(_broker(ready="True"), True, ("True", None, None), id="ready and routed"),
        pytest.param(
            _broker(ready="True"),
            False,
            ("Unknown", "BrokerNotReady", "Broker 'default' is not ready"),
            id="ready, trigger channel not routed yet",
        ),
        pytest.param(
            _broker(),
            False,
            ("Unknown", "BrokerNotReady", "Broker 'default' is not ready"),
            id="no status yet",
        ),
    ],
)
def test_trigger_broker_ready(b, routed, want):
    conditions = trigger.mark_broker(trigger.CONDITIONS.initialize((), NOW), b, "default", routed, NOW)
    assert _got(conditions, "BrokerReady") == want


@pytest.mark.parametrize(
    ("trigger_delivery", "broker_delivery", "delivery_retry", "inherits"),
    [
        pytest.param(None, None, None, False, id="neither"),
        pytest.param({"retry": 1}, None, 1, False, id="trigger's own"),
        pytest.param(None, {"retry": 2, **DLS}, 2, True, id="broker's, and its sink"),
        pytest.param({"retry": 1}, {"retry": 2, **DLS}, 1, True, id="own delivery, broker's sink"),
        pytest.param({"retry": 1, **DLS}, {"retry": 2, **DLS}, 1, False, id="own delivery and sink"),
    ],
)
def test_trigger_delivery_falls_back_to_the_broker(
    trigger_delivery, broker_delivery, delivery_retry, inherits
):
    t = _trigger({"delivery": trigger_delivery} if trigger_delivery else {})
    b = _broker(spec={"delivery": broker_delivery} if broker_delivery else {})
    got = trigger.delivery(t, b)
    assert (got.retry if got is not None else None) == delivery_retry
    assert trigger.inherits_dead_letter_sink(t, b) is inherits


@pytest.mark.parametrize(
    ("dls_uri", "want", "ok"),
    [
        pytest.param("http://dls", ("True", None, None), True, id="resolved by the broker"),
        pytest.param(
            None,
            (
                "Unknown",
                "BrokerDeadLetterSinkNotResolved",
                "the dead letter sink of Broker 'default' is not resolved yet",
            ),
            False,
            id="not yet",
        ),
    ],
)
def test_trigger_uses_the_brokers_resolved_dead_letter_sink(dls_uri, want, ok):
    start = trigger.CONDITIONS.initialize((), NOW)
    uri, conditions, resolved = trigger.mark_broker_dead_letter_sink(
        start, _broker(dls_uri=dls_uri), "default", NOW
    )
    assert (uri, _got(conditions, "DeadLetterSinkResolved"), resolved) == (dls_uri, want, ok)


@pytest.mark.parametrize(
    ("annotation", "want"),
    [("ordered", True), ("Unordered", False), (None, None), ("", None)],
)
def test_trigger_delivery_order(annotation, want):
    annotations = {"kafka.eventing.knative.dev/delivery.order": annotation} if annotation is not None else {}
    assert trigger.ordered(_trigger(annotations=annotations)) is want


def test_trigger_subscription():
    t = _trigger(
        {"filter": {"attributes": {"type": "order.created"}}, "delivery": {"retry": 2}},
        annotations={"kafka.eventing.knative.dev/delivery.order": "ordered"},
    )
    b = _broker(
        annotations={"delivery.pyknative.dev/backoff-max": "PT5S"}, address="http://ingress/ns/default"
    )
    got = trigger.make_subscription(t, b, CHANNEL_REF, "http://sub", "http://dls")
    assert got == DesiredSubscription(
        channel=CHANNEL_REF,
        sub=SubscriptionRef(
            "ns",
            "t",
            "tu",
            DeliveryPolicy(retry=2, backoff_max=5.0, dead_letter_uri="http://dls"),
            ordered=True,
        ),
        subscriber_uri="http://sub",
        reply_uri="http://ingress/ns/default",
        namespace="ns",
        drop_ttl=True,
        filter_spec=({"attributes": {"type": "order.created"}}, None),
    )
    assert got.filter is None, "the builder leaves the filter as written; the reconciler compiles it"


def test_trigger_backoff_max_of_its_own_wins_over_the_brokers():
    t = _trigger(annotations={"delivery.pyknative.dev/backoff-max": "PT1S"})
    b = _broker(annotations={"delivery.pyknative.dev/backoff-max": "PT5S"})
    assert trigger.make_subscription(t, b, CHANNEL_REF, "http://sub", None).sub.delivery.backoff_max == 1.0


def test_trigger_subscription_with_a_malformed_duration_raises():
    with pytest.raises(ValueError, match="backoff-max"):
        trigger.make_subscription(
            _trigger(annotations={"delivery.pyknative.dev/backoff-max": "soon"}),
            _broker(),
            CHANNEL_REF,
            "http://s",
            None,
        )


def test_desired_subscriptions_compare_without_the_compiled_filter():
    a = trigger.make_subscription(_trigger(), _broker(), CHANNEL_REF, "http://sub", None)
    assert attrs.evolve(a, filter=lambda m: True) == attrs.evolve(a, filter=lambda m: False)
    assert a != attrs.evolve(a, filter_spec=({"attributes": {"type": "x"}}, None))


# ---------------------------------------------------------------------------------------------- Subscription


def _sub(spec=None, annotations=None) -> Subscription:
    base = {"channel": {"apiVersion": "messaging.knative.dev/v1", "kind": "Channel", "name": "ch"}}
    return Subscription.from_dict(
        {
            "metadata": {"name": "s", "namespace": "ns", "uid": "su", "annotations": annotations or {}},
            "spec": {**base, **(spec or {})},
        }
    )


@pytest.mark.parametrize(
    ("channel", "want"),
    [({"name": "ch"}, "ns/ch"), ({"name": "ch", "namespace": "other"}, "other/ch")],
)
def test_subscription_channel_key(channel, want):
    assert subscription.channel_key(_sub({"channel": channel})) == want


@pytest.mark.parametrize(
    ("spec", "channel_delivery", "want_retry", "want_paths"),
    [
        pytest.param(
            {"subscriber": {"uri": "http://s"}}, None, None, ["spec.subscriber"], id="subscriber only"
        ),
        pytest.param(
            {
                "subscriber": {"uri": "http://s"},
                "reply": {"uri": "http://r"},
                "delivery": {"retry": 1, **DLS},
            },
            {"retry": 5},
            1,
            ["spec.subscriber", "spec.reply", "spec.delivery.deadLetterSink"],
            id="its own delivery",
        ),
        pytest.param(
            {"subscriber": {"uri": "http://s"}},
            {"retry": 5, **DLS},
            5,
            ["spec.subscriber", "spec.delivery.deadLetterSink"],
            id="the channel's delivery and sink",
        ),
    ],
)
def test_subscription_delivery_and_destinations(spec, channel_delivery, want_retry, want_paths):
    ch = _channel(channel_delivery)
    delivery = subscription.delivery(_sub(spec), ch)
    assert (delivery.retry if delivery is not None else None) == want_retry
    assert [path for _, path, _, _ in subscription.destinations(_sub(spec), delivery)] == want_paths


@pytest.mark.parametrize(
    ("missing", "routed", "want"),
    [
        pytest.param(
            "Channel ns/ch not found",
            False,
            ("False", "ChannelNotFound", "Channel ns/ch not found"),
            id="missing",
        ),
        pytest.param(None, True, ("True", None, None), id="routed"),
        pytest.param(
            None, False, ("Unknown", "ChannelNotReady", "channel 'ch' is not ready"), id="not routed yet"
        ),
    ],
)
def test_subscription_channel_ready(missing, routed, want):
    conditions = subscription.mark_channel(
        subscription.CONDITIONS.initialize((), NOW), "ch", missing, routed, NOW
    )
    assert _got(conditions, "ChannelReady") == want


@pytest.mark.parametrize(
    ("subscriber_uri", "failures", "want"),
    [
        pytest.param("http://s", [], ("True", None, None), id="resolved"),
        pytest.param(None, [], ("Unknown", None, None), id="nothing to resolve: left alone"),
        pytest.param(
            None,
            [
                (
                    "spec.subscriber",
                    "SubscriberResolveFailed",
                    UnresolvableError("NotFound", "Service ns/x not found"),
                ),
                ("spec.reply", "ReplyResolveFailed", UnresolvableError("NotFound", "Broker ns/y not found")),
            ],
            (
                "False",
                "SubscriberResolveFailed",
                "Failed to resolve spec.subscriber: Service ns/x not found (NotFound)",
            ),
            id="the first failure is the condition's",
        ),
    ],
)
def test_subscription_resolved(subscriber_uri, failures, want):
    start = subscription.CONDITIONS.initialize((), NOW)
    conditions = subscription.mark_resolved(start, {"subscriber_uri": subscriber_uri}, failures, NOW)
    assert _got(conditions, "Resolved") == want


def test_subscription_physical_subscription_and_subscription():
    uris = {"subscriber_uri": "http://s", "reply_uri": "http://r", "dead_letter_sink_uri": "http://dls"}
    assert subscription.physical_subscription(uris) == PhysicalSubscription(
        subscriber_uri="http://s", reply_uri="http://r", dead_letter_sink_uri="http://dls"
    )
    s = _sub(annotations={"delivery.pyknative.dev/backoff-max": "PT2S"})
    ch = ChannelRef("ns", "ch", "cu", *IMC)
    delivery = subscription.delivery(_sub({"delivery": {"retry": 4}}), None)
    assert subscription.make_subscription(s, ch, uris, delivery) == DesiredSubscription(
        channel=ch,
        sub=SubscriptionRef(
            "ns", "s", "su", DeliveryPolicy(retry=4, backoff_max=2.0, dead_letter_uri="http://dls")
        ),
        subscriber_uri="http://s",
        reply_uri="http://r",
        namespace="ns",
        drop_ttl=False,
    )
