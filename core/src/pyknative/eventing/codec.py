"""CloudEvents HTTP binding for :class:`Message`: binary and structured (JSON) content mode, specversion 1.0 and 0.3.

Decoding picks the mode from ``Content-Type`` as the binding says (``application/cloudevents...`` is structured,
anything else is binary), keeps every attribute as its canonical string and never changes the specversion (a 0.3
event stays 0.3). An event the binding or the spec refuses raises :class:`InvalidEvent` whose message is the reason
(the ingress answers 400 with it): a missing or empty ``id``/``source``/``type``/``specversion``, an unknown
specversion (``19.0``), a ``time`` that is not RFC 3339, a bad attribute name, a body that is not the JSON format,
batched mode (Knative does not use it).

Where the ``cloudevents`` SDK (v2, ``cloudevents.core``) sits, measured on the 2-core development machine: its
``from_binary``/``to_binary`` round trip costs about 17 us per event, parses JSON bodies into Python objects and
re-serialises them (so the bytes change), detects the mode by "any ``ce-`` header" rather than by Content-Type, and
neither rejects invalid UTF-8 nor unquotes RFC 7230 quoted strings; its event classes invent a missing ``id`` and
``time`` and validate in about 3 us, as much as the rest of our decoding. So the header mapping (percent-encoding per
binding §3.1.3.2), the JSON envelope and the validation rules are written here, and the SDK is the reference they
are tested against: :func:`sdk_verdict` asks its event classes (``cloudevents.core.v1.event.CloudEvent``,
``cloudevents.core.v03.event.CloudEvent``) and the tests hold :func:`validate` to the same verdicts, and check
that what we encode reads back identically through the SDK's decoders and the other way round.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any, Final
from urllib.parse import quote, unquote_to_bytes

from cloudevents.core.exceptions import BaseCloudEventException, CloudEventValidationError
from cloudevents.core.v03.event import CloudEvent as _SdkEventV03
from cloudevents.core.v1.event import CloudEvent as _SdkEventV1

from pyknative.errors import PyknativeError
from pyknative.eventing.message import Message

SPECVERSIONS: Final = ("1.0", "0.3")
STRUCTURED_JSON: Final = "application/cloudevents+json"
DATACONTENTTYPE: Final = "datacontenttype"

_SDK_EVENT = {"1.0": _SdkEventV1, "0.3": _SdkEventV03}
_REQUIRED, _OPTIONAL = object(), object()
# Known attributes per specversion (the SDK's REQUIRED_ATTRIBUTES and OPTIONAL_ATTRIBUTES); the rest are extensions.
_RULES: dict[str, dict[str, object]] = {
    "1.0": {
        **dict.fromkeys(("id", "source", "type", "specversion"), _REQUIRED),
        **dict.fromkeys(("datacontenttype", "dataschema", "subject", "time"), _OPTIONAL),
    },
    "0.3": {
        **dict.fromkeys(("id", "source", "type", "specversion"), _REQUIRED),
        **dict.fromkeys(("datacontenttype", "datacontentencoding", "schemaurl", "subject", "time"), _OPTIONAL),
    },
}
_EXTENSION_NAME = re.compile(r"^[a-z0-9]+$")
_STRUCTURED_PREFIX = "application/cloudevents"
_BATCH_PREFIX = "application/cloudevents-batch"
# Printable ASCII except space, '"' and '%': what a header value may carry unencoded (binding §3.1.3.2).
_SAFE_CHARS = "".join(c for c in map(chr, range(0x21, 0x7F)) if c not in '"%')
_NEEDS_ENCODING = re.compile(r'[^!#$&-~]')
_RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:(\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$")
_JSON_MEDIA = re.compile(r"^(?:application|text)/(?:[a-z0-9.\-]+\+)?json$")
_QUOTED_PAIR = re.compile(r"\\(.)")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class InvalidEvent(PyknativeError):
    """The request or response does not carry a valid CloudEvent; the message says why."""

    status_code = 400
    reason = "BadRequest"


# -- decoding --------------------------------------------------------------------------------------------------


def decode(content_type: str | None, ce_headers: Mapping[str, str], body: bytes) -> Message:
    """The event in an HTTP message: ``ce_headers`` maps each ``ce-`` header's name, lowercased and without the
    prefix, to its raw value (only read in binary mode)."""
    return Message(*decode_parts(content_type, ce_headers, body))


def decode_parts(content_type: str | None, ce_headers: Mapping[str, str], body: bytes) -> tuple[dict[str, str], bytes]:
    """:func:`decode` as a new attribute dict (the caller's to change before it builds the Message) and the data."""
    if content_type is not None and content_type[:23].lower() == _STRUCTURED_PREFIX:
        return _structured_parts(content_type, body)
    return _binary_parts(content_type, ce_headers, body)


def from_http(headers: Mapping[str, str], body: bytes) -> Message:
    """The event in an HTTP message given as a header mapping (names in any case)."""
    content_type = None
    ce: dict[str, str] = {}
    for name, value in headers.items():
        low = name.lower()
        if low[:3] == "ce-":
            ce[low[3:]] = value
        elif low == "content-type":
            content_type = value
    return decode(content_type, ce, body)


def is_cloudevent(content_type: str | None, ce_headers: Mapping[str, str]) -> bool:
    """Whether an HTTP message claims to carry an event (structured content type, or ``ce-specversion``)."""
    if content_type is not None and content_type[:23].lower() == _STRUCTURED_PREFIX:
        return True
    return "specversion" in ce_headers


def decode_binary(content_type: str | None, ce_headers: Mapping[str, str], body: bytes) -> Message:
    """Binary content mode: attributes from ``ce-`` headers, ``datacontenttype`` from ``Content-Type``."""
    return Message(*_binary_parts(content_type, ce_headers, body))


def _binary_parts(content_type: str | None, ce_headers: Mapping[str, str], body: bytes) -> tuple[dict[str, str], bytes]:
    attributes: dict[str, str] = {}
    for name, raw in ce_headers.items():
        attributes[name] = _header_value(name, raw)
    if content_type is not None:
        attributes[DATACONTENTTYPE] = content_type
    validate(attributes)
    return attributes, body


def decode_structured(content_type: str, body: bytes) -> Message:
    """Structured content mode in the JSON event format (``application/cloudevents+json``)."""
    return Message(*_structured_parts(content_type, body))


def _structured_parts(content_type: str, body: bytes) -> tuple[dict[str, str], bytes]:
    media = content_type.split(";", 1)[0].strip().lower()
    if media.startswith(_BATCH_PREFIX):
        raise InvalidEvent("batched content mode (application/cloudevents-batch+json) is not supported")
    if media != STRUCTURED_JSON:
        raise InvalidEvent(f"unsupported event format {media!r}: only {STRUCTURED_JSON} is understood")
    try:
        obj = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidEvent(f"the structured event is not valid JSON: {exc}") from None
    except RecursionError:
        raise InvalidEvent("the structured event is nested too deeply to decode") from None
    if not isinstance(obj, dict):
        raise InvalidEvent(f"the structured event must be a JSON object, not {type(obj).__name__}")
    specversion = obj.get("specversion")
    rules = _RULES.get(specversion) if isinstance(specversion, str) else None
    attributes: dict[str, str] = {}
    for key, value in obj.items():
        if key == "data" or key == "data_base64" or value is None:
            continue
        if not isinstance(value, str) and (key == "specversion" or (rules is not None and key in rules)):
            # The spec's context attributes are all strings (String, URI-reference, Timestamp) in JSON.
            raise InvalidEvent(f"attribute {key!r} must be a JSON string, not {_json_type(value)}")
        attributes[key] = _canonical(key, value)
    if b"\\u" in body:  # only a \u escape can make a lone surrogate, which no header or byte string can carry
        for key, value in attributes.items():
            if not _is_text(value):
                raise InvalidEvent(f"attribute {key!r} holds a lone surrogate, which is not Unicode text")
    try:
        data = _structured_data(obj, attributes)
    except RecursionError:
        raise InvalidEvent("the structured event's data is nested too deeply") from None
    except UnicodeEncodeError:
        raise InvalidEvent("the structured event's data holds a lone surrogate, which is not Unicode text") from None
    validate(attributes)
    return attributes, data


def _is_text(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _canonical(name: str, value: Any) -> str:
    """The canonical string of a JSON attribute value (CloudEvents type system: string, boolean, integer)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    raise InvalidEvent(f"attribute {name!r} must be a string, boolean or integer, not {_json_type(value)}")


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    return {dict: "an object", list: "an array"}.get(type(value), "a string")


def _structured_data(obj: dict[str, Any], attributes: dict[str, str]) -> bytes:
    data = obj.get("data")
    b64 = obj.get("data_base64")
    if b64 is not None:
        if data is not None:
            raise InvalidEvent("the structured event has both 'data' and 'data_base64'")
        return _b64decode("data_base64", b64)
    if data is None:
        return b""
    if attributes.get("specversion") == "0.3" and attributes.get("datacontentencoding", "").lower() == "base64":
        # 0.3 carries binary data base64-encoded in 'data'; the bytes are the event's, the encoding is the JSON's.
        del attributes["datacontentencoding"]
        return _b64decode("data", data)
    if is_json_content_type(attributes.get(DATACONTENTTYPE)):
        return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    if isinstance(data, str):
        return data.encode("utf-8")
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _b64decode(field: str, value: Any) -> bytes:
    if not isinstance(value, str):
        raise InvalidEvent(f"{field!r} must be a base64 string")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidEvent(f"{field!r} is not valid base64") from None


def _header_value(name: str, raw: str) -> str:
    """A ``ce-`` header value decoded: RFC 7230 quoted string, then one round of percent-decoding (UTF-8)."""
    if raw[:1] == '"':
        if len(raw) < 2 or raw[-1] != '"':
            raise InvalidEvent(f"header ce-{name} has an unterminated quoted string")
        raw = _QUOTED_PAIR.sub(r"\1", raw[1:-1])
    if not raw.isascii():
        # Raw bytes beyond ASCII (obs-text) were read as latin-1; they must still be UTF-8.
        try:
            raw = raw.encode("latin-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            raise InvalidEvent(f"header ce-{name} is not valid UTF-8") from None
    if "%" not in raw:
        return raw
    try:
        return unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidEvent(f"header ce-{name} percent-decodes to invalid UTF-8") from None


# -- validation ------------------------------------------------------------------------------------------------


def validate(attributes: Mapping[str, str]) -> None:
    """Raise :class:`InvalidEvent` unless ``attributes`` make a valid 1.0 or 0.3 event.

    The rules are the SDK's event classes' (``cloudevents.core.v1.event.CloudEvent``/``v03``): required attributes
    present and non-empty, optional ones non-empty when present, extension names ``[a-z0-9]+`` and not ``data``;
    plus what the SDK leaves to its parsers (an RFC 3339 ``time``) or fills in silently. They run here without
    building an SDK event, which would cost about as much as the rest of decoding; the tests hold both to the same
    verdicts (``test_validation_agrees_with_the_sdk``).
    """
    specversion = attributes.get("specversion")
    if specversion is None:
        raise InvalidEvent("missing required attribute 'specversion'")
    rules = _RULES.get(specversion)
    if rules is None:
        raise InvalidEvent(f"unsupported specversion {specversion!r} (supported: {', '.join(SPECVERSIONS)})")
    for name in ("id", "source", "type"):
        value = attributes.get(name)
        if value is None:
            raise InvalidEvent(f"missing required attribute {name!r}")
        if not value:
            raise InvalidEvent(f"required attribute {name!r} is empty")
    for name, value in attributes.items():
        kind = rules.get(name)
        if kind is None:
            if name == "data" or _EXTENSION_NAME.match(name) is None:
                raise InvalidEvent(
                    f"extension attribute name {name!r} is invalid: lowercase letters and digits only, not 'data'"
                )
        elif kind is _OPTIONAL and not value:
            raise InvalidEvent(f"attribute {name!r} must not be empty")
    time = attributes.get("time")
    if time is not None:
        parse_time(time)
    content_type = attributes.get(DATACONTENTTYPE)
    if content_type is not None and _CONTROL.search(content_type) is not None:
        raise InvalidEvent("attribute 'datacontenttype' contains control characters")


def sdk_verdict(attributes: Mapping[str, str]) -> str | None:
    """What the SDK's event class says about ``attributes``: None when valid, else its complaint. The reference
    :func:`validate` is tested against; not used on the hot path."""
    factory = _SDK_EVENT.get(attributes.get("specversion", ""))
    if factory is None:
        return f"unsupported specversion {attributes.get('specversion')!r}"
    if any(attributes.get(name) is None for name in ("id", "source", "type")):
        return "missing required attribute"  # the SDK would invent an id; we do not
    sdk_attributes: dict[str, Any] = dict(attributes)
    if "time" in attributes:
        try:
            sdk_attributes["time"] = parse_time(attributes["time"])
        except InvalidEvent as exc:
            return str(exc)
    try:
        factory(sdk_attributes, None)
    except CloudEventValidationError as exc:
        return "; ".join(f"{name}: {_first(errs)}" for name, errs in exc.errors.items())
    return None


def _first(errors: list[BaseCloudEventException]) -> str:
    return str(errors[0]) if errors else "invalid"


def parse_time(text: str) -> datetime:
    """An RFC 3339 timestamp (``time`` attribute); :class:`InvalidEvent` otherwise."""
    upper = text.upper()
    m = _RFC3339.match(upper)
    if m is None:
        raise InvalidEvent(f"attribute 'time' is not an RFC 3339 timestamp: {text!r}")
    if m.group(1) == "60":  # a leap second: valid RFC 3339 that datetime cannot hold
        upper = upper[: m.start(1)] + "59" + upper[m.end(1) :]
    try:
        return datetime.fromisoformat(upper)
    except ValueError as exc:
        raise InvalidEvent(f"attribute 'time' is not a valid timestamp: {text!r} ({exc})") from None


def is_json_content_type(content_type: str | None) -> bool:
    """Whether data of this content type is JSON (an absent one counts as ``application/json``)."""
    if content_type is None:
        return True
    media = content_type.split(";", 1)[0].strip().lower()
    return _JSON_MEDIA.match(media) is not None


# -- encoding --------------------------------------------------------------------------------------------------


def encode_header_value(value: str) -> str:
    """Percent-encode an attribute value for a ``ce-`` header (UTF-8, upper-case hex, binding §3.1.3.2)."""
    if _NEEDS_ENCODING.search(value) is None:
        return value
    return quote(value, safe=_SAFE_CHARS)


def binary_headers(message: Message, omit: Collection[str] = ()) -> list[tuple[str, str]]:
    """Binary content mode headers: ``ce-<name>`` for each attribute, ``Content-Type`` for ``datacontenttype``;
    attributes named in ``omit`` are left out."""
    out: list[tuple[str, str]] = []
    for name, value in message.attributes.items():
        if name in omit:
            continue
        if name == DATACONTENTTYPE:
            out.append(("content-type", value))
        else:
            out.append(("ce-" + name, encode_header_value(value)))
    return out


def structured_body(message: Message, omit: Collection[str] = ()) -> bytes:
    """The event in the JSON event format: JSON data inline, text as a string, other bytes base64."""
    attributes = {k: v for k, v in message.attributes.items() if k not in omit}
    data = message.data
    if not data:
        return json.dumps(attributes, ensure_ascii=False).encode("utf-8")
    try:
        text: str | None = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    head = json.dumps(attributes, ensure_ascii=False)[:-1]
    if is_json_content_type(attributes.get(DATACONTENTTYPE)):
        if text is not None and _is_json_text(text):
            return f'{head}, "data": {text}}}'.encode()
    elif text is not None:
        return f'{head}, "data": {json.dumps(text, ensure_ascii=False)}}}'.encode()
    b64 = base64.b64encode(data).decode("ascii")
    if attributes.get("specversion") == "0.3":
        return f'{head}, "datacontentencoding": "base64", "data": "{b64}"}}'.encode()
    return f'{head}, "data_base64": "{b64}"}}'.encode()


def _is_json_text(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def binary_head(message: Message, omit: Collection[str] = ()) -> bytes:
    """:func:`binary_headers` as HTTP header lines (``name: value\\r\\n`` each), for a request or response."""
    lines = []
    search = _NEEDS_ENCODING.search
    for name, value in message.attributes.items():
        if name in omit:
            continue
        if name == DATACONTENTTYPE:
            lines.append(f"content-type: {value}\r\n")
        elif search(value) is None:
            lines.append(f"ce-{name}: {value}\r\n")
        else:
            lines.append(f"ce-{name}: {quote(value, safe=_SAFE_CHARS)}\r\n")
    return "".join(lines).encode("utf-8")


def to_binary(message: Message, omit: Collection[str] = ()) -> tuple[dict[str, str], bytes]:
    """Headers and body of the event in binary content mode."""
    return dict(binary_headers(message, omit)), message.data


def to_structured(message: Message, omit: Collection[str] = ()) -> tuple[dict[str, str], bytes]:
    """Headers and body of the event in structured content mode (JSON format)."""
    return {"content-type": STRUCTURED_JSON}, structured_body(message, omit)
