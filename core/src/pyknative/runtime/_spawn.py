"""Starting an instance's child process fast: the first step of every cold start.

``asyncio``'s subprocess support (uvloop's included) forks the whole platform process, and a ``preexec_fn``
forces a fork too: copying the page tables of a ~60 MB process costs several milliseconds before the child even
runs. :func:`spawn` uses :class:`subprocess.Popen` without ``preexec_fn``, which CPython starts with ``vfork``
(sub-millisecond), and gets ``PR_SET_PDEATHSIG`` (the kernel kills the child if the platform dies) from
util-linux's ``setpriv --pdeathsig KILL``, which then execs the command. Where ``setpriv`` is missing (or not
Linux) it falls back to the ``preexec_fn`` of :mod:`._procgroup`. The child's pipes are asyncio stream readers
and its exit is awaited through a pidfd (a thread where there is none).

``setpriv`` sets the death signal just after the child starts: a platform killed within that millisecond could
leave the child behind, where the ``preexec_fn`` path kills itself; stopping an instance never relies on it. The
death signal reaches the child only, not what it forks: the watchdog and the start-up sweep of
:mod:`._leftovers` end the rest (the child's session, and whatever carries its environment marker).
"""

from __future__ import annotations

import asyncio
import errno
import functools
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from typing import IO

from pyknative.runtime import _procgroup


@functools.cache
def _setpriv() -> str | None:
    """util-linux's setpriv when it exists and knows ``--pdeathsig`` (2.33+), else None."""
    if not sys.platform.startswith("linux"):
        return None
    path = shutil.which("setpriv")
    if path is None:
        return None
    try:
        ok = subprocess.run([path, "--pdeathsig", "KILL", "--", "true"], capture_output=True, timeout=5).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return None
    return path if ok else None


def check_command(command: str, env: Mapping[str, str], cwd: str | None) -> None:
    """Raise the OSError ``exec`` would for ``command`` (not found, not executable), since the exec itself
    happens in ``setpriv``, where its error would only show as an exit code."""
    if "/" in command:
        full = os.path.join(cwd or ".", command)
        if not os.path.exists(full):
            raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), command)
        if os.path.isdir(full) or not os.access(full, os.X_OK):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), command)
        return
    search = env.get("PATH", os.defpath)
    if cwd is not None:  # relative PATH entries are relative to the child's working directory
        search = os.pathsep.join(os.path.join(cwd, p) if p and not os.path.isabs(p) else p for p in search.split(os.pathsep))
    if shutil.which(command, path=search) is None:
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), command)


class Child:
    """A started child: ``pid``, ``stdout`` and ``stderr`` stream readers, ``await wait()`` for its exit status
    (``returncode``: negative for a signal, as :mod:`subprocess` reports it)."""

    def __init__(self, popen: subprocess.Popen, stdout: asyncio.StreamReader, stderr: asyncio.StreamReader) -> None:
        self.pid = popen.pid
        self.stdout = stdout
        self.stderr = stderr
        self.returncode: int | None = None
        self._popen = popen
        self._loop = asyncio.get_running_loop()
        self._done: asyncio.Future[None] = self._loop.create_future()
        self._pidfd: int | None = None
        try:
            self._pidfd = os.pidfd_open(popen.pid)
        except (AttributeError, OSError):
            threading.Thread(target=self._wait_in_thread, name=f"pyknative-wait-{popen.pid}", daemon=True).start()
        else:
            self._loop.add_reader(self._pidfd, self._reap)

    async def wait(self) -> int:
        await asyncio.shield(self._done)
        assert self.returncode is not None
        return self.returncode

    def _reap(self) -> None:
        code = self._popen.poll()
        if code is None:
            return
        if self._pidfd is not None:
            self._loop.remove_reader(self._pidfd)
            os.close(self._pidfd)
            self._pidfd = None
        self.returncode = code
        if not self._done.done():
            self._done.set_result(None)

    def _wait_in_thread(self) -> None:
        self._popen.wait()
        self._loop.call_soon_threadsafe(self._reap)


async def spawn(command: Sequence[str], *, env: Mapping[str, str], cwd: str | None, limit: int) -> Child:
    """Start ``command`` in its own session with ``env`` and ``cwd``; stdin from /dev/null, stdout and stderr
    piped (lines up to ``limit`` bytes). Raises OSError as exec would when the command cannot start."""
    check_command(command[0], env, cwd)
    setpriv = _setpriv()
    argv = [setpriv, "--pdeathsig", "KILL", "--", *command] if setpriv else list(command)
    popen = subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=dict(env),
        cwd=cwd,
        start_new_session=True,
        preexec_fn=None if setpriv else _procgroup.child_setup(),
        bufsize=0,
    )
    try:
        assert popen.stdout is not None and popen.stderr is not None
        stdout = await _reader(popen.stdout, limit)
        stderr = await _reader(popen.stderr, limit)
        return Child(popen, stdout, stderr)
    except BaseException:
        popen.kill()
        popen.wait()
        raise


async def _reader(pipe: IO[bytes], limit: int) -> asyncio.StreamReader:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=limit, loop=loop)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader, loop=loop), pipe)
    return reader
