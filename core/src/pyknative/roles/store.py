"""The store role: where resources live (embedded SQLite; the Kubernetes API), with optimistic concurrency and
a watch. The Protocol and its event type are defined in :mod:`pyknative.store`; this is their public home."""

from pyknative.store import EventType, Store, WatchEvent

__all__ = ["EventType", "Store", "WatchEvent"]
