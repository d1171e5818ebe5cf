"""What every supervised instance shares, whatever runs it (a local process, a container): its readiness, its
last exit, a stop request, and the readiness probe loop.

The runtime's supervisor (:class:`~pyknative.runtime.local.LocalProcessRuntime`) starts, restarts and stops
instances through this surface only, so a runtime plugin brings its own kind of instance (a subclass that
implements :meth:`SupervisedInstance.run_once` and, for exec probes, :meth:`SupervisedInstance.check_readiness`)
and gets scaling, draining, restart back-off and logs from the core (``instance_factory``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

import attrs

from pyknative.runtime import probes
from pyknative.runtime.spec import InstanceState

_log = logging.getLogger(__name__)

#: how much longer each probe of a not-yet-ready instance waits than the one before (up to the probe period)
_STARTUP_BACKOFF = 1.25


@attrs.define(eq=False, kw_only=True)
class SupervisedInstance:
    """One copy of ``spec`` answering on ``host``:``port``; its output goes to ``on_line``.

    ``on_change`` is called when the instance turns ready or unready, and when it exits. ``spec`` is the runtime's
    own value (it must have ``key`` and ``readiness``); equal specs mean "unchanged".
    """

    id: str
    spec: Any
    host: str
    port: int
    on_line: Callable[[str], None]
    on_change: Callable[[], None]
    pid: int | None = None
    ready: bool = False
    restarts: int = 0
    last_exit_code: int | None = None
    last_exit_reason: str | None = None
    #: wall clock (epoch seconds) of the current run's start, and of the last readiness change
    started_at: float | None = None
    ready_changed_at: float | None = None
    _stop: asyncio.Event = attrs.field(factory=asyncio.Event, init=False)
    #: ``time.monotonic()`` when the stop was first requested: what stops it must see the processes of then
    stop_requested_at: float | None = attrs.field(default=None, init=False)
    _ready_since: float | None = attrs.field(default=None, init=False)
    _ready_seconds: float = attrs.field(default=0.0, init=False)

    def state(self) -> InstanceState:
        return InstanceState(
            id=self.id,
            pid=self.pid,
            port=self.port,
            ready=self.ready,
            restarts=self.restarts,
            last_exit_code=self.last_exit_code,
            last_exit_reason=self.last_exit_reason,
            started_at=self.started_at,
            ready_changed_at=self.ready_changed_at,
        )

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def close(self) -> None:
        """Release what the instance holds between runs: it will not run again."""

    def request_stop(self) -> None:
        """Ask the current (or next) run to stop; it will not be started again."""
        if self.stop_requested_at is None:
            self.stop_requested_at = time.monotonic()
        self._stop.set()

    async def wait_stop(self, timeout: float) -> bool:
        """Sleep up to ``timeout`` seconds; ``True`` if a stop was requested meanwhile."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._stop.wait()
        return self.stopping

    async def run_once(self, grace: float) -> float:
        """Run once, from start to exit or to a stop request (then stop it within ``grace`` seconds); return how
        many seconds it was ready. Nothing of the run may be left when it returns, even on cancellation."""
        raise NotImplementedError

    async def check_readiness(self, handler: probes.Handler, timeout: float) -> bool:
        """One readiness check (the default probes ``host``:``port`` and runs exec probes on this machine)."""
        return await probes.check(handler, host=self.host, port=self.port, timeout=timeout)

    async def probe_readiness(self, readiness: probes.Readiness | None = None) -> None:
        """Probe until cancelled, turning ready after ``success_threshold`` passes and unready after
        ``failure_threshold`` misses (``readiness`` defaults to the spec's)."""
        readiness = readiness if readiness is not None else self.spec.readiness
        if readiness.initial_delay_seconds:
            await asyncio.sleep(readiness.initial_delay_seconds)
        successes = failures = 0
        # Until ready: probe soon (a new instance is seen right after it listens), backing off by a quarter each
        # miss up to the period, so a thousand instances starting at once do not probe each other to a halt.
        fast = min(readiness.startup_period_seconds, readiness.period_seconds)
        while True:
            ok = await self.check_readiness(readiness.handler, readiness.timeout_seconds)
            successes, failures = (successes + 1, 0) if ok else (0, failures + 1)
            if not self.ready and successes >= readiness.success_threshold:
                self.set_ready(True)
            elif self.ready and failures >= readiness.failure_threshold:
                self.set_ready(False)
            if self.ready:
                fast = min(readiness.startup_period_seconds, readiness.period_seconds)
                await asyncio.sleep(readiness.period_seconds)
            else:
                await asyncio.sleep(fast)
                fast = min(fast * _STARTUP_BACKOFF, readiness.period_seconds)

    def begin_run(self) -> None:
        """Mark the start of a run (its ready time starts at zero)."""
        self._ready_seconds = 0.0

    def set_ready(self, ready: bool, *, notify: bool = True) -> None:
        if ready == self.ready:
            return
        now = time.monotonic()
        self.ready_changed_at = time.time()
        if ready:
            self._ready_since = now
        elif self._ready_since is not None:
            self._ready_seconds += now - self._ready_since
            self._ready_since = None
        self.ready = ready
        if notify:
            self.on_change()

    @property
    def ready_seconds(self) -> float:
        """How long the current run has been ready so far (closed spans only)."""
        return self._ready_seconds

    def exited(self, code: int | None, reason: str) -> None:
        """Record the end of a run: ``code`` (None when it could not start) and ``reason`` in words."""
        self.pid = None
        self.last_exit_code = code
        self.last_exit_reason = reason
        if not self.stopping:
            _log.info("instance %s of %s: %s", self.id, self.spec.key, reason)
        self.on_change()
