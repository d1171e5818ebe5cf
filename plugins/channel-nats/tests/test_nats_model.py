"""NatsJetStreamChannel as a user applies it: parsing, round trip, defaulting, validation, names."""

from __future__ import annotations

import pytest
from pyknative_channel_nats import NatsJetStreamChannel, consumer_name, publish_subject, stream_name
from pyknative_channel_nats.plugin import plugin

from pyknative.api.kinds import AdmissionContext, Kinds, admit
from pyknative.errors import ValidationError

MANIFEST = {
    "apiVersion": "messaging.knative.dev/v1alpha1",
    "kind": "NatsJetStreamChannel",
    "metadata": {"name": "orders", "namespace": "shop"},
    "spec": {
        "stream": {
            "overrideName": "ORDERS",
            "config": {
                "additionalSubjects": ["legacy.orders.>"],
                "retention": "Interest",
                "maxMsgs": 1000,
                "maxAge": "24h0m0s",
                "storage": "File",
                "duplicateWindow": "2m0s",
                "placement": {"cluster": "east", "tags": ["ssd"]},
                "sources": [{"name": "OTHER", "filterSubject": "other.>"}],
            },
        },
        "consumerConfigTemplate": {
            "deliverPolicy": "All",
            "ackWait": "30s",
            "maxAckPending": 100,
            "replayPolicy": "Instant",
            "sampleFrequency": "30%",
            "consumerType": "Pull",
            "fetchBatchSize": 16,
            "fetchMaxWait": "500ms",
        },
        "delivery": {"retry": 3, "backoffPolicy": "exponential", "backoffDelay": "PT0.2S"},
        "subscribers": [{"uid": "u1", "subscriberUri": "http://sink.shop.svc.cluster.local"}],
        "somethingNew": {"kept": True},
    },
}


def _kinds() -> Kinds:
    return Kinds(plugin.pyknative_kinds())


async def _admit(doc, old=None):
    kinds = _kinds()
    obj = kinds.from_manifest(doc)
    return await admit(kinds, obj, kinds.from_manifest(old) if old else None, AdmissionContext())


def _errors(exc: pytest.ExceptionInfo) -> set[str]:
    return {e.path for e in exc.value.errors}


def test_manifest_parses_to_the_model_and_round_trips_unchanged():
    obj = _kinds().from_manifest(MANIFEST)
    assert isinstance(obj, NatsJetStreamChannel)
    assert obj.spec.stream.override_name == "ORDERS"
    assert obj.spec.stream.config.retention == "Interest"
    assert obj.spec.stream.config.sources[0].filter_subject == "other.>"
    assert obj.spec.consumer_config_template.fetch_batch_size == 16
    assert obj.to_dict() == MANIFEST


def test_kind_is_found_by_plural_and_short_name():
    kinds = _kinds()
    assert kinds.resolve("natsjsmc").cls is NatsJetStreamChannel
    assert kinds.resolve("natsjetstreamchannels").cls is NatsJetStreamChannel
    assert kinds.get("messaging.knative.dev/v1alpha1", "NatsJetStreamChannel").addressable


def test_wrong_types_name_the_field():
    doc = {**MANIFEST, "spec": {"stream": {"config": {"maxMsgs": "many"}}}}
    with pytest.raises(ValidationError, match=r"spec\.stream\.config\.maxMsgs: expected an integer"):
        _kinds().from_manifest(doc)


async def test_defaulting_marks_the_subscribable_duck_version():
    obj = await _admit(MANIFEST)
    assert obj.metadata.annotation("messaging.knative.dev/subscribable") == "v1"


async def test_a_valid_channel_is_admitted():
    obj = await _admit(MANIFEST)
    assert obj.spec.stream.override_name == "ORDERS"


async def test_every_bad_value_is_reported_at_once():
    doc = {
        **MANIFEST,
        "metadata": {"name": "x", "namespace": "y", "annotations": {"eventing.knative.dev/scope": "galaxy"}},
        "spec": {
            "stream": {"overrideName": "has.dot", "config": {
                "retention": "Forever", "discard": "Middle", "storage": "Tape", "maxMsgSize": 2_000_000,
                "maxAge": "1 day", "maxBytes": -1, "mirror": {"name": "M"}, "additionalSubjects": ["a..b"],
            }},
            "consumerConfigTemplate": {
                "deliverPolicy": "ByStartSequence", "replayPolicy": "Fast", "rateLimitBPS": 1000,
                "sampleFrequency": "150%", "optStartTime": "yesterday", "fetchBatchSize": 0, "consumerType": "Poll",
            },
            "subscribers": [{"uid": "u1"}],
        },
    }
    with pytest.raises(ValidationError) as exc:
        await _admit(doc)
    assert _errors(exc) == {
        "metadata.annotations.eventing.knative.dev/scope",
        "spec.stream.overrideName",
        "spec.stream.config.retention",
        "spec.stream.config.discard",
        "spec.stream.config.storage",
        "spec.stream.config.maxMsgSize",
        "spec.stream.config.maxAge",
        "spec.stream.config.maxBytes",
        "spec.stream.config.mirror",
        "spec.stream.config.additionalSubjects[0]",
        "spec.consumerConfigTemplate.optStartSeq",
        "spec.consumerConfigTemplate.replayPolicy",
        "spec.consumerConfigTemplate.rateLimitBPS",
        "spec.consumerConfigTemplate.sampleFrequency",
        "spec.consumerConfigTemplate.optStartTime",
        "spec.consumerConfigTemplate.fetchBatchSize",
        "spec.consumerConfigTemplate.consumerType",
        "spec.subscribers[0]",
    }
    assert "expected one of Limits, Interest, Work" in str(exc.value)


async def test_delivery_and_subscribers_are_the_cores_channel_duck_types():
    """What the core's channel reconciler reads (``spec.delivery.deadLetterSink``) and validates, as for every
    channel kind."""
    obj = _kinds().from_manifest({**MANIFEST, "spec": {"delivery": {"retry": 1, "deadLetterSink": {"uri": "http://dls"}}}})
    assert obj.spec.delivery.dead_letter_sink.uri == "http://dls"
    bad = {**MANIFEST, "spec": {"delivery": {"retry": -1, "backoffPolicy": "random"},
                                "subscribers": [{"uid": "u1", "subscriberUri": "http://a", "delivery": {"backoffDelay": "2s"}}]}}
    with pytest.raises(ValidationError) as exc:
        await _admit(bad)
    assert _errors(exc) == {"spec.delivery.retry", "spec.delivery.backoffPolicy", "spec.subscribers[0].delivery.backoffDelay"}


async def test_by_start_time_needs_a_time_and_accepts_rfc3339():
    doc = {**MANIFEST, "spec": {"consumerConfigTemplate": {"deliverPolicy": "ByStartTime"}}}
    with pytest.raises(ValidationError, match="optStartTime: required when deliverPolicy is ByStartTime"):
        await _admit(doc)
    doc["spec"]["consumerConfigTemplate"]["optStartTime"] = "2024-01-02T15:04:05Z"
    await _admit(doc)


async def test_stream_name_and_storage_cannot_change():
    changed = {**MANIFEST, "spec": {"stream": {"overrideName": "OTHER", "config": {"storage": "Memory"}}}}
    with pytest.raises(ValidationError) as exc:
        await _admit(changed, old=MANIFEST)
    assert _errors(exc) == {"spec.stream.overrideName", "spec.stream.config.storage"}
    same = {**MANIFEST, "spec": {**MANIFEST["spec"], "consumerConfigTemplate": {"maxAckPending": 5}}}
    await _admit(same, old=MANIFEST)


def test_names_follow_eventing_natss():
    assert stream_name("default", "channel") == "KN_DEFAULT__CHANNEL"
    assert stream_name("knative-eventing", "my-channel") == "KN_KNATIVE_EVENTING__MY_CHANNEL"
    assert stream_name("default", "my.channel") == "KN_DEFAULT__MY_CHANNEL"
    assert stream_name("default", "channel", "CUSTOM") == "CUSTOM"
    assert publish_subject("default", "my-channel") == "default.my-channel._knative"
    assert consumer_name("1b4a6c4e-0d0e-4c9f-8b1a-2f3e4d5c6b7a") == "KN_SUB_1B4A6C4E0D0E4C9F8B1A2F3E4D5C6B7A"
