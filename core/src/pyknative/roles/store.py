"""The store role: where resources live (embedded SQLite; the Kubernetes API), with optimistic concurrency and
a watch. The Protocol and its event type are defined in :mod:`pyknative.store`; this is their public home.

Writing a batch all or nothing is optional: a store that can has ``write_batch`` (:class:`BatchStore`); callers
go through :func:`write_batch`, which falls back to one write after another for a store that cannot."""

from pyknative.store import BatchStore, BatchWrite, BatchWriteError, EventType, Store, WatchEvent, write_batch

__all__ = ["BatchStore", "BatchWrite", "BatchWriteError", "EventType", "Store", "WatchEvent", "write_batch"]
