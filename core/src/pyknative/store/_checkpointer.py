"""Moving the store's WAL back into its database file off the event loop.

SQLite in WAL mode appends every commit to the ``-wal`` file and, by default, the committing connection copies
the WAL back into the database (a checkpoint, with an fsync of both files) once it passed 1,000 pages. On the
event loop that is a stall of tens of milliseconds every few hundred writes; with 1,000 Services it added up to
a fifth of the time to all Ready. Here the store's connection never checkpoints (``wal_autocheckpoint = 0``);
a thread with a connection of its own runs a ``PASSIVE`` checkpoint (it never blocks writers) every
``period`` seconds, and a ``TRUNCATE`` one when it stops. The sqlite3 module releases the GIL while SQLite
works, so the copy runs beside the event loop.
"""

from __future__ import annotations

import logging
import sqlite3
import threading

_log = logging.getLogger(__name__)


class Checkpointer:
    """A daemon thread checkpointing the WAL of the database at ``path`` every ``period`` seconds."""

    def __init__(self, path: str, period: float = 0.5) -> None:
        self._path = path
        self._period = period
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pyknative-store-checkpoint", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop the thread after a last, truncating checkpoint (the WAL file is left empty)."""
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        try:
            conn = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as e:  # the store's own connection reports a broken file; nothing to add here
            _log.warning("store checkpoints are off: cannot open %s: %s", self._path, e)
            return
        try:
            conn.execute("PRAGMA busy_timeout = 5000")
            while not self._stop.wait(self._period):
                self._checkpoint(conn, "PASSIVE")
            self._checkpoint(conn, "TRUNCATE")
        finally:
            conn.close()

    @staticmethod
    def _checkpoint(conn: sqlite3.Connection, mode: str) -> None:
        try:
            conn.execute(f"PRAGMA wal_checkpoint({mode})").fetchone()
        except sqlite3.Error as e:  # busy or closing: the next round tries again
            _log.debug("store checkpoint (%s) failed: %s", mode, e)
