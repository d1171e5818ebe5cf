"""Pure builders for a channel kind a plugin serves (InMemoryChannel, KafkaChannel, ...): the data plane's view of
the channel, and the conditions its reconciler marks.

Conditions as Knative's channel kinds have them: Ready rolls up ``Addressable``, ``DispatcherReady`` and
``DeadLetterSinkResolved``.
"""

from __future__ import annotations

from pyknative.api import conditions as cond
from pyknative.api._serde import to_dict
from pyknative.api.meta import Resource
from pyknative.eventing.channel import ChannelRef
from pyknative.reconciler.base import Conditions

CONDITIONS = cond.ConditionSet("Ready", ("Addressable", "DispatcherReady", "DeadLetterSinkResolved"))


def channel_ref(obj: Resource) -> ChannelRef:
    """What a channel backend (and the event ingress) knows of a channel object: identity, kind, spec, annotations."""
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


def mark_dispatcher_ready(conditions: Conditions, now: str) -> Conditions:
    """The backend holds the channel and the ingress routes to it: dispatching and addressable."""
    conditions = CONDITIONS.mark_true(conditions, "DispatcherReady", now)
    return CONDITIONS.mark_true(conditions, "Addressable", now)


def mark_not_installed(conditions: Conditions, message: str, now: str) -> Conditions:
    """No installed plugin serves the kind (``message`` names the extra that would)."""
    return CONDITIONS.mark_false(conditions, "DispatcherReady", now, "ChannelNotInstalled", message)
