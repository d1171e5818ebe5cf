"""One local instance of a :class:`ProcessSpec`: spawn the child, capture its output, probe readiness, stop it.

:meth:`Instance.run_once` runs the child once from spawn to exit; restarting is the runtime's job
(:mod:`pyknative.runtime.local`). The child is started by :mod:`pyknative.runtime._spawn` (vfork, no copy of
the platform) in its own session / process group with a parent-death signal (:mod:`pyknative.runtime._procgroup`),
so stopping or cancelling a run, or the runtime dying, leaves no process behind. Each process carries the
runtime's marker in its environment and, with a ``record_dir``, a record while it runs
(:mod:`pyknative.runtime._leftovers`: what finds a dead platform's leftovers).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO

import attrs
import psutil

from pyknative.runtime import _leftovers, _procgroup, _spawn, probes, volumes
from pyknative.runtime.spec import InstanceState, ProcessSpec

_log = logging.getLogger(__name__)

_LINE_LIMIT = 1 << 20  # longer lines are split into pieces of this size
_DRAIN_SECONDS = 1.0  # how long to keep reading output after the child exited


#: how much longer each probe of a not-yet-ready instance waits than the one before (up to the probe period)
_STARTUP_BACKOFF = 1.25


def exit_status(returncode: int) -> tuple[int, str]:
    """``(exit code, reason)`` for a child's return code; signal N reads as code 128 + N."""
    if returncode < 0:
        return 128 - returncode, f"killed by signal {-returncode}"
    return returncode, f"exited with code {returncode}"


def _spawn_error(spec: ProcessSpec, exc: OSError) -> str:
    what = (exc.strerror or str(exc)).lower()
    if spec.working_dir is not None and exc.filename == spec.working_dir:
        return f"chdir: {spec.working_dir!r}: {what}"
    return f"exec: {spec.command[0]!r}: {what}"


@attrs.define(eq=False)
class Instance:
    """One copy of ``spec`` listening on ``host``:``port``; its output goes to ``log_path`` and ``on_line``.

    ``on_change`` is called when the instance turns ready or unready, and when its process exits.
    """

    id: str
    spec: ProcessSpec
    host: str
    port: int
    log_path: Path
    on_line: Callable[[str], None]
    on_change: Callable[[], None]
    pid: int | None = None
    ready: bool = False
    restarts: int = 0
    last_exit_code: int | None = None
    last_exit_reason: str | None = None
    #: wall clock (epoch seconds) of the current process's start, and of the last readiness change
    started_at: float | None = None
    ready_changed_at: float | None = None
    #: the environment marker every process of this instance carries (PYKNATIVE_INSTANCE), if any
    marker: str | None = None
    #: where the record of the running process goes (None: no record)
    record_dir: Path | None = None
    #: the instance's own directory, for a spec with volumes (written before the first start; see :meth:`close`)
    home: Path | None = None
    #: what ``fieldRef: metadata.uid`` reads (a pod's uid)
    uid: str = attrs.field(factory=lambda: str(uuid.uuid4()))
    _stop: asyncio.Event = attrs.field(factory=asyncio.Event, init=False)
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
        """Remove the instance's own directory (its volumes): it will not run again."""
        if self.home is not None:
            volumes.remove(self.home)

    def request_stop(self) -> None:
        """Ask the current (or next) run to stop the child; it will not be started again."""
        self._stop.set()

    async def wait_stop(self, timeout: float) -> bool:
        """Sleep up to ``timeout`` seconds; ``True`` if a stop was requested meanwhile."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._stop.wait()
        return self.stopping

    async def run_once(self, grace: float) -> float:
        """Run the child from spawn to exit (or to a stop: SIGTERM, then SIGKILL after ``grace`` seconds).

        Returns how many seconds it was ready. Whatever happens, including cancellation, nothing of the
        child's session (nor its descendants seen at stop time) runs any more when this returns.
        """
        self._ready_seconds = 0.0
        if self.stopping:
            return 0.0
        home = self.home if self.spec.volumes is not None else None
        if home is not None and not home.exists():
            try:
                volumes.materialize(self.spec.volumes, home)
            except OSError as exc:
                self._exited(None, f"volumes: {exc}")
                return 0.0
        env = volumes.child_env(self.spec, self.port, name=self.id, uid=self.uid, home=home)
        if self.marker is not None:
            env[_leftovers.MARKER] = self.marker
        wd = self.spec.working_dir
        if wd is not None and not os.path.isdir(wd):
            self._exited(None, f"chdir: {wd!r}: no such directory")
            return 0.0
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        try:
            proc = await _spawn.spawn(self.spec.command, env=env, cwd=wd, limit=_LINE_LIMIT)
        except OSError as exc:
            self._exited(None, _spawn_error(self.spec, exc))
            return 0.0
        self.pid = proc.pid
        self.started_at = time.time()
        self._record(proc.pid)
        _log.debug("instance %s started pid %s on port %s", self.id, proc.pid, self.port)
        with open(self.log_path, "a", buffering=1, encoding="utf-8", errors="replace") as log:
            pumps = [asyncio.create_task(self._pump(s, log)) for s in (proc.stdout, proc.stderr)]
            prober = asyncio.create_task(self._probe_loop(env))
            escaped: list[psutil.Process] = []
            try:
                await self._wait_exit_or_stop(proc, grace, escaped)
            finally:
                prober.cancel()
                self._set_ready(False, notify=False)
                # Also on cancellation: kill whatever is left (the child, or what it left behind).
                await _procgroup.kill_all(proc.pid, [*escaped, *_procgroup.carriers(self.marker)])
                if self.record_dir is not None:
                    _leftovers.forget(self.record_dir, self.id, proc.pid)
                _, pending = await asyncio.wait(pumps, timeout=_DRAIN_SECONDS)
                for task in pending:
                    task.cancel()
        assert proc.returncode is not None
        self._exited(*exit_status(proc.returncode))
        return self._ready_seconds

    def _record(self, pid: int) -> None:
        if self.record_dir is None or self.marker is None:
            return
        try:
            _leftovers.record(self.record_dir, self.id, pid, self.spec.command, self.marker)
        except OSError as exc:  # the marker still lets a later sweep find it
            _log.warning("instance %s: could not record pid %s in %s: %s", self.id, pid, self.record_dir, exc)

    async def _wait_exit_or_stop(self, proc: _spawn.Child, grace: float, escaped: list[psutil.Process]) -> None:
        """Wait for the child to exit; on a stop request SIGTERM it, then SIGKILL after ``grace`` seconds.

        ``escaped`` receives the child's descendants at stop time, for the caller's final kill.
        """
        waiter = asyncio.ensure_future(proc.wait())
        stopper = asyncio.ensure_future(self._stop.wait())
        try:
            await asyncio.wait({waiter, stopper}, return_when=asyncio.FIRST_COMPLETED)
            if waiter.done():
                return
            escaped.extend(_procgroup.descendants(proc.pid))
            escaped.extend(_procgroup.carriers(self.marker))
            _procgroup.signal_all(proc.pid, signal.SIGTERM, escaped)
            try:
                async with asyncio.timeout(grace):
                    await asyncio.shield(waiter)
            except TimeoutError:
                _log.info("instance %s did not stop within %ss of SIGTERM; killing it", self.id, grace)
                escaped.extend(_procgroup.descendants(proc.pid))
                _procgroup.signal_all(proc.pid, signal.SIGKILL, escaped)
                await waiter
        finally:
            waiter.cancel()
            stopper.cancel()

    async def _pump(self, stream: asyncio.StreamReader, log: IO[str]) -> None:
        while True:
            try:
                chunk = await stream.readuntil(b"\n")
            except asyncio.IncompleteReadError as exc:
                if exc.partial:
                    self._emit(exc.partial, log)
                return
            except asyncio.LimitOverrunError as exc:
                chunk = await stream.readexactly(exc.consumed)
            self._emit(chunk, log)

    def _emit(self, chunk: bytes, log: IO[str]) -> None:
        line = chunk.decode("utf-8", "replace").rstrip("\r\n")
        log.write(line + "\n")
        self.on_line(line)

    async def _probe_loop(self, env: Mapping[str, str]) -> None:
        readiness = self.spec.readiness
        if readiness.initial_delay_seconds:
            await asyncio.sleep(readiness.initial_delay_seconds)
        successes = failures = 0
        # Until ready: probe soon (a new instance is seen right after it listens), backing off by a quarter each
        # miss up to the period, so a thousand instances starting at once do not probe each other to a halt.
        fast = min(readiness.startup_period_seconds, readiness.period_seconds)
        while True:
            ok = await probes.check(
                readiness.handler,
                host=self.host,
                port=self.port,
                timeout=readiness.timeout_seconds,
                env=env,
                cwd=self.spec.working_dir,
            )
            successes, failures = (successes + 1, 0) if ok else (0, failures + 1)
            if not self.ready and successes >= readiness.success_threshold:
                self._set_ready(True)
            elif self.ready and failures >= readiness.failure_threshold:
                self._set_ready(False)
            if self.ready:
                fast = min(readiness.startup_period_seconds, readiness.period_seconds)
                await asyncio.sleep(readiness.period_seconds)
            else:
                await asyncio.sleep(fast)
                fast = min(fast * _STARTUP_BACKOFF, readiness.period_seconds)

    def _set_ready(self, ready: bool, *, notify: bool = True) -> None:
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

    def _exited(self, code: int | None, reason: str) -> None:
        self.pid = None
        self.last_exit_code = code
        self.last_exit_reason = reason
        if not self.stopping:
            _log.info("instance %s of %s: %s", self.id, self.spec.key, reason)
        self.on_change()
