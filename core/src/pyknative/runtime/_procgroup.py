"""Process-group plumbing for the local runtime: keep children from outliving the runtime.

Every child is started in its own session (so its own process group, with the child as leader) and, on
Linux, with ``PR_SET_PDEATHSIG`` = SIGKILL so the kernel kills it if the runtime dies without cleaning up
(even when SIGKILLed). Stopping signals the whole session (the child's group and any group made inside it),
plus the descendants seen at stop time (which covers ones that started a session of their own) and, on Linux,
every process carrying the instance's environment marker (which covers those whose parent left before them).
"""

from __future__ import annotations

import asyncio
import ctypes
import functools
import os
import signal
import sys
import time
from collections.abc import Callable, Iterable

import psutil

from pyknative.runtime import _leftovers

_PR_SET_PDEATHSIG = 1


@functools.cache
def _prctl() -> Callable[..., int] | None:
    """libc's ``prctl``, looked up once in the parent (never after fork); ``None`` off Linux."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        fn = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    fn.restype = ctypes.c_int
    return fn


def child_setup() -> Callable[[], None] | None:
    """A ``preexec_fn`` that asks the kernel to SIGKILL the child when its parent dies.

    It runs in the forked child before exec. If the parent already died between fork and ``prctl`` (so the
    death signal can no longer fire), the child kills itself. ``None`` where the platform has no prctl.
    """
    prctl = _prctl()
    if prctl is None:
        return None
    parent = os.getpid()

    def _setup() -> None:
        prctl(_PR_SET_PDEATHSIG, ctypes.c_ulong(signal.SIGKILL), 0, 0, 0)
        if os.getppid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)

    return _setup


#: how long one scan of the process table serves (the group itself is always signalled: a process forked since
#: the scan that stayed in the group is still reached) (many instances stopping at once share a scan; each scan
#: reads every process's /proc entry, so a scan per instance made stopping N instances cost N^2 reads). A caller
#: that must see every process that existed at some moment passes it as ``since``: an older scan is not reused.
_SNAPSHOT_SECONDS = 0.1
_snapshot: tuple[float, dict[int, list[int]], dict[int, list[int]], dict[str, list[int]]] | None = None


def _process_table(
    since: float | None = None,
) -> tuple[dict[int, list[int]], dict[int, list[int]], dict[str, list[int]]]:
    """``(children by parent pid, members by session id, carriers by instance marker)``, from one scan of /proc
    (shared for a moment) taken no earlier than ``since`` (a ``time.monotonic()`` value)."""
    global _snapshot
    now = time.monotonic()
    if (
        _snapshot is not None
        and now - _snapshot[0] < _SNAPSHOT_SECONDS
        and (since is None or _snapshot[0] >= since)
    ):
        return _snapshot[1], _snapshot[2], _snapshot[3]
    children: dict[int, list[int]] = {}
    sessions: dict[int, list[int]] = {}
    markers: dict[str, list[int]] = {}
    try:
        entries = [int(e) for e in os.listdir("/proc") if e.isdigit()]
    except OSError:
        entries = []
    for pid in entries:
        fields = _leftovers.stat_fields(pid)  # state ppid pgrp session ...
        if fields is None or len(fields) < 4:
            continue
        children.setdefault(int(fields[1]), []).append(pid)
        sessions.setdefault(int(fields[3]), []).append(pid)
        mark = _leftovers.marker_of(pid)
        if mark is not None:
            markers.setdefault(mark, []).append(pid)
    _snapshot = (now, children, sessions, markers)
    return children, sessions, markers


def _processes(pids: Iterable[int]) -> list[psutil.Process]:
    out = []
    for pid in pids:
        try:
            out.append(psutil.Process(pid))
        except psutil.Error:
            continue
    return out


def descendants(pid: int, since: float | None = None) -> list[psutil.Process]:
    """The live descendants of ``pid`` (best effort; empty if it is gone), from a scan no older than ``since``."""
    if not sys.platform.startswith("linux"):
        try:
            return psutil.Process(pid).children(recursive=True)
        except psutil.Error:
            return []
    children, _, _ = _process_table(since)
    found, todo = [], list(children.get(pid, ()))
    while todo:
        child = todo.pop()
        found.append(child)
        todo.extend(children.get(child, ()))
    return _processes(found)


def session_members(sid: int, since: float | None = None) -> list[psutil.Process]:
    """The processes in session ``sid``: a child's whole group, and whatever moved to another group in it."""
    if sys.platform.startswith("linux"):
        _, sessions, _ = _process_table(since)
        return _processes(sessions.get(sid, ()))
    found = []
    for pid in psutil.pids():
        try:
            if os.getsid(pid) == sid:
                found.append(psutil.Process(pid))
        except (OSError, psutil.Error):
            continue
    return found


def carriers(marker: str | None, since: float | None = None) -> list[psutil.Process]:
    """The live processes whose environment carries ``marker`` (an instance's, and its descendants'; Linux)."""
    if marker is None or not sys.platform.startswith("linux"):
        return []
    _, _, markers = _process_table(since)
    return _processes(markers.get(marker, ()))


def signal_group(pgid: int, sig: int) -> None:
    """Send ``sig`` to process group ``pgid`` if it still exists."""
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def signal_all(sid: int, sig: int, extra: Iterable[psutil.Process] = (), since: float | None = None) -> None:
    """Send ``sig`` to session ``sid`` (its leader's group and every other member) and to ``extra``."""
    signal_group(sid, sig)
    for proc in [*session_members(sid, since), *extra]:
        try:
            proc.send_signal(sig)
        except psutil.Error:
            pass


async def kill_all(
    sid: int, extra: Iterable[psutil.Process] = (), timeout: float = 1.0, since: float | None = None
) -> None:
    """SIGKILL session ``sid`` and ``extra``, then wait (up to ``timeout``) until none of them runs any more."""
    targets = [*session_members(sid, since), *extra]
    signal_all(sid, signal.SIGKILL, extra, since)
    deadline = time.monotonic() + timeout
    while any(_running(p) for p in targets) and time.monotonic() < deadline:
        await asyncio.sleep(0.005)


def _running(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False
