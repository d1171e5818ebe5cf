"""The SQLite file behind :class:`~pyknative.store.sqlite.SQLiteStore`: schema and row access.

Tables: ``objects`` (one JSON body per object, keyed by apiVersion/kind/namespace/name), ``owner_links``
(owner uid -> dependent uid, for cascading deletes), ``events`` (the bounded watch history, one row per
resourceVersion) and ``counters`` (the last resourceVersion, and the newest one dropped from history).
Every method is synchronous; writes happen between :meth:`StoreDb.begin` and :meth:`StoreDb.commit`.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import attrs

from pyknative.store._checkpointer import Checkpointer

_SCHEMA_VERSION = 1
_CACHE_KIB = 64 * 1024

_SCHEMA = """
CREATE TABLE IF NOT EXISTS objects (
    api_version TEXT NOT NULL,
    kind TEXT NOT NULL,
    namespace TEXT NOT NULL,
    name TEXT NOT NULL,
    uid TEXT NOT NULL UNIQUE,
    rv INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (api_version, kind, namespace, name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS owner_links (
    owner_uid TEXT NOT NULL,
    child_uid TEXT NOT NULL,
    PRIMARY KEY (owner_uid, child_uid)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS owner_links_by_child ON owner_links (child_uid);
CREATE TABLE IF NOT EXISTS events (
    rv INTEGER PRIMARY KEY,
    type TEXT NOT NULL,
    api_version TEXT NOT NULL,
    kind TEXT NOT NULL,
    namespace TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS counters (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT OR IGNORE INTO counters (name, value) VALUES ('rv', 0), ('compacted', 0);
"""


@attrs.frozen
class ObjectKey:
    """Where an object lives: namespace is ``""`` for cluster-scoped kinds."""

    api_version: str
    kind: str
    namespace: str
    name: str


@attrs.frozen
class Row:
    """One stored object: its key, uid, resourceVersion and wire body (a fresh dict per read)."""

    key: ObjectKey
    uid: str
    rv: int
    body: dict[str, Any]


@attrs.frozen
class EventRow:
    rv: int
    type: str
    api_version: str
    kind: str
    namespace: str
    body_json: str


def dumps(body: Any) -> str:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


@attrs.define
class StoreDb:
    """A connection to one store file, in WAL mode (``":memory:"`` gives a throwaway store)."""

    conn: sqlite3.Connection
    checkpointer: Checkpointer | None = None
    #: the latest resourceVersion, kept here (the ``rv`` counter is written at history cuts and on close, and
    #: on open the newest of it, the history and the objects wins: every write leaves its version in one)
    _rv: int = attrs.field(init=False, default=0)
    _rv_at_begin: int = attrs.field(init=False, default=0)
    #: SQLite's ``data_version`` when ``_rv`` was last read: another connection's commit changes it
    _seen: int | None = attrs.field(init=False, default=None)

    def _sync_rv(self) -> None:
        """Read the latest resourceVersion again if another connection to the file wrote since."""
        version = self.conn.execute("PRAGMA data_version").fetchone()[0]
        if version == self._seen:
            return
        self._seen = version
        self._rv = max(
            self._rv,
            self.conn.execute(
                "SELECT max((SELECT value FROM counters WHERE name = 'rv'),"
                " coalesce((SELECT max(rv) FROM events), 0), coalesce((SELECT max(rv) FROM objects), 0))"
            ).fetchone()[0],
        )

    @classmethod
    def open(cls, path: Path | str) -> StoreDb:
        target = str(path)
        if target != ":memory:":
            Path(target).parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(target, isolation_level=None)
        try:
            conn.execute("PRAGMA busy_timeout = 5000")
            if target != ":memory:":
                mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                if str(mode).lower() != "wal":
                    raise sqlite3.OperationalError(
                        f"{target}: could not switch to WAL journal mode (got {mode})"
                    )
            conn.execute("PRAGMA synchronous = NORMAL")
            # Up to 64 MiB of pages in memory (SQLite's default is 2 MiB): with thousands of objects the default
            # reads most pages back from the file on every write, and writes cost half again as much.
            conn.execute(f"PRAGMA cache_size = -{_CACHE_KIB}")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version not in (0, _SCHEMA_VERSION):
                raise sqlite3.DatabaseError(
                    f"{target}: store schema version {version} is not supported (expected {_SCHEMA_VERSION})"
                )
            conn.executescript(f"BEGIN; {_SCHEMA} PRAGMA user_version = {_SCHEMA_VERSION}; COMMIT;")
            checkpointer = None
            if target != ":memory:":
                conn.execute("PRAGMA wal_autocheckpoint = 0")  # a thread does it (see _checkpointer)
                checkpointer = Checkpointer(target)
        except BaseException:
            conn.close()
            raise
        return cls(conn, checkpointer)

    def close(self) -> None:
        try:
            self.conn.execute("UPDATE counters SET value = ? WHERE name = 'rv'", (self._rv,))
        except sqlite3.Error:
            pass  # the next open finds the version in the history and the objects
        if self.checkpointer is not None:
            self.checkpointer.close()
        self.conn.close()

    def begin(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")
        self._sync_rv()
        self._rv_at_begin = self._rv

    @property
    def in_transaction(self) -> bool:
        return self.conn.in_transaction

    def savepoint(self) -> int:
        """Open a savepoint inside the transaction; returns the resourceVersion to restore on its rollback."""
        self.conn.execute("SAVEPOINT one_write")
        return self._rv

    def release(self) -> None:
        self.conn.execute("RELEASE one_write")

    def rollback_to(self, rv: int) -> None:
        """Undo the savepoint's writes (the transaction stays open) and take back their resourceVersions."""
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK TO one_write")
            self.conn.execute("RELEASE one_write")
        self._rv = rv

    def commit(self) -> None:
        self.conn.execute("COMMIT")

    def rollback(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")
            self._rv = self._rv_at_begin

    # -- objects --

    def get(self, key: ObjectKey) -> Row | None:
        row = self.conn.execute(
            "SELECT uid, rv, body FROM objects"
            " WHERE api_version = ? AND kind = ? AND namespace = ? AND name = ?",
            (key.api_version, key.kind, key.namespace, key.name),
        ).fetchone()
        return Row(key, row[0], row[1], json.loads(row[2])) if row else None

    def get_by_uid(self, uid: str) -> Row | None:
        row = self.conn.execute(
            "SELECT api_version, kind, namespace, name, rv, body FROM objects WHERE uid = ?", (uid,)
        ).fetchone()
        if row is None:
            return None
        return Row(ObjectKey(row[0], row[1], row[2], row[3]), uid, row[4], json.loads(row[5]))

    def uid_exists(self, uid: str) -> bool:
        return self.conn.execute("SELECT 1 FROM objects WHERE uid = ?", (uid,)).fetchone() is not None

    def list(self, api_version: str | None, kind: str | None, namespace: str | None) -> list[Row]:
        """Objects of one kind (or all when ``kind`` is None), in one namespace or all, oldest write first."""
        where, args = _filters(api_version, kind, namespace)
        rows = self.conn.execute(
            f"SELECT api_version, kind, namespace, name, uid, rv, body FROM objects {where} ORDER BY rv", args
        ).fetchall()
        return [Row(ObjectKey(r[0], r[1], r[2], r[3]), r[4], r[5], json.loads(r[6])) for r in rows]

    def put(self, key: ObjectKey, uid: str, rv: int, body_json: str, owners: list[str]) -> None:
        self.conn.execute(
            "INSERT INTO objects (api_version, kind, namespace, name, uid, rv, body)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (api_version, kind, namespace, name)"
            " DO UPDATE SET rv = excluded.rv, body = excluded.body",
            (key.api_version, key.kind, key.namespace, key.name, uid, rv, body_json),
        )
        self.conn.execute("DELETE FROM owner_links WHERE child_uid = ?", (uid,))
        self.conn.executemany(
            "INSERT OR IGNORE INTO owner_links (owner_uid, child_uid) VALUES (?, ?)",
            [(o, uid) for o in owners],
        )

    def remove(self, uid: str) -> None:
        self.conn.execute("DELETE FROM objects WHERE uid = ?", (uid,))
        self.conn.execute("DELETE FROM owner_links WHERE child_uid = ?", (uid,))

    def dependents(self, owner_uid: str) -> list[str]:
        rows = self.conn.execute(
            "SELECT child_uid FROM owner_links WHERE owner_uid = ? ORDER BY child_uid", (owner_uid,)
        ).fetchall()
        return [r[0] for r in rows]

    # -- resourceVersion and history --

    def next_rv(self) -> int:
        """The next resourceVersion (in a write transaction: a rollback takes it back)."""
        self._rv += 1
        return self._rv

    def current_rv(self) -> int:
        if not self.conn.in_transaction:
            self._sync_rv()
        return self._rv

    def compacted_rv(self) -> int:
        """Events up to and including this resourceVersion are no longer kept."""
        return self._counter("compacted")

    def log_event(self, event: EventRow) -> None:
        self.conn.execute(
            "INSERT INTO events (rv, type, api_version, kind, namespace, body) VALUES (?, ?, ?, ?, ?, ?)",
            (event.rv, event.type, event.api_version, event.kind, event.namespace, event.body_json),
        )

    def prune_events(self, keep: int) -> None:
        """Keep at least the newest ``keep`` resourceVersions of history.

        History is cut in steps of a tenth of ``keep`` (at least one), so a busy store deletes a batch of old
        events now and then rather than one with every write.
        """
        floor = self.current_rv() - keep
        if floor >= self.compacted_rv() + max(1, keep // 10):
            self.conn.execute("DELETE FROM events WHERE rv <= ?", (floor,))
            self.conn.execute(
                "UPDATE counters SET value = CASE name WHEN 'compacted' THEN ? ELSE ? END"
                " WHERE name IN ('compacted', 'rv')",
                (floor, self._rv),
            )

    def events_after(
        self, rv: int, api_version: str | None, kind: str | None, namespace: str | None
    ) -> list[EventRow]:
        where, args = _filters(api_version, kind, namespace)
        where = f"{where} AND rv > ?" if where else "WHERE rv > ?"
        rows = self.conn.execute(
            f"SELECT rv, type, api_version, kind, namespace, body FROM events {where} ORDER BY rv",
            (*args, rv),
        ).fetchall()
        return [EventRow(*r) for r in rows]

    def _counter(self, name: str) -> int:
        return self.conn.execute("SELECT value FROM counters WHERE name = ?", (name,)).fetchone()[0]


def _filters(api_version: str | None, kind: str | None, namespace: str | None) -> tuple[str, tuple[str, ...]]:
    clauses: list[str] = []
    args: list[str] = []
    if kind is not None:
        clauses += ["api_version = ?", "kind = ?"]
        args += [api_version or "", kind]
    if namespace:
        clauses.append("namespace = ?")
        args.append(namespace)
    return ("WHERE " + " AND ".join(clauses) if clauses else "", tuple(args))
