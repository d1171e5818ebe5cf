"""The Store protocol: where resources live, with optimistic concurrency and a watch.

Semantics follow the Kubernetes API: ``metadata.resourceVersion`` is an opaque, store-wide increasing version;
``update`` with a stale one raises :class:`~pyknative.errors.ConflictError`; ``metadata.generation`` bumps only
when ``spec`` changes; ``update`` never writes ``status`` and ``update_status`` writes only ``status``;
deleting an object deletes what it owns (ownerReferences, in the background); an object with finalizers is only
marked (``deletionTimestamp``) until they are removed. ``watch`` replays changes after a resourceVersion, then
follows live changes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Literal, Protocol, TypeVar, runtime_checkable

import attrs

from pyknative.api.meta import Resource
from pyknative.store.selectors import SelectorError, matches, parse_selector

__all__ = ["EventType", "R", "SelectorError", "Store", "WatchEvent", "matches", "parse_selector"]

R = TypeVar("R", bound=Resource)

EventType = Literal["ADDED", "MODIFIED", "DELETED"]


@attrs.frozen
class WatchEvent:
    type: EventType
    object: Resource

    @property
    def resource_version(self) -> str:
        return self.object.metadata.resource_version or ""


@runtime_checkable
class Store(Protocol):
    async def get(self, cls: type[R], namespace: str, name: str) -> R:
        """The object, or NotFoundError."""

    async def list(
        self, cls: type[R], namespace: str | None = None, label_selector: str | Mapping[str, str] | None = None
    ) -> list[R]:
        """Objects of a kind, in one namespace or all, optionally filtered by a label selector."""

    async def create(self, obj: R) -> R:
        """Store a new object: assigns uid, creationTimestamp, resourceVersion, generation 1. AlreadyExistsError."""

    async def update(self, obj: R) -> R:
        """Write metadata and spec (not status). ConflictError on a stale resourceVersion."""

    async def update_status(self, obj: R) -> R:
        """Write status only. ConflictError on a stale resourceVersion."""

    async def delete(self, cls: type[R], namespace: str, name: str) -> R | None:
        """Delete (or mark for deletion while finalizers remain); owned objects follow. NotFoundError."""

    def watch(
        self, cls: type[R] | None = None, namespace: str | None = None, since: str | None = None
    ) -> AsyncIterator[WatchEvent]:
        """Events after resourceVersion ``since`` (all current objects as ADDED when None), then live ones."""

    async def close(self) -> None:
        """Release the store's resources."""
