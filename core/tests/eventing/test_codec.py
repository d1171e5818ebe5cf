"""The CloudEvents HTTP binding: binary and structured mode, 1.0 and 0.3, invalid events, and interop with the
``cloudevents`` SDK's own encoders and decoders."""

from __future__ import annotations

import base64
import json

import pytest
from cloudevents.core.bindings import http as sdk_http
from cloudevents.core.v1.event import CloudEvent as SdkEvent

from pyknative.eventing import codec
from pyknative.eventing.codec import InvalidEvent
from pyknative.eventing.message import Message

BINARY_10 = {
    "ce-specversion": "1.0",
    "ce-id": "A234-1234-1234",
    "ce-source": "https://github.com/cloudevents/spec/pull",
    "ce-type": "com.github.pull_request.opened",
    "ce-subject": "123",
    "ce-time": "2018-04-05T17:31:00Z",
    "ce-comexampleextension1": "value",
    "content-type": "text/xml",
}


def test_binary_1_0():
    m = codec.from_http(BINARY_10, b'<much wow="xml"/>')
    assert m.attributes == {
        "specversion": "1.0",
        "id": "A234-1234-1234",
        "source": "https://github.com/cloudevents/spec/pull",
        "type": "com.github.pull_request.opened",
        "subject": "123",
        "time": "2018-04-05T17:31:00Z",
        "comexampleextension1": "value",
        "datacontenttype": "text/xml",
    }
    assert m.data == b'<much wow="xml"/>'


def test_binary_header_names_are_case_insensitive():
    m = codec.from_http({"CE-SpecVersion": "1.0", "Ce-Id": "1", "ce-SOURCE": "/s", "ce-type": "t"}, b"")
    assert (m.id, m.source, m.type) == ("1", "/s", "t")


def test_binary_0_3_stays_0_3():
    m = codec.from_http({"ce-specversion": "0.3", "ce-id": "1", "ce-source": "/s", "ce-type": "t",
                         "ce-schemaurl": "http://schema"}, b"x")
    assert m.attributes["specversion"] == "0.3"
    assert m.attributes["schemaurl"] == "http://schema"
    headers, _ = codec.to_binary(m)
    assert headers["ce-specversion"] == "0.3"


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("Euro%20%E2%82%AC%20%F0%9F%98%80", "Euro € 😀"),
        ("%e2%82%ac", "€"),  # lower-case hex is accepted
        ("%41bc", "Abc"),  # needless encoding is accepted
        ('"quoted value"', "quoted value"),  # RFC 7230 quoted string (older encoders)
        ('"a \\"b\\""', 'a "b"'),
        ("100%25", "100%"),
    ],
)
def test_binary_header_values_are_decoded(raw, value):
    m = codec.from_http({"ce-specversion": "1.0", "ce-id": "1", "ce-source": "/s", "ce-type": "t", "ce-ext": raw}, b"")
    assert m.attributes["ext"] == value


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        ("Euro € 😀", "Euro%20%E2%82%AC%20%F0%9F%98%80"),
        ('say "hi"', "say%20%22hi%22"),
        ("100%", "100%25"),
        ("tab\there", "tab%09here"),
        ("/a/b?c=d&e=f#g", "/a/b?c=d&e=f#g"),
    ],
)
def test_binary_header_values_are_percent_encoded(value, encoded):
    assert codec.encode_header_value(value) == encoded


def test_structured_1_0():
    body = json.dumps({
        "specversion": "1.0", "id": "1", "source": "/s", "type": "t", "datacontenttype": "application/json",
        "data": {"a": [1, 2]}, "count": 7, "flag": True,
    }).encode()
    m = codec.decode("application/cloudevents+json; charset=utf-8", {}, body)
    assert m.attributes["count"] == "7"
    assert m.attributes["flag"] == "true"
    assert json.loads(m.data) == {"a": [1, 2]}


def test_structured_text_data_and_data_base64():
    text = codec.decode(codec.STRUCTURED_JSON, {}, json.dumps(
        {"specversion": "1.0", "id": "1", "source": "/s", "type": "t", "datacontenttype": "text/plain", "data": "hi"}
    ).encode())
    assert text.data == b"hi"
    binary = codec.decode(codec.STRUCTURED_JSON, {}, json.dumps(
        {"specversion": "1.0", "id": "1", "source": "/s", "type": "t", "data_base64": base64.b64encode(b"\x00\xff").decode()}
    ).encode())
    assert binary.data == b"\x00\xff"


def test_structured_0_3_base64_data():
    body = json.dumps({"specversion": "0.3", "id": "1", "source": "/s", "type": "t",
                       "datacontentencoding": "base64", "data": base64.b64encode(b"\x01\x02").decode()}).encode()
    m = codec.decode(codec.STRUCTURED_JSON, {}, body)
    assert m.attributes["specversion"] == "0.3"
    assert m.data == b"\x01\x02"
    assert "datacontentencoding" not in m.attributes
    again = json.loads(codec.structured_body(m))
    assert again["datacontentencoding"] == "base64"
    assert base64.b64decode(again["data"]) == b"\x01\x02"


def test_structured_mode_wins_over_ce_headers():
    body = json.dumps({"specversion": "1.0", "id": "from-body", "source": "/s", "type": "t"}).encode()
    m = codec.from_http({"content-type": "application/cloudevents+json", "ce-id": "from-header"}, body)
    assert m.id == "from-body"


@pytest.mark.parametrize(
    ("headers", "body", "reason"),
    [
        ({"ce-id": "1", "ce-source": "/s", "ce-type": "t"}, b"", "missing required attribute 'specversion'"),
        ({"ce-specversion": "19.0", "ce-id": "1", "ce-source": "/s", "ce-type": "t"}, b"", "unsupported specversion '19.0'"),
        ({"ce-specversion": "1.0", "ce-source": "/s", "ce-type": "t"}, b"", "missing required attribute 'id'"),
        ({"ce-specversion": "1.0", "ce-id": "1", "ce-type": "t"}, b"", "missing required attribute 'source'"),
        ({"ce-specversion": "1.0", "ce-id": "1", "ce-source": "/s"}, b"", "missing required attribute 'type'"),
        ({"ce-specversion": "1.0", "ce-id": "", "ce-source": "/s", "ce-type": "t"}, b"", "'id' is empty"),
        ({"ce-specversion": "1.0", "ce-id": "1", "ce-source": "/s", "ce-type": "t", "ce-time": "noon"}, b"", "RFC 3339"),
        ({"ce-specversion": "1.0", "ce-id": "1", "ce-source": "/s", "ce-type": "t", "ce-my-ext": "x"}, b"", "my-ext"),
        ({"ce-specversion": "1.0", "ce-id": "1", "ce-source": "/s", "ce-type": "t", "ce-x": "%C0%A0"}, b"", "UTF-8"),
        ({"ce-specversion": "1.0", "ce-id": "1", "ce-source": "/s", "ce-type": "t", "ce-subject": ""}, b"", "subject"),
        ({"content-type": "application/cloudevents+json"}, b"{not json", "not valid JSON"),
        ({"content-type": "application/cloudevents+json"}, b"[1]", "JSON object"),
        ({"content-type": "application/cloudevents+json"}, b'{"specversion":"1.0","source":"/s","type":"t"}', "'id'"),
        ({"content-type": "application/cloudevents-batch+json"}, b"[]", "batched"),
        ({"content-type": "application/cloudevents+avro"}, b"", "unsupported event format"),
        ({"content-type": "application/cloudevents+json"},
         b'{"specversion":"1.0","id":"1","source":"/s","type":"t","ext":{"a":1}}', "'ext'"),
        ({"content-type": "application/cloudevents+json"},
         b'{"specversion":"1.0","id":"1","source":"/s","type":"t","datacontenttype":"a/b\\r\\nx: y"}', "control"),
    ],
)
def test_invalid_events_are_rejected_with_the_reason(headers, body, reason):
    with pytest.raises(InvalidEvent, match=reason.replace("(", r"\(").replace("?", r"\?")):
        codec.from_http(headers, body)


@pytest.mark.parametrize(
    "time", ["2018-04-05T17:31:00Z", "2018-04-05t17:31:00.123456789z", "2018-04-05T17:31:00+05:30", "2016-12-31T23:59:60Z"]
)
def test_rfc3339_times_are_accepted_as_written(time):
    m = codec.from_http({"ce-specversion": "1.0", "ce-id": "1", "ce-source": "/s", "ce-type": "t", "ce-time": time}, b"")
    assert m.attributes["time"] == time


# -- interop with the SDK --------------------------------------------------------------------------------------


def _message(**extra: str) -> Message:
    attrs = {"specversion": "1.0", "id": "i-1", "source": "/src", "type": "dev.t", "subject": "sub ject €",
             "time": "2024-05-06T07:08:09Z", "ext1": 'quote " and % and ü', **extra}
    return Message(attrs, b'{"k": "v"}')


def test_our_binary_reads_back_through_the_sdk():
    m = _message(datacontenttype="application/json")
    headers, body = codec.to_binary(m)
    ev = sdk_http.from_binary_event(sdk_http.HTTPMessage(headers, body))
    assert ev.get_extension("ext1") == m.attributes["ext1"]
    assert ev.get_subject() == m.attributes["subject"]
    assert ev.get_data() == {"k": "v"}


@pytest.mark.parametrize(
    ("content_type", "data"),
    [("application/json", b'{"k": "v"}'), ("text/plain", "plain ü".encode()), ("application/octet-stream", b"\x00\xfe")],
)
def test_our_structured_reads_back_through_the_sdk(content_type, data):
    m = Message({**_message().attributes, "datacontenttype": content_type}, data)
    headers, body = codec.to_structured(m)
    ev = sdk_http.from_structured_event(sdk_http.HTTPMessage(headers, body))
    got = ev.get_data()
    if isinstance(got, dict):
        got = json.dumps(got).encode()
    elif isinstance(got, str):
        got = got.encode()
    assert got == data
    assert ev.get_extension("ext1") == m.attributes["ext1"]
    back = codec.from_http(headers, body)
    assert back.attributes == m.attributes
    if content_type == "application/json":
        assert json.loads(back.data) == json.loads(data)  # JSON data comes back compact
    else:
        assert back.data == data


def test_sdk_binary_and_structured_read_by_us():
    ev = SdkEvent({"type": "dev.t", "source": "/src", "id": "i-9", "subject": "a b", "ext": "€", "datacontenttype": "application/json"},
                  {"x": 1})
    for msg in (sdk_http.to_binary_event(ev), sdk_http.to_structured_event(ev)):
        m = codec.from_http(msg.headers, msg.body)
        assert (m.id, m.attributes["subject"], m.attributes["ext"]) == ("i-9", "a b", "€")
        assert json.loads(m.data) == {"x": 1}
        assert m.attributes["time"].endswith("Z")


def test_large_event_round_trips_both_modes():
    data = bytes(range(256)) * 144  # 36 KiB, not UTF-8
    m = Message({"specversion": "1.0", "id": "big", "source": "/s", "type": "t", "datacontenttype": "application/octet-stream"}, data)
    for headers, body in (codec.to_binary(m), codec.to_structured(m)):
        assert codec.from_http(headers, body) == m


_BASE = {"id": "1", "source": "/s", "type": "t"}


@pytest.mark.parametrize("specversion", ["1.0", "0.3"])
@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"subject": ""},
        {"subject": "s"},
        {"datacontenttype": ""},
        {"dataschema": ""},
        {"schemaurl": ""},
        {"datacontentencoding": ""},
        {"time": "2020-01-01T00:00:00Z"},
        {"time": "2020-01-01T00:00:00"},
        {"ext1": "x"},
        {"ext1": ""},
        {"Ext": "x"},
        {"my_ext": "x"},
        {"data": "x"},
        {"id": ""},
        {"source": ""},
        {"type": ""},
        {"x" * 30: "long names are allowed"},
    ],
)
def test_validation_agrees_with_the_sdk(specversion, extra):
    attributes = {**_BASE, "specversion": specversion, **extra}
    try:
        codec.validate(attributes)
        ours = None
    except InvalidEvent as exc:
        ours = str(exc)
    sdk = codec.sdk_verdict(attributes)
    assert (ours is None) == (sdk is None), (ours, sdk)


def test_binary_head_is_the_binary_headers():
    m = _message(datacontenttype="application/json")
    lines = "".join(f"{k}: {v}\r\n" for k, v in codec.binary_headers(m, omit={"subject"}))
    assert codec.binary_head(m, omit={"subject"}) == lines.encode()
