"""Validation of Eventing's kinds as Knative's webhook does it: every error at once, each with its field path."""

import copy

import pytest

from pyknative.api.eventing import Broker, Trigger
from pyknative.api.eventing_kinds import registrations
from pyknative.api.kinds import AdmissionContext, Kinds, admit
from pyknative.api.messaging import Channel, InMemoryChannel, Subscription
from pyknative.config import parse_config
from pyknative.errors import ValidationError

CLASS = "eventing.knative.dev/broker.class"
KINDS = Kinds(registrations())
CTX = AdmissionContext(config=parse_config(None))
SVC = {"apiVersion": "serving.knative.dev/v1", "kind": "Service", "name": "handler"}
PEM = "-----BEGIN CERTIFICATE-----\nMIIBAA==\n-----END CERTIFICATE-----\n"


def trigger_doc(**spec):
    return {
        "metadata": {"name": "t", "namespace": "demo"},
        "spec": {"broker": "default", "subscriber": {"ref": dict(SVC)}, **spec},
    }


async def errors_of(cls, doc, *, old=None, ctx=CTX):
    """The errors admission reports for ``doc`` (an update of ``old`` when given); [] when admitted."""
    old_obj = await admit(KINDS, cls.from_dict(old), None, ctx) if old is not None else None
    try:
        await admit(KINDS, cls.from_dict(doc), old_obj, ctx)
    except ValidationError as e:
        return sorted(str(err) for err in e.errors)
    return []


async def paths_of(cls, doc, **kw):
    return sorted(e.split(": ", 1)[0] for e in await errors_of(cls, doc, **kw))


# ---------------------------------------------------------------------------------------- valid objects


@pytest.mark.parametrize(
    ("cls", "doc"),
    [
        pytest.param(Broker, {"metadata": {"name": "default", "namespace": "demo"}}, id="Broker"),
        pytest.param(
            Trigger,
            trigger_doc(
                filters=[
                    {"cesql": "type = 'x'"},
                    {"any": [{"exact": {"type": "a"}}, {"not": {"prefix": {"source": "/s"}}}]},
                ]
            ),
            id="Trigger",
        ),
        pytest.param(
            Trigger,
            trigger_doc(subscriber={"uri": "http://example.com/events", "CACerts": PEM}),
            id="Trigger to a URI",
        ),
        pytest.param(Channel, {"metadata": {"name": "c", "namespace": "demo"}}, id="Channel"),
        pytest.param(
            InMemoryChannel,
            {
                "metadata": {"name": "c", "namespace": "demo"},
                "spec": {"subscribers": [{"uid": "u", "replyUri": "http://r"}]},
            },
            id="InMemoryChannel",
        ),
        pytest.param(
            Subscription,
            {
                "metadata": {"name": "s"},
                "spec": {
                    "channel": {"apiVersion": "messaging.knative.dev/v1", "kind": "Channel", "name": "c"},
                    "subscriber": {"ref": dict(SVC), "uri": "/path"},
                },
            },
            id="Subscription",
        ),
    ],
)
async def test_valid_objects_are_admitted(cls, doc):
    assert await errors_of(cls, doc) == []


async def test_every_error_is_reported_at_once():
    doc = trigger_doc(
        broker="",
        subscriber={"uri": "/relative"},
        filter={"attributes": {"Type": "x", "ok": ""}},
        filters=[{"exact": {"type": "a"}, "prefix": {"source": "b"}}, {}, {"cesql": "type = "}],
        delivery={"retry": -1, "backoffPolicy": "fibonacci", "format": "xml"},
    )
    doc["metadata"]["annotations"] = {"kafka.eventing.knative.dev/delivery.order": "random"}
    assert await paths_of(Trigger, doc) == [
        "metadata.annotations[kafka.eventing.knative.dev/delivery.order]",
        "spec.broker",
        "spec.delivery.backoffPolicy",
        "spec.delivery.format",
        "spec.delivery.retry",
        "spec.filter.attributes[Type]",
        "spec.filters[0]",
        "spec.filters[1]",
        "spec.filters[2].cesql",
        "spec.subscriber.uri",
    ]


# ------------------------------------------------------------------------------------------------ Broker


async def test_broker_class_explicitly_empty_is_an_error():
    doc = {"metadata": {"name": "b", "namespace": "demo", "annotations": {CLASS: ""}}}
    assert await errors_of(Broker, doc) == [
        f"metadata.annotations[{CLASS}]: required: the Broker class (e.g. MTChannelBasedBroker)"
    ]


async def test_broker_class_and_config_are_immutable():
    old = {"metadata": {"name": "b", "namespace": "demo", "annotations": {CLASS: "MTChannelBasedBroker"}}}
    new = copy.deepcopy(old)
    new["metadata"]["annotations"][CLASS] = "Kafka"
    new["spec"] = {"config": {"apiVersion": "v1", "kind": "ConfigMap", "name": "other", "namespace": "demo"}}
    errors = await errors_of(Broker, new, old=old)
    assert [e.split(": ", 1)[0] for e in errors] == [f"metadata.annotations[{CLASS}]", "spec.config"]
    assert "immutable field changed: was 'MTChannelBasedBroker', now 'Kafka'" in errors[0]
    assert "name=config-br-default-channel" in errors[1] and "name=other" in errors[1]


async def test_broker_delivery_may_change_on_update():
    old = {"metadata": {"name": "b", "namespace": "demo"}}
    new = {"metadata": {"name": "b", "namespace": "demo"}, "spec": {"delivery": {"retry": 1}}}
    assert await errors_of(Broker, new, old=old) == []


async def test_broker_config_needs_name_kind_and_api_version():
    doc = {
        "metadata": {"name": "b", "namespace": "demo"},
        "spec": {"config": {"namespace": "knative-eventing"}},
    }
    assert await paths_of(Broker, doc) == ["spec.config.apiVersion", "spec.config.kind", "spec.config.name"]


async def test_broker_config_in_another_namespace_when_disallowed():
    cfg = parse_config(
        {
            "config-br-defaults": {
                "default-br-config": {
                    "clusterDefault": {
                        "brokerClass": "MTChannelBasedBroker",
                        "apiVersion": "v1",
                        "kind": "ConfigMap",
                        "name": "config-br-default-channel",
                        "namespace": "knative-eventing",
                        "disallowDifferentNamespaceConfig": True,
                    }
                }
            }
        }
    )
    doc = {"metadata": {"name": "b", "namespace": "demo"}}
    assert await paths_of(Broker, doc, ctx=AdmissionContext(config=cfg)) == ["spec.config.namespace"]
    assert await errors_of(Broker, doc) == [], "allowed by default, as Knative"


def br_defaults(cluster=None, namespace=None):
    """config-br-defaults with ``disallowDifferentNamespaceConfig`` set as given (None: not set) cluster-wide and
    for the namespace ``demo``."""
    scope = {"brokerClass": "MTChannelBasedBroker"}
    doc = {"clusterDefault": {**scope, **({} if cluster is None else {"disallowDifferentNamespaceConfig": cluster})}}
    if namespace is not None:
        doc["namespaceDefaults"] = {"demo": {**scope, "disallowDifferentNamespaceConfig": namespace}}
    return AdmissionContext(config=parse_config({"config-br-defaults": {"default-br-config": doc}}))


def broker_with_dls(**dls):
    return {"metadata": {"name": "b", "namespace": "demo"}, "spec": {"delivery": {"deadLetterSink": dls}}}


OTHER_SVC = {**SVC, "namespace": "other"}


@pytest.mark.parametrize(
    ("dls", "ctx", "want"),
    [
        pytest.param({"ref": OTHER_SVC, "uri": "/dead"}, CTX, [], id="ref elsewhere with a uri"),
        pytest.param({"ref": OTHER_SVC}, CTX, [], id="ref elsewhere: allowed by default"),
        pytest.param({"ref": OTHER_SVC, "uri": "/dead"}, br_defaults(cluster=True), [],
                     id="with a uri the ref is not checked, even when disallowed"),
        pytest.param({"ref": OTHER_SVC}, br_defaults(cluster=True), ["spec.delivery.deadLetterSink.ref.namespace"],
                     id="disallowed cluster-wide"),
        pytest.param({"ref": OTHER_SVC}, br_defaults(cluster=True, namespace=False),
                     ["spec.delivery.deadLetterSink.ref.namespace"], id="either scope disallowing is enough"),
        pytest.param({"ref": OTHER_SVC}, br_defaults(cluster=False, namespace=True),
                     ["spec.delivery.deadLetterSink.ref.namespace"], id="disallowed for the namespace"),
        pytest.param({"ref": OTHER_SVC}, br_defaults(cluster=False, namespace=False), [], id="allowed explicitly"),
        pytest.param({"ref": {"namespace": "other"}, "uri": "/dead"}, CTX,
                     ["spec.delivery.deadLetterSink.ref.apiVersion", "spec.delivery.deadLetterSink.ref.kind",
                      "spec.delivery.deadLetterSink.ref.name"],
                     id="a ref that names nothing is still refused"),
    ],
)
async def test_broker_dead_letter_sink_namespace(dls, ctx, want):
    """Knative: ValidateDestination checks the ref only without a uri; a Broker allows another namespace unless
    config-br-defaults disallows it (cluster or namespace)."""
    assert await paths_of(Broker, broker_with_dls(**dls), ctx=ctx) == want


async def test_broker_dead_letter_sink_elsewhere_when_disallowed_says_why():
    assert await errors_of(Broker, broker_with_dls(ref=OTHER_SVC), ctx=br_defaults(cluster=True)) == [
        "spec.delivery.deadLetterSink.ref.namespace: mismatched namespaces: the parent's is 'demo', the ref's "
        "'other' (config-br-defaults disallows another namespace for this Broker)"
    ]


async def test_backoff_max_annotation_must_be_iso8601():
    doc = {
        "metadata": {
            "name": "b",
            "namespace": "demo",
            "annotations": {"delivery.pyknative.dev/backoff-max": "30s"},
        }
    }
    assert await errors_of(Broker, doc) == [
        "metadata.annotations[delivery.pyknative.dev/backoff-max]: invalid ISO-8601 duration '30s' (e.g. PT0.2S, PT1M, P1D)"
    ]


# ------------------------------------------------------------------------------------------- DeliverySpec


@pytest.mark.parametrize(
    ("delivery", "want"),
    [
        pytest.param({"retry": -1}, "spec.delivery.retry: must be >= 0, got -1", id="negative retry"),
        pytest.param(
            {
                "retry": 0,
                "backoffPolicy": "linear",
                "backoffDelay": "PT0S",
                "timeout": "PT1S",
                "format": "binary",
            },
            None,
            id="valid",
        ),
        pytest.param(
            {"backoffPolicy": "Exponential"},
            "spec.delivery.backoffPolicy: must be linear or exponential, got 'Exponential'",
            id="policy",
        ),
        pytest.param(
            {"backoffDelay": "1s"},
            "spec.delivery.backoffDelay: invalid ISO-8601 duration '1s' (e.g. PT0.2S, PT1M, P1D)",
            id="delay",
        ),
        pytest.param(
            {"timeout": "PT0S"},
            "spec.delivery.timeout: must be greater than zero, got 'PT0S'",
            id="zero timeout",
        ),
        pytest.param(
            {"timeout": "P"},
            "spec.delivery.timeout: invalid ISO-8601 duration 'P' (e.g. PT0.2S, PT1M, P1D)",
            id="bad timeout",
        ),
        pytest.param(
            {"retryAfterMax": "PT1M"},
            "spec.delivery.retryAfterMax: not allowed: enable the delivery-retryafter feature in config-features",
            id="retryAfterMax behind its feature flag",
        ),
        pytest.param(
            {"format": "xml"}, "spec.delivery.format: must be json or binary, got 'xml'", id="format"
        ),
        pytest.param(
            {"deadLetterSink": {}},
            "spec.delivery.deadLetterSink: required: expected at least one of ref or uri, got none",
            id="empty DLS",
        ),
        pytest.param(
            {"deadLetterSink": {"ref": {"kind": "Service", "name": "d"}}},
            "spec.delivery.deadLetterSink.ref.apiVersion: required",
            id="DLS ref without apiVersion",
        ),
        pytest.param(
            {"deadLetterSink": {"uri": "http://d", "CACerts": "nope"}},
            "spec.delivery.deadLetterSink.CACerts: not a valid PEM: no -----BEGIN CERTIFICATE----- block found",
            id="DLS CACerts",
        ),
    ],
)
async def test_delivery_spec(delivery, want):
    assert await errors_of(Trigger, trigger_doc(delivery=delivery)) == ([want] if want else [])


async def test_delivery_feature_flags_from_config():
    cfg = parse_config(
        {"config-features": {"delivery-retryafter": "enabled", "delivery-timeout": "disabled"}}
    )
    ctx = AdmissionContext(config=cfg)
    assert await errors_of(Trigger, trigger_doc(delivery={"retryAfterMax": "PT1M"}), ctx=ctx) == []
    assert await paths_of(Trigger, trigger_doc(delivery={"retryAfterMax": "forever"}), ctx=ctx) == [
        "spec.delivery.retryAfterMax"
    ]
    assert await errors_of(Trigger, trigger_doc(delivery={"timeout": "PT1S"}), ctx=ctx) == [
        "spec.delivery.timeout: not allowed: enable the delivery-timeout feature in config-features"
    ]


# ----------------------------------------------------------------------------------------------- Trigger


@pytest.mark.parametrize(
    ("spec", "want"),
    [
        pytest.param(
            {"broker": None},
            ["spec.broker: required: expected exactly one of broker or brokerRef, got neither"],
            id="neither",
        ),
        pytest.param(
            {"brokerRef": {"name": "b"}},
            ["spec: expected exactly one of broker or brokerRef, got both"],
            id="both",
        ),
        pytest.param({"broker": None, "brokerRef": {"name": "b", "namespace": "demo"}}, [], id="brokerRef"),
        pytest.param(
            {"broker": None, "brokerRef": {"kind": "Channel", "namespace": "other"}},
            [
                "spec.brokerRef.kind: must be Broker, got 'Channel'",
                "spec.brokerRef.name: required",
                "spec.brokerRef.namespace: a Broker in another namespace ('other') needs the cross-namespace-event-links feature in config-features",
            ],
            id="bad brokerRef",
        ),
    ],
)
async def test_trigger_broker(spec, want):
    assert await errors_of(Trigger, trigger_doc(**spec)) == want


@pytest.mark.parametrize(
    ("subscriber", "want"),
    [
        pytest.param(
            None, ["spec.subscriber: required: expected at least one of ref or uri, got none"], id="missing"
        ),
        pytest.param({"uri": "http://example.com"}, [], id="absolute uri"),
        pytest.param({"ref": SVC, "uri": "/relative"}, [], id="ref and relative uri"),
        pytest.param(
            {"ref": SVC, "uri": "http://example.com"},
            [
                "spec.subscriber.uri: absolute URI 'http://example.com' is not allowed when ref is present: use a relative path"
            ],
            id="ref and absolute uri",
        ),
        pytest.param(
            {"uri": "/events"},
            [
                "spec.subscriber.uri: relative URI '/events' is not allowed when ref is absent: give a scheme and host"
            ],
            id="relative uri alone",
        ),
        pytest.param(
            {"ref": {"name": "x"}},
            ["spec.subscriber.ref.apiVersion: required", "spec.subscriber.ref.kind: required"],
            id="incomplete ref",
        ),
        pytest.param(
            {"ref": {**SVC, "namespace": "other"}},
            [
                "spec.subscriber.ref.namespace: mismatched namespaces: the parent's is 'demo', the ref's 'other' "
                "(enable cross-namespace-event-links in config-features to allow it)"
            ],
            id="other namespace",
        ),
        pytest.param({"ref": {**SVC, "namespace": "other"}, "uri": "/events"}, [], id="other namespace with a uri"),
        pytest.param(
            {"uri": "http://x", "CACerts": "-----BEGIN PRIVATE KEY-----\nAA==\n-----END PRIVATE KEY-----"},
            ["spec.subscriber.CACerts: not a certificate: the PEM block is a PRIVATE KEY"],
            id="CACerts not a certificate",
        ),
    ],
)
async def test_trigger_subscriber(subscriber, want):
    assert await errors_of(Trigger, trigger_doc(subscriber=subscriber)) == want


async def test_cross_namespace_subscriber_with_the_feature_enabled():
    ctx = AdmissionContext(
        config=parse_config({"config-features": {"cross-namespace-event-links": "enabled"}})
    )
    assert (
        await errors_of(Trigger, trigger_doc(subscriber={"ref": {**SVC, "namespace": "other"}}), ctx=ctx)
        == []
    )


@pytest.mark.parametrize(
    ("attributes", "want"),
    [
        pytest.param({"type": "x", "source": "", "ext1": "y"}, [], id="valid, empty value matches any"),
        pytest.param({"Type": "x"}, ["spec.filter.attributes[Type]"], id="uppercase"),
        pytest.param(
            {"1type": "x", "my-ext": "y", "": "z"},
            ["spec.filter.attributes[1type]", "spec.filter.attributes[]", "spec.filter.attributes[my-ext]"],
            id="digit first, dash, empty",
        ),
    ],
)
async def test_trigger_filter_attribute_names(attributes, want):
    assert await paths_of(Trigger, trigger_doc(filter={"attributes": attributes})) == want


@pytest.mark.parametrize(
    ("filters", "want"),
    [
        pytest.param(
            [{"exact": {"type": "a"}, "cesql": "true"}],
            [
                "spec.filters[0]: multiple dialects found, filters can have only one dialect set (got exact, cesql)"
            ],
            id="two dialects",
        ),
        pytest.param(
            [{"exact": {}}],
            [
                "spec.filters[0]: no dialect found: set exactly one of exact, prefix, suffix, all, any, not or cesql"
            ],
            id="no dialect",
        ),
        pytest.param(
            [{"exact": {"type": ""}}],
            ["spec.filters[0].exact[type]: value must not be empty"],
            id="empty exact value",
        ),
        pytest.param(
            [{"suffix": {"Subject": ".json"}}],
            [
                "spec.filters[0].suffix[Subject]: invalid attribute name 'Subject': must start with a lowercase letter and contain only lowercase letters and digits"
            ],
            id="suffix key",
        ),
        pytest.param(
            [{"exact": {"type": "a"}}, {"any": [{"prefix": {"source": "/a"}}, {"exact": {"TYPE": ""}}]}],
            [
                "spec.filters[1].any[1].exact[TYPE]: invalid attribute name 'TYPE': must start with a lowercase letter and contain only lowercase letters and digits",
                "spec.filters[1].any[1].exact[TYPE]: value must not be empty",
            ],
            id="nested any",
        ),
        pytest.param(
            [{"all": [{"not": {"prefix": {"source": "/a"}, "suffix": {"source": "b"}}}]}],
            [
                "spec.filters[0].all[0].not: multiple dialects found, filters can have only one dialect set (got prefix, suffix)"
            ],
            id="nested not",
        ),
        pytest.param(
            [{"not": {"all": [{}]}}],
            [
                "spec.filters[0].not.all[0]: no dialect found: set exactly one of exact, prefix, suffix, all, any, not or cesql"
            ],
            id="deeply nested empty",
        ),
    ],
)
async def test_trigger_subscriptions_api_filters(filters, want):
    assert await errors_of(Trigger, trigger_doc(filters=filters)) == want


async def test_cesql_parse_error_names_the_field_and_position():
    filters = [{"exact": {"type": "a"}}, {"cesql": "type = 'x'"}, {"cesql": "type = = 'x'"}]
    (error,) = await errors_of(Trigger, trigger_doc(filters=filters))
    assert error.startswith("spec.filters[2].cesql: parse error at line 1, column 8: unexpected '='")
    (nested,) = await errors_of(Trigger, trigger_doc(filters=[{"any": [{"cesql": "source LIKE"}]}]))
    assert nested.startswith(
        "spec.filters[0].any[0].cesql: parse error at line 1, column 12: unexpected end of expression"
    )


async def test_filters_are_not_validated_when_new_trigger_filters_is_disabled():
    ctx = AdmissionContext(config=parse_config({"config-features": {"new-trigger-filters": "disabled"}}))
    assert await errors_of(Trigger, trigger_doc(filters=[{}]), ctx=ctx) == []


@pytest.mark.parametrize(
    ("annotations", "want"),
    [
        pytest.param(
            {"kafka.eventing.knative.dev/delivery.order": "Ordered"}, [], id="order is case-insensitive"
        ),
        pytest.param({"kafka.eventing.knative.dev/delivery.order": "unordered"}, [], id="unordered"),
        pytest.param(
            {"kafka.eventing.knative.dev/delivery.order": "fifo"},
            [
                "metadata.annotations[kafka.eventing.knative.dev/delivery.order]: must be ordered or unordered, got 'fifo'"
            ],
            id="bad order",
        ),
        pytest.param(
            {
                "knative.dev/dependency": '{"kind": "PingSource", "name": "p", "apiVersion": "sources.knative.dev/v1"}'
            },
            [],
            id="dependency",
        ),
        pytest.param(
            {"knative.dev/dependency": '{"kind": "PingSource", "namespace": "other"}'},
            [
                "metadata.annotations[knative.dev/dependency].apiVersion: required",
                "metadata.annotations[knative.dev/dependency].name: required",
                "metadata.annotations[knative.dev/dependency].namespace: must be empty or the Trigger's namespace 'demo', got 'other'",
            ],
            id="incomplete dependency",
        ),
        pytest.param(
            {"knative.dev/dependency": "ping"},
            [
                "metadata.annotations[knative.dev/dependency]: must be a JSON object reference (kind, name, apiVersion), got 'ping'"
            ],
            id="dependency not JSON",
        ),
    ],
)
async def test_trigger_annotations(annotations, want):
    doc = trigger_doc()
    doc["metadata"]["annotations"] = annotations
    assert await errors_of(Trigger, doc) == want


async def test_trigger_broker_is_immutable_but_subscriber_is_not():
    old = trigger_doc()
    changed_subscriber = trigger_doc(subscriber={"uri": "http://new.example.com"})
    assert await errors_of(Trigger, changed_subscriber, old=old) == []
    assert await errors_of(Trigger, trigger_doc(broker="other"), old=old) == [
        "spec.broker: immutable field changed: was 'default', now 'other'"
    ]


# ---------------------------------------------------------------------------------------------- channels


async def test_channel_template_is_immutable():
    old = {"metadata": {"name": "c", "namespace": "demo"}}
    new = {
        "metadata": {"name": "c", "namespace": "demo"},
        "spec": {"channelTemplate": {"apiVersion": "messaging.knative.dev/v1beta1", "kind": "KafkaChannel"}},
    }
    assert await errors_of(Channel, new, old=old) == [
        "spec.channelTemplate: immutable field changed: was {apiVersion=messaging.knative.dev/v1, kind=InMemoryChannel}, "
        "now {apiVersion=messaging.knative.dev/v1beta1, kind=KafkaChannel}"
    ]
    same = {"metadata": {"name": "c", "namespace": "demo"}, "spec": {"delivery": {"retry": 4}}}
    assert await errors_of(Channel, same, old=old) == []
    # the same template written out with an empty spec is not a change
    imc = {"apiVersion": "messaging.knative.dev/v1", "kind": "InMemoryChannel"}
    with_empty_spec = {"metadata": {"name": "c", "namespace": "demo"}, "spec": {"channelTemplate": {**imc, "spec": {}}}}
    assert await errors_of(Channel, with_empty_spec, old={**old, "spec": {"channelTemplate": imc}}) == []


async def test_channel_template_is_required_and_complete():
    no_default = AdmissionContext(config=parse_config({"default-ch-webhook": {"default-ch-config": ""}}))
    assert await errors_of(Channel, {"metadata": {"name": "c"}}, ctx=no_default) == [
        "spec.channelTemplate: required: no default channel is configured (default-ch-webhook)"
    ]
    doc = {"metadata": {"name": "c"}, "spec": {"channelTemplate": {"spec": {"x": 1}}}}
    assert await paths_of(Channel, doc) == ["spec.channelTemplate.apiVersion", "spec.channelTemplate.kind"]


async def test_in_memory_channel_subscribers_need_a_uri():
    doc = {
        "metadata": {"name": "i"},
        "spec": {
            "subscribers": [
                {"uid": "a", "subscriberUri": "http://s"},
                {"uid": "b", "delivery": {"retry": -2}},
            ]
        },
    }
    assert await errors_of(InMemoryChannel, doc) == [
        "spec.subscribers[1].delivery.retry: must be >= 0, got -2",
        "spec.subscribers[1]: expected at least one of subscriberUri or replyUri, got none",
    ]


# ------------------------------------------------------------------------------------------ Subscription


def sub_doc(**spec):
    base = {
        "channel": {"apiVersion": "messaging.knative.dev/v1", "kind": "Channel", "name": "c"},
        "subscriber": {"ref": dict(SVC)},
    }
    return {"metadata": {"name": "s", "namespace": "demo"}, "spec": {**base, **spec}}


@pytest.mark.parametrize(
    ("spec", "want"),
    [
        pytest.param(
            {"channel": None},
            ["spec.channel: required: the Subscription must reference a channel"],
            id="no channel",
        ),
        pytest.param(
            {"channel": {"name": "c"}},
            ["spec.channel.apiVersion: required", "spec.channel.kind: required"],
            id="incomplete channel",
        ),
        pytest.param(
            {"subscriber": None},
            ["spec.subscriber: required: expected at least one of ref or uri, got none"],
            id="no subscriber",
        ),
        pytest.param(
            {"reply": {"uri": "relative"}},
            [
                "spec.reply.uri: relative URI 'relative' is not allowed when ref is absent: give a scheme and host"
            ],
            id="bad reply",
        ),
        pytest.param(
            {"delivery": {"backoffDelay": "soon"}},
            ["spec.delivery.backoffDelay: invalid ISO-8601 duration 'soon' (e.g. PT0.2S, PT1M, P1D)"],
            id="bad delivery",
        ),
    ],
)
async def test_subscription(spec, want):
    assert await errors_of(Subscription, sub_doc(**spec)) == want


async def test_subscription_channel_is_immutable_subscriber_and_reply_are_not():
    old = sub_doc()
    assert (
        await errors_of(
            Subscription, sub_doc(subscriber={"uri": "http://x"}, reply={"uri": "http://r"}), old=old
        )
        == []
    )
    moved = sub_doc(
        channel={"apiVersion": "messaging.knative.dev/v1", "kind": "InMemoryChannel", "name": "c"}
    )
    assert await paths_of(Subscription, moved, old=old) == ["spec.channel"]


async def test_names_must_be_dns_subdomains():
    doc = {"metadata": {"name": "My_Broker", "namespace": "demo"}}
    assert await paths_of(Broker, doc) == ["metadata.name"]
