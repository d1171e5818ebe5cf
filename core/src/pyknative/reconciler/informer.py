"""Informers: an indexed, local cache of one kind kept current by list-then-watch, as client-go's are.

An :class:`Informer` lists every object of its kind (all namespaces), then watches from the resourceVersion
that list is current at. Each change updates the cache and its indexes (by namespace, by label, by owner uid)
and is handed to the event handlers, which are synchronous and cheap (a controller enqueues keys). A
:class:`Lister` answers reconcilers' reads from the cache; :class:`InformerFactory` shares one informer per kind.

Where the watch starts: it must follow on exactly from the list, or a write between the two is lost. The
informer asks the store for ``await store.list_with_version(cls)``, which returns ``(objects,
resourceVersion)`` (:class:`~pyknative.store.sqlite.SQLiteStore` has it; a store backed by a Kubernetes API
server returns the list's ``metadata.resourceVersion``). A store without it is listed with ``list`` and watched
from the newest resourceVersion among the listed objects: every event after it is replayed (what the cache
already holds is skipped, but an object made and deleted since shows up as ADDED then DELETED); when there is
none, or the versions are not numbers, from the current state (``since=None``). That fallback needs the store
to keep history back to that version, or it re-lists in a loop (backing off); prefer the method.

Handlers get ``(event_type, obj, old)`` describing what changed in the cache: ADDED ``(obj, None)``, MODIFIED
``(new, previous)``, DELETED ``(final state, previous)``. An event that changes nothing (same resourceVersion as
cached, a deletion of something not cached) is not handed on. A handler added to a running informer first
gets every cached object as ADDED. A failing handler is logged and does not stop the others.

Re-list: when the watch breaks (GoneError because it fell behind or its version was compacted, or any other
error) the informer lists again and diffs the cache against the fresh list, emitting what it missed: ADDED
for new objects, MODIFIED for changed ones, DELETED (the last state it held, as both ``obj`` and ``old``) for
objects gone meanwhile, DELETED then ADDED for a name now held by a different uid. The first retry is
immediate, later ones back off. A watch that simply ends is resumed from the last version seen.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Generic, TypeVar, cast

import attrs

from pyknative.api.meta import Resource
from pyknative.errors import GoneError, NotFoundError
from pyknative.store import EventType, Store, WatchEvent, matches, parse_selector

__all__ = ["Handler", "Informer", "InformerFactory", "Lister"]

log = logging.getLogger(__name__)

R = TypeVar("R", bound=Resource)

#: An event handler: ``fn(event_type, obj, old)``; called synchronously on the event loop, so keep it cheap.
Handler = Callable[[EventType, Any, Any], None]

_Key = tuple[str, str]  # (namespace, name); namespace "" for a cluster-scoped kind
_Selector = str | Mapping[str, str] | None

_YIELD_EVERY = 500  # events applied between yields to the loop (a long backlog must not starve it)
_MAX_RETRY_DELAY = 5.0


# -- the cache and its indexes --


@attrs.define(eq=False)
class _Cache:
    """Objects by key, plus indexes kept in step on every put and pop (empty buckets are removed)."""

    objects: dict[_Key, Resource] = attrs.field(factory=dict)
    by_namespace: dict[str, set[_Key]] = attrs.field(factory=dict)
    by_label: dict[str, dict[str, set[_Key]]] = attrs.field(factory=dict)  # label key -> value -> keys
    by_owner: dict[str, set[_Key]] = attrs.field(factory=dict)  # every ownerReference uid
    by_controller: dict[str, set[_Key]] = attrs.field(factory=dict)  # the controller reference's uid

    def put(self, key: _Key, obj: Resource) -> None:
        old = self.objects.get(key)
        if old is not None:
            self._index(key, old, add=False)
        self.objects[key] = obj
        self._index(key, obj, add=True)

    def pop(self, key: _Key) -> Resource | None:
        old = self.objects.pop(key, None)
        if old is not None:
            self._index(key, old, add=False)
        return old

    def _index(self, key: _Key, obj: Resource, *, add: bool) -> None:
        edit = _add if add else _discard
        meta = obj.metadata
        edit(self.by_namespace, key[0], key)
        for label, value in (meta.labels or {}).items():
            values = self.by_label.setdefault(label, {})
            edit(values, value, key)
            if not values:
                del self.by_label[label]
        for ref in meta.owner_references or ():
            if ref.uid:
                edit(self.by_owner, ref.uid, key)
        controller = meta.controller_ref()
        if controller is not None and controller.uid:
            edit(self.by_controller, controller.uid, key)

    def candidates(
        self, namespace: str | None, terms: list[tuple[str, str, tuple[str, ...]]]
    ) -> list[set[_Key]]:
        """The smallest index answer that holds every match: disjoint buckets (all objects when none applies)."""
        options: list[list[set[_Key]]] = []
        if namespace is not None:
            options.append([self.by_namespace.get(namespace, set())])
        for label, op, values in terms:
            buckets = self.by_label.get(label, {})
            if op == "=":
                options.append([buckets.get(values[0], set())])
            elif op == "in":  # an object has one value per label, so these buckets never overlap
                options.append([buckets[v] for v in dict.fromkeys(values) if v in buckets])
            elif op == "exists":
                options.append(list(buckets.values()))
        if not options:
            return [set(self.objects)]
        return min(options, key=lambda sets: sum(len(s) for s in sets))


def _add(index: dict[str, set[_Key]], value: str, key: _Key) -> None:
    index.setdefault(value, set()).add(key)


def _discard(index: dict[str, set[_Key]], value: str, key: _Key) -> None:
    keys = index.get(value)
    if keys is not None:
        keys.discard(key)
        if not keys:
            del index[value]


# -- reads --


@attrs.define(eq=False)
class Lister(Generic[R]):
    """Reads of one kind from an informer's cache; what it returns is the cached (frozen) objects themselves.

    Before the informer has synced, the cache may be incomplete: wait for ``wait_synced()`` first.
    """

    cls: type[R]
    _cache: _Cache

    def get(self, namespace: str | None, name: str) -> R:
        """The object, or NotFoundError (worded as the store's); ``namespace`` is ignored for cluster-scoped kinds."""
        key = (self._namespace(namespace) or "", name)
        obj = self._cache.objects.get(key)
        if obj is None:
            where = f"{key[0]}/{name}" if key[0] else repr(name)
            raise NotFoundError(f"{self.cls.KIND.kind} {where} not found")
        return cast(R, obj)

    def list(self, namespace: str | None = None, label_selector: _Selector = None) -> list[R]:
        """Objects in ``namespace`` (None or "": every one) matching ``label_selector``, by namespace then name.

        The namespace index and the label index (``k=v``, ``k in (...)``, ``k``) narrow the candidates; only
        those are checked against the whole selector. Without either, every object is a candidate.
        """
        terms = parse_selector(label_selector)
        ns = self._namespace(namespace) if namespace else None
        objects = self._cache.objects
        found = [
            objects[key]
            for bucket in self._cache.candidates(ns, terms)
            for key in bucket
            if (ns is None or key[0] == ns) and matches(objects[key].metadata.labels, terms)
        ]
        found.sort(key=_sort_key)
        return cast(list[R], found)

    def owned_by(self, uid: str, *, controller: bool = False) -> list[R]:
        """Objects with an ownerReference to ``uid`` (only the controller reference when ``controller``)."""
        index = self._cache.by_controller if controller else self._cache.by_owner
        return self._sorted(index.get(uid, ()))

    def _sorted(self, keys: Iterable[_Key]) -> list[R]:
        return cast(list[R], [self._cache.objects[k] for k in sorted(keys)])

    def _namespace(self, namespace: str | None) -> str | None:
        """The store's rule: a namespaced kind's empty namespace is "default"; a cluster-scoped kind has none."""
        return (namespace or "default") if self.cls.KIND.namespaced else None


def _sort_key(obj: Resource) -> _Key:
    return (obj.namespace, obj.name)


# -- the informer --


@attrs.define(eq=False)
class Informer(Generic[R]):
    """Keeps every object of ``cls`` current in a local cache; see the module docstring for the contract.

    ``await start()`` (or ``async with``) runs it in a task; ``await wait_synced()`` returns once the first
    list is in the cache; ``await stop()`` ends the task and the watch. It can be started again (it re-lists).
    """

    store: Store
    cls: type[R]
    _cache: _Cache = attrs.field(factory=_Cache, init=False)
    _lister: Lister[R] = attrs.field(init=False)
    _handlers: list[Handler] = attrs.field(factory=list, init=False)
    _task: asyncio.Task[None] | None = attrs.field(default=None, init=False)
    _wake: asyncio.Event = attrs.field(factory=asyncio.Event, init=False)  # set on sync, or on stop
    _synced: bool = attrs.field(default=False, init=False)
    _version: str | None = attrs.field(default=None, init=False)

    def __attrs_post_init__(self) -> None:
        self._lister = Lister(self.cls, self._cache)

    @property
    def lister(self) -> Lister[R]:
        return self._lister

    @property
    def has_synced(self) -> bool:
        """Whether the first list has been applied to the cache (it stays true through later re-lists)."""
        return self._synced

    @property
    def resource_version(self) -> str | None:
        """The resourceVersion the cache is current at (of the last list or event applied)."""
        return self._version

    def add_handler(self, fn: Handler) -> None:
        """Call ``fn(event_type, obj, old)`` on every change; it first gets each object already cached as ADDED."""
        self._handlers.append(fn)
        for key in sorted(self._cache.objects):
            _call(fn, "ADDED", self._cache.objects[key], None)

    def remove_handler(self, fn: Handler) -> None:
        if fn in self._handlers:
            self._handlers.remove(fn)

    async def start(self) -> None:
        """Start listing and watching in a task; does nothing if already running."""
        if self._task is not None:
            return
        if not self._synced:
            self._wake = asyncio.Event()
        self._task = asyncio.create_task(self._run(), name=f"informer-{self.cls.KIND.kind}")

    async def stop(self) -> None:
        """Cancel the task and close its watch; the cache keeps its contents. Idempotent."""
        task, self._task = self._task, None
        self._wake.set()
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def wait_synced(self) -> None:
        """Return once the first list is cached; RuntimeError if the informer is not running or stops first."""
        if self._synced:
            return
        if self._task is None:
            raise RuntimeError(f"the {self.cls.KIND.kind} informer is not running")
        await self._wake.wait()
        if not self._synced:
            raise RuntimeError(f"the {self.cls.KIND.kind} informer stopped before it synced")

    async def __aenter__(self) -> Informer[R]:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- the list-watch loop --

    async def _run(self) -> None:
        failures = 0
        relist = True
        while True:
            try:
                if relist:
                    await self._relist()
                    relist = False
                watch = self.store.watch(self.cls, since=self._version)
                try:
                    applied = 0
                    async for event in watch:
                        self._apply(event)
                        failures = 0
                        applied += 1
                        if applied % _YIELD_EVERY == 0:
                            await asyncio.sleep(0)
                finally:
                    close = getattr(watch, "aclose", None)
                    if close is not None:
                        await close()
                # The watch ended (the store closed it, or a server timed it out): resume from where it was.
            except GoneError as e:
                log.info("%s informer: %s; re-listing", self.cls.KIND.kind, e)
                relist = True
            except Exception as e:
                log.warning(
                    "%s informer: list or watch failed (%s); re-listing",
                    self.cls.KIND.kind,
                    e,
                    exc_info=failures == 0,
                )
                relist = True
            failures += 1
            delay = 0.0 if failures == 1 else min(0.1 * 2 ** (failures - 2), _MAX_RETRY_DELAY)
            if delay:
                await asyncio.sleep(delay)

    async def _relist(self) -> None:
        objects, version = await self._list()
        fresh = {self._key(o): o for o in objects}
        for key in sorted(self._cache.objects.keys() - fresh.keys()):  # gone while the watch was away
            old = self._cache.pop(key)
            self._notify("DELETED", old, old)
        for key in sorted(fresh):
            self._upsert(key, fresh[key])
        self._version = version
        if not self._synced:
            self._synced = True
            self._wake.set()

    async def _list(self) -> tuple[list[Resource], str | None]:
        """Every object of the kind and the resourceVersion to watch from (see the module docstring)."""
        list_with_version = getattr(self.store, "list_with_version", None)
        if list_with_version is not None:
            objects, version = await list_with_version(self.cls)
            return list(objects), version or None
        objects = list(await self.store.list(self.cls))
        versions = [o.metadata.resource_version or "" for o in objects]
        if versions and all(v.isdigit() for v in versions):
            return objects, max(versions, key=int)
        return objects, None

    def _apply(self, event: WatchEvent) -> None:
        obj = event.object
        key = self._key(obj)
        if event.type == "DELETED":
            old = self._cache.pop(key)
            if old is not None:
                self._notify("DELETED", obj, old)
        else:
            self._upsert(key, obj)
        self._version = event.resource_version or self._version

    def _upsert(self, key: _Key, obj: Resource) -> None:
        old = self._cache.objects.get(key)
        if old is None:
            self._cache.put(key, obj)
            self._notify("ADDED", obj, None)
            return
        if obj.metadata.resource_version and obj.metadata.resource_version == old.metadata.resource_version:
            return  # already cached (a replayed event, or unchanged in a re-list)
        if old.metadata.uid and obj.metadata.uid and old.metadata.uid != obj.metadata.uid:
            self._cache.pop(key)  # deleted and re-created under the same name while the watch was away
            self._notify("DELETED", old, old)
            self._cache.put(key, obj)
            self._notify("ADDED", obj, None)
            return
        self._cache.put(key, obj)
        self._notify("MODIFIED", obj, old)

    def _notify(self, event_type: EventType, obj: Resource | None, old: Resource | None) -> None:
        for fn in list(self._handlers):
            _call(fn, event_type, obj, old)

    def _key(self, obj: Resource) -> _Key:
        return (obj.namespace if self.cls.KIND.namespaced else "", obj.name)


def _call(fn: Handler, event_type: EventType, obj: Resource | None, old: Resource | None) -> None:
    try:
        fn(event_type, obj, old)
    except Exception:
        log.exception("informer handler %r failed on %s", fn, event_type)


# -- sharing --


@attrs.define(eq=False)
class InformerFactory:
    """One shared :class:`Informer` per kind over ``store``.

    ``start()`` starts every informer made so far (call it again after asking for new kinds), ``wait_synced()``
    waits for all of them, ``stop()`` stops them all. Also an async context manager (start on entry).
    """

    store: Store
    _informers: dict[type[Resource], Informer[Any]] = attrs.field(factory=dict, init=False)

    def informer(self, cls: type[R]) -> Informer[R]:
        """The informer of ``cls``, made on first use (not started until :meth:`start`)."""
        found = self._informers.get(cls)
        if found is None:
            found = self._informers[cls] = Informer(self.store, cls)
        return cast(Informer[R], found)

    def lister(self, cls: type[R]) -> Lister[R]:
        return self.informer(cls).lister

    async def start(self) -> None:
        for informer in list(self._informers.values()):
            await informer.start()

    async def wait_synced(self) -> None:
        for informer in list(self._informers.values()):
            await informer.wait_synced()

    async def stop(self) -> None:
        for informer in list(self._informers.values()):
            await informer.stop()

    async def __aenter__(self) -> InformerFactory:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
