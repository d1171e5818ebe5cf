"""Instances a runtime left behind: marking them, recording them, finding and ending them (standard library only).

The parent-death signal (:mod:`._spawn`) reaches an instance's own process only: a command like ``sh -c "python3
app.py; echo exited"`` leaves ``python3 app.py`` running when the platform is SIGKILLed. So every instance's process
carries an environment marker, ``PYKNATIVE_INSTANCE=<runtime key>:<owner>:<instance id>`` (the runtime key names the
state directory, the owner is the platform process as ``pid.starttime``), which its descendants inherit; and, with a
state directory, a record per running process (``<instance>-<pid>.json``: pid, start time, command, marker), written
at spawn and removed once the process and its session are gone.

:func:`sweep` ends what a dead owner left: the sessions of its records (each instance leads its own session; a
session's id cannot be reused while a member lives, and the recorded start time tells a reused leader pid apart)
and, on Linux, every process of this user whose environment carries the marker of a dead owner of the same runtime
key (which catches what moved to a session of its own). Two sweeps run it: the runtime's at start-up (what a
crashed predecessor left, before any new instance starts) and the watchdog's, at once when the platform dies.

The watchdog is one small process per runtime, not per instance: this file run as a script
(``python -I -S _leftovers.py KEY OWNER STATE_DIR``) in a session of its own, reading a pipe from the platform;
the platform dying in any way (SIGKILL included) closes the pipe, and the watchdog sweeps its owner's leftovers and
exits. A clean close writes ``done`` first: nothing is left, the watchdog just exits.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

MARKER = "PYKNATIVE_INSTANCE"
_MARKER_BYTES = MARKER.encode() + b"="
#: what a clean close writes to the watchdog before closing its pipe
DONE = b"done\n"
_LINUX = sys.platform.startswith("linux") and os.path.isdir("/proc")


def runtime_key(state_dir: Path) -> str:
    """A short name for a runtime's state directory (markers carry it; equal directories, equal keys)."""
    return hashlib.sha256(str(Path(state_dir).resolve()).encode()).hexdigest()[:16]


def stat_fields(pid: int) -> list[bytes] | None:
    """``/proc/<pid>/stat`` after ``pid (comm)``: state ppid pgrp session ... (None when it is gone)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
    except OSError:
        return None
    return data[data.rfind(b")") + 2 :].split()


def start_time(pid: int) -> int:
    """The process's start time in clock ticks since boot (0 where unknown): with the pid, who it is."""
    fields = stat_fields(pid) if _LINUX else None
    return int(fields[19]) if fields and len(fields) > 19 else 0


def owner_id(pid: int | None = None) -> str:
    """``pid.starttime`` of a process (this one by default): a platform's identity, pid reuse aside."""
    pid = os.getpid() if pid is None else pid
    return f"{pid}.{start_time(pid)}"


def owner_alive(owner: str) -> bool:
    pid, _, started = owner.partition(".")
    try:
        os.kill(int(pid), 0)
    except (ProcessLookupError, ValueError):
        return False
    except PermissionError:
        pass
    return not _LINUX or str(start_time(int(pid))) == started


def marker(key: str, owner: str, instance_id: str) -> str:
    return f"{key}:{owner}:{instance_id}"


def record(state_dir: Path, instance_id: str, pid: int, command: list[str] | tuple[str, ...], mark: str) -> None:
    """Note a running instance process (one small write; the directory exists)."""
    data = json.dumps({"pid": pid, "start": start_time(pid), "command": list(command), "marker": mark})
    fd = os.open(state_dir / f"{instance_id}-{pid}.json", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data.encode())
    finally:
        os.close(fd)


def forget(state_dir: Path, instance_id: str, pid: int) -> None:
    try:
        os.unlink(state_dir / f"{instance_id}-{pid}.json")
    except FileNotFoundError:
        pass


def _records(state_dir: Path | None) -> list[tuple[Path, dict]]:
    out = []
    try:
        paths = sorted(Path(state_dir).glob("*.json")) if state_dir is not None else []
    except OSError:
        paths = []
    for path in paths:
        try:
            rec = json.loads(path.read_text())
            int(rec["pid"]), str(rec["marker"])
        except (OSError, ValueError, KeyError, TypeError):
            rec = None
        out.append((path, rec))
    return out


def marker_of(pid: int) -> str | None:
    """The marker in ``pid``'s environment (None: none, or not ours to read)."""
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            env = f.read()
    except OSError:
        return None
    at = env.find(b"\0" + _MARKER_BYTES)
    if at >= 0:
        at += 1
    elif env.startswith(_MARKER_BYTES):
        at = 0
    else:
        return None
    end = env.find(b"\0", at)
    return env[at + len(_MARKER_BYTES) : end if end >= 0 else len(env)].decode("utf-8", "replace")


def find(state_dir: Path | None, key: str, dead: Callable[[str], bool]) -> tuple[set[int], list[Path]]:
    """``(pids, records)``: the live processes a dead owner (``dead(owner)``) of runtime ``key`` left, and the
    records of dead owners (theirs to remove once the pids are gone)."""
    me = os.getpid()
    sessions: set[int] = set()
    stale: list[Path] = []
    for path, rec in _records(state_dir):
        if rec is None:
            stale.append(path)
            continue
        owner = rec["marker"].split(":")[1] if rec["marker"].count(":") >= 2 else ""
        if not dead(owner):
            continue
        stale.append(path)
        leader = int(rec["pid"])
        started = start_time(leader)
        if started and rec.get("start") and started != rec["start"]:
            continue  # the pid is someone else's now, so its session is too
        sessions.add(leader)
    pids: set[int] = set()
    if not _LINUX:
        for sid in sessions:  # without /proc: the session's group (the leader's, where members stayed)
            try:
                if os.getpgid(sid) == sid:
                    pids.add(sid)
            except OSError:
                pass
        return pids, stale
    prefix = key + ":"
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == me:
            continue
        pid = int(entry)
        fields = stat_fields(pid)
        if fields is None or len(fields) < 4 or fields[0] == b"Z":
            continue
        if int(fields[3]) in sessions:
            pids.add(pid)
            continue
        mark = marker_of(pid)
        if mark is not None and mark.startswith(prefix):
            parts = mark.split(":")
            if len(parts) >= 3 and dead(parts[1]):
                pids.add(pid)
    return pids, stale


def kill(pids: set[int], *, wait: float = 2.0) -> None:
    """SIGKILL ``pids`` (and the groups they lead), then wait up to ``wait`` seconds until none runs."""
    for pid in pids:
        for send in (os.killpg, os.kill):
            try:
                send(pid, signal.SIGKILL)
            except OSError:
                pass
    deadline = time.monotonic() + wait
    while pids and time.monotonic() < deadline:
        pids = {p for p in pids if _running(p)}
        if pids:
            time.sleep(0.005)


def _running(pid: int) -> bool:
    if _LINUX:
        fields = stat_fields(pid)
        return fields is not None and fields[0] != b"Z"
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def sweep(state_dir: Path | None, key: str, dead: Callable[[str], bool]) -> set[int]:
    """End what dead owners of runtime ``key`` left and remove their records; returns the pids killed."""
    pids, stale = find(state_dir, key, dead)
    kill(pids)
    for path in stale:
        try:
            path.unlink()
        except FileNotFoundError:
            pass
    return pids


def watch(key: str, owner: str, state_dir: Path | None) -> None:
    """The watchdog: wait for the pipe on stdin to close, then sweep the owner's leftovers (unless told done)."""
    for sig in (signal.SIGINT, signal.SIGHUP, signal.SIGPIPE):
        signal.signal(sig, signal.SIG_IGN)
    last = b""
    while chunk := os.read(0, 512):
        last = (last + chunk)[-len(DONE) :]
    if last == DONE:
        return
    sweep(state_dir, key, lambda o: o == owner)


if __name__ == "__main__":
    watch(sys.argv[1], sys.argv[2], Path(sys.argv[3]) if len(sys.argv) > 3 and sys.argv[3] else None)
