"""`pyknative serve` SIGKILLed while a revision's command is a shell that forks the server: no process of the
instance survives (the watchdog ends it at once; when the watchdog died too, the restarted platform ends the
leftovers before it starts anything), and after the restart exactly one instance serves."""

from __future__ import annotations

import signal
import time

import psutil
import pytest

from pyknative.runtime._leftovers import MARKER, runtime_key
from tests.e2e.serve import Served, alive, get

pytestmark = pytest.mark.slow

HOST = "shell.default.svc.cluster.local"
SERVICE = """
apiVersion: serving.knative.dev/v1
kind: Service
metadata: {name: shell, namespace: default}
spec:
  template:
    metadata:
      annotations: {autoscaling.knative.dev/min-scale: "1"}
    spec:
      containers:
        - image: hello
          command: ["sh", "-c", "python3 app.py; echo exited"]
          workingDir: examples/hello
"""



def _wait_gone(procs: list[psutil.Process], timeout: float) -> list[psutil.Process]:
    deadline = time.monotonic() + timeout
    while (left := alive(procs)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


def _instance_trees(platform: psutil.Process) -> list[list[psutil.Process]]:
    """Each instance's processes: the shell and what it forked."""
    shells = [p for p in platform.children() if p.name() == "sh"]
    return [[sh, *sh.children(recursive=True)] for sh in shells]


def _marked(served: Served) -> list[psutil.Process]:
    """Every process carrying this data directory's instance marker, whoever started it."""
    prefix = runtime_key(served.data_dir / "instances") + ":"
    out = []
    for p in psutil.process_iter():
        try:
            if p.environ().get(MARKER, "").startswith(prefix) and p.status() != psutil.STATUS_ZOMBIE:
                out.append(p)
        except psutil.Error:
            pass
    return out


def _serving(served: Served) -> list[list[psutil.Process]]:
    if served.cli("get", "ksvc", "shell").returncode != 0:  # after the restart the Service is there already
        served.apply(SERVICE)
    served.wait_ready("ksvc", "shell")
    deadline = time.monotonic() + 30
    while (status := get(served.gateway, HOST))[0] != 200:
        assert time.monotonic() < deadline, status
        time.sleep(0.1)
    assert status[1].startswith("Hello World!")
    platform = psutil.Process(served.proc.pid)
    deadline = time.monotonic() + 10
    while len(trees := _instance_trees(platform)) != 1 or len(trees[0]) < 2:
        assert time.monotonic() < deadline, trees
        time.sleep(0.05)
    return trees


@pytest.fixture
def data_dir(tmp_path):
    """The platform's data dir; whatever still carries its marker at the end (a failed test) is killed."""
    yield tmp_path / "data"
    for p in _marked(Served(tmp_path / "data")):
        p.kill()


@pytest.mark.parametrize("watchdog", [True, False], ids=["watchdog", "start-up-sweep"])
def test_sigkilled_platform_leaves_no_process_and_one_instance_serves_after_restart(data_dir, watchdog):
    served = Served(data_dir).start()
    try:
        [tree] = _serving(served)
        assert [p.name() for p in tree[1:]] == [tree[1].name()] and "python" in tree[1].name()
        if not watchdog:  # the watchdog dies first: only the restarted platform can end the leftovers
            [dog] = [p for p in psutil.Process(served.proc.pid).children() if "_leftovers.py" in " ".join(p.cmdline())]
            dog.kill()
            assert not _wait_gone([dog], 3)
    finally:
        served.stop(signal.SIGKILL)
    if watchdog:
        left = _wait_gone(tree, 3)
        assert not left, [(p.pid, p.cmdline()) for p in left]
    else:
        time.sleep(0.5)
        assert alive(tree[1:]), "the forked server should have survived until the restart"

    served = Served(data_dir).start()
    try:
        assert not alive(tree), "the restarted platform must end the leftovers before it serves"
        [new] = _serving(served)
        time.sleep(1.0)  # nothing else comes up meanwhile
        assert {p.pid for p in _marked(served)} == {p.pid for p in new}
        assert [p.cmdline()[-1] for p in new if p.name() != "sh"] == ["app.py"]  # one server
    finally:
        served.stop()
