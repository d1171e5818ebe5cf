"""Defaulting for Eventing's kinds, as Knative's webhook does it (pkg/apis/{eventing,messaging}/v1/*_defaults.go).

Broker: the class annotation and ``spec.config`` come from ``config-br-defaults`` (namespace over cluster), and so
does ``spec.delivery`` when the Broker has none. Trigger: an empty filter, the ``eventing.knative.dev/broker``
label. Channel: ``spec.channelTemplate`` from ``default-ch-webhook``. Every reference without a namespace (the
subscriber, reply, dead-letter sink, broker config, channel) gets the object's own namespace, and an object
without a namespace gets ``default``. Without an operator config, Knative's shipped ConfigMaps are used.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from pyknative.api._serde import from_dict
from pyknative.api.duck import DeliverySpec, Destination, KReference
from pyknative.api.eventing import (
    BROKER_CLASS_ANNOTATION,
    BROKER_LABEL,
    DEFAULT_BROKER_CLASS,
    Broker,
    BrokerSpec,
    Trigger,
    TriggerFilter,
    TriggerSpec,
)
from pyknative.api.kinds import AdmissionContext
from pyknative.api.messaging import (
    SUBSCRIBABLE_DUCK_ANNOTATION,
    Channel,
    ChannelableSpec,
    ChannelSpec,
    ChannelTemplateSpec,
    InMemoryChannel,
    Subscription,
    SubscriptionSpec,
)
from pyknative.api.meta import ObjectMeta
from pyknative.config.eventing import (
    KNATIVE_BR_DEFAULTS,
    KNATIVE_CH_DEFAULTS,
    BrokerDefaults,
    ChannelDefaults,
    ChannelTemplate,
    parse_br_defaults,
    parse_ch_defaults,
)


def broker_defaults(ctx: AdmissionContext) -> BrokerDefaults:
    """``config-br-defaults`` from the operator config, or Knative's shipped one without a config."""
    view = getattr(ctx.config, "br_defaults", None)
    return view if isinstance(view, BrokerDefaults) else parse_br_defaults(KNATIVE_BR_DEFAULTS)


def channel_defaults(ctx: AdmissionContext) -> ChannelDefaults:
    """``default-ch-webhook`` from the operator config, or Knative's shipped one without a config."""
    view = getattr(ctx.config, "ch_defaults", None)
    return view if isinstance(view, ChannelDefaults) else parse_ch_defaults(KNATIVE_CH_DEFAULTS)


# ------------------------------------------------------------------------------------------ duck types


def default_ref(ref: KReference | None, namespace: str) -> KReference | None:
    if ref is None or ref.namespace:
        return ref
    return attrs.evolve(ref, namespace=namespace)


def default_destination(dest: Destination | None, namespace: str) -> Destination | None:
    if dest is None or dest.ref is None or dest.ref.namespace:
        return dest
    return attrs.evolve(dest, ref=default_ref(dest.ref, namespace))


def default_delivery(delivery: DeliverySpec | None, namespace: str) -> DeliverySpec | None:
    if delivery is None:
        return None
    sink = default_destination(delivery.dead_letter_sink, namespace)
    return delivery if sink is delivery.dead_letter_sink else attrs.evolve(delivery, dead_letter_sink=sink)


# --------------------------------------------------------------------------------------------- Broker


def default_broker(broker: Broker, ctx: AdmissionContext) -> Broker:
    meta = _namespaced(broker.metadata)
    ns = meta.namespace or ""
    defaults = broker_defaults(ctx)
    annotations = dict(meta.annotations or {})
    if BROKER_CLASS_ANNOTATION not in annotations:
        annotations[BROKER_CLASS_ANNOTATION] = defaults.broker_class_for(ns) or DEFAULT_BROKER_CLASS
        meta = attrs.evolve(meta, annotations=annotations)
    broker_class = annotations[BROKER_CLASS_ANNOTATION] or None
    spec = broker.spec or BrokerSpec()
    found = defaults.broker_config_for(ns, broker_class)
    changes: dict[str, Any] = {}
    if found is not None:
        if spec.config is None and found.config_ref is not None:
            changes["config"] = from_dict(KReference, found.config_ref, "spec.config")
        if spec.delivery is None and found.delivery is not None:
            changes["delivery"] = from_dict(DeliverySpec, found.delivery, "spec.delivery")
    spec = attrs.evolve(spec, **changes)
    spec = attrs.evolve(
        spec, config=default_ref(spec.config, ns), delivery=default_delivery(spec.delivery, ns)
    )
    return attrs.evolve(broker, metadata=meta, spec=spec)


# -------------------------------------------------------------------------------------------- Trigger


def default_trigger(trigger: Trigger, ctx: AdmissionContext) -> Trigger:
    meta = _namespaced(trigger.metadata)
    ns = meta.namespace or ""
    spec = trigger.spec or TriggerSpec()
    flt = spec.filter or TriggerFilter()
    if flt.attributes is None:
        flt = attrs.evolve(flt, attributes={})
    spec = attrs.evolve(
        spec,
        filter=flt,
        broker_ref=default_ref(spec.broker_ref, ns),
        subscriber=default_destination(spec.subscriber, ns),
        delivery=default_delivery(spec.delivery, ns),
    )
    if spec.broker:
        meta = attrs.evolve(meta, labels={**(meta.labels or {}), BROKER_LABEL: spec.broker})
    return attrs.evolve(trigger, metadata=meta, spec=spec)


# ------------------------------------------------------------------------------------------- channels


def default_channel(channel: Channel, ctx: AdmissionContext) -> Channel:
    meta = _subscribable(_namespaced(channel.metadata))
    ns = meta.namespace or ""
    spec = channel.spec or ChannelSpec()
    if spec.channel_template is None:
        template = channel_defaults(ctx).channel_for(ns)
        if template is not None:
            spec = attrs.evolve(spec, channel_template=_template_spec(template))
    spec = attrs.evolve(spec, delivery=default_delivery(spec.delivery, ns))
    return attrs.evolve(channel, metadata=meta, spec=spec)


def default_in_memory_channel(channel: InMemoryChannel, ctx: AdmissionContext) -> InMemoryChannel:
    meta = _subscribable(_namespaced(channel.metadata))
    spec = channel.spec or ChannelableSpec()
    spec = attrs.evolve(spec, delivery=default_delivery(spec.delivery, meta.namespace or ""))
    return attrs.evolve(channel, metadata=meta, spec=spec)


# --------------------------------------------------------------------------------------- Subscription


def default_subscription(sub: Subscription, ctx: AdmissionContext) -> Subscription:
    meta = _namespaced(sub.metadata)
    ns = meta.namespace or ""
    spec = sub.spec or SubscriptionSpec()
    spec = attrs.evolve(
        spec,
        channel=default_ref(spec.channel, ns),
        subscriber=default_destination(spec.subscriber, ns),
        reply=default_destination(spec.reply, ns),
        delivery=default_delivery(spec.delivery, ns),
    )
    return attrs.evolve(sub, metadata=meta, spec=spec)


# -------------------------------------------------------------------------------------------- helpers


def _namespaced(meta: ObjectMeta) -> ObjectMeta:
    return meta if meta.namespace else attrs.evolve(meta, namespace="default")


def _subscribable(meta: ObjectMeta) -> ObjectMeta:
    annotations: Mapping[str, str] = meta.annotations or {}
    if SUBSCRIBABLE_DUCK_ANNOTATION in annotations:
        return meta
    return attrs.evolve(meta, annotations={**annotations, SUBSCRIBABLE_DUCK_ANNOTATION: "v1"})


def _template_spec(template: ChannelTemplate) -> ChannelTemplateSpec:
    return ChannelTemplateSpec(
        api_version=template.api_version,
        kind=template.kind,
        spec=dict(template.spec) if template.spec is not None else None,
    )
