"""The local process runtime: runs each Revision's container as child processes on this machine.

:class:`LocalProcessRuntime` keeps, per key (``namespace/revision``), the requested number of
:class:`~pyknative.runtime.process.Instance` s running, each on its own free port, restarts instances that
exit with exponential backoff, and reports readiness and instance-set changes through ``on_change(key)``.

An instance is stopped in three steps, so that scaling down never cuts a request: it leaves the instance set
(``on_change`` tells the data plane to send it nothing new), ``pre_stop(key, (host, port))`` is awaited (the
data plane drains its requests in flight, Knative's preStop wait-for-drain), then SIGTERM, and SIGKILL after
``grace_seconds``.

Nothing outlives the runtime, even SIGKILLed: each instance leads its own session, carries the runtime's marker
in its environment and, with a ``state_dir``, a record there while it runs; one watchdog process per runtime ends
what is left the moment the runtime's process dies, and :meth:`LocalProcessRuntime.start` ends what a crashed
predecessor on the same state directory left before any new instance starts (:mod:`._leftovers`).
"""

from __future__ import annotations

import asyncio
import collections
import logging
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import attrs

from pyknative.runtime import _leftovers, _procgroup
from pyknative.runtime.instance import SupervisedInstance
from pyknative.runtime.process import Instance
from pyknative.runtime.spec import InstanceState, ProcessSpec

_log = logging.getLogger(__name__)


@attrs.define
class _Backoff:
    """Restart delays: ``initial``, doubling up to ``maximum``; :meth:`reset` starts over."""

    initial: float
    maximum: float
    _next: float | None = None

    def next_delay(self) -> float:
        delay = self.initial if self._next is None else self._next
        self._next = min(delay * 2, self.maximum)
        return min(delay, self.maximum)

    def reset(self) -> None:
        self._next = None


@attrs.define(eq=False)
class _Member:
    instance: SupervisedInstance
    task: asyncio.Task[None]


@attrs.define(eq=False)
class _Revision:
    """What the runtime holds for one key: its live instances and its recent log lines."""

    lines: collections.deque[str]
    members: list[_Member] = attrs.field(factory=list)
    lock: asyncio.Lock = attrs.field(factory=asyncio.Lock)


def _connect_host(host: str) -> str:
    """Where to connect to reach something listening on ``host`` (a wildcard means this machine)."""
    return {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)


def _safe(key: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", key).lstrip(".") or "_"


@attrs.define(kw_only=True, eq=False)
class LocalProcessRuntime:
    """Runs instances of :class:`ProcessSpec` s as child processes (or, with ``instance_factory``, whatever
    instances a runtime plugin makes: the supervision below is the same).

    Each instance's stdout and stderr go, line by line, to ``log_dir/<key>/<instance id>.log`` and to an
    in-memory buffer of the last ``log_lines`` lines per key (:meth:`logs`). An instance that exits is
    restarted after ``backoff_initial`` seconds, doubling up to ``backoff_max``; the delay starts over once
    an instance has been ready for ``backoff_reset_seconds``. Stopping sends SIGTERM to the instance's
    process group and SIGKILL after ``grace_seconds``. ``on_change(key)`` is called (on the event loop)
    whenever an instance of ``key`` is added or removed, turns ready or unready, or exits. ``pre_stop(key,
    (host, port))``, when set, is awaited before an instance that was ready is signalled (not on :meth:`aclose`).
    """

    log_dir: Path = attrs.field(converter=Path)
    #: where running instances are recorded (see the module docstring); None: no records, no start-up sweep
    state_dir: Path | None = attrs.field(default=None, converter=attrs.converters.optional(Path))
    host: str = "127.0.0.1"
    on_change: Callable[[str], None] | None = None
    pre_stop: Callable[[str, tuple[str, int]], Awaitable[object]] | None = None
    backoff_initial: float = 1.0
    backoff_max: float = 30.0
    backoff_reset_seconds: float = 10.0
    grace_seconds: float = 3.0
    log_lines: int = 10_000
    #: where instances with volumes get their own directory (``<run_dir>/<key>/<instance id>``; default: a
    #: sibling ``run`` of ``log_dir``)
    run_dir: Path | None = None
    #: what makes an instance (a runtime plugin's own :class:`~pyknative.runtime.instance.SupervisedInstance`),
    #: called with ``id, spec, host, port, log_path, home, on_line, on_change``; None: a local process
    instance_factory: Callable[..., SupervisedInstance] | None = None
    #: whether to run the watchdog that ends local processes when the platform dies (instances that are not
    #: local processes have their own way; see the runtime that sets ``instance_factory``)
    watchdog: bool = True
    _revisions: dict[str, _Revision] = attrs.field(factory=dict, init=False)
    _ports: set[int] = attrs.field(factory=set, init=False)
    _closed: bool = attrs.field(default=False, init=False)
    #: instances leaving in the background (``converge(..., wait=False)``), with the task stopping each
    _leaving: dict[_Member, asyncio.Task[None]] = attrs.field(factory=dict, init=False)
    _key: str = attrs.field(default="", init=False)
    _owner: str = attrs.field(default="", init=False)
    _watchdog: subprocess.Popen | None = attrs.field(default=None, init=False)

    def __attrs_post_init__(self) -> None:
        if self.backoff_initial <= 0 or self.backoff_max < self.backoff_initial:
            raise ValueError(
                f"backoff_initial/backoff_max: need 0 < backoff_initial <= backoff_max, "
                f"not {self.backoff_initial!r}/{self.backoff_max!r}"
            )
        self._key = _leftovers.runtime_key(self.state_dir if self.state_dir is not None else self.log_dir)
        self._owner = _leftovers.owner_id()

    async def start(self) -> None:
        """End what a crashed runtime on the same ``state_dir`` left running (its instances' whole sessions and
        every process carrying its marker), then start the watchdog. Call it before the first :meth:`converge`
        (which starts the watchdog itself, without the sweep)."""
        if self.state_dir is not None:
            self.state_dir.mkdir(parents=True, exist_ok=True)
            me = self._owner
            killed = await asyncio.to_thread(
                _leftovers.sweep, self.state_dir, self._key, lambda o: o != me and not _leftovers.owner_alive(o)
            )
            if killed:
                _log.warning("ended %d processes a previous run left behind: %s", len(killed), sorted(killed))
        self._start_watchdog()

    def _start_watchdog(self) -> None:
        """The one process that ends this runtime's instances if its process dies (see :mod:`._leftovers`)."""
        if self._watchdog is not None or self._closed or not self.watchdog:
            return
        if self.state_dir is not None:
            self.state_dir.mkdir(parents=True, exist_ok=True)
        argv = [sys.executable, "-I", "-S", _leftovers.__file__, self._key, self._owner, str(self.state_dir or "")]
        try:
            self._watchdog = subprocess.Popen(
                argv, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd="/",
                start_new_session=True,
            )
        except OSError as exc:
            _log.warning("no watchdog (%s): instances' descendants may outlive a killed platform", exc)

    async def _stop_watchdog(self) -> None:
        watchdog, self._watchdog = self._watchdog, None
        if watchdog is None:
            return
        try:
            watchdog.stdin.write(_leftovers.DONE)  # type: ignore[union-attr]
            watchdog.stdin.close()  # type: ignore[union-attr]
        except OSError:
            pass
        deadline = time.monotonic() + 1.0
        while watchdog.poll() is None and time.monotonic() < deadline:
            await asyncio.sleep(0.005)
        if watchdog.poll() is None:
            watchdog.kill()
            watchdog.wait()

    async def converge(self, spec: ProcessSpec, replicas: int, *, wait: bool = True) -> None:
        """Run exactly ``replicas`` instances of ``spec.key``; if the spec changed, replace the old instances.

        New instances are started (not awaited to be ready) before surplus or outdated ones are stopped
        (drained first, see the module docstring); returns once the stopped ones are gone, or at once with
        ``wait=False`` (they leave in the background; :meth:`aclose` still ends them).
        """
        if replicas < 0:
            raise ValueError(f"replicas: must be >= 0, not {replicas!r} (key {spec.key!r})")
        if self._closed:
            raise RuntimeError("LocalProcessRuntime is closed")
        rev = self._revision(spec.key)
        if len(rev.members) == replicas and not rev.lock.locked() and all(m.instance.spec is spec for m in rev.members):
            return  # converged already (every autoscaler tick asks): nothing to start, stop or replace
        async with rev.lock:
            outdated = [m for m in rev.members if m.instance.spec != spec]
            kept = [m for m in rev.members if m.instance.spec == spec]
            surplus = self._pick_surplus(kept, len(kept) - replicas)
            kept = [m for m in kept if m not in surplus]
            started = [self._start(spec, rev) for _ in range(replicas - len(kept))]
            rev.members = kept + started
            if outdated or surplus or started:
                self._notify(spec.key)
            leaving = outdated + surplus
            if not wait:
                for member in leaving:
                    task = asyncio.create_task(self._retire(spec.key, member), name=f"pyknative-stop-{member.instance.id}")
                    self._leaving[member] = task
                    task.add_done_callback(lambda _t, m=member: self._leaving.pop(m, None))
                return
            await self._stop_members(spec.key, leaving)

    def size(self, key: str) -> int:
        """How many instances ``key`` has (starting, ready or stopping to be replaced)."""
        rev = self._revisions.get(key)
        return len(rev.members) if rev else 0

    def instances(self, key: str) -> list[InstanceState]:
        """The instances of ``key``, oldest first (none for an unknown key)."""
        rev = self._revisions.get(key)
        return [m.instance.state() for m in rev.members] if rev else []

    def endpoints(self, key: str) -> list[tuple[str, int]]:
        """``(host, port)`` of the ready instances of ``key``."""
        rev = self._revisions.get(key)
        if rev is None:
            return []
        host = _connect_host(self.host)
        return [(host, m.instance.port) for m in rev.members if m.instance.ready]

    async def stop(self, key: str) -> None:
        """Stop every instance of ``key`` (SIGTERM, then SIGKILL after ``grace_seconds``); its logs stay."""
        rev = self._revisions.get(key)
        if rev is None:
            return
        async with rev.lock:
            members, rev.members = rev.members, []
            if members:
                self._notify(key)
            await self._stop_members(key, members, drain=not self._closed)

    def logs(self, key: str, tail: int | None = None) -> list[str]:
        """Captured stdout+stderr lines of ``key``'s instances, current and past, oldest first."""
        rev = self._revisions.get(key)
        if rev is None:
            return []
        lines = list(rev.lines)
        if tail is None:
            return lines
        return lines[len(lines) - tail :] if tail > 0 else []

    def kill_now(self) -> None:
        """SIGKILL every instance's session and its descendants, synchronously (a process about to exit without
        stopping: the stop deadline ran out). Instances die with the platform anyway; their children need this."""
        for rev in list(self._revisions.values()):
            for member in [*rev.members, *self._leaving]:
                pid = member.instance.pid
                if pid and isinstance(member.instance, Instance):
                    _procgroup.signal_all(pid, signal.SIGKILL, _procgroup.descendants(pid))

    async def aclose(self) -> None:
        """Stop every instance of every key; no child process survives. The runtime cannot be used after."""
        self._closed = True
        leaving = dict(self._leaving)
        for task in leaving.values():
            task.cancel()  # no draining on the way out: stop now
        await asyncio.gather(*leaving.values(), return_exceptions=True)
        await self._stop_members("", list(leaving), drain=False)
        await asyncio.gather(*(self.stop(key) for key in list(self._revisions)))
        await self._stop_watchdog()

    def _revision(self, key: str) -> _Revision:
        rev = self._revisions.get(key)
        if rev is None:
            rev = self._revisions[key] = _Revision(lines=collections.deque(maxlen=self.log_lines))
        return rev

    @staticmethod
    def _pick_surplus(members: list[_Member], count: int) -> list[_Member]:
        """The ``count`` members to scale away: unready ones first, then the newest."""
        if count <= 0:
            return []
        order = sorted(range(len(members)), key=lambda i: (members[i].instance.ready, -i))
        return [members[i] for i in order[:count]]

    def _start(self, spec: ProcessSpec, rev: _Revision) -> _Member:
        self._start_watchdog()
        name = spec.key.rsplit("/", 1)[-1]
        instance_id = f"{name}-{secrets.token_hex(3)}"
        common = dict(
            id=instance_id,
            spec=spec,
            host=_connect_host(self.host),
            port=self._free_port(),
            log_path=self.log_dir / _safe(spec.key) / f"{instance_id}.log",
            home=(self.run_dir or self.log_dir.parent / "run") / _safe(spec.key) / instance_id,
            on_line=rev.lines.append,
            on_change=lambda: self._notify(spec.key),
        )
        if self.instance_factory is not None:
            instance = self.instance_factory(**common)
        else:
            instance = Instance(
                **common, marker=_leftovers.marker(self._key, self._owner, instance_id), record_dir=self.state_dir
            )
        task = asyncio.create_task(self._supervise(instance), name=f"pyknative-instance-{instance_id}")
        return _Member(instance, task)

    async def _supervise(self, instance: Instance) -> None:
        """Run ``instance`` until it is stopped, restarting it with backoff whenever it exits."""
        backoff = _Backoff(self.backoff_initial, self.backoff_max)
        try:
            while not instance.stopping:
                try:
                    ready_seconds = await instance.run_once(self.grace_seconds)
                except Exception as exc:  # a bug here must not silently end supervision
                    _log.exception("instance %s: unexpected error", instance.id)
                    instance.pid, instance.last_exit_code = None, None
                    instance.last_exit_reason = f"runtime error: {exc}"
                    ready_seconds = 0.0
                if ready_seconds >= self.backoff_reset_seconds:
                    backoff.reset()
                if await instance.wait_stop(backoff.next_delay()):
                    break
                instance.restarts += 1
        finally:
            self._ports.discard(instance.port)
            instance.close()

    async def _stop_members(self, key: str, members: list[_Member], *, drain: bool = True) -> None:
        await asyncio.gather(*(self._retire(key, m, drain=drain) for m in members), return_exceptions=True)

    async def _retire(self, key: str, member: _Member, *, drain: bool = True) -> None:
        """Stop one member that already left the instance set: drain it (``pre_stop``), then signal it."""
        instance = member.instance
        if drain and self.pre_stop is not None and instance.ready and not instance.stopping:
            try:
                await self.pre_stop(key, (instance.host, instance.port))
            except Exception:
                _log.exception("pre_stop of instance %s failed; stopping it anyway", instance.id)
        instance.request_stop()
        await asyncio.shield(member.task)

    def _free_port(self) -> int:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        while True:
            with socket.socket(family, socket.SOCK_STREAM) as sock:
                sock.bind((self.host, 0))
                port = sock.getsockname()[1]
            if port not in self._ports:
                self._ports.add(port)
                return port

    def _notify(self, key: str) -> None:
        if self.on_change is None:
            return
        try:
            self.on_change(key)
        except Exception:
            _log.exception("on_change(%r) failed", key)
