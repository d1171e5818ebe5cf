"""The controller runtime: informers feed a workqueue, workers call one reconciler per key.

Wiring per kind lives in ``reconciler/<kind>/controller.py``: which kind is primary, which child kinds map back
to their controlling owner, and what else (runtime changes, timers) enqueues keys. The controller does not watch
the store itself: it adds handlers to the platform's shared informers (one list + watch per kind, whatever the
number of controllers), maps each change (the new object and, for updates and deletes, the old one) to keys,
and starts its workers once every informer it uses has synced. A reconciler's failure never
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
from pyknative.errors import ConflictError, NotFoundError, PermanentError, TemporaryError
from pyknative.reconciler.informer import InformerFactory
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
    #: the shared informers (the platform sets its own before start; None: a private factory over ``store``)
    informers: InformerFactory | None = None
    _tasks: list[asyncio.Task] = attrs.field(factory=list, init=False)
    _handlers: list[tuple[object, object]] = attrs.field(factory=list, init=False)
    _own_informers: bool = attrs.field(default=False, init=False)

    def enqueue(self, key: str) -> None:
        self.queue.add(key)

    def enqueue_after(self, key: str, delay: float) -> None:
        self.queue.add_after(key, delay)

    async def start(self) -> None:
        if self.informers is None:
            self.informers = InformerFactory(getattr(self.store, "store", self.store))
            self._own_informers = True
        used = []
        for cls, mapper in ((self.primary, key_of), *self.watches):
            informer = self.informers.informer(cls)
            handler = self._handler(mapper)
            informer.add_handler(handler)
            self._handlers.append((informer, handler))
            used.append(informer)
        for informer in used:
            await informer.start()
        for informer in used:
            await informer.wait_synced()
        for i in range(self.workers):
            self._tasks.append(asyncio.create_task(self._work(), name=f"{self.name}-worker-{i}"))
        if self.resync:
            self._tasks.append(asyncio.create_task(self._resync(self.resync), name=f"{self.name}-resync"))

    async def stop(self) -> None:
        self.queue.shutdown()
        for informer, handler in self._handlers:
            informer.remove_handler(handler)
        self._handlers.clear()
        for t in self._tasks:
            t.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        if self._own_informers and self.informers is not None:
            await self.informers.stop()

    def _handler(self, mapper: Mapper):
        add = self.queue.add
        name = self.name

        def handle(_event_type, obj: Resource, old: Resource | None) -> None:
            try:
                for key in mapper(obj):
                    add(key)
                if old is not None and old is not obj:
                    for key in mapper(old):
                        add(key)
            except Exception:  # a mapper's bug must not stop the informer's other handlers
                log.exception("%s: mapping %s failed", name, obj.key)

        return handle

    async def _resync(self, period: float) -> None:
        lister = self.informers.lister(self.primary)
        while True:
            await asyncio.sleep(period)
            for obj in lister.list():
                self.queue.add(obj.key)

    async def _work(self) -> None:
        while True:
            # Give the loop back between two keys: with keys queued and a store that answers synchronously,
            # a worker would otherwise run reconcile after reconcile in one loop turn, and the gateway, the
            # event ingress and signal handling would wait for seconds.
            await asyncio.sleep(0)
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
            except ConflictError as e:  # written from a read the cache had not caught up with: read again
                delay = self.queue.add_rate_limited(key)
                log.debug("%s: %s: %s (retry in %.2fs)", self.name, key, e, delay)
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
