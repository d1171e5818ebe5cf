"""Pure builders for the generic messaging.knative.dev/v1 Channel: the backing channel it owns, and the status it
takes from that channel.

A Channel's backing channel is a channel of ``spec.channelTemplate``'s kind with the Channel's name, labelled
``messaging.knative.dev/channel``, with the Channel's ``spec.delivery`` in its spec. The Channel reports the
backing channel's address and resolved dead-letter sink (Knative's ``PropagateStatuses``); conditions
``BackingChannelReady``, ``Addressable``, ``DeadLetterSinkResolved``.
"""

from __future__ import annotations

from typing import Any

from pyknative.api import conditions as cond
from pyknative.api._serde import to_dict
from pyknative.api.kinds import Kinds
from pyknative.api.meta import Resource
from pyknative.reconciler.base import Conditions
from pyknative.reconciler.destinations import DLS_NOT_CONFIGURED

CONDITIONS = cond.ConditionSet("Ready", ("BackingChannelReady", "Addressable", "DeadLetterSinkResolved"))
CHANNEL_LABEL = "messaging.knative.dev/channel"


def make_channel(
    owner: Resource,
    kinds: Kinds,
    api_version: str,
    kind: str,
    spec: dict | None,
    name: str,
    labels: dict[str, str],
    delivery: Any = None,
) -> Resource:
    """A channel of a template's kind, controlled by ``owner`` (a Channel or a Broker), with ``delivery`` (a
    DeliverySpec) in its spec. NotFoundError when no installed kind is ``kind`` of ``api_version``."""
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


def make_backing_channel(channel: Any, kinds: Kinds) -> Resource:
    """The channel of ``spec.channelTemplate``'s kind a Channel owns: same name, the Channel's delivery."""
    tpl = channel.spec.channel_template
    return make_channel(
        channel,
        kinds,
        tpl.api_version,
        tpl.kind,
        tpl.spec,
        channel.name,
        {CHANNEL_LABEL: channel.name},
        delivery=channel.spec.delivery,
    )


def propagate_backing_status(
    conditions: Conditions, channel: Any, backing: Any, now: str
) -> tuple[Conditions, dict[str, Any]]:
    """The Channel's conditions and status fields from its backing channel's status."""
    bstatus = backing.status
    changes: dict[str, Any] = {}
    ready = cond.get(bstatus.conditions, "Ready")
    if ready is not None and ready.is_true and bstatus.address is not None:
        conditions = CONDITIONS.mark_true(conditions, "BackingChannelReady", now)
        conditions = CONDITIONS.mark_true(conditions, "Addressable", now)
        changes["address"] = bstatus.address
    else:
        reason = (ready.reason if ready else None) or "BackingChannelNotReady"
        message = (ready.message if ready else None) or ""
        conditions = CONDITIONS.mark_unknown(conditions, "BackingChannelReady", now, reason, message)
    # the dead-letter sink as the backing channel resolved it
    changes["dead_letter_sink_uri"] = bstatus.dead_letter_sink_uri
    dls = cond.get(bstatus.conditions, "DeadLetterSinkResolved")
    if channel.spec.delivery is None or channel.spec.delivery.dead_letter_sink is None:
        conditions = CONDITIONS.mark(conditions, "DeadLetterSinkResolved", "True", now, *DLS_NOT_CONFIGURED)
    elif bstatus.dead_letter_sink_uri:
        conditions = CONDITIONS.mark_true(conditions, "DeadLetterSinkResolved", now)
    else:
        reason = (dls.reason if dls else None) or "DeadLetterSinkNotResolved"
        message = (
            dls.message if dls else None
        ) or "the backing channel has not resolved the dead letter sink"
        conditions = CONDITIONS.mark_unknown(conditions, "DeadLetterSinkResolved", now, reason, message)
    return conditions, changes
