"""Pure builders for a channel-based Broker (class ``MTChannelBasedBroker``): the trigger channel it owns, the
channel template that channel is of, and the conditions its status takes from them.

The trigger channel is named ``<broker>-kne-trigger``, of the kind in the ``channel-template-spec`` key of the
ConfigMap ``spec.config`` names (as Knative's ``config-br-default-channel``): a ConfigMap in the store when there is
one of that namespace and name, else the operator-config section of that name (``config-br-default-channel`` by
default), labelled ``eventing.knative.dev/broker``. Conditions as Knative names them: ``TriggerChannelReady``, ``IngressReady``,
``FilterReady``, ``Addressable``, ``DeadLetterSinkResolved``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

from pyknative.api import conditions as cond
from pyknative.api.core import ConfigMap
from pyknative.api.eventing import BROKER_CLASS_ANNOTATION, BROKER_LABEL, DEFAULT_BROKER_CLASS
from pyknative.api.kinds import Kinds
from pyknative.api.meta import Resource
from pyknative.reconciler.base import Conditions
from pyknative.reconciler.channel.resources import make_channel

SUPPORTED_CLASSES = (DEFAULT_BROKER_CLASS,)
CONDITIONS = cond.ConditionSet(
    "Ready", ("TriggerChannelReady", "IngressReady", "FilterReady", "Addressable", "DeadLetterSinkResolved")
)
#: the trigger channel's (apiVersion, kind, spec) when the config section leaves ``channel-template-spec`` empty
DEFAULT_CHANNEL_TEMPLATE = ("messaging.knative.dev/v1", "InMemoryChannel", {})
DEFAULT_CONFIG_SECTION = "config-br-default-channel"

ChannelTemplate = tuple[str, str, dict]


def trigger_channel_name(broker_name: str) -> str:
    return f"{broker_name}-kne-trigger"


def unsupported_class(broker: Any) -> str | None:
    """Why this platform does not serve the Broker's class (None: it does)."""
    cls = broker.metadata.annotation(BROKER_CLASS_ANNOTATION)
    if cls in SUPPORTED_CLASSES:
        return None
    return f"broker class {cls!r} is not served by this platform (it serves {', '.join(SUPPORTED_CLASSES)})"


def config_map_ref(broker: Any) -> tuple[str, str] | None:
    """``(namespace, name)`` of the ConfigMap the Broker's ``spec.config`` names (None: it names another kind)."""
    ref = broker.spec.config
    if ref is not None and ref.kind and ref.kind != "ConfigMap":
        return None
    name = (ref.name if ref is not None and ref.name else None) or DEFAULT_CONFIG_SECTION
    return (ref.namespace if ref is not None and ref.namespace else None) or broker.namespace, name


def trigger_channel_template(
    broker: Any, sections: Mapping[str, Mapping[str, Any]], config_map: ConfigMap | None = None
) -> ChannelTemplate:
    """The trigger channel's (apiVersion, kind, spec) from ``config_map`` (the ConfigMap ``spec.config`` names,
    when the store has it), else from the operator-config section of that name.

    ValueError with the reason when ``spec.config`` is not a ConfigMap, names neither a ConfigMap nor a section, or
    the ``channel-template-spec`` lacks apiVersion or kind.
    """
    ref = broker.spec.config
    where = config_map_ref(broker)
    if where is None:
        raise ValueError(
            f"spec.config: a {ref.kind} is not supported, only a ConfigMap (or a section of the operator config)"
        )
    namespace, section = where
    if config_map is not None:
        values: Mapping[str, Any] | None = config_map.data or {}
        section = f"configmap {namespace}/{section}"
    else:
        values = sections.get(section)
    if values is None:
        raise ValueError(
            f'spec.config: configmap "{section}" not found in namespace {namespace!r}, and there is no '
            f"operator-config section {section!r}"
        )
    raw = values.get("channel-template-spec") or ""
    if not raw.strip():
        return DEFAULT_CHANNEL_TEMPLATE
    tpl = yaml.safe_load(raw) if isinstance(raw, str) else raw
    if not isinstance(tpl, dict) or not tpl.get("kind") or not tpl.get("apiVersion"):
        raise ValueError(f"{section}.channel-template-spec: needs apiVersion and kind")
    return tpl["apiVersion"], tpl["kind"], dict(tpl.get("spec") or {})


def make_trigger_channel(broker: Any, kinds: Kinds, template: ChannelTemplate) -> Resource:
    """The channel a Broker owns and its Triggers subscribe to (NotFoundError: the template's kind is not installed)."""
    api_version, kind, spec = template
    labels = {BROKER_LABEL: broker.name, "eventing.knative.dev/brokerEverything": "true"}
    return make_channel(broker, kinds, api_version, kind, spec, trigger_channel_name(broker.name), labels)


def mark_trigger_channel(conditions: Conditions, channel: Any, now: str) -> tuple[Conditions, bool]:
    """``TriggerChannelReady`` from the trigger channel's Ready, and whether it is Ready (then the Broker routes
    to it)."""
    ready = cond.get(channel.status.conditions, "Ready")
    if ready is not None and ready.is_true:
        return CONDITIONS.mark_true(conditions, "TriggerChannelReady", now), True
    reason = (ready.reason if ready else None) or "ChannelNotReady"
    message = (ready.message if ready else None) or "trigger channel is not ready"
    mark = CONDITIONS.mark_false if ready is not None and ready.is_false else CONDITIONS.mark_unknown
    return mark(conditions, "TriggerChannelReady", now, reason, message), False


def mark_served(conditions: Conditions, now: str) -> Conditions:
    """The shared event ingress and filter serve every Broker: ``IngressReady``, ``FilterReady``, ``Addressable``."""
    for ctype in ("IngressReady", "FilterReady", "Addressable"):
        conditions = CONDITIONS.mark_true(conditions, ctype, now)
    return conditions
