"""The embedded store: the :class:`~pyknative.store.Store` protocol on one SQLite file (WAL mode).

Semantics follow the Kubernetes API server: a store-wide integer resourceVersion bumped by every write,
optimistic concurrency on it, generation bumps on spec changes only, ``update``/``update_status`` touching
their own halves, finalizers, cascading deletion of dependents (in the same transaction as the owner's
removal) and watches that replay a bounded, persisted event history before following live changes. Writes
that change nothing are not writes: no new resourceVersion, no event.

All SQLite work runs synchronously on the caller's thread (the event loop), so concurrent asyncio writers are
serialised without locks. The writes of one loop turn share a transaction (each in a savepoint of its own, undone
alone when it fails), committed once at the end of the turn; a write returns only once that commit is done, and
watchers hear of the turn's changes then. Reads on this store see its writes of the current turn. Use one store
per event loop.
"""

from __future__ import annotations

import asyncio
import functools
import uuid
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import attrs

from pyknative.api.kinds import Kinds
from pyknative.api.meta import Resource
from pyknative.errors import (
    AlreadyExistsError,
    ConflictError,
    FieldError,
    NotFoundError,
    PyknativeError,
    ValidationError,
)
from pyknative.store import BatchWrite, BatchWriteError, EventType, WatchEvent, matches, parse_selector
from pyknative.store import _object_rules as rules
from pyknative.store._sqlite_db import EventRow, ObjectKey, Row, StoreDb, dumps
from pyknative.store._watch_hub import Change, GoneError, Watch, WatchHub

__all__ = ["GoneError", "SQLiteStore", "StoreClosedError"]

R = TypeVar("R", bound=Resource)

_GENERATE_NAME_ATTEMPTS = 8


class StoreClosedError(PyknativeError):
    """The store was used after :meth:`SQLiteStore.close`."""

    status_code = 503
    reason = "ServiceUnavailable"


def _utcnow() -> datetime:
    return datetime.now(UTC)


@attrs.define
class SQLiteStore:
    """A :class:`~pyknative.store.Store` kept in the SQLite file at ``path`` (``":memory:"`` for a throwaway).

    ``kinds`` resolves stored objects of other kinds (cascading deletes, ``watch()`` of every kind); ``clock``
    gives creation and deletion timestamps. ``history`` is how many resourceVersions of events are kept for
    ``watch(since=...)``; a watcher more than ``watch_backlog`` events behind is dropped with GoneError.
    The file is opened (and created) by the constructor; :meth:`open` is the same, awaitable.
    """

    path: Path | str = attrs.field(converter=lambda p: p if p == ":memory:" else Path(p))
    kinds: Kinds
    clock: Callable[[], datetime] | None = attrs.field(default=None, kw_only=True)
    history: int = attrs.field(default=10_000, kw_only=True)
    watch_backlog: int = attrs.field(default=10_000, kw_only=True)
    _db: StoreDb | None = attrs.field(init=False, default=None)
    _group: _Group | None = attrs.field(init=False, default=None)
    _hub: WatchHub = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        if self.history < 1 or self.watch_backlog < 1:
            raise ValueError("history and watch_backlog must be at least 1")
        self._hub = WatchHub(self.watch_backlog)
        self._db = StoreDb.open(self.path)

    @classmethod
    async def open(
        cls, path: str | Path, kinds: Kinds, *, clock: Callable[[], datetime] | None = None, **options: Any
    ) -> SQLiteStore:
        return cls(path, kinds, clock=clock, **options)

    async def close(self) -> None:
        """End every watch and close the file; idempotent."""
        if self._db is None:
            return
        self._flush()  # the writes of this turn, if any
        self._hub.close()
        self._db.close()
        self._db = None

    async def __aenter__(self) -> SQLiteStore:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def resource_version(self) -> str:
        """The store's current resourceVersion (that of the latest write; this turn's writes are committed first,
        so a version handed out is one a watch can follow on from)."""
        db = self._conn()
        self._flush()
        return str(db.current_rv())

    # -- reads --

    async def get(self, cls: type[R], namespace: str, name: str) -> R:
        row = self._conn().get(_key(cls, namespace, name))
        if row is None:
            raise NotFoundError(_missing(cls, namespace, name))
        return cls.from_dict(row.body)

    async def list(
        self,
        cls: type[R],
        namespace: str | None = None,
        label_selector: str | Mapping[str, str] | None = None,
    ) -> list[R]:
        """Objects of a kind, by namespace then name; ``namespace`` None or "" means every namespace."""
        terms = parse_selector(label_selector)
        ns = namespace if cls.KIND.namespaced else None
        rows = self._conn().list(cls.KIND.api_version, cls.KIND.kind, ns)
        rows.sort(key=lambda r: (r.key.namespace, r.key.name))
        return [
            cls.from_dict(r.body) for r in rows if matches(r.body.get("metadata", {}).get("labels"), terms)
        ]

    async def list_with_version(
        self,
        cls: type[R],
        namespace: str | None = None,
        label_selector: str | Mapping[str, str] | None = None,
    ) -> tuple[list[R], str]:
        """``list`` and the resourceVersion it is current at, as a Kubernetes list's ``metadata.resourceVersion``.

        ``watch(cls, since=<that version>)`` follows on from the list with no change missed or repeated.
        """
        version = self.resource_version  # read first: were list ever to yield, a change is replayed, not lost
        return await self.list(cls, namespace, label_selector), version

    # -- writes --

    async def create(self, obj: R) -> R:
        db = self._conn()
        with self._write(db) as w:
            out = self._create(db, w, obj)
        await w.committed()
        return out

    async def update(self, obj: R) -> R:
        """Write metadata and spec; status, uid, creationTimestamp, generation and deletionTimestamp are kept.

        Emptying the finalizers of an object marked for deletion deletes it (the result is its last state).
        """
        db = self._conn()
        stored, body = self._updated(db, obj)
        if body is None:
            return type(obj).from_dict(stored.body)
        with self._write(db) as w:
            out = self._save_update(w, type(obj), stored, body)
        await w.committed()
        return out

    async def write_batch(self, writes: Sequence[BatchWrite]) -> list[Resource]:
        """Every create and update of ``writes``, in order, in one transaction (see :class:`~pyknative.store.BatchStore`):
        a failed one rolls back the others and raises BatchWriteError with its index; watchers hear of the batch
        after it commits."""
        db = self._conn()
        out: list[Resource] = []
        with self._write(db) as w:
            for index, write in enumerate(writes):
                try:
                    out.append(self._batch_write(db, w, write))
                except PyknativeError as e:
                    raise BatchWriteError(index, e) from e
        await w.committed()
        return out

    def _batch_write(self, db: StoreDb, w: _Write, write: BatchWrite) -> Resource:
        if write.op == "create":
            return self._create(db, w, write.object)
        stored, body = self._updated(db, write.object)
        if body is None:
            return type(write.object).from_dict(stored.body)
        return self._save_update(w, type(write.object), stored, body)

    def _create(self, db: StoreDb, w: _Write, obj: R) -> R:
        cls = type(obj)
        given = obj.to_dict()
        meta = given.get("metadata") or {}
        if not meta.get("name") and not meta.get("generateName"):
            raise ValidationError(
                [FieldError("metadata.name", "name or generateName is required")], kind=cls.KIND.kind
            )
        key = self._free_key(db, cls, obj.namespace, meta.get("name"), meta.get("generateName"))
        body = rules.prepare_create(
            given, name=key.name, namespace=key.namespace, uid=str(uuid.uuid4()), now=self._now()
        )
        w.save("ADDED", key, body)
        return w.built(cls, body)

    def _updated(self, db: StoreDb, obj: Resource) -> tuple[Row, dict[str, Any] | None]:
        """The stored row ``obj`` updates and the body it becomes (None: the update changes nothing)."""
        stored = self._current(db, obj)
        body = rules.merge_update(stored.body, obj.to_dict())
        if rules.same_content(body, stored.body):
            return stored, None
        if rules.is_deleting(stored.body):
            added = set(rules.finalizers(body)) - set(rules.finalizers(stored.body))
            if added:
                raise ValidationError(
                    [
                        FieldError(
                            "metadata.finalizers",
                            f"cannot add {sorted(added)} while the object is being deleted",
                        )
                    ],
                    kind=type(obj).KIND.kind,
                    name=obj.name,
                )
        return stored, body

    @staticmethod
    def _save_update(w: _Write, cls: type[R], stored: Row, body: dict[str, Any]) -> R:
        if rules.is_deleting(body) and not rules.finalizers(body):
            w.remove(stored.key, stored.uid, body)
            return cls.from_dict(body)
        w.save("MODIFIED", stored.key, body, stored.uid)
        return w.built(cls, body)

    async def update_status(self, obj: R) -> R:
        db = self._conn()
        cls = type(obj)
        stored = self._current(db, obj)
        body = rules.merge_status(stored.body, obj.to_dict())
        if rules.same_content(body, stored.body):
            return cls.from_dict(stored.body)
        with self._write(db) as w:
            w.save("MODIFIED", stored.key, body, stored.uid)
            out = w.built(cls, body)
        await w.committed()
        return out

    async def delete(self, cls: type[R], namespace: str, name: str) -> R | None:
        """Delete the object, then (in the same transaction) what it owns.

        Returns the object marked with ``deletionTimestamp`` while finalizers remain, None once it is gone.
        """
        db = self._conn()
        key = _key(cls, namespace, name)
        row = db.get(key)
        if row is None:
            raise NotFoundError(_missing(cls, namespace, name))
        if rules.is_deleting(row.body):
            return cls.from_dict(row.body)
        with self._write(db) as w:
            kept = w.delete(row)
        await w.committed()
        return cls.from_dict(kept) if kept is not None else None

    # -- watch --

    def watch(
        self, cls: type[R] | None = None, namespace: str | None = None, since: str | None = None
    ) -> Watch:
        """Events in resourceVersion order from the moment of this call; ends when the store closes.

        ``since`` None (or "0"): every current object as ADDED, then live events. ``since=RV``: every event
        after RV from the kept history (GoneError, raised here, if it is older than that), then live events.
        ``namespace`` None or "" watches every namespace; ``cls`` None watches every installed kind.
        Close the iterator (``aclose()``, ``async with``, or dropping it) to unsubscribe.
        """
        db = self._conn()
        self._flush()  # this turn's writes first: the backlog and the live events must not overlap
        api_version, kind = (cls.KIND.api_version, cls.KIND.kind) if cls is not None else (None, None)
        ns = namespace if cls is None or cls.KIND.namespaced else None
        # The backlog is read and the subscription made with no await between: no write can fall in a gap.
        backlog = self._backlog(db, api_version, kind, ns, since)
        sub = self._hub.subscribe(api_version, kind, ns)
        return Watch.start(self._hub, sub, backlog, functools.partial(self._event, cls=cls))

    def _backlog(
        self, db: StoreDb, api_version: str | None, kind: str | None, ns: str | None, since: str | None
    ) -> list[Change]:
        if since is None or since in ("", "0"):
            return [
                Change(r.rv, "ADDED", r.key.api_version, r.key.kind, r.key.namespace, dumps(r.body))
                for r in db.list(api_version, kind, ns)
            ]
        try:
            after = int(since)
            if not 0 <= after < 2**63:  # a SQLite integer
                raise ValueError(since)
        except ValueError:
            raise ValidationError(
                [FieldError("resourceVersion", f"{since!r} is not a resourceVersion (an integer)")]
            ) from None
        compacted = db.compacted_rv()
        if after < compacted:
            raise GoneError(
                f"too old resource version: {since} (the oldest kept is {compacted + 1}); "
                "list again and re-watch"
            )
        return [
            Change(e.rv, e.type, e.api_version, e.kind, e.namespace, e.body_json)  # type: ignore[arg-type]
            for e in db.events_after(after, api_version, kind, ns)
        ]

    def _event(self, change: Change, cls: type[Resource] | None) -> WatchEvent | None:
        if cls is None:
            try:
                cls = self.kinds.get(change.api_version, change.kind).cls
            except NotFoundError:
                return None  # a kind no installed plugin knows: nothing to build it as
        return WatchEvent(change.type, change.resource(cls))

    # -- helpers --

    def _conn(self) -> StoreDb:
        if self._db is None:
            raise StoreClosedError(f"the store at {self.path} is closed")
        return self._db

    def _write(self, db: StoreDb) -> _Write:
        if self._group is None:
            self._group = _Group(db, self.history, self._hub.publish)
            db.begin()
            asyncio.get_running_loop().call_soon(self._flush)
        return _Write(db, self._now, self._group)

    def _flush(self) -> None:
        """Commit the writes of this loop turn in one transaction, then tell their writers and the watchers."""
        group, self._group = self._group, None
        if group is not None:
            group.commit()

    def _now(self) -> str:
        return rules.rfc3339((self.clock or _utcnow)())

    def _current(self, db: StoreDb, obj: Resource) -> Row:
        """The stored row ``obj`` updates; ConflictError when ``obj`` carries a different resourceVersion."""
        cls = type(obj)
        row = db.get(_key(cls, obj.namespace, obj.name))
        if row is None:
            raise NotFoundError(_missing(cls, obj.namespace, obj.name))
        given_rv = obj.metadata.resource_version
        if given_rv and given_rv != str(row.rv):
            raise ConflictError(
                f"Operation cannot be fulfilled on {cls.KIND.plural} {obj.name!r}: "
                "the object has been modified "
                f"(resourceVersion {given_rv} is stale, the current one is {row.rv}); "
                "please apply your changes to the latest version and try again"
            )
        return row

    def _free_key(
        self, db: StoreDb, cls: type[Resource], namespace: str, name: str | None, generate_name: str | None
    ) -> ObjectKey:
        if name:
            key = _key(cls, namespace, name)
            if db.get(key) is not None:
                raise AlreadyExistsError(f"{cls.KIND.kind} {_where(key)} already exists")
            return key
        for _ in range(_GENERATE_NAME_ATTEMPTS):
            key = _key(cls, namespace, rules.generated_name(generate_name or ""))
            if db.get(key) is None:
                return key
        raise AlreadyExistsError(
            f"{cls.KIND.kind}: no free name from generateName {generate_name!r} "
            f"after {_GENERATE_NAME_ATTEMPTS} tries"
        )


@attrs.define(eq=False)
class _Group:
    """The writes of one event-loop turn: one transaction, committed once by :meth:`SQLiteStore._flush` (a
    commit costs more than the statements of a small write; writers that run in the same turn share it). Each
    write awaits the commit before it returns, so a write that returned is committed, as before."""

    db: StoreDb
    history: int
    publish: Callable[[list[Change]], None]
    changes: list[Change] = attrs.field(factory=list)
    done: asyncio.Future[None] = attrs.field(factory=lambda: asyncio.get_running_loop().create_future())

    def commit(self) -> None:
        try:
            self.db.prune_events(self.history)
            self.db.commit()
        except BaseException as e:
            self.db.rollback()
            self.done.set_exception(e)
            self.done.exception()  # retrieved: a group whose writers all left must not warn
            return
        self.publish(self.changes)
        self.done.set_result(None)


@attrs.define
class _Write:
    """One write inside its turn's transaction (a savepoint): stores bodies, logs their events, cascades deletes.

    A failed write is undone alone; the others of its turn stand. :meth:`committed` returns once the turn's
    transaction is committed, and watchers hear of every change of the turn then, in resourceVersion order.
    """

    db: StoreDb
    now: Callable[[], str]
    group: _Group
    changes: list[Change] = attrs.field(factory=list)
    _rv: int = attrs.field(default=0, init=False)

    def __enter__(self) -> _Write:
        self._rv = self.db.savepoint()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *_: object) -> None:
        if exc_type is not None:
            self.db.rollback_to(self._rv)
            return
        self.db.release()
        self.group.changes.extend(self.changes)

    async def committed(self) -> None:
        """Wait for the commit of this write's turn (shielded: a cancelled writer leaves the others' commit be)."""
        await asyncio.shield(self.group.done)

    def save(self, type_: EventType, key: ObjectKey, body: dict[str, Any], uid: str | None = None) -> None:
        """Write ``body`` (with a new resourceVersion set in place)."""
        uid = uid or body["metadata"]["uid"]
        rv = self._stamp(body)
        body_json = dumps(body)
        try:
            self.db.put(key, uid, rv, body_json, rules.owner_uids(body))
        except UnicodeEncodeError:
            raise ValidationError(
                [FieldError("", "a string holds a lone surrogate, which is not Unicode text")],
                kind=key.kind,
                name=key.name,
            ) from None
        self._log(type_, key, rv, body_json)

    def built(self, cls: type[R], body: dict[str, Any]) -> R:
        """``body`` (just saved) as ``cls``, built once for the caller and the watchers of this change."""
        obj = cls.from_dict(body)
        self.changes[-1].seed(obj)
        return obj

    def remove(self, key: ObjectKey, uid: str, body: dict[str, Any]) -> None:
        """Remove the object (DELETED carries ``body``, given a new resourceVersion), then its dependents."""
        rv = self._stamp(body)
        body_json = dumps(body)
        self.db.remove(uid)
        self._log("DELETED", key, rv, body_json)
        self._collect(uid)

    def delete(self, row: Row) -> dict[str, Any] | None:
        """Mark ``row`` for deletion if it has finalizers (returns the marked body), else remove it (None)."""
        if rules.is_deleting(row.body):
            return row.body
        if rules.finalizers(row.body):
            body = dict(row.body)
            body["metadata"] = {**body["metadata"], "deletionTimestamp": self.now()}
            self.save("MODIFIED", row.key, body, row.uid)
            return body
        self.remove(row.key, row.uid, row.body)
        return None

    def _collect(self, gone_uid: str) -> None:
        """Garbage-collect what ``gone_uid`` owned, as Kubernetes' background propagation does.

        A dependent with another owner still present only loses its dangling references; one with none left
        is deleted (marked, if it has finalizers), and its own dependents follow once it is removed.
        """
        pending = deque(self.db.dependents(gone_uid))
        while pending:
            row = self.db.get_by_uid(pending.popleft())
            if row is None:
                continue
            refs = row.body.get("metadata", {}).get("ownerReferences") or []
            alive = [r for r in refs if r.get("uid") and self.db.uid_exists(r["uid"])]
            if alive:
                body = dict(row.body)
                body["metadata"] = {**body["metadata"], "ownerReferences": alive}
                self.save("MODIFIED", row.key, body, row.uid)
            else:
                self.delete(row)

    def _stamp(self, body: dict[str, Any]) -> int:
        rv = self.db.next_rv()
        body["metadata"] = {**body.get("metadata", {}), "resourceVersion": str(rv)}
        return rv

    def _log(self, type_: EventType, key: ObjectKey, rv: int, body_json: str) -> None:
        self.db.log_event(EventRow(rv, type_, key.api_version, key.kind, key.namespace, body_json))
        self.changes.append(Change(rv, type_, key.api_version, key.kind, key.namespace, body_json))


def _key(cls: type[Resource], namespace: str | None, name: str) -> ObjectKey:
    info = cls.KIND
    ns = (namespace or "default") if info.namespaced else ""
    return ObjectKey(info.api_version, info.kind, ns, name)


def _where(key: ObjectKey) -> str:
    return f"{key.namespace}/{key.name}" if key.namespace else repr(key.name)


def _missing(cls: type[Resource], namespace: str, name: str) -> str:
    return f"{cls.KIND.kind} {_where(_key(cls, namespace, name))} not found"
