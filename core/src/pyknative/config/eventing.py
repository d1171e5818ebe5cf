"""Typed views of Knative Eventing's ConfigMaps: broker and channel defaults, ping defaults, sugar.

``config-br-defaults.default-br-config`` and ``default-ch-webhook.default-ch-config`` are YAML documents inside
a string; their ``parse_*`` functions turn them into frozen values with the same namespace-over-cluster lookup
Knative's webhooks use, and raise ValueError (naming the field inside the document) when they are malformed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from pyknative.config import values as v
from pyknative.config._reader import SectionReader
from pyknative.config.selectors import LabelSelector, parse_label_selector

_REF_FIELDS = ("apiVersion", "kind", "name", "namespace")
_DELIVERY_FIELDS = (
    "deadLetterSink",
    "retry",
    "backoffPolicy",
    "backoffDelay",
    "timeout",
    "retryAfterMax",
    "format",
)

# --------------------------------------------------------------------------------------------- brokers

#: Knative's shipped ``config-br-defaults`` ``default-br-config`` (the default when no operator config says)
KNATIVE_BR_DEFAULTS = """\
clusterDefault:
  brokerClass: MTChannelBasedBroker
  apiVersion: v1
  kind: ConfigMap
  name: config-br-default-channel
  namespace: knative-eventing
  delivery:
    retry: 10
    backoffPolicy: exponential
    backoffDelay: PT0.2S
"""
#: Knative's shipped ``default-ch-webhook`` ``default-ch-config``
KNATIVE_CH_DEFAULTS = """\
clusterDefault:
  apiVersion: messaging.knative.dev/v1
  kind: InMemoryChannel
"""


@attrs.frozen
class BrokerConfig:
    """Where a Broker class finds its config (a KReference, usually a ConfigMap) and its default delivery."""

    api_version: str | None = None
    kind: str | None = None
    name: str | None = None
    namespace: str | None = None
    delivery: Mapping[str, Any] | None = None

    @property
    def config_ref(self) -> dict[str, str] | None:
        """The reference as a Broker's ``spec.config`` (``None`` when it names nothing)."""
        ref = {
            "apiVersion": self.api_version,
            "kind": self.kind,
            "name": self.name,
            "namespace": self.namespace,
        }
        out = {k: val for k, val in ref.items() if val}
        return out or None


@attrs.frozen
class BrokerClassDefaults:
    """The defaults of one scope (the cluster or a namespace)."""

    broker_class: str = ""
    config: BrokerConfig | None = None
    broker_classes: Mapping[str, BrokerConfig] = attrs.field(factory=dict)
    disallow_different_namespace_config: bool | None = None


@attrs.frozen
class BrokerDefaults:
    """``config-br-defaults``: the default Broker class and config, cluster-wide and per namespace."""

    cluster_default: BrokerClassDefaults | None
    namespace_defaults: Mapping[str, BrokerClassDefaults] = attrs.field(factory=dict)

    def broker_class_for(self, namespace: str) -> str:
        """The Broker class a Broker in ``namespace`` gets when it names none ("" when nothing is configured)."""
        ns = self.namespace_defaults.get(namespace)
        if ns is not None and ns.broker_class:
            return ns.broker_class
        return self.cluster_default.broker_class if self.cluster_default else ""

    def broker_config_for(self, namespace: str, broker_class: str | None = None) -> BrokerConfig | None:
        """The config (and delivery) for a Broker of ``broker_class`` (its namespace's default when ``None``)."""
        ns = self.namespace_defaults.get(namespace)
        if broker_class is None:
            if ns is not None and ns.broker_class:
                broker_class = ns.broker_class
            else:
                return self._cluster_config("")
        if ns is not None:
            if ns.broker_class == broker_class:
                return ns.config if ns.config is not None else self._cluster_config(broker_class)
            if broker_class in ns.broker_classes:
                return ns.broker_classes[broker_class]
        return self._cluster_config(broker_class)

    def _cluster_config(self, broker_class: str) -> BrokerConfig | None:
        cluster = self.cluster_default
        if cluster is None or cluster.config is None:
            return None
        if broker_class and broker_class != cluster.broker_class and broker_class in cluster.broker_classes:
            return cluster.broker_classes[broker_class]
        return cluster.config


def parse_br_defaults(text: str) -> BrokerDefaults:
    """``default-br-config``'s YAML (clusterDefault / namespaceDefaults). Raises ValueError."""
    doc = v.parse_yaml(text)
    if doc is None:
        raise ValueError("must not be empty: it names the default Broker class and config")
    _expect_mapping(doc, "default-br-config", ("clusterDefault", "namespaceDefaults"))
    cluster = _scope(doc.get("clusterDefault"), "clusterDefault")
    namespaces = _named(doc.get("namespaceDefaults"), "namespaceDefaults", _scope)
    return BrokerDefaults(cluster, namespaces)


def _scope(doc: Any, where: str) -> BrokerClassDefaults | None:
    if doc is None:
        return None
    fields = ("brokerClass", *_REF_FIELDS, "delivery", "brokerClasses", "disallowDifferentNamespaceConfig")
    _expect_mapping(doc, where, fields)
    broker_class = _string(doc.get("brokerClass"), f"{where}.brokerClass") or ""
    has_config = any(doc.get(k) is not None for k in (*_REF_FIELDS, "delivery"))
    disallow = doc.get("disallowDifferentNamespaceConfig")
    if disallow is not None and not isinstance(disallow, bool):
        raise ValueError(f"{where}.disallowDifferentNamespaceConfig must be a boolean")
    return BrokerClassDefaults(
        broker_class=broker_class,
        config=_broker_config(doc, where, fields) if has_config else None,
        broker_classes=_named(doc.get("brokerClasses"), f"{where}.brokerClasses", _broker_config),
        disallow_different_namespace_config=disallow,
    )


def _broker_config(
    doc: Any, where: str, allowed: tuple[str, ...] = (*_REF_FIELDS, "delivery")
) -> BrokerConfig:
    _expect_mapping(doc, where, allowed)
    delivery = doc.get("delivery")
    if delivery is not None:
        _expect_mapping(delivery, f"{where}.delivery", _DELIVERY_FIELDS)
        retry = delivery.get("retry")
        if retry is not None and (isinstance(retry, bool) or not isinstance(retry, int) or retry < 0):
            raise ValueError(f"{where}.delivery.retry must be a non-negative integer")
        policy = delivery.get("backoffPolicy")
        if policy is not None and policy not in ("linear", "exponential"):
            raise ValueError(f"{where}.delivery.backoffPolicy must be linear or exponential, got {policy!r}")
    ref = {k: _string(doc.get(k), f"{where}.{k}") for k in _REF_FIELDS}
    return BrokerConfig(
        ref["apiVersion"],
        ref["kind"],
        ref["name"],
        ref["namespace"],
        dict(delivery) if delivery is not None else None,
    )


# -------------------------------------------------------------------------------------------- channels


@attrs.frozen
class ChannelTemplate:
    """A channel implementation to instantiate: its ``apiVersion``/``kind`` and optional ``spec``."""

    api_version: str
    kind: str
    spec: Mapping[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"apiVersion": self.api_version, "kind": self.kind}
        if self.spec is not None:
            out["spec"] = dict(self.spec)
        return out


def parse_channel_template(doc: Any, where: str) -> ChannelTemplate:
    """A channel template from its parsed YAML (apiVersion and kind required). Raises ValueError."""
    if doc is None:
        raise ValueError(f"{where} must name a channel apiVersion and kind")
    _expect_mapping(doc, where, ("apiVersion", "kind", "spec"))
    api_version = _string(doc.get("apiVersion"), f"{where}.apiVersion")
    kind = _string(doc.get("kind"), f"{where}.kind")
    if not api_version or not kind:
        raise ValueError(f"{where} needs both apiVersion and kind")
    spec = doc.get("spec")
    if spec is not None and not isinstance(spec, Mapping):
        raise ValueError(f"{where}.spec must be a mapping")
    return ChannelTemplate(api_version, kind, dict(spec) if spec is not None else None)


@attrs.frozen
class ChannelDefaults:
    """``default-ch-webhook``: the channel a Channel (or channel-based Broker) gets when it names none."""

    cluster_default: ChannelTemplate | None
    namespace_defaults: Mapping[str, ChannelTemplate] = attrs.field(factory=dict)

    def channel_for(self, namespace: str) -> ChannelTemplate | None:
        """The namespace's default channel, else the cluster's (``None`` when neither is set)."""
        return self.namespace_defaults.get(namespace, self.cluster_default)


def parse_ch_defaults(text: str) -> ChannelDefaults:
    """``default-ch-config``'s YAML (clusterDefault / namespaceDefaults). Raises ValueError."""
    doc = v.parse_yaml(text)
    if doc is None:
        return ChannelDefaults(None, {})
    _expect_mapping(doc, "default-ch-config", ("clusterDefault", "namespaceDefaults"))
    cluster = doc.get("clusterDefault")
    return ChannelDefaults(
        parse_channel_template(cluster, "clusterDefault") if cluster is not None else None,
        _named(doc.get("namespaceDefaults"), "namespaceDefaults", parse_channel_template),
    )


# ------------------------------------------------------------------------------------------ ping, sugar


@attrs.frozen
class PingDefaults:
    """``config-ping-defaults``: ``data_max_size`` bytes allowed in a PingSource's data (-1: no limit)."""

    data_max_size: int

    @classmethod
    def from_section(cls, data: Mapping[str, str]) -> PingDefaults:
        r = SectionReader("config-ping-defaults", data)
        size = r.get("data-max-size", v.parse_int)
        if size is not None and size < -1:
            r.fail("data-max-size", f"must be -1 (no limit) or a number of bytes, got {size}")
        return r.done(lambda: cls(size))


@attrs.frozen
class SugarConfig:
    """``config-sugar``: where a default Broker is created automatically (``None`` selects nothing)."""

    namespace_selector: LabelSelector | None
    trigger_selector: LabelSelector | None

    @classmethod
    def from_section(cls, data: Mapping[str, str]) -> SugarConfig:
        r = SectionReader("config-sugar", data)
        ns = r.get("namespace-sugar-selector", lambda s: parse_label_selector(v.parse_yaml(s), "selector"))
        tr = r.get("trigger-sugar-selector", lambda s: parse_label_selector(v.parse_yaml(s), "selector"))
        return r.done(lambda: cls(ns, tr))


# -------------------------------------------------------------------------------------------- helpers


def _expect_mapping(doc: Any, where: str, allowed: tuple[str, ...]) -> None:
    if not isinstance(doc, Mapping):
        raise ValueError(f"{where} must be a mapping")
    unknown = sorted(str(k) for k in doc if k not in allowed)
    if unknown:
        raise ValueError(f"{where} has unknown fields {unknown}; known fields: {', '.join(allowed)}")


def _string(value: Any, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{where} must be a string")
    return value


def _named(doc: Any, where: str, parse: Any) -> dict[str, Any]:
    if doc is None:
        return {}
    if not isinstance(doc, Mapping):
        raise ValueError(f"{where} must be a mapping of names to settings")
    out = {}
    for name, item in doc.items():
        parsed = parse(item, f"{where}.{name}")
        if parsed is not None:
            out[str(name)] = parsed
    return out
