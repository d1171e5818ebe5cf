"""The Store protocol: where resources live, with optimistic concurrency and a watch.

Semantics follow the Kubernetes API: ``metadata.resourceVersion`` is an opaque, store-wide increasing version;
``update`` with a stale one raises :class:`~pyknative.errors.ConflictError`; ``metadata.generation`` bumps only
when ``spec`` changes; ``update`` never writes ``status`` and ``update_status`` writes only ``status``;
deleting an object deletes what it owns (ownerReferences, in the background); an object with finalizers is only
marked (``deletionTimestamp``) until they are removed. ``watch`` replays changes after a resourceVersion, then
follows live changes.

A multi-object write (``pyknative apply`` of several documents) goes through :func:`write_batch`: a store that
can write a batch in one transaction says so by having ``write_batch`` (:class:`BatchStore`, the embedded SQLite
store does): every write is stored or none is, and watchers see the batch's events only after it commits. Any
other store (say, one on the Kubernetes API, which has no transactions) gets the writes one after another, and
the :class:`BatchWriteError` of a failed one lists what was stored before it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Literal, Protocol, TypeVar, runtime_checkable

import attrs

from pyknative.api.meta import Resource
from pyknative.errors import PyknativeError
from pyknative.store.selectors import SelectorError, matches, parse_selector

__all__ = [
    "BatchStore",
    "BatchWrite",
    "BatchWriteError",
    "EventType",
    "R",
    "SelectorError",
    "Store",
    "WatchEvent",
    "is_atomic",
    "matches",
    "parse_selector",
    "write_batch",
]

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


@attrs.frozen
class BatchWrite:
    """One write of a batch: ``create`` a new object or ``update`` a stored one (as :meth:`Store.update`)."""

    op: Literal["create", "update"]
    object: Resource


class BatchWriteError(PyknativeError):
    """Write ``index`` of a batch failed with ``error`` (whose status code and reason this error takes);
    ``written`` is what was stored before it: always empty from a :class:`BatchStore`."""

    def __init__(self, index: int, error: PyknativeError, written: Sequence[Resource] = ()) -> None:
        super().__init__(str(error))
        self.index = index
        self.error = error
        self.written = list(written)
        self.status_code, self.reason = error.status_code, error.reason


@runtime_checkable
class BatchStore(Protocol):
    """A store that writes a batch in one transaction (optional: see :func:`write_batch`)."""

    async def write_batch(self, writes: Sequence[BatchWrite]) -> list[Resource]:
        """Every write, in order, in one transaction: the stored objects, or BatchWriteError and nothing stored
        (no watch event either; the batch's events follow its commit)."""


def is_atomic(store: Store) -> bool:
    """Whether ``store`` writes a batch all or nothing."""
    return isinstance(store, BatchStore)


async def write_batch(store: Store, writes: Sequence[BatchWrite]) -> list[Resource]:
    """``writes`` in one transaction where ``store`` can (:class:`BatchStore`), else one after another; a failed
    write raises :class:`BatchWriteError` naming it (and, from a store without transactions, what was stored)."""
    if isinstance(store, BatchStore):
        return await store.write_batch(writes)
    written: list[Resource] = []
    for index, write in enumerate(writes):
        try:
            if write.op == "create":
                written.append(await store.create(write.object))
            else:
                written.append(await store.update(write.object))
        except PyknativeError as e:
            raise BatchWriteError(index, e, written) from e
    return written
