"""In-process fan-out of committed changes to watchers, one asyncio queue per watcher.

The store publishes each committed change (in resourceVersion order) to every subscription whose filter
matches; publishing never blocks. A watcher that falls more than ``max_backlog`` events behind is dropped: it
gets :class:`GoneError` once it has drained what was queued, and must list again, as with Kubernetes' 410.
"""

from __future__ import annotations

import asyncio
import enum
import json
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

import attrs

from pyknative.api.meta import Resource
from pyknative.errors import GoneError
from pyknative.store import EventType, WatchEvent


@attrs.define(eq=False)
class Change:
    """One committed write: the event type and the object's wire form (JSON, parsed on demand and cached)."""

    rv: int
    type: EventType
    api_version: str
    kind: str
    namespace: str
    body_json: str
    _resource: Resource | None = attrs.field(default=None, init=False)

    def seed(self, obj: Resource) -> None:
        """Hand over the object the writer already built from this body (so watchers need not decode it)."""
        self._resource = obj

    def resource(self, model: type[Resource]) -> Resource:
        """The object as ``model``; built once and shared (models are frozen)."""
        if type(self._resource) is not model:
            self._resource = model.from_dict(json.loads(self.body_json))
        return self._resource


class _Signal(enum.Enum):
    GONE = "gone"
    CLOSED = "closed"


@attrs.define(eq=False)
class Subscription:
    """A watcher's filter (``kind`` None: every kind; ``namespace`` None or "": every namespace) and queue."""

    api_version: str | None
    kind: str | None
    namespace: str | None
    max_backlog: int
    _queue: asyncio.Queue[Any] = attrs.field(factory=asyncio.Queue, init=False)
    _dropped: bool = attrs.field(default=False, init=False)

    def wants(self, change: Change) -> bool:
        if self.kind is not None and (change.kind != self.kind or change.api_version != self.api_version):
            return False
        return not self.namespace or change.namespace == self.namespace

    def offer(self, change: Change) -> None:
        if self._dropped:
            return
        if self._queue.qsize() >= self.max_backlog:
            self._dropped = True
            self._queue.put_nowait(_Signal.GONE)
            return
        self._queue.put_nowait(change)

    def end(self) -> None:
        self._queue.put_nowait(_Signal.CLOSED)

    async def next(self) -> Change | None:
        """The next change; None once the store closed; GoneError if this watcher fell too far behind."""
        item = await self._queue.get()
        if item is _Signal.GONE:
            raise GoneError(
                f"watch fell more than {self.max_backlog} events behind and was dropped; "
                "list again and re-watch"
            )
        if item is _Signal.CLOSED:
            self._queue.put_nowait(_Signal.CLOSED)  # stay ended for any later call
            return None
        return item


@attrs.define
class WatchHub:
    max_backlog: int
    _subscriptions: list[Subscription] = attrs.field(factory=list, init=False)

    def subscribe(self, api_version: str | None, kind: str | None, namespace: str | None) -> Subscription:
        sub = Subscription(api_version, kind, namespace, self.max_backlog)
        self._subscriptions.append(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        if sub in self._subscriptions:
            self._subscriptions.remove(sub)

    def publish(self, changes: list[Change]) -> None:
        for change in changes:
            for sub in self._subscriptions:
                if sub.wants(change):
                    sub.offer(change)

    def close(self) -> None:
        """End every watch (their iterators finish normally)."""
        for sub in self._subscriptions:
            sub.end()
        self._subscriptions.clear()


@attrs.define(eq=False)
class Watch:
    """One watch as an async iterator of :class:`WatchEvent`: a backlog first, then live changes.

    Cancelling a pending ``__anext__`` (``asyncio.wait_for``) loses nothing and keeps the watch usable.
    ``aclose()``, or dropping the last reference, unsubscribes. GoneError ends it, as does closing the store.
    """

    _hub: WatchHub
    _sub: Subscription
    _backlog: deque[Change]
    _to_event: Callable[[Change], WatchEvent | None]
    _done: bool = attrs.field(default=False, init=False)

    @classmethod
    def start(
        cls,
        hub: WatchHub,
        sub: Subscription,
        backlog: Iterable[Change],
        to_event: Callable[[Change], WatchEvent | None],
    ) -> Watch:
        return cls(hub, sub, deque(backlog), to_event)

    def __aiter__(self) -> Watch:
        return self

    async def __anext__(self) -> WatchEvent:
        while not self._done:
            if self._backlog:
                change: Change | None = self._backlog.popleft()
            else:
                try:
                    change = await self._sub.next()
                except GoneError:
                    self._finish()
                    raise
            if change is None:
                break
            event = self._to_event(change)
            if event is not None:
                return event
        self._finish()
        raise StopAsyncIteration

    async def aclose(self) -> None:
        self._finish()

    async def __aenter__(self) -> Watch:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._finish()

    def __del__(self) -> None:
        self._finish()

    def _finish(self) -> None:
        if not self._done:
            self._done = True
            self._backlog.clear()
            self._hub.unsubscribe(self._sub)
