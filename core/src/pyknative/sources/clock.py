"""The clock a source adapter reads and sleeps on: the wall clock, or a manual one tests move by hand.

An adapter that acts at wall-clock times (a PingSource's ticks) takes a :class:`Clock` instead of calling
``datetime.now`` and ``asyncio.sleep``, so that a test can run a schedule without waiting for it:
:class:`ManualClock` stands still until :meth:`ManualClock.advance` moves it, and wakes every sleeper whose time
has come, in time order.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable

import attrs

#: the longest one wall-clock sleep lasts before the clock is read again (a suspended machine, a clock step)
_MAX_NAP = 30.0


@runtime_checkable
class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware."""

    async def sleep_until(self, when: datetime) -> None:
        """Return once ``now() >= when`` (at once when it already is)."""


@attrs.define(eq=False)
class SystemClock:
    """The wall clock; sleeps are re-checked against it at least every 30 seconds."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep_until(self, when: datetime) -> None:
        while True:
            left = (when - self.now()).total_seconds()
            if left <= 0:
                return
            await asyncio.sleep(min(left, _MAX_NAP))


@attrs.define(eq=False)
class ManualClock:
    """A clock that moves only when told to (tests)."""

    current: datetime = attrs.field(factory=lambda: datetime(2026, 1, 1, tzinfo=UTC))
    _sleepers: list[tuple[datetime, int, asyncio.Future]] = attrs.field(factory=list, init=False)
    _counter: itertools.count = attrs.field(factory=itertools.count, init=False)
    _changed: asyncio.Event | None = attrs.field(default=None, init=False)

    def now(self) -> datetime:
        return self.current

    async def sleep_until(self, when: datetime) -> None:
        if when <= self.current:
            return
        future = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (when, next(self._counter), future))
        self._notify()
        try:
            await future
        finally:
            if not future.done():
                future.cancel()

    @property
    def sleepers(self) -> int:
        """How many sleeps are waiting now."""
        return sum(1 for _, _, f in self._sleepers if not f.done())

    async def wait_for_sleepers(self, count: int = 1, timeout: float = 10.0) -> None:
        """Wait until at least ``count`` sleeps wait (the adapters reached their next tick)."""
        async with asyncio.timeout(timeout):
            while self.sleepers < count:
                self._changed = asyncio.Event()
                await self._changed.wait()

    async def advance(self, seconds: float = 0.0, *, to: datetime | None = None) -> None:
        """Move the clock forward (by ``seconds`` or ``to`` an instant) and wake, one after the other in time
        order, every sleeper whose time has come; each runs until it sleeps again before the next wakes."""
        target = to if to is not None else self.current + timedelta(seconds=seconds)
        while self._sleepers and self._sleepers[0][0] <= target:
            when, _, future = heapq.heappop(self._sleepers)
            if future.done():
                continue
            self.current = max(self.current, when)
            future.set_result(None)
            for _ in range(20):  # let the woken task run to its next await
                await asyncio.sleep(0)
        self.current = max(self.current, target)

    def _notify(self) -> None:
        if self._changed is not None:
            self._changed.set()
