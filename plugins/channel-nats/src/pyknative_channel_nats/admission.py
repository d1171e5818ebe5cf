"""Defaulting and validation of ``NatsJetStreamChannel``.

Defaulting is eventing-natss': the ``messaging.knative.dev/subscribable: v1`` annotation; stream and consumer
defaults (file storage, limits retention, ...) are applied when the stream is built, so the stored object keeps
what the user wrote. Validation does what eventing-natss' webhook does (a subscriber needs a subscriber or reply
URI; ``eventing.knative.dev/scope`` is ``cluster`` or ``namespace``) and, so that a bad value fails at apply time
instead of at stream creation, checks what JetStream would refuse: enumerations, durations, sizes, start options
for ``ByStartSequence``/``ByStartTime``, and names. ``stream.overrideName`` and ``stream.config.storage`` cannot
change once set (JetStream cannot rename a stream or move its storage).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import attrs

from pyknative.api.eventing_validation import validate_channelable
from pyknative.api.kinds import AdmissionContext
from pyknative.config import parse_duration
from pyknative.errors import FieldError
from pyknative_channel_nats import model as m

SUBSCRIBABLE_ANNOTATION = "messaging.knative.dev/subscribable"
SCOPE_ANNOTATION = "eventing.knative.dev/scope"
_SCOPES = ("cluster", "namespace")
_BAD_NAME_CHARS = re.compile(r"[\s.*>/\\]")
_SAMPLE = re.compile(r"^(\d{1,3})%?$")


def default_channel(obj: m.NatsJetStreamChannel, ctx: AdmissionContext) -> m.NatsJetStreamChannel:
    annotations = dict(obj.metadata.annotations or {})
    if SUBSCRIBABLE_ANNOTATION in annotations:
        return obj
    annotations[SUBSCRIBABLE_ANNOTATION] = "v1"
    return attrs.evolve(obj, metadata=attrs.evolve(obj.metadata, annotations=annotations))


def validate_channel(
    new: m.NatsJetStreamChannel, old: m.NatsJetStreamChannel | None, ctx: AdmissionContext
) -> list[FieldError]:
    errors: list[FieldError] = []
    scope = new.metadata.annotation(SCOPE_ANNOTATION)
    if scope is not None and scope not in _SCOPES:
        errors.append(
            FieldError(f"metadata.annotations.{SCOPE_ANNOTATION}", f"invalid value {scope!r}: expected either 'cluster' or 'namespace'")
        )
    spec = new.spec or m.NatsJetStreamChannelSpec()
    errors.extend(validate_channelable(spec, ctx, new.namespace))
    errors.extend(e.under("spec") for e in validate_spec(spec))
    if old is not None:
        errors.extend(e.under("spec") for e in _immutable(spec, old.spec or m.NatsJetStreamChannelSpec()))
    return errors


def validate_spec(spec: m.NatsJetStreamChannelSpec) -> list[FieldError]:
    """The stream and consumer settings (``subscribers`` and ``delivery`` are the core's
    :func:`~pyknative.api.eventing_validation.validate_channelable`)."""
    errors: list[FieldError] = []
    stream = spec.stream or m.Stream()
    if stream.override_name is not None:
        errors.extend(_name("stream.overrideName", stream.override_name))
    if stream.config is not None:
        errors.extend(e.under("stream.config") for e in _stream_config(stream.config))
    if spec.consumer_config_template is not None:
        errors.extend(e.under("consumerConfigTemplate") for e in _consumer_template(spec.consumer_config_template))
    return errors


def _stream_config(c: m.StreamConfig) -> Iterable[FieldError]:
    for i, subject in enumerate(c.additional_subjects or ()):
        yield from _subject(f"additionalSubjects[{i}]", subject)
    yield from _one_of("retention", c.retention, m.RETENTION_POLICIES)
    yield from _one_of("discard", c.discard, m.DISCARD_POLICIES)
    yield from _one_of("storage", c.storage, m.STORAGE_TYPES)
    for key, value in (("maxConsumers", c.max_consumers), ("maxMsgs", c.max_msgs), ("maxBytes", c.max_bytes),
                       ("maxMsgSize", c.max_msg_size), ("replicas", c.replicas)):
        yield from _non_negative(key, value)
    if c.max_msg_size is not None and c.max_msg_size >= m.MAX_MSG_SIZE_LIMIT:
        yield FieldError("maxMsgSize", f"must be less than {m.MAX_MSG_SIZE_LIMIT} (JetStream's 1 MiB limit), got {c.max_msg_size}")
    yield from _duration("maxAge", c.max_age)
    yield from _duration("duplicateWindow", c.duplicate_window)
    if c.mirror is not None:
        yield FieldError(
            "mirror", "not supported: a channel's stream always listens on its publish subject, and JetStream refuses subjects on a mirror"
        )
    for i, source in enumerate(c.sources or ()):
        yield from (e.under(f"sources[{i}]") for e in _source(source))


def _source(s: m.StreamSource) -> Iterable[FieldError]:
    if not s.name:
        yield FieldError("name", "required")
    else:
        yield from _name("name", s.name)
    yield from _non_negative("optStartSeq", s.opt_start_seq)
    yield from _time("optStartTime", s.opt_start_time)


def _consumer_template(t: m.ConsumerConfigTemplate) -> Iterable[FieldError]:
    yield from _one_of("deliverPolicy", t.deliver_policy, m.DELIVER_POLICIES)
    yield from _one_of("replayPolicy", t.replay_policy, m.REPLAY_POLICIES)
    yield from _one_of("consumerType", t.consumer_type, m.CONSUMER_TYPES)
    yield from _non_negative("optStartSeq", t.opt_start_seq)
    yield from _non_negative("maxDeliver", t.max_deliver)
    yield from _non_negative("maxAckPending", t.max_ack_pending)
    yield from _time("optStartTime", t.opt_start_time)
    yield from _duration("ackWait", t.ack_wait)
    if t.deliver_policy == "ByStartSequence" and not t.opt_start_seq:
        yield FieldError("optStartSeq", "required (> 0) when deliverPolicy is ByStartSequence")
    if t.deliver_policy == "ByStartTime" and not t.opt_start_time:
        yield FieldError("optStartTime", "required when deliverPolicy is ByStartTime")
    if t.filter_subject is not None:
        yield from _subject("filterSubject", t.filter_subject)
    if t.rate_limit_bps:
        yield FieldError("rateLimitBPS", "not supported: pyknative uses pull consumers, and JetStream refuses a rate limit on them")
    if t.sample_frequency is not None:
        match = _SAMPLE.match(t.sample_frequency.strip())
        if match is None or int(match.group(1)) > 100:
            yield FieldError("sampleFrequency", f"invalid value {t.sample_frequency!r}: expected a percentage 0-100 such as 30 or 30%")
    if t.fetch_batch_size is not None and t.fetch_batch_size < 1:
        yield FieldError("fetchBatchSize", f"must be at least 1, got {t.fetch_batch_size}")
    if isinstance(t.fetch_max_wait, int):
        yield from _non_negative("fetchMaxWait", t.fetch_max_wait)
    else:
        yield from _duration("fetchMaxWait", t.fetch_max_wait)


def _immutable(new: m.NatsJetStreamChannelSpec, old: m.NatsJetStreamChannelSpec) -> Iterable[FieldError]:
    new_stream, old_stream = new.stream or m.Stream(), old.stream or m.Stream()
    if (new_stream.override_name or None) != (old_stream.override_name or None):
        yield FieldError("stream.overrideName", "field is immutable (JetStream cannot rename a stream)")
    new_storage = (new_stream.config or m.StreamConfig()).storage or "File"
    old_storage = (old_stream.config or m.StreamConfig()).storage or "File"
    if new_storage != old_storage:
        yield FieldError("stream.config.storage", f"field is immutable (JetStream cannot move a stream from {old_storage} storage)")


# ------------------------------------------------------------------------------------------------ field checks


def _one_of(path: str, value: str | None, allowed: Sequence[str]) -> Iterable[FieldError]:
    if value is not None and value not in allowed:
        yield FieldError(path, f"invalid value {value!r}: expected one of {', '.join(allowed)}")


def _non_negative(path: str, value: int | None) -> Iterable[FieldError]:
    if value is not None and value < 0:
        yield FieldError(path, f"must be >= 0, got {value}")


def _duration(path: str, value: Any) -> Iterable[FieldError]:
    if value is None:
        return
    try:
        seconds = parse_duration(value)
    except ValueError as exc:
        yield FieldError(path, str(exc))
        return
    if seconds < 0:
        yield FieldError(path, f"must not be negative, got {value!r}")


def _time(path: str, value: str | None) -> Iterable[FieldError]:
    if value is None:
        return
    try:
        parse_rfc3339(value)
    except ValueError:
        yield FieldError(path, f"invalid time {value!r}: expected RFC 3339 such as 2024-01-02T15:04:05Z")


def _name(path: str, value: str) -> Iterable[FieldError]:
    if not value or _BAD_NAME_CHARS.search(value):
        yield FieldError(path, f"invalid stream name {value!r}: must be non-empty without whitespace, '.', '*', '>', '/' or '\\'")


def _subject(path: str, value: str) -> Iterable[FieldError]:
    tokens = value.split(".")
    if not value or any(not t or re.search(r"\s", t) for t in tokens) or ">" in tokens[:-1]:
        yield FieldError(path, f"invalid subject {value!r}: expected dot-separated non-empty tokens, '>' only last")


def parse_rfc3339(value: str) -> datetime:
    """A timezone-aware datetime from an RFC 3339 time (``Z`` or an offset required); ValueError otherwise."""
    parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    if "T" not in value.upper() or parsed.tzinfo is None:
        raise ValueError(f"not an RFC 3339 time: {value!r}")
    return parsed
