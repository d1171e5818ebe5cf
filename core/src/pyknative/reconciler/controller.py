"""The controller runtime: watches feed a workqueue, workers call one reconciler per key.

Wiring per kind lives in ``reconciler/<kind>/controller.py``: which kind is primary, which child kinds map back
to their controlling owner, and what else (runtime changes, timers) enqueues keys. A reconciler's failure never
stops the loop: a :class:`~pyknative.errors.TemporaryError` with a delay requeues after it, a
:class:`~pyknative.errors.PermanentError` is logged and waits for the next change, anything else is retried
with exponential backoff.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable

import attrs

from pyknative.api.meta import Resource
from pyknative.errors import NotFoundError, PermanentError, TemporaryError
from pyknative.reconciler.workqueue import WorkQueue
from pyknative.store import Store

log = logging.getLogger(__name__)

#: A reconcile function: given ``namespace/name``, converge; may return seconds after which to look again.
ReconcileFn = Callable[[str], Awaitable[float | None]]
#: Maps a watched object to the keys of primary objects to reconcile.
Mapper = Callable[[Resource], Iterable[str]]


def key_of(obj: Resource) -> Iterable[str]:
    """Map an object to its own key."""
    return (obj.key,)


def owner_keys(owner_kind: str) -> Mapper:
    """Map a child to its controlling owner of ``owner_kind`` (Knative's ``FilterController`` + ``EnqueueControllerOf``)."""

    def mapper(obj: Resource) -> Iterable[str]:
        ref = obj.metadata.controller_ref()
        if ref is not None and ref.kind == owner_kind:
            return [f"{obj.namespace}/{ref.name}"]
        return []

    return mapper


def label_keys(label: str) -> Mapper:
    """Map an object to the primary named in one of its labels, in the same namespace."""

    def mapper(obj: Resource) -> Iterable[str]:
        value = (obj.metadata.labels or {}).get(label)
        return [f"{obj.namespace}/{value}"] if value else []

    return mapper


@attrs.define(eq=False)
class Controller:
    name: str
    store: Store
    primary: type[Resource]
    reconcile: ReconcileFn
    watches: list[tuple[type[Resource], Mapper]] = attrs.field(factory=list)
    workers: int = 2
    #: seconds after which every object of the primary kind is reconciled again (None: only on changes)
    resync: float | None = None
    queue: WorkQueue = attrs.field(factory=WorkQueue)
    _tasks: list[asyncio.Task] = attrs.field(factory=list, init=False)

    def enqueue(self, key: str) -> None:
        self.queue.add(key)

    def enqueue_after(self, key: str, delay: float) -> None:
        self.queue.add_after(key, delay)

    async def start(self) -> None:
        self._tasks.append(asyncio.create_task(self._watch(self.primary, key_of), name=f"{self.name}-watch"))
        for cls, mapper in self.watches:
            self._tasks.append(asyncio.create_task(self._watch(cls, mapper), name=f"{self.name}-watch-{cls.KIND.kind}"))
        for i in range(self.workers):
            self._tasks.append(asyncio.create_task(self._work(), name=f"{self.name}-worker-{i}"))
        if self.resync:
            self._tasks.append(asyncio.create_task(self._resync(self.resync), name=f"{self.name}-resync"))

    async def stop(self) -> None:
        self.queue.shutdown()
        for t in self._tasks:
            t.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()

    async def _watch(self, cls: type[Resource], mapper: Mapper) -> None:
        while True:
            try:
                async for event in self.store.watch(cls):
                    for key in mapper(event.object):
                        self.queue.add(key)
            except asyncio.CancelledError:
                raise
            except Exception:  # a broken watch restarts from a fresh list, as an informer does
                log.exception("%s: watch of %s failed; restarting", self.name, cls.KIND.kind)
                await asyncio.sleep(1.0)

    async def _resync(self, period: float) -> None:
        while True:
            await asyncio.sleep(period)
            for obj in await self.store.list(self.primary):
                self.queue.add(obj.key)

    async def _work(self) -> None:
        while True:
            key = await self.queue.get()
            if key is None:
                return
            try:
                again = await self.reconcile(key)
            except asyncio.CancelledError:
                self.queue.done(key)
                raise
            except NotFoundError:
                self.queue.forget(key)
            except TemporaryError as e:
                if e.delay is not None:
                    self.queue.add_after(key, e.delay)
                else:
                    delay = self.queue.add_rate_limited(key)
                    log.warning("%s: %s: %s (retry in %.2fs)", self.name, key, e, delay)
            except PermanentError as e:
                self.queue.forget(key)
                log.warning("%s: %s: %s", self.name, key, e)
            except Exception:
                delay = self.queue.add_rate_limited(key)
                log.exception("%s: reconciling %s failed; retry in %.2fs", self.name, key, delay)
            else:
                self.queue.forget(key)
                if again is not None:
                    self.queue.add_after(key, again)
            finally:
                self.queue.done(key)
