"""Defaulting and validation of KafkaChannel, as eventing-kafka-broker's webhook does them.

Defaulting fills ``numPartitions``/``replicationFactor`` (from ``config-kafka``'s ``default.topic.*``, 1 by
default), ``retentionDuration`` (PT168H) and the Subscribable duck annotation. Validation wants all three > 0,
the three immutable after creation, every subscriber with a subscriber or reply URI, and well-formed delivery
specs. :func:`registration` is the :class:`~pyknative.api.kinds.KindRegistration` the plugin hands the core.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from pyknative.api import columns
from pyknative.api.eventing_kinds import CHANNEL
from pyknative.api.eventing_validation import validate_channelable
from pyknative.api.kinds import AdmissionContext, KindRegistration
from pyknative.api.meta import Resource
from pyknative.errors import FieldError
from pyknative.eventing.delivery_policy import parse_iso8601_duration
from pyknative_channel_kafka.api import (
    DEFAULT_RETENTION_DURATION,
    SUBSCRIBABLE_DUCK_VERSION_ANNOTATION,
    KafkaChannel,
    KafkaChannelSpec,
)
from pyknative_channel_kafka.config import KafkaConfig


def default_kafka_channel(obj: Resource, ctx: AdmissionContext) -> Resource:
    assert isinstance(obj, KafkaChannel)
    try:
        cfg = KafkaConfig.from_operator_config(ctx.config)
    except Exception:  # a bad config-kafka is reported at start-up; admission falls back to Knative's defaults
        cfg = KafkaConfig()
    spec = obj.spec or KafkaChannelSpec()
    spec = attrs.evolve(
        spec,
        num_partitions=spec.num_partitions or cfg.default_partitions,
        replication_factor=spec.replication_factor or cfg.default_replication_factor,
        retention_duration=spec.retention_duration or DEFAULT_RETENTION_DURATION,
    )
    annotations = dict(obj.metadata.annotations or {})
    annotations.setdefault(SUBSCRIBABLE_DUCK_VERSION_ANNOTATION, "v1")
    return attrs.evolve(obj, spec=spec, metadata=attrs.evolve(obj.metadata, annotations=annotations))


def validate_kafka_channel(new: Resource, old: Resource | None, ctx: AdmissionContext) -> list[FieldError]:
    assert isinstance(new, KafkaChannel)
    spec = new.spec or KafkaChannelSpec()
    errors: list[FieldError] = []
    for field, value in (("numPartitions", spec.num_partitions), ("replicationFactor", spec.replication_factor)):
        if value is None or value <= 0:
            errors.append(FieldError(f"spec.{field}", f"must be > 0, got {value}"))
    errors.extend(_check_retention(spec.retention_duration))
    errors.extend(validate_channelable(spec, ctx, new.namespace))
    if isinstance(old, KafkaChannel):
        errors.extend(_check_immutable(old.spec or KafkaChannelSpec(), spec))
    return errors


def registration() -> KindRegistration:
    # A channel kind carries the `channel` category (Knative's channel spec) and the channels' columns.
    return KindRegistration(
        KafkaChannel,
        default_kafka_channel,
        validate_kafka_channel,
        addressable=True,
        columns=columns.ADDRESSABLE,
        categories=CHANNEL,
    )


def retention_ms(spec: KafkaChannelSpec | None) -> int:
    """The topic's ``retention.ms`` for a (defaulted) spec."""
    text = (spec.retention_duration if spec else None) or DEFAULT_RETENTION_DURATION
    return int(parse_iso8601_duration(text) * 1000)


def _check_retention(text: str | None) -> Iterable[FieldError]:
    path = "spec.retentionDuration"
    if text is None:
        return [FieldError(path, "required: an ISO-8601 duration such as PT168H")]
    try:
        seconds = parse_iso8601_duration(text)
    except ValueError as e:
        return [FieldError(path, str(e))]
    if seconds <= 0:
        return [FieldError(path, f"must be > 0, got {text!r}")]
    return []


def _check_immutable(old: KafkaChannelSpec, new: KafkaChannelSpec) -> Iterable[FieldError]:
    for attr, key in (
        ("num_partitions", "numPartitions"),
        ("replication_factor", "replicationFactor"),
        ("retention_duration", "retentionDuration"),
    ):
        before, after = getattr(old, attr), getattr(new, attr)
        # Knative lets a channel created before retentionDuration existed gain one.
        if attr == "retention_duration" and before is None:
            continue
        if before != after:
            yield FieldError(f"spec.{key}", f"field is immutable (was {before!r}, now {after!r})")


