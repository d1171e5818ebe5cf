"""Reconcilers for channels: a channel kind a plugin serves (InMemoryChannel, KafkaChannel, ...) and the generic
messaging.knative.dev/v1 Channel, which stamps a backing channel of its ``channelTemplate`` kind.

A channel kind's reconciler has the backend create what backs it (topic, stream), registers it with the event
ingress at ``/channels/<namespace>/<name>``, and reports ``status.address.url`` and, where ``spec.delivery`` names
one, the resolved ``status.deadLetterSinkUri`` (condition ``DeadLetterSinkResolved``). Deleting the object deletes
what backs it. A Channel's backing channel gets the Channel's ``spec.delivery`` and reports its status back.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import attrs

from pyknative.api import conditions as cond
from pyknative.api._serde import to_dict
from pyknative.api.kinds import Kinds
from pyknative.api.meta import Addressable, Resource
from pyknative.errors import BackendNotInstalledError, NotFoundError
from pyknative.eventing.channel import ChannelBackend, ChannelRef
from pyknative.reconciler.children import NotOwnedError, reconcile_child, update_status_if_changed
from pyknative.reconciler.eventing.resolver import DLS_NOT_CONFIGURED, resolve_dead_letter_sink
from pyknative.reconciler.events import EventRecorder
from pyknative.store import Store
from pyknative.timeutil import rfc3339

CHANNEL_CONDITIONS = cond.ConditionSet("Ready", ("Addressable", "DispatcherReady", "DeadLetterSinkResolved"))
GENERIC_CONDITIONS = cond.ConditionSet("Ready", ("BackingChannelReady", "Addressable", "DeadLetterSinkResolved"))


def channel_ref(obj: Resource) -> ChannelRef:
    spec = getattr(obj, "spec", None)
    return ChannelRef(
        namespace=obj.namespace,
        name=obj.name,
        uid=obj.metadata.uid or "",
        api_version=obj.KIND.api_version,
        kind=obj.KIND.kind,
        spec=to_dict(spec) if spec is not None else {},
        annotations=dict(obj.metadata.annotations or {}),
    )


@attrs.define(eq=False)
class ChannelableReconciler:
    """One per channel kind served by a plugin."""

    cls: type[Resource]
    store: Store
    clock: Callable[[], datetime]
    backend_for: Callable[[str, str], Awaitable[ChannelBackend]]
    channel_url: Callable[[str, str], str]
    registry: dict[str, ChannelRef]
    kinds: Kinds | None = None

    async def reconcile(self, key: str) -> float | None:
        namespace, name = key.split("/", 1)
        try:
            ch = await self.store.get(self.cls, namespace, name)
        except NotFoundError:
            ref = self.registry.pop(key, None)
            if ref is not None:
                await (await self.backend_for(ref.api_version, ref.kind)).delete_channel(ref)
            return None
        now = rfc3339(self.clock())
        status = ch.status
        conditions = CHANNEL_CONDITIONS.initialize(status.conditions, now)
        changes: dict[str, Any] = {}
        try:
            backend = await self.backend_for(self.cls.KIND.api_version, self.cls.KIND.kind)
        except BackendNotInstalledError as e:
            conditions = CHANNEL_CONDITIONS.mark_false(conditions, "DispatcherReady", now, "ChannelNotInstalled", str(e))
        else:
            ref = channel_ref(ch)
            await backend.ensure_channel(ref)
            self.registry[key] = ref
            changes["address"] = Addressable(url=self.channel_url(namespace, name))
            conditions = CHANNEL_CONDITIONS.mark_true(conditions, "DispatcherReady", now)
            conditions = CHANNEL_CONDITIONS.mark_true(conditions, "Addressable", now)
        delivery = getattr(ch.spec, "delivery", None)
        dls = delivery.dead_letter_sink if delivery is not None else None
        changes["dead_letter_sink_uri"], conditions, _ = await resolve_dead_letter_sink(
            dls, namespace, self.store, self.kinds, CHANNEL_CONDITIONS, conditions, now
        )
        new = attrs.evolve(status, conditions=conditions, observed_generation=ch.metadata.generation, **changes)
        await update_status_if_changed(self.store, ch, attrs.evolve(ch, status=new))
        return None


def make_backing_channel(owner: Resource, kinds: Kinds, api_version: str, kind: str, spec: dict | None, name: str,
                         labels: dict[str, str], delivery: Any = None) -> Resource:
    """A channel of a template's kind, controlled by ``owner`` (a Channel or a Broker), with ``delivery`` (a
    Channel's DeliverySpec) in its spec; pure."""
    reg = kinds.get(api_version, kind)
    spec = dict(spec or {})
    if delivery is not None:
        spec["delivery"] = to_dict(delivery)
    doc = {
        "metadata": {
            "name": name,
            "namespace": owner.namespace,
            "labels": labels,
            "ownerReferences": [to_dict(owner.owner_reference())],
        },
        "spec": spec,
    }
    return reg.cls.from_dict(doc)


@attrs.define(eq=False)
class ChannelReconciler:
    """messaging.knative.dev/v1 Channel → a backing channel of ``spec.channelTemplate``'s kind, same name."""

    cls: type[Resource]
    store: Store
    kinds: Kinds
    recorder: EventRecorder
    clock: Callable[[], datetime]

    async def reconcile(self, key: str) -> float | None:
        namespace, name = key.split("/", 1)
        try:
            ch = await self.store.get(self.cls, namespace, name)
        except NotFoundError:
            return None
        now = rfc3339(self.clock())
        status = ch.status
        conditions = GENERIC_CONDITIONS.initialize(status.conditions, now)
        tpl = ch.spec.channel_template
        changes: dict[str, Any] = {}
        try:
            desired = make_backing_channel(
                ch, self.kinds, tpl.api_version, tpl.kind, tpl.spec, ch.name, {"messaging.knative.dev/channel": ch.name},
                delivery=ch.spec.delivery,
            )
            backing = await reconcile_child(self.store, ch, desired, self.recorder)
        except NotFoundError as e:
            conditions = GENERIC_CONDITIONS.mark_false(conditions, "BackingChannelReady", now, "ChannelKindNotInstalled", str(e))
        except NotOwnedError as e:
            conditions = GENERIC_CONDITIONS.mark_false(conditions, "BackingChannelReady", now, "NotOwned", str(e))
        else:
            bstatus = backing.status
            ready = cond.get(bstatus.conditions, "Ready")
            if ready is not None and ready.is_true and bstatus.address is not None:
                conditions = GENERIC_CONDITIONS.mark_true(conditions, "BackingChannelReady", now)
                conditions = GENERIC_CONDITIONS.mark_true(conditions, "Addressable", now)
                changes["address"] = bstatus.address
            else:
                reason = (ready.reason if ready else None) or "BackingChannelNotReady"
                conditions = GENERIC_CONDITIONS.mark_unknown(conditions, "BackingChannelReady", now, reason, (ready.message if ready else None) or "")
            # the dead-letter sink as the backing channel resolved it (Knative's PropagateStatuses)
            changes["dead_letter_sink_uri"] = bstatus.dead_letter_sink_uri
            dls = cond.get(bstatus.conditions, "DeadLetterSinkResolved")
            if ch.spec.delivery is None or ch.spec.delivery.dead_letter_sink is None:
                conditions = GENERIC_CONDITIONS.mark(conditions, "DeadLetterSinkResolved", "True", now, *DLS_NOT_CONFIGURED)
            elif bstatus.dead_letter_sink_uri:
                conditions = GENERIC_CONDITIONS.mark_true(conditions, "DeadLetterSinkResolved", now)
            else:
                conditions = GENERIC_CONDITIONS.mark_unknown(conditions, "DeadLetterSinkResolved", now, (dls.reason if dls else None) or "DeadLetterSinkNotResolved", (dls.message if dls else None) or "the backing channel has not resolved the dead letter sink")
        new = attrs.evolve(status, conditions=conditions, observed_generation=ch.metadata.generation, **changes)
        await update_status_if_changed(self.store, ch, attrs.evolve(ch, status=new))
        return None
