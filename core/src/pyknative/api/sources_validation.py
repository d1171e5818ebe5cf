"""Defaulting and validation of the source duck type and of PingSource, as Knative's webhook does them.

:func:`validate_source_spec` is the duck's part, for every source kind: ``spec.sink`` is a Destination (a
``ref``, an absolute ``uri``, or a ref with a relative uri; a ref in another namespace only with
``cross-namespace-event-links`` in ``config-features``), and ``spec.ceOverrides.extensions`` names valid
CloudEvent extension attributes (lowercase letters and digits). pyknative also refuses an extension named like
a context attribute (``id``, ``source``, ``type``, ...): Knative would let it overwrite the attribute.

PingSource (``pkg/apis/sources/v1/ping_validation.go``): the schedule parses (``@every`` refused), the timezone
exists, ``data`` and ``dataBase64`` are mutually exclusive, ``dataBase64`` is base64, either is JSON when
``contentType`` is ``application/json``, and neither is longer than ``config-ping-defaults: data-max-size``
(-1: no limit). Every error comes back at once, each with its field path.
"""

from __future__ import annotations

import base64
import binascii
import json

import attrs

from pyknative.api.eventing_validation import validate_attribute_names, validate_destination
from pyknative.api.kinds import AdmissionContext
from pyknative.api.sources import PING_DEFAULT_SCHEDULE, PingSource, PingSourceSpec, SourceSpec
from pyknative.errors import FieldError
from pyknative.sources import cron

#: context attributes an extension may not be named after (CloudEvents 1.0, and ``data``)
RESERVED_ATTRIBUTES = frozenset(
    {"specversion", "id", "source", "type", "datacontenttype", "dataschema", "subject", "time", "data", "data_base64"}
)
JSON_CONTENT_TYPE = "application/json"


def validate_source_spec(spec: SourceSpec | None, ctx: AdmissionContext, namespace: str, path: str = "spec") -> list[FieldError]:
    """The duck's fields of a source's spec: ``sink`` and ``ceOverrides``."""
    spec = spec or SourceSpec()
    errors = validate_destination(spec.sink, f"{path}.sink", ctx, namespace)
    overrides = spec.ce_overrides
    if overrides is not None and overrides.extensions:
        ext_path = f"{path}.ceOverrides.extensions"
        errors += validate_attribute_names(overrides.extensions, ext_path)
        for key in overrides.extensions:
            if key in RESERVED_ATTRIBUTES:
                errors.append(
                    FieldError(f"{ext_path}[{key}]", f"{key!r} is a CloudEvents context attribute, not an extension")
                )
    return errors


# ----------------------------------------------------------------------------------------------- PingSource


def default_ping_source(source: PingSource, ctx: AdmissionContext) -> PingSource:
    """``spec.schedule`` defaults to ``* * * * *`` (every minute)."""
    spec = source.spec or PingSourceSpec()
    if not spec.schedule:
        spec = attrs.evolve(spec, schedule=PING_DEFAULT_SCHEDULE)
    return attrs.evolve(source, spec=spec)


def validate_ping_source(source: PingSource, old: PingSource | None, ctx: AdmissionContext) -> list[FieldError]:
    spec = source.spec or PingSourceSpec()
    errors: list[FieldError] = []
    # The schedule and the zone are checked apart, so that both errors come back at once.
    for text, timezone, path in (
        (spec.schedule or PING_DEFAULT_SCHEDULE, None, "spec.schedule"),
        *((("* * * * *", spec.timezone, "spec.timezone"),) if spec.timezone else ()),
    ):
        try:
            cron.parse(text, timezone)
        except cron.ScheduleError as e:
            errors.append(FieldError(path, f"invalid value: {e}"))
    errors += validate_source_spec(spec, ctx, source.namespace)
    limit = _data_max_size(ctx)
    if spec.data and spec.data_base64:
        errors.append(FieldError("spec", "expected exactly one of data or dataBase64, got both"))
    elif spec.data_base64:
        errors += _size("spec.dataBase64", spec.data_base64.encode(), limit)
        try:
            decoded = base64.b64decode(spec.data_base64, validate=True)
        except (binascii.Error, ValueError) as e:
            errors.append(FieldError("spec.dataBase64", f"invalid value: not base64: {e}"))
        else:
            if spec.content_type == JSON_CONTENT_TYPE:
                errors += _json("spec.dataBase64", decoded)
    elif spec.data:
        errors += _size("spec.data", spec.data.encode(), limit)
        if spec.content_type == JSON_CONTENT_TYPE:
            errors += _json("spec.data", spec.data.encode())
    return errors


def _data_max_size(ctx: AdmissionContext) -> int:
    config = ctx.config
    if config is None:
        return -1
    try:
        return int(config.get("config-ping-defaults", "data-max-size"))
    except (KeyError, ValueError, AttributeError):
        return -1


def _size(path: str, data: bytes, limit: int) -> list[FieldError]:
    if limit > -1 and len(data) > limit:
        name = path.rsplit(".", 1)[-1]
        return [
            FieldError(
                path, f"invalid value: the {name} length of {len(data)} bytes exceeds limit set at {limit}."
            )
        ]
    return []


def _json(path: str, data: bytes) -> list[FieldError]:
    """Knative unmarshals into a JSON object: an array or a scalar is refused too."""
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError) as e:
        return [FieldError(path, f"invalid value: not JSON although contentType is {JSON_CONTENT_TYPE}: {e}")]
    if not isinstance(doc, dict):
        return [FieldError(path, f"invalid value: expected a JSON object (contentType is {JSON_CONTENT_TYPE})")]
    return []


# ----------------------------------------------------------------------------------- ContainerSource, SinkBinding


def validate_container_source(source, old, ctx: AdmissionContext) -> list[FieldError]:
    """The duck's fields, and a template with at least one container, each with a ``command`` or an ``image``."""
    spec = source.spec
    errors = validate_source_spec(spec, ctx, source.namespace)
    template = spec.template if spec is not None else None
    containers = (template.spec.containers if template is not None and template.spec is not None else None) or ()
    if not containers:
        errors.append(FieldError("spec.template.spec.containers", "missing field(s): at least one container"))
    for i, c in enumerate(containers):
        if not c.command and not c.image:
            errors.append(FieldError(f"spec.template.spec.containers[{i}]", "needs a command or an image"))
    return errors


def validate_sink_binding(binding, old, ctx: AdmissionContext) -> list[FieldError]:
    """The duck's fields, and ``spec.subject``: ``apiVersion``, ``kind``, and a ``name`` or a ``selector``
    (not both), as knative.dev/pkg's ``tracker.Reference`` validation says."""
    spec = binding.spec
    errors = validate_source_spec(spec, ctx, binding.namespace)
    subject = spec.subject if spec is not None else None
    if subject is None:
        return [*errors, FieldError("spec.subject", "missing field(s)")]
    for field, value in (("apiVersion", subject.api_version), ("kind", subject.kind)):
        if not value:
            errors.append(FieldError(f"spec.subject.{field}", "missing field(s)"))
    if subject.name and subject.selector is not None:
        errors.append(FieldError("spec.subject", "expected exactly one, got both: name, selector"))
    elif not subject.name and subject.selector is None:
        errors.append(FieldError("spec.subject", "expected exactly one, got neither: name, selector"))
    if subject.namespace and subject.namespace != binding.namespace:
        errors.append(FieldError("spec.subject.namespace", "must be the binding's own namespace"))
    return errors
