"""The local process runtime against real child processes (small HTTP apps run with this Python)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import stat
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import aiohttp
import psutil
import pytest

from pyknative.runtime import (
    ExecProbe,
    HTTPGetProbe,
    LocalProcessRuntime,
    ProcessSpec,
    Readiness,
    TCPProbe,
)

APP = str(Path(__file__).with_name("app.py"))
KEY = "default/hello-00001"


def app_spec(key: str = KEY, **env: str) -> ProcessSpec:
    return ProcessSpec(key=key, command=(sys.executable, APP), env=env)


def gone(pid: int) -> bool:
    """The process no longer runs (a zombie waiting for a reaper counts as gone)."""
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


async def eventually(check: Callable[[], object], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s: {check}")
        await asyncio.sleep(0.02)


async def http_get(host: str, port: int, path: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(f"http://{host}:{port}{path}") as resp:
        return resp.status, await resp.text()


@pytest.fixture
def changes() -> list[str]:
    return []


@pytest.fixture
async def runtime(tmp_path: Path, changes: list[str]) -> AsyncIterator[LocalProcessRuntime]:
    rt = LocalProcessRuntime(
        log_dir=tmp_path / "logs",
        on_change=changes.append,
        backoff_initial=0.1,
        backoff_max=0.4,
        grace_seconds=0.5,
    )
    yield rt
    await rt.aclose()


async def test_instance_becomes_ready_and_serves_on_port_with_env(runtime: LocalProcessRuntime) -> None:
    seen_ready: list[float] = []
    runtime.on_change = lambda key: seen_ready.extend([time.monotonic()] if runtime.endpoints(key) else [])
    before = time.time()
    await runtime.converge(app_spec(GREETING="hi there"), 1)
    assert runtime.endpoints(KEY) == []
    await eventually(lambda: runtime.endpoints(KEY))
    [(host, port)] = runtime.endpoints(KEY)
    [state] = runtime.instances(KEY)
    assert state.ready and state.pid is not None and state.port == port and state.restarts == 0
    assert state.id.startswith("hello-00001-")
    # when the process started and when it turned ready, on the wall clock (the HPA's CPU rule reads them)
    assert before <= state.started_at <= state.ready_changed_at <= time.time()
    assert await http_get(host, port, "/env/GREETING") == (200, "hi there")
    assert await http_get(host, port, "/env/PORT") == (200, str(port))
    assert await http_get(host, port, "/env/PATH") == (200, os.environ["PATH"])
    assert await http_get(host, port, "/pid") == (200, str(state.pid))
    # A new instance is seen ready right after it listens (fast probing until ready), not a 1 s period later.
    [listening_at] = [
        float(line.split()[-1]) for line in runtime.logs(KEY) if line.startswith("listening on")
    ]
    assert 0 < seen_ready[0] - listening_at < 0.3


async def test_http_readiness_follows_the_probe_path_both_ways(
    runtime: LocalProcessRuntime, changes: list[str]
) -> None:
    readiness = Readiness(handler=HTTPGetProbe(path="/ready"), period_seconds=0.05, failure_threshold=2)
    spec = ProcessSpec(
        key=KEY, command=(sys.executable, APP), env={"READY_AFTER": "0.6"}, readiness=readiness
    )
    await runtime.converge(spec, 1)
    await eventually(lambda: runtime.instances(KEY)[0].pid)
    [state] = runtime.instances(KEY)
    # The app listens (answers 503) well before its /ready path passes; it is not an endpoint meanwhile.
    await eventually(lambda: "listening on" in " ".join(runtime.logs(KEY)))
    assert (await http_get("127.0.0.1", state.port, "/ready"))[0] == 503
    assert runtime.endpoints(KEY) == [] and not runtime.instances(KEY)[0].ready
    await eventually(lambda: runtime.endpoints(KEY))
    assert runtime.endpoints(KEY) == [("127.0.0.1", state.port)]

    changes.clear()
    await http_get("127.0.0.1", state.port, "/unready")
    await eventually(lambda: not runtime.instances(KEY)[0].ready, timeout=2)
    assert runtime.endpoints(KEY) == [] and KEY in changes
    assert runtime.instances(KEY)[0].pid == state.pid  # unready is not a restart


async def test_tcp_port_and_exec_probes(runtime: LocalProcessRuntime, tmp_path: Path) -> None:
    flag = tmp_path / "flag"
    exec_probe = Readiness(handler=ExecProbe(command=(sys.executable, "-c", f"open({str(flag)!r})")))
    await runtime.converge(
        ProcessSpec(key="default/exec", command=(sys.executable, APP), readiness=exec_probe), 1
    )
    # A TCP probe on a port nobody listens on never passes.
    other = ProcessSpec(
        key="default/tcp", command=(sys.executable, APP), readiness=Readiness(TCPProbe(port=1))
    )
    await runtime.converge(other, 1)
    await eventually(
        lambda: "listening on" in " ".join(runtime.logs("default/exec") + runtime.logs("default/tcp"))
    )
    await asyncio.sleep(0.3)
    assert runtime.endpoints("default/exec") == [] and runtime.endpoints("default/tcp") == []
    flag.touch()
    await eventually(lambda: runtime.endpoints("default/exec"))
    assert runtime.endpoints("default/tcp") == []


async def test_exit_is_restarted_with_backoff_and_exit_code_recorded(runtime: LocalProcessRuntime) -> None:
    script = "import sys, time; print('start', time.monotonic(), flush=True); sys.exit(3)"
    await runtime.converge(ProcessSpec(key=KEY, command=(sys.executable, "-c", script)), 1)

    def starts() -> list[float]:
        return [float(line.split()[1]) for line in runtime.logs(KEY) if line.startswith("start ")]

    await eventually(lambda: len(starts()) >= 5)
    [state] = runtime.instances(KEY)
    assert state.restarts >= 4
    assert state.last_exit_code == 3 and state.last_exit_reason == "exited with code 3"
    assert not state.ready and runtime.endpoints(KEY) == []
    gaps = [b - a for a, b in zip(starts(), starts()[1:], strict=False)][:4]
    # backoff_initial=0.1 doubling, capped at backoff_max=0.4 (plus the child's own start-up time).
    assert gaps[0] >= 0.1 and gaps[1] >= 0.2 and gaps[2] >= 0.4 and gaps[3] >= 0.4
    assert gaps[3] < 0.4 + 0.5, gaps


async def test_backoff_starts_over_after_the_instance_was_ready_for_a_while(tmp_path: Path) -> None:
    # Listens (so it turns ready), stays up 0.25 s, exits. Ready for >= backoff_reset_seconds each time, so every
    # restart waits backoff_initial (0.2 s) again instead of 0.2, 0.4, 0.8...
    script = (
        "import os, socket, sys, time; s = socket.socket(); s.bind(('127.0.0.1', int(os.environ['PORT'])));"
        "s.listen(); print('start', time.monotonic(), flush=True); time.sleep(0.25); sys.exit(1)"
    )
    rt = LocalProcessRuntime(log_dir=tmp_path, backoff_initial=0.2, backoff_max=5, backoff_reset_seconds=0.1)
    try:
        await rt.converge(ProcessSpec(key=KEY, command=(sys.executable, "-c", script)), 1)

        def starts() -> list[float]:
            return [float(line.split()[1]) for line in rt.logs(KEY) if line.startswith("start ")]

        await eventually(lambda: len(starts()) >= 4)
    finally:
        await rt.aclose()
    gaps = [b - a for a, b in zip(starts(), starts()[1:], strict=False)]
    # Each gap is 0.25 s up + 0.2 s backoff + start-up; without the reset the third would be >= 0.25 + 0.8.
    assert all(0.45 <= gap < 0.9 for gap in gaps), gaps


async def test_death_by_signal_is_reported(runtime: LocalProcessRuntime) -> None:
    script = "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"
    await runtime.converge(ProcessSpec(key=KEY, command=(sys.executable, "-c", script)), 1)
    await eventually(lambda: runtime.instances(KEY)[0].last_exit_reason)
    [state] = runtime.instances(KEY)
    assert state.last_exit_reason == "killed by signal 9" and state.last_exit_code == 137


async def test_command_that_cannot_start_is_reported_clearly_and_retried(
    runtime: LocalProcessRuntime, tmp_path: Path
) -> None:
    await runtime.converge(ProcessSpec(key="default/missing", command=("pyknative-no-such-cmd", "x")), 1)
    not_executable = tmp_path / "script.sh"
    not_executable.write_text("#!/bin/sh\necho hi\n")
    not_executable.chmod(stat.S_IRUSR | stat.S_IWUSR)
    await runtime.converge(ProcessSpec(key="default/noperm", command=(str(not_executable),)), 1)
    bad_dir = str(tmp_path / "nowhere")
    await runtime.converge(ProcessSpec(key="default/nodir", command=("true",), working_dir=bad_dir), 1)

    await eventually(
        lambda: all(runtime.instances(k)[0].restarts >= 1 for k in ("default/missing", "default/noperm"))
    )
    [missing] = runtime.instances("default/missing")
    assert missing.last_exit_reason == "exec: 'pyknative-no-such-cmd': no such file or directory"
    assert missing.last_exit_code is None and missing.pid is None and not missing.ready
    [noperm] = runtime.instances("default/noperm")
    assert noperm.last_exit_reason == f"exec: {str(not_executable)!r}: permission denied"
    [nodir] = runtime.instances("default/nodir")
    assert nodir.last_exit_reason == f"chdir: {bad_dir!r}: no such directory"


async def test_scale_one_three_one(runtime: LocalProcessRuntime, changes: list[str]) -> None:
    await runtime.converge(app_spec(), 1)
    await eventually(lambda: len(runtime.endpoints(KEY)) == 1)
    [first] = runtime.instances(KEY)

    await runtime.converge(app_spec(), 3)
    assert len(runtime.instances(KEY)) == 3
    await eventually(lambda: len(runtime.endpoints(KEY)) == 3)
    states = runtime.instances(KEY)
    assert len({s.port for s in states}) == 3 and len({s.pid for s in states}) == 3
    for host, port in runtime.endpoints(KEY):
        assert (await http_get(host, port, "/env/PORT")) == (200, str(port))

    changes.clear()
    await runtime.converge(app_spec(), 1)
    assert [s.id for s in runtime.instances(KEY)] == [first.id]  # the newest go first
    assert runtime.endpoints(KEY) == [("127.0.0.1", first.port)]
    assert all(gone(s.pid) for s in states if s.id != first.id and s.pid)
    assert KEY in changes

    await runtime.converge(app_spec(), 0)
    assert runtime.instances(KEY) == [] and gone(first.pid)


async def test_spec_change_replaces_instances(runtime: LocalProcessRuntime) -> None:
    await runtime.converge(app_spec(VERSION="1"), 2)
    await eventually(lambda: len(runtime.endpoints(KEY)) == 2)
    old = runtime.instances(KEY)
    await runtime.converge(app_spec(VERSION="1"), 2)  # same spec: nothing restarts
    assert runtime.instances(KEY) == old

    await runtime.converge(app_spec(VERSION="2"), 2)
    new = runtime.instances(KEY)
    assert len(new) == 2 and not {s.id for s in new} & {s.id for s in old}
    assert all(gone(s.pid) for s in old if s.pid)
    await eventually(lambda: len(runtime.endpoints(KEY)) == 2)
    for host, port in runtime.endpoints(KEY):
        assert await http_get(host, port, "/env/VERSION") == (200, "2")


async def test_logs_are_captured_per_key_and_in_files(runtime: LocalProcessRuntime, tmp_path: Path) -> None:
    script = "import sys; print('out 1'); print('err 1', file=sys.stderr); print('out 2'); sys.exit(1)"
    await runtime.converge(ProcessSpec(key=KEY, command=(sys.executable, "-c", script)), 1)
    await eventually(lambda: runtime.instances(KEY)[0].restarts >= 1)
    lines = runtime.logs(KEY)
    assert lines.index("out 1") < lines.index("out 2") and "err 1" in lines
    assert runtime.logs(KEY, tail=2) == lines[-2:] and runtime.logs(KEY, tail=0) == []
    assert runtime.logs("default/unknown") == []
    [state] = runtime.instances(KEY)
    log_file = tmp_path / "logs" / "default_hello-00001" / f"{state.id}.log"
    assert {"out 1", "err 1", "out 2"} <= set(log_file.read_text().splitlines())

    await runtime.stop(KEY)
    assert runtime.instances(KEY) == [] and "out 1" in runtime.logs(KEY)  # past instances' logs stay


async def test_stop_and_aclose_leave_no_process(tmp_path: Path) -> None:
    rt = LocalProcessRuntime(log_dir=tmp_path, grace_seconds=0.3)
    await rt.converge(app_spec("default/polite", SPAWN_CHILD="1"), 2)
    await rt.converge(app_spec("default/stubborn", SPAWN_CHILD="1", IGNORE_TERM="1"), 1)
    keys = ("default/polite", "default/stubborn")
    await eventually(lambda: all(len(rt.endpoints(k)) == len(rt.instances(k)) for k in keys))
    pids = [s.pid for k in keys for s in rt.instances(k)]
    grandchildren = [
        int(line.split()[1]) for k in keys for line in rt.logs(k) if line.startswith("grandchild")
    ]
    assert len(pids) == 3 and len(grandchildren) == 3
    assert not any(gone(p) for p in pids + grandchildren)

    started = time.monotonic()
    await rt.aclose()
    elapsed = time.monotonic() - started
    assert all(gone(p) for p in pids + grandchildren)
    assert 0.3 <= elapsed < 2.0  # the SIGTERM-ignoring one was killed after the grace period
    assert all(rt.instances(k) == [] for k in keys)
    with pytest.raises(RuntimeError, match="closed"):
        await rt.converge(app_spec(), 1)


async def test_kill_now_ends_every_instance_and_its_children_at_once(tmp_path: Path) -> None:
    """What a platform does just before it exits past its stop deadline: nothing may be left behind."""
    rt = LocalProcessRuntime(log_dir=tmp_path)
    await rt.converge(app_spec("default/a", SPAWN_CHILD="1", IGNORE_TERM="1"), 2)
    await eventually(lambda: len(rt.endpoints("default/a")) == 2)
    pids = [s.pid for s in rt.instances("default/a")]
    await eventually(lambda: sum(line.startswith("grandchild") for line in rt.logs("default/a")) == 2)
    grandchildren = [int(line.split()[1]) for line in rt.logs("default/a") if line.startswith("grandchild")]
    rt.kill_now()  # synchronous: no await between the call and the processes' end
    await eventually(lambda: all(gone(p) for p in pids + grandchildren), timeout=2.0)
    await rt.aclose()


PARENT = """
import asyncio, sys
from pyknative.runtime import LocalProcessRuntime, ProcessSpec

async def main():
    rt = LocalProcessRuntime(log_dir=sys.argv[1])
    spec = ProcessSpec(key="default/orphan", command=(sys.executable, "-c", "import time; time.sleep(60)"))
    await rt.converge(spec, 1)
    while rt.instances("default/orphan")[0].pid is None:
        await asyncio.sleep(0.01)
    print(rt.instances("default/orphan")[0].pid, flush=True)
    await asyncio.sleep(60)

if sys.argv[2] == "uvloop":
    import uvloop
    uvloop.install()
asyncio.run(main())
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux-only")
@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
async def test_parent_sigkill_leaves_no_orphan(tmp_path: Path, loop: str) -> None:
    parent = await asyncio.create_subprocess_exec(
        sys.executable, "-c", PARENT, str(tmp_path), loop, stdout=asyncio.subprocess.PIPE
    )
    try:
        async with asyncio.timeout(10):
            child = int(await parent.stdout.readline())
        assert not gone(child)
    finally:
        parent.kill()
        await parent.wait()
    await eventually(lambda: gone(child), timeout=3)


async def test_scale_down_drains_before_it_signals(runtime: LocalProcessRuntime) -> None:
    """pre_stop runs after the instance left the endpoints and before SIGTERM; converge(wait=False) does not wait."""
    release = asyncio.Event()
    seen: list[tuple[str, tuple[str, int], list[tuple[str, int]], bool]] = []

    async def pre_stop(key: str, address: tuple[str, int]) -> None:
        pid = next(s.pid for s in leaving if s.port == address[1])
        seen.append((key, address, runtime.endpoints(key), gone(pid)))
        await release.wait()

    runtime.pre_stop = pre_stop
    await runtime.converge(app_spec(), 2)
    await eventually(lambda: len(runtime.endpoints(KEY)) == 2)
    before = runtime.instances(KEY)
    started = time.monotonic()
    await runtime.converge(app_spec(), 1, wait=False)
    [kept] = runtime.instances(KEY)
    leaving = [s for s in before if s.id != kept.id]
    assert time.monotonic() - started < 0.2  # did not wait for the drain
    await eventually(lambda: len(seen) == 1)
    [(key, address, endpoints, was_gone)] = seen
    assert key == KEY and address == ("127.0.0.1", leaving[0].port)
    assert endpoints == [("127.0.0.1", kept.port)] and not was_gone
    await asyncio.sleep(0.2)
    assert not gone(leaving[0].pid)  # still draining: not signalled
    release.set()
    await eventually(lambda: gone(leaving[0].pid))


async def test_aclose_does_not_wait_for_drains(runtime: LocalProcessRuntime) -> None:
    async def forever(key: str, address: tuple[str, int]) -> None:
        await asyncio.Event().wait()

    runtime.pre_stop = forever
    await runtime.converge(app_spec(), 2)
    await eventually(lambda: len(runtime.endpoints(KEY)) == 2)
    pids = [s.pid for s in runtime.instances(KEY)]
    await runtime.converge(app_spec(), 1, wait=False)
    await asyncio.sleep(0.1)
    started = time.monotonic()
    await runtime.aclose()
    assert time.monotonic() - started < 2.0
    assert all(gone(p) for p in pids)


# -- leftovers: nothing outlives a SIGKILLed runtime (the watchdog; the next runtime's start-up sweep) ------

#: a shell that forks the server (and one process that leaves for a session of its own), as the issue had it
SHELL = f"setsid sleep 300 & {sys.executable} {APP}; echo exited"

SHELL_PARENT = """
import asyncio, json, sys
from pyknative.runtime import LocalProcessRuntime, ProcessSpec

async def main():
    rt = LocalProcessRuntime(log_dir=sys.argv[1] + "/logs", state_dir=sys.argv[1] + "/instances")
    await rt.start()
    spec = ProcessSpec(key="default/shell", command=("sh", "-c", sys.argv[2]))
    await rt.converge(spec, 1)
    while not rt.endpoints("default/shell"):
        await asyncio.sleep(0.01)
    print(json.dumps({"shell": rt.instances("default/shell")[0].pid, "watchdog": rt._watchdog.pid}), flush=True)
    await asyncio.sleep(60)

asyncio.run(main())
"""


async def _platform(tmp_path: Path) -> tuple[asyncio.subprocess.Process, list[int], int]:
    """A runtime in a process of its own, running SHELL: (its process, the instance's processes, the watchdog)."""
    parent = await asyncio.create_subprocess_exec(
        sys.executable, "-c", SHELL_PARENT, str(tmp_path), SHELL, stdout=asyncio.subprocess.PIPE
    )
    async with asyncio.timeout(20):
        pids = json.loads(await parent.stdout.readline())
    shell = psutil.Process(pids["shell"])
    await eventually(lambda: len(shell.children()) == 2)
    tree = [shell.pid, *(p.pid for p in shell.children(recursive=True))]
    assert not any(gone(p) for p in tree)
    return parent, tree, pids["watchdog"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the sweep reads /proc")
async def test_sigkilled_runtime_leaves_nothing_of_a_shell_that_forks_the_server(tmp_path: Path) -> None:
    parent, tree, watchdog = await _platform(tmp_path)
    parent.kill()
    await parent.wait()
    await eventually(lambda: all(gone(p) for p in tree), timeout=3)
    await eventually(lambda: gone(watchdog), timeout=3)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the sweep reads /proc")
async def test_next_runtime_ends_what_a_crashed_one_left_before_it_starts(tmp_path: Path) -> None:
    parent, tree, watchdog = await _platform(tmp_path)
    psutil.Process(watchdog).send_signal(signal.SIGKILL)  # the watchdog died first: nothing ends the leftovers now
    await eventually(lambda: gone(watchdog))
    parent.kill()
    await parent.wait()
    await asyncio.sleep(0.3)
    survivors = [p for p in tree if not gone(p)]
    assert len(survivors) == 2  # the server the shell forked and the process in a session of its own

    rt = LocalProcessRuntime(log_dir=tmp_path / "logs", state_dir=tmp_path / "instances")
    try:
        await rt.start()
        assert all(gone(p) for p in tree)
        assert list((tmp_path / "instances").iterdir()) == []  # the crashed run's records are gone too
    finally:
        await rt.aclose()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the sweep reads /proc")
async def test_a_runtime_that_still_runs_keeps_its_instances(tmp_path: Path) -> None:
    live = LocalProcessRuntime(log_dir=tmp_path / "logs", state_dir=tmp_path / "instances")
    await live.start()
    try:
        await live.converge(app_spec("default/kept"), 1)
        await eventually(lambda: live.endpoints("default/kept"))
        pid = live.instances("default/kept")[0].pid
        other = LocalProcessRuntime(log_dir=tmp_path / "logs2", state_dir=tmp_path / "instances")
        await other.start()
        await other.aclose()
        assert pid is not None and not gone(pid)
        assert len(list((tmp_path / "instances").iterdir())) == 1
    finally:
        await live.aclose()
    assert list((tmp_path / "instances").iterdir()) == []


async def test_instances_carry_the_marker_their_leftovers_are_found_by(tmp_path: Path) -> None:
    rt = LocalProcessRuntime(log_dir=tmp_path / "logs", state_dir=tmp_path / "instances")
    try:
        await rt.converge(ProcessSpec(key="default/m", command=(sys.executable, APP)), 1)
        await eventually(lambda: rt.endpoints("default/m"))
        env = psutil.Process(rt.instances("default/m")[0].pid).environ()
        key, owner, instance = env["PYKNATIVE_INSTANCE"].split(":")
        assert owner.split(".")[0] == str(psutil.Process().pid)
        assert instance.startswith("m-")
    finally:
        await rt.aclose()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the marker is read from /proc")
async def test_stop_ends_a_process_that_left_the_session_and_lost_its_parent(runtime: LocalProcessRuntime) -> None:
    # A subshell starts a process in a session of its own and exits: no session and no parent lead to it.
    escape = f'(setsid sh -c "echo escaped \\$\\$; exec sleep 300" &); exec {sys.executable} {APP}'
    await runtime.converge(ProcessSpec(key="default/escape", command=("sh", "-c", escape)), 1)
    await eventually(lambda: runtime.endpoints("default/escape"))
    await eventually(lambda: any(line.startswith("escaped") for line in runtime.logs("default/escape")))
    [escaped] = [int(line.split()[1]) for line in runtime.logs("default/escape") if line.startswith("escaped")]
    assert not gone(escaped) and psutil.Process(escaped).ppid() != runtime.instances("default/escape")[0].pid
    await runtime.stop("default/escape")
    assert gone(escaped)
