"""The reconcile steps every child goes through, as knative/serving does them.

get → create if missing → check the parent controls it → compare what we own (labels, annotations, spec)
→ update only what differs. A child owned by someone else is an error the parent reports as a condition.
"""

from __future__ import annotations

from typing import TypeVar

import attrs

from pyknative.api.meta import Resource
from pyknative.errors import AlreadyExistsError, NotFoundError, PermanentError
from pyknative.reconciler.events import EventRecorder
from pyknative.store import Store

R = TypeVar("R", bound=Resource)


class NotOwnedError(PermanentError):
    """The child exists but another object controls it."""

    def __init__(self, child: Resource) -> None:
        super().__init__(f"there is an existing {child.KIND.kind} {child.name!r} that we do not own")
        self.child = child


def semantic_equal(existing: Resource, desired: Resource) -> bool:
    """What a parent owns of a child: its labels, annotations and spec."""
    return (
        (existing.metadata.labels or {}) == (desired.metadata.labels or {})
        and (existing.metadata.annotations or {}) == (desired.metadata.annotations or {})
        and getattr(existing, "spec", None) == getattr(desired, "spec", None)
    )


async def get_or_create(store: Store, desired: R) -> tuple[R, bool]:
    """The object named as ``desired`` (from the cache), else ``desired`` created: ``(object, created)``.

    A create that finds the object already there (the cache had not seen our own earlier create yet) reads the
    store itself instead of failing."""
    cls = type(desired)
    try:
        return await store.get(cls, desired.namespace, desired.name), False
    except NotFoundError:
        pass
    try:
        return await store.create(desired), True
    except AlreadyExistsError:
        return await getattr(store, "uncached", store).get(cls, desired.namespace, desired.name), False


async def reconcile_child(store: Store, owner: Resource, desired: R, recorder: EventRecorder | None = None) -> R:
    cls = type(desired)
    existing, created = await get_or_create(store, desired)
    if created:
        if recorder is not None:
            await recorder.normal(owner, "Created", f"Created {cls.KIND.kind} {desired.name!r}")
        return existing
    if not existing.is_controlled_by(owner):
        raise NotOwnedError(existing)
    if semantic_equal(existing, desired):
        return existing
    meta = attrs.evolve(existing.metadata, labels=desired.metadata.labels, annotations=desired.metadata.annotations)
    changes = {"metadata": meta}
    if hasattr(desired, "spec"):
        changes["spec"] = desired.spec
    return await store.update(attrs.evolve(existing, **changes))


async def update_status_if_changed(store: Store, before: R, after: R) -> R:
    """Write ``after``'s status only when it differs from ``before``'s (a no-op write would wake watchers)."""
    if getattr(before, "status", None) == getattr(after, "status", None):
        return after
    return await store.update_status(after)
