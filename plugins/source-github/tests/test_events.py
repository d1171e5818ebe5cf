"""The pure part: signatures, and the CloudEvent Knative's adapter makes of push, pull_request, issues, ping."""

from __future__ import annotations

import json

import pytest
from payloads import ISSUES, PING, PULL_REQUEST, PUSH
from pyknative_source_github.events import (
    DeliveryError,
    parse_delivery,
    sign,
    subject_and_extensions,
    to_cloudevent,
    verify_signature,
)

SECRET = "It's a Secret to Everybody"


def test_signature_matches_githubs_documented_example():
    # https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries: "Hello, World!"
    assert sign(b"Hello, World!", SECRET) == (
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    )
    verify_signature({"x-hub-signature-256": sign(b"Hello, World!", SECRET)}, b"Hello, World!", SECRET)


def test_sha1_is_checked_only_when_it_alone_is_sent():
    body = b'{"a": 1}'
    verify_signature({"x-hub-signature": sign(body, SECRET, "sha1")}, body, SECRET)
    with pytest.raises(DeliveryError, match="X-Hub-Signature-256"):  # a good SHA-1 does not rescue a bad SHA-256
        verify_signature(
            {"x-hub-signature-256": sign(body, "other"), "x-hub-signature": sign(body, SECRET, "sha1")}, body, SECRET
        )


@pytest.mark.parametrize(
    "headers",
    [{}, {"x-hub-signature-256": "sha256=00"}, {"x-hub-signature": sign(b"x", SECRET, "sha1")}],
)
def test_missing_or_wrong_signatures_are_refused(headers):
    with pytest.raises(DeliveryError):
        verify_signature(headers, b"{}", SECRET)


def test_a_delivery_needs_event_and_delivery_headers_and_a_json_object():
    with pytest.raises(DeliveryError, match="X-GitHub-Event"):
        parse_delivery({"x-github-delivery": "1"}, b"{}")
    with pytest.raises(DeliveryError, match="X-GitHub-Delivery"):
        parse_delivery({"x-github-event": "push"}, b"{}")
    with pytest.raises(DeliveryError, match="JSON object"):
        parse_delivery({"x-github-event": "push", "x-github-delivery": "1"}, b"[]")


@pytest.mark.parametrize(
    ("event", "payload", "subject", "extensions"),
    [
        ("push", PUSH, "6113728f27ae...000000000000",
         {"owner": "Codertocat", "repository": "Hello-World", "sender": "Codertocat", "pusher": "Codertocat",
          "ref": "refs/tags/simple-tag", "created": "false", "deleted": "true", "forced": "false"}),
        ("pull_request", PULL_REQUEST, "2",
         {"owner": "Codertocat", "repository": "Hello-World", "sender": "Codertocat", "action": "opened",
          "installation": "2311213", "number": "2"}),
        ("issues", ISSUES, "1",
         {"owner": "Codertocat", "repository": "Hello-World", "sender": "Codertocat", "action": "edited",
          "label": "bug"}),
        ("ping", PING, "30", {"owner": "Codertocat", "repository": "Hello-World", "sender": "Codertocat"}),
    ],
)
def test_subject_and_extensions_as_knatives_adapter(event, payload, subject, extensions):
    assert subject_and_extensions(event, payload) == (subject, extensions)


def test_the_cloudevent_of_a_delivery():
    body = json.dumps(PULL_REQUEST).encode()
    delivery = parse_delivery({"x-github-event": "pull_request", "x-github-delivery": "72d3162e-cc78"}, body)
    event = to_cloudevent(delivery, "Codertocat/Hello-World")
    assert event.attributes["type"] == "dev.knative.source.github.pull_request"
    assert event.attributes["source"] == "https://github.com/Codertocat/Hello-World"
    assert event.attributes["id"] == "72d3162e-cc78"
    assert event.attributes["subject"] == "2"
    assert event.attributes["datacontenttype"] == "application/json"
    assert event.attributes["action"] == "opened"
    assert event.data == body
