"""Broker reconciler (class ``MTChannelBasedBroker``): a trigger channel of the configured kind, an ingress address.

Like Knative's channel-based broker: the Broker controls a channel named ``<broker>-kne-trigger`` of the kind in its
config's ``channel-template-spec`` (``config-br-default-channel`` by default); producers POST to
``<event ingress>/<namespace>/<broker>``, which publishes to that channel; each Trigger is a subscription on it.
Conditions as Knative names them: ``TriggerChannelReady``, ``IngressReady``, ``FilterReady``, ``Addressable``,
``DeadLetterSinkResolved`` (True with reason ``DeadLetterSinkNotConfigured`` when there is none).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import attrs

from pyknative.api import conditions as cond
from pyknative.api.kinds import Kinds
from pyknative.api.meta import Addressable
from pyknative.errors import NotFoundError
from pyknative.eventing.channel import ChannelRef
from pyknative.reconciler.children import NotOwnedError, reconcile_child, update_status_if_changed
from pyknative.reconciler.eventing.channels import channel_ref, make_backing_channel
from pyknative.reconciler.eventing.resolver import resolve_dead_letter_sink
from pyknative.reconciler.events import EventRecorder
from pyknative.store import Store
from pyknative.timeutil import rfc3339

CLASS_ANNOTATION = "eventing.knative.dev/broker.class"
SUPPORTED_CLASSES = ("MTChannelBasedBroker",)
BROKER_LABEL = "eventing.knative.dev/broker"
CONDITIONS = cond.ConditionSet(
    "Ready", ("TriggerChannelReady", "IngressReady", "FilterReady", "Addressable", "DeadLetterSinkResolved")
)


def trigger_channel_name(broker_name: str) -> str:
    return f"{broker_name}-kne-trigger"


@attrs.define(eq=False)
class BrokerReconciler:
    cls: type
    store: Store
    kinds: Kinds
    recorder: EventRecorder
    clock: Callable[[], datetime]
    #: (namespace, broker) → (apiVersion, kind, spec) of its trigger channel, or raises ValueError with a reason
    channel_template: Callable[[Any], tuple[str, str, dict]]
    broker_url: Callable[[str, str], str]
    #: broker key → its trigger channel, for the ingress and the Trigger reconciler
    registry: dict[str, ChannelRef]

    async def reconcile(self, key: str) -> float | None:
        namespace, name = key.split("/", 1)
        try:
            broker = await self.store.get(self.cls, namespace, name)
        except NotFoundError:
            self.registry.pop(key, None)
            return None
        now = rfc3339(self.clock())
        status = broker.status
        conditions = CONDITIONS.initialize(status.conditions, now)
        changes: dict[str, Any] = {}
        cls = broker.metadata.annotation(CLASS_ANNOTATION)
        if cls not in SUPPORTED_CLASSES:
            msg = f"broker class {cls!r} is not served by this platform (it serves {', '.join(SUPPORTED_CLASSES)})"
            conditions = CONDITIONS.mark_false(conditions, "TriggerChannelReady", now, "BrokerClassNotSupported", msg)
            return await self._write(broker, status, conditions, changes)

        try:
            api_version, kind, spec = self.channel_template(broker)
            desired = make_backing_channel(
                broker, self.kinds, api_version, kind, spec, trigger_channel_name(name),
                {BROKER_LABEL: name, "eventing.knative.dev/brokerEverything": "true"},
            )
            channel = await reconcile_child(self.store, broker, desired, self.recorder)
        except (ValueError, NotFoundError) as e:
            conditions = CONDITIONS.mark_false(conditions, "TriggerChannelReady", now, "ChannelTemplateFailed", str(e))
            self.registry.pop(key, None)
        except NotOwnedError as e:
            conditions = CONDITIONS.mark_false(conditions, "TriggerChannelReady", now, "NotOwned", str(e))
            self.registry.pop(key, None)
        else:
            ready = cond.get(channel.status.conditions, "Ready")
            if ready is not None and ready.is_true:
                conditions = CONDITIONS.mark_true(conditions, "TriggerChannelReady", now)
                self.registry[key] = channel_ref(channel)
            else:
                reason = (ready.reason if ready else None) or "ChannelNotReady"
                mark = CONDITIONS.mark_false if ready is not None and ready.is_false else CONDITIONS.mark_unknown
                conditions = mark(conditions, "TriggerChannelReady", now, reason, (ready.message if ready else None) or "trigger channel is not ready")
                self.registry.pop(key, None)

        for ctype in ("IngressReady", "FilterReady"):
            conditions = CONDITIONS.mark_true(conditions, ctype, now)
        changes["address"] = Addressable(url=self.broker_url(namespace, name))
        conditions = CONDITIONS.mark_true(conditions, "Addressable", now)

        delivery = broker.spec.delivery
        dls = delivery.dead_letter_sink if delivery is not None else None
        uri, conditions, _ = await resolve_dead_letter_sink(dls, namespace, self.store, self.kinds, CONDITIONS, conditions, now)
        changes["dead_letter_sink_uri"] = uri
        return await self._write(broker, status, conditions, changes)

    async def _write(self, broker, status, conditions, changes) -> None:
        new = attrs.evolve(status, conditions=conditions, observed_generation=broker.metadata.generation, **changes)
        await update_status_if_changed(self.store, broker, attrs.evolve(broker, status=new))
        return None
