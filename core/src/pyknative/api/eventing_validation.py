"""Validation for Eventing's kinds, as Knative's webhook does it, returning every error with its field path.

Covers Broker, Trigger, Channel, InMemoryChannel and Subscription and the duck types they share (KReference,
Destination, DeliverySpec). Feature flags of ``config-features`` are honoured as Knative does:
``delivery-timeout``, ``delivery-retryafter``, ``new-trigger-filters``, ``cross-namespace-event-links`` and
``kreference-group``. A Broker's refs (config, dead-letter sink) may name another namespace unless
``config-br-defaults`` disallows it; a Destination's ref with a ``uri`` may name any namespace, since Knative's
``ValidateDestination`` checks the ref only without one. Where Knative would accept a filter and then skip it at
runtime (an empty ``exact`` value, a filter with no dialect), admission rejects it instead. Validators take
``(new, old, ctx)``; ``old`` is the stored object on update, for the immutable fields.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import attrs

from pyknative import cesql
from pyknative.api._serde import to_dict
from pyknative.api.duck import (
    BACKOFF_MAX_ANNOTATION,
    BACKOFF_POLICIES,
    DELIVERY_FORMATS,
    DeliverySpec,
    Destination,
    KReference,
)
from pyknative.api.eventing import (
    BROKER_CLASS_ANNOTATION,
    DELIVERY_ORDER_ANNOTATION,
    DEPENDENCY_ANNOTATION,
    Broker,
    BrokerSpec,
    SubscriptionsAPIFilter,
    Trigger,
    TriggerSpec,
)
from pyknative.api.kinds import AdmissionContext
from pyknative.api.messaging import (
    Channel,
    ChannelableSpec,
    ChannelSpec,
    InMemoryChannel,
    Subscription,
    SubscriptionSpec,
)
from pyknative.api.meta import ObjectMeta
from pyknative.config.eventing import BrokerDefaults
from pyknative.errors import FieldError
from pyknative.eventing.delivery_policy import parse_iso8601_duration

_ATTRIBUTE_NAME = re.compile(r"^[a-z][a-z0-9]*$")
_DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_PEM_BLOCK = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----\s*(.*?)\s*-----END \1-----", re.DOTALL)
_ORDERS = ("ordered", "unordered")
# Knative's defaults for the eventing flags of config-features, when admission runs without an operator config.
_FEATURE_DEFAULTS = {
    "delivery-timeout": True,
    "delivery-retryafter": False,
    "new-trigger-filters": True,
    "cross-namespace-event-links": False,
    "kreference-group": False,
}


def feature_enabled(ctx: AdmissionContext, name: str) -> bool:
    """Whether an eventing feature flag of ``config-features`` is enabled (Knative's default without a config)."""
    features = getattr(ctx.config, "features", None)
    if features is not None and hasattr(features, "is_enabled"):
        return bool(features.is_enabled(name))
    return _FEATURE_DEFAULTS.get(name, False)


# ------------------------------------------------------------------------------------------ duck types


def validate_name(name: str | None, path: str = "metadata.name") -> list[FieldError]:
    """A Kubernetes object name: a DNS-1123 subdomain (lowercase letters, digits, '-' and '.')."""
    if not name:
        return []
    if len(name) > 253:
        return [FieldError(path, f"must be no more than 253 characters, got {len(name)}")]
    if not _DNS1123_SUBDOMAIN.match(name):
        return [
            FieldError(
                path,
                f"invalid name {name!r}: must be a DNS-1123 subdomain (lowercase letters, digits, '-' and '.')",
            )
        ]
    return []


def validate_kreference(
    ref: KReference | None,
    path: str,
    ctx: AdmissionContext,
    parent_namespace: str,
    *,
    any_namespace: bool | None = None,
) -> list[FieldError]:
    """name, kind and apiVersion required (``group`` may replace apiVersion with ``kreference-group``).

    A namespace other than the parent's: ``any_namespace`` decides when the caller knows (a Broker's refs:
    :func:`broker_allows_other_namespaces`); when None, the ``cross-namespace-event-links`` feature does."""
    if ref is None:
        return [FieldError(path, "required")]
    errors: list[FieldError] = []
    if not ref.name:
        errors.append(FieldError(f"{path}.name", "required"))
    if not ref.kind:
        errors.append(FieldError(f"{path}.kind", "required"))
    if ref.group and not feature_enabled(ctx, "kreference-group"):
        errors.append(
            FieldError(f"{path}.group", "not allowed: enable the kreference-group feature in config-features")
        )
    if not ref.api_version and not (ref.group and feature_enabled(ctx, "kreference-group")):
        errors.append(FieldError(f"{path}.apiVersion", "required"))
    if any_namespace is None:
        allowed = feature_enabled(ctx, "cross-namespace-event-links")
        hint = "enable cross-namespace-event-links in config-features to allow it"
    else:
        allowed, hint = any_namespace, "config-br-defaults disallows another namespace for this Broker"
    if ref.namespace and parent_namespace and ref.namespace != parent_namespace and not allowed:
        errors.append(
            FieldError(
                f"{path}.namespace",
                f"mismatched namespaces: the parent's is {parent_namespace!r}, the ref's {ref.namespace!r} "
                f"({hint})",
            )
        )
    return errors


def validate_destination(
    dest: Destination | None,
    path: str,
    ctx: AdmissionContext,
    parent_namespace: str,
    *,
    any_namespace: bool | None = None,
) -> list[FieldError]:
    """Exactly a ``ref``, an absolute ``uri``, or a ``ref`` with a relative ``uri``; ``CACerts`` a PEM certificate.

    The ref's namespace is checked only when no ``uri`` is set, as Knative's ``ValidateDestination`` does (it
    checks the ref only then); its name, kind and apiVersion always are, since a ref without them resolves to
    nothing. ``any_namespace`` as for :func:`validate_kreference`."""
    if dest is None or (dest.ref is None and not dest.uri):
        return [FieldError(path, "required: expected at least one of ref or uri, got none")]
    errors: list[FieldError] = []
    if dest.uri:
        absolute = _is_absolute(dest.uri)
        if dest.ref is not None and absolute:
            errors.append(
                FieldError(
                    f"{path}.uri",
                    f"absolute URI {dest.uri!r} is not allowed when ref is present: use a relative path",
                )
            )
        if dest.ref is None and not absolute:
            errors.append(
                FieldError(
                    f"{path}.uri",
                    f"relative URI {dest.uri!r} is not allowed when ref is absent: give a scheme and host",
                )
            )
    if dest.ref is not None:
        errors += validate_kreference(
            dest.ref, f"{path}.ref", ctx, parent_namespace, any_namespace=True if dest.uri else any_namespace
        )
    if dest.ca_certs is not None:
        problem = _pem_problem(dest.ca_certs)
        if problem:
            errors.append(FieldError(f"{path}.CACerts", problem))
    return errors


def validate_delivery(
    delivery: DeliverySpec | None,
    path: str,
    ctx: AdmissionContext,
    parent_namespace: str,
    *,
    any_namespace: bool | None = None,
) -> list[FieldError]:
    """A DeliverySpec; ``any_namespace`` (for its dead-letter sink's ref) as for :func:`validate_kreference`."""
    if delivery is None:
        return []
    errors: list[FieldError] = []
    if delivery.dead_letter_sink is not None:
        errors += validate_destination(
            delivery.dead_letter_sink, f"{path}.deadLetterSink", ctx, parent_namespace, any_namespace=any_namespace
        )
    if delivery.retry is not None and delivery.retry < 0:
        errors.append(FieldError(f"{path}.retry", f"must be >= 0, got {delivery.retry}"))
    if delivery.backoff_policy is not None and delivery.backoff_policy not in BACKOFF_POLICIES:
        errors.append(
            FieldError(
                f"{path}.backoffPolicy", f"must be linear or exponential, got {delivery.backoff_policy!r}"
            )
        )
    if delivery.backoff_delay is not None:
        errors += _duration(delivery.backoff_delay, f"{path}.backoffDelay")
    if delivery.timeout is not None:
        if not feature_enabled(ctx, "delivery-timeout"):
            errors.append(
                FieldError(
                    f"{path}.timeout", "not allowed: enable the delivery-timeout feature in config-features"
                )
            )
        else:
            errors += _duration(delivery.timeout, f"{path}.timeout", positive=True)
    if delivery.retry_after_max is not None:
        if not feature_enabled(ctx, "delivery-retryafter"):
            errors.append(
                FieldError(
                    f"{path}.retryAfterMax",
                    "not allowed: enable the delivery-retryafter feature in config-features",
                )
            )
        else:
            errors += _duration(delivery.retry_after_max, f"{path}.retryAfterMax")
    if delivery.format is not None and delivery.format not in DELIVERY_FORMATS:
        errors.append(FieldError(f"{path}.format", f"must be json or binary, got {delivery.format!r}"))
    return errors


def validate_backoff_max(meta: ObjectMeta) -> list[FieldError]:
    """pyknative's ``delivery.pyknative.dev/backoff-max`` annotation: an ISO-8601 duration when present."""
    value = meta.annotation(BACKOFF_MAX_ANNOTATION)
    if value is None:
        return []
    return _duration(value, f"metadata.annotations[{BACKOFF_MAX_ANNOTATION}]")


# --------------------------------------------------------------------------------------------- Broker


def validate_broker(broker: Broker, old: Broker | None, ctx: AdmissionContext) -> list[FieldError]:
    ns = broker.namespace
    errors = validate_name(broker.metadata.name)
    class_path = f"metadata.annotations[{BROKER_CLASS_ANNOTATION}]"
    if not broker.metadata.annotation(BROKER_CLASS_ANNOTATION):
        errors.append(FieldError(class_path, "required: the Broker class (e.g. MTChannelBasedBroker)"))
    errors += validate_backoff_max(broker.metadata)
    spec = broker.spec or BrokerSpec()
    other_namespaces = broker_allows_other_namespaces(ctx, ns)
    if spec.config is not None:
        errors += validate_kreference(spec.config, "spec.config", ctx, ns, any_namespace=other_namespaces)
    errors += validate_delivery(spec.delivery, "spec.delivery", ctx, ns, any_namespace=other_namespaces)
    if old is not None:
        old_spec = old.spec or BrokerSpec()
        errors += _immutable("spec.config", old_spec.config, spec.config)
        errors += _immutable(
            class_path,
            old.metadata.annotation(BROKER_CLASS_ANNOTATION),
            broker.metadata.annotation(BROKER_CLASS_ANNOTATION),
        )
    return errors


def broker_allows_other_namespaces(ctx: AdmissionContext, namespace: str) -> bool:
    """Whether a Broker in ``namespace`` may reference objects (its config, its dead-letter sink) in another
    namespace: yes unless ``config-br-defaults`` sets ``disallowDifferentNamespaceConfig`` for the namespace or
    the cluster (Knative's ``determineNamespaceAllowance``: either one disallowing is enough)."""
    defaults = getattr(ctx.config, "br_defaults", None)
    if not isinstance(defaults, BrokerDefaults):
        return True
    scopes = (defaults.namespace_defaults.get(namespace), defaults.cluster_default)
    return not any(scope is not None and scope.disallow_different_namespace_config for scope in scopes)


# -------------------------------------------------------------------------------------------- Trigger


def validate_trigger(trigger: Trigger, old: Trigger | None, ctx: AdmissionContext) -> list[FieldError]:
    ns = trigger.namespace
    errors = validate_name(trigger.metadata.name)
    errors += _trigger_annotations(trigger.metadata, ns)
    spec = trigger.spec or TriggerSpec()
    if spec.broker and spec.broker_ref is not None:
        errors.append(FieldError("spec", "expected exactly one of broker or brokerRef, got both"))
    elif not spec.broker and spec.broker_ref is None:
        errors.append(
            FieldError("spec.broker", "required: expected exactly one of broker or brokerRef, got neither")
        )
    if spec.broker_ref is not None:
        errors += _broker_ref(spec.broker_ref, ctx, ns)
    if spec.filter is not None:
        errors += validate_attribute_names(spec.filter.attributes, "spec.filter.attributes")
    if spec.filters and feature_enabled(ctx, "new-trigger-filters"):
        for i, f in enumerate(spec.filters):
            errors += validate_filter(f, f"spec.filters[{i}]")
    errors += validate_destination(spec.subscriber, "spec.subscriber", ctx, ns)
    errors += validate_delivery(spec.delivery, "spec.delivery", ctx, ns)
    if old is not None:
        old_spec = old.spec or TriggerSpec()
        errors += _immutable("spec.broker", old_spec.broker, spec.broker)
        errors += _immutable("spec.brokerRef", old_spec.broker_ref, spec.broker_ref)
    return errors


def validate_attribute_names(attributes: Mapping[str, str] | None, path: str) -> list[FieldError]:
    """CloudEvent attribute names: a lowercase letter, then lowercase letters and digits."""
    return [
        FieldError(
            f"{path}[{name}]",
            f"invalid attribute name {name!r}: must start with a lowercase letter and contain only lowercase letters and digits",
        )
        for name in attributes or {}
        if not _ATTRIBUTE_NAME.match(name)
    ]


def validate_filter(flt: SubscriptionsAPIFilter, path: str) -> list[FieldError]:
    """One SubscriptionsAPI filter, recursively: exactly one dialect, valid attribute names, non-empty values
    for exact/prefix/suffix, and a CESQL expression that compiles."""
    errors: list[FieldError] = []
    dialects = flt.dialects
    if len(dialects) > 1:
        errors.append(
            FieldError(
                path,
                f"multiple dialects found, filters can have only one dialect set (got {', '.join(dialects)})",
            )
        )
    elif not dialects:
        errors.append(
            FieldError(
                path, "no dialect found: set exactly one of exact, prefix, suffix, all, any, not or cesql"
            )
        )
    for dialect, attributes in (("exact", flt.exact), ("prefix", flt.prefix), ("suffix", flt.suffix)):
        p = f"{path}.{dialect}"
        errors += validate_attribute_names(attributes, p)
        errors += [
            FieldError(f"{p}[{k}]", "value must not be empty") for k, v in (attributes or {}).items() if not v
        ]
    for dialect, nested in (("all", flt.all), ("any", flt.any)):
        for j, f in enumerate(nested or ()):
            errors += validate_filter(f, f"{path}.{dialect}[{j}]")
    if flt.not_ is not None:
        errors += validate_filter(flt.not_, f"{path}.not")
    if flt.cesql:
        errors += _cesql(flt.cesql, f"{path}.cesql")
    return errors


def _cesql(expression: str, path: str) -> list[FieldError]:
    try:
        cesql.compile(expression)
    except cesql.CESQLError as e:
        if e.kind == "parse":
            sep = " " if e.line is not None else ": "
            return [FieldError(path, f"parse error{sep}{e.message}")]
        return [FieldError(path, str(e))]
    return []


def _broker_ref(ref: KReference, ctx: AdmissionContext, namespace: str) -> list[FieldError]:
    path = "spec.brokerRef"
    errors: list[FieldError] = []
    if not ref.name:
        errors.append(FieldError(f"{path}.name", "required"))
    if ref.kind and ref.kind != Broker.KIND.kind:
        errors.append(FieldError(f"{path}.kind", f"must be Broker, got {ref.kind!r}"))
    if ref.api_version and ref.api_version != Broker.KIND.api_version:
        errors.append(
            FieldError(f"{path}.apiVersion", f"must be {Broker.KIND.api_version}, got {ref.api_version!r}")
        )
    if (
        ref.namespace
        and ref.namespace != namespace
        and not feature_enabled(ctx, "cross-namespace-event-links")
    ):
        errors.append(
            FieldError(
                f"{path}.namespace",
                f"a Broker in another namespace ({ref.namespace!r}) needs the cross-namespace-event-links feature in config-features",
            )
        )
    return errors


def _trigger_annotations(meta: ObjectMeta, namespace: str) -> list[FieldError]:
    errors = validate_backoff_max(meta)
    order = meta.annotation(DELIVERY_ORDER_ANNOTATION)
    if order is not None and order.lower() not in _ORDERS:
        errors.append(
            FieldError(
                f"metadata.annotations[{DELIVERY_ORDER_ANNOTATION}]",
                f"must be ordered or unordered, got {order!r}",
            )
        )
    dependency = meta.annotation(DEPENDENCY_ANNOTATION)
    if dependency is not None:
        errors += _dependency(dependency, f"metadata.annotations[{DEPENDENCY_ANNOTATION}]", namespace)
    return errors


def _dependency(text: str, path: str, namespace: str) -> list[FieldError]:
    try:
        ref = json.loads(text)
    except ValueError:
        ref = None
    if not isinstance(ref, dict):
        return [FieldError(path, f"must be a JSON object reference (kind, name, apiVersion), got {text!r}")]
    errors = [FieldError(f"{path}.{k}", "required") for k in ("kind", "name", "apiVersion") if not ref.get(k)]
    ns = ref.get("namespace")
    if ns and ns != namespace:
        errors.append(
            FieldError(
                f"{path}.namespace", f"must be empty or the Trigger's namespace {namespace!r}, got {ns!r}"
            )
        )
    return errors


# ------------------------------------------------------------------------------------------- channels


def validate_channel(channel: Channel, old: Channel | None, ctx: AdmissionContext) -> list[FieldError]:
    ns = channel.namespace
    errors = validate_name(channel.metadata.name)
    spec = channel.spec or ChannelSpec()
    tpl = spec.channel_template
    if tpl is None:
        errors.append(
            FieldError(
                "spec.channelTemplate", "required: no default channel is configured (default-ch-webhook)"
            )
        )
    else:
        errors += [
            FieldError(f"spec.channelTemplate.{k}", "required")
            for k, v in (("apiVersion", tpl.api_version), ("kind", tpl.kind))
            if not v
        ]
    errors += validate_delivery(spec.delivery, "spec.delivery", ctx, ns)
    if old is not None:
        errors += _immutable("spec.channelTemplate", (old.spec or ChannelSpec()).channel_template, tpl)
    return errors


def validate_in_memory_channel(
    channel: InMemoryChannel, old: InMemoryChannel | None, ctx: AdmissionContext
) -> list[FieldError]:
    errors = validate_name(channel.metadata.name)
    return errors + validate_channelable(channel.spec, ctx, channel.namespace)


def validate_channelable(spec: ChannelableSpec | None, ctx: AdmissionContext, namespace: str) -> list[FieldError]:
    """The part of a channel's spec every channel kind shares (``spec.subscribers``, ``spec.delivery``); channel
    plugins call it for their kinds."""
    if spec is None:
        return []
    errors: list[FieldError] = []
    for i, s in enumerate(spec.subscribers or ()):
        if not s.subscriber_uri and not s.reply_uri:
            errors.append(
                FieldError(
                    f"spec.subscribers[{i}]", "expected at least one of subscriberUri or replyUri, got none"
                )
            )
        errors += validate_delivery(s.delivery, f"spec.subscribers[{i}].delivery", ctx, namespace)
    errors += validate_delivery(spec.delivery, "spec.delivery", ctx, namespace)
    return errors


# --------------------------------------------------------------------------------------- Subscription


def validate_subscription(
    sub: Subscription, old: Subscription | None, ctx: AdmissionContext
) -> list[FieldError]:
    ns = sub.namespace
    errors = validate_name(sub.metadata.name)
    errors += validate_backoff_max(sub.metadata)
    spec = sub.spec or SubscriptionSpec()
    if spec.channel is None:
        errors.append(FieldError("spec.channel", "required: the Subscription must reference a channel"))
    else:
        errors += validate_kreference(spec.channel, "spec.channel", ctx, ns)
    errors += validate_destination(spec.subscriber, "spec.subscriber", ctx, ns)
    if spec.reply is not None:
        errors += validate_destination(spec.reply, "spec.reply", ctx, ns)
    errors += validate_delivery(spec.delivery, "spec.delivery", ctx, ns)
    if old is not None:
        errors += _immutable("spec.channel", (old.spec or SubscriptionSpec()).channel, spec.channel)
    return errors


# -------------------------------------------------------------------------------------------- helpers


def _immutable(path: str, old: Any, new: Any) -> list[FieldError]:
    if old == new or _pruned(old) == _pruned(new):
        return []
    return [FieldError(path, f"immutable field changed: was {_show(old)}, now {_show(new)}")]


def _pruned(value: Any) -> Any:
    """The wire form without empty maps and lists, so ``spec: {}`` and no ``spec`` compare equal."""
    if attrs.has(type(value)):
        value = to_dict(value)
    if isinstance(value, dict):
        kept = {k: _pruned(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v not in ({}, [], None)}
    if isinstance(value, list | tuple):
        return [_pruned(v) for v in value]
    return value


def _show(value: Any) -> str:
    if value is None:
        return "unset"
    if isinstance(value, KReference):
        parts = [
            f"{k}={v}"
            for k, v in (
                ("apiVersion", value.api_version),
                ("kind", value.kind),
                ("namespace", value.namespace),
                ("name", value.name),
            )
            if v
        ]
        return "{" + ", ".join(parts) + "}"
    if hasattr(value, "kind") and hasattr(value, "api_version"):
        return f"{{apiVersion={value.api_version}, kind={value.kind}}}"
    return repr(value)


def _duration(text: str, path: str, *, positive: bool = False) -> list[FieldError]:
    try:
        seconds = parse_iso8601_duration(text)
    except ValueError:
        return [FieldError(path, f"invalid ISO-8601 duration {text!r} (e.g. PT0.2S, PT1M, P1D)")]
    if positive and seconds <= 0:
        return [FieldError(path, f"must be greater than zero, got {text!r}")]
    return []


def _is_absolute(uri: str) -> bool:
    parts = urlsplit(uri)
    return bool(parts.scheme and parts.netloc)


def _pem_problem(text: str) -> str | None:
    block = _PEM_BLOCK.search(text)
    if block is None:
        return "not a valid PEM: no -----BEGIN CERTIFICATE----- block found"
    if block.group(1) != "CERTIFICATE":
        return f"not a certificate: the PEM block is a {block.group(1)}"
    try:
        base64.b64decode("".join(block.group(2).split()), validate=True)
    except (binascii.Error, ValueError):
        return "not a valid PEM: the certificate is not base64"
    return None
