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
import logging
import os
import signal
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import IO

import attrs
import psutil

from pyknative.runtime import _leftovers, _procgroup, _spawn, probes, volumes
from pyknative.runtime.instance import SupervisedInstance
from pyknative.runtime.spec import ProcessSpec

_log = logging.getLogger(__name__)

_LINE_LIMIT = 1 << 20  # longer lines are split into pieces of this size
_DRAIN_SECONDS = 1.0  # how long to keep reading output after the child exited


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


@attrs.define(eq=False, kw_only=True)
class Instance(SupervisedInstance):
    """One local process of ``spec`` (a :class:`ProcessSpec`) listening on ``host``:``port``; its output goes to
    ``log_path`` and ``on_line``.

    ``on_change`` is called when the instance turns ready or unready, and when its process exits.
    """

    spec: ProcessSpec
    log_path: Path
    #: the environment marker every process of this instance carries (PYKNATIVE_INSTANCE), if any
    marker: str | None = None
    #: where the record of the running process goes (None: no record)
    record_dir: Path | None = None
    #: the instance's own directory, for a spec with volumes (written before the first start; see :meth:`close`)
    home: Path | None = None
    #: what ``fieldRef: metadata.uid`` reads (a pod's uid)
    uid: str = attrs.field(factory=lambda: str(uuid.uuid4()))
    _env: Mapping[str, str] = attrs.field(factory=dict, init=False)

    def close(self) -> None:
        """Remove the instance's own directory (its volumes): it will not run again."""
        if self.home is not None:
            volumes.remove(self.home)

    async def check_readiness(self, handler: probes.Handler, timeout: float) -> bool:
        return await probes.check(
            handler, host=self.host, port=self.port, timeout=timeout, env=self._env, cwd=self.spec.working_dir
        )

    async def run_once(self, grace: float) -> float:
        """Run the child from spawn to exit (or to a stop: SIGTERM, then SIGKILL after ``grace`` seconds).

        Returns how many seconds it was ready. Whatever happens, including cancellation, nothing of the
        child's session (nor its descendants seen at stop time) runs any more when this returns.
        """
        self.begin_run()
        if self.stopping:
            return 0.0
        home = self.home if self.spec.volumes is not None else None
        if home is not None and not home.exists():
            try:
                volumes.materialize(self.spec.volumes, home)
            except OSError as exc:
                self.exited(None, f"volumes: {exc}")
                return 0.0
        env = volumes.child_env(self.spec, self.port, name=self.id, uid=self.uid, home=home)
        if self.marker is not None:
            env[_leftovers.MARKER] = self.marker
        wd = self.spec.working_dir
        if wd is not None and not os.path.isdir(wd):
            self.exited(None, f"chdir: {wd!r}: no such directory")
            return 0.0
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        try:
            proc = await _spawn.spawn(self.spec.command, env=env, cwd=wd, limit=_LINE_LIMIT)
        except OSError as exc:
            self.exited(None, _spawn_error(self.spec, exc))
            return 0.0
        self.pid = proc.pid
        self.started_at = time.time()
        self._record(proc.pid)
        _log.debug("instance %s started pid %s on port %s", self.id, proc.pid, self.port)
        with open(self.log_path, "a", buffering=1, encoding="utf-8", errors="replace") as log:
            pumps = [asyncio.create_task(self._pump(s, log)) for s in (proc.stdout, proc.stderr)]
            self._env = env
            prober = asyncio.create_task(self.probe_readiness())
            escaped: list[psutil.Process] = []
            try:
                await self._wait_exit_or_stop(proc, grace, escaped)
            finally:
                prober.cancel()
                self.set_ready(False, notify=False)
                # Also on cancellation: kill whatever is left (the child, or what it left behind), as seen by a scan
                # taken after the stop was asked for (or, when the child ended by itself, after it ended).
                since = self.stop_requested_at or time.monotonic()
                left = _procgroup.carriers(self.marker, since)
                await _procgroup.kill_all(proc.pid, [*escaped, *left], since=since)
                if self.record_dir is not None:
                    _leftovers.forget(self.record_dir, self.id, proc.pid)
                _, pending = await asyncio.wait(pumps, timeout=_DRAIN_SECONDS)
                for task in pending:
                    task.cancel()
        assert proc.returncode is not None
        self.exited(*exit_status(proc.returncode))
        return self.ready_seconds

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
            since = self.stop_requested_at
            escaped.extend(_procgroup.descendants(proc.pid, since))
            escaped.extend(_procgroup.carriers(self.marker, since))
            _procgroup.signal_all(proc.pid, signal.SIGTERM, escaped, since)
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
