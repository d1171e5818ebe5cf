"""What controllers get as their store: reads from the informer cache, writes to the store.

:class:`CachedStore` has the :class:`~pyknative.roles.Store` protocol's methods, so a reconciler written
against a store reads through listers without knowing it: ``get`` and ``list`` answer from the
:class:`~pyknative.reconciler.informer.InformerFactory` (a kind's informer is started, and synced, the first time
it is read), every write goes to the store. No reconcile lists or decodes the store.

Reads may be a moment behind the reconciler's own writes, as with client-go: a write from a stale read is a
:class:`~pyknative.errors.ConflictError` (the controller retries after a short backoff, from the fresher cache), and
:func:`pyknative.reconciler.children.reconcile_child` reads the store itself when a create finds the child
already there.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import TypeVar

import attrs

from pyknative.api.meta import Resource
from pyknative.reconciler.informer import InformerFactory
from pyknative.store import Store, WatchEvent

R = TypeVar("R", bound=Resource)


@attrs.define(eq=False)
class CachedStore:
    store: Store
    informers: InformerFactory

    @property
    def uncached(self) -> Store:
        """The store itself (for the rare read that must see the latest write)."""
        return self.store

    async def _synced(self, cls: type[R]):
        informer = self.informers.informer(cls)
        if not informer.has_synced:
            await informer.start()
            await informer.wait_synced()
        return informer.lister

    async def get(self, cls: type[R], namespace: str, name: str) -> R:
        return (await self._synced(cls)).get(namespace, name)

    async def list(
        self, cls: type[R], namespace: str | None = None, label_selector: str | Mapping[str, str] | None = None
    ) -> list[R]:
        return (await self._synced(cls)).list(namespace, label_selector)

    async def create(self, obj: R) -> R:
        return await self.store.create(obj)

    async def update(self, obj: R) -> R:
        return await self.store.update(obj)

    async def update_status(self, obj: R) -> R:
        return await self.store.update_status(obj)

    async def delete(self, cls: type[R], namespace: str, name: str) -> R | None:
        return await self.store.delete(cls, namespace, name)

    def watch(
        self, cls: type[R] | None = None, namespace: str | None = None, since: str | None = None
    ) -> AsyncIterator[WatchEvent]:
        return self.store.watch(cls, namespace, since)

    async def close(self) -> None:
        """The platform closes the store; closing a view of it does nothing."""
