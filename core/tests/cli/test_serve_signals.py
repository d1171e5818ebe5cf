"""``pyknative serve``'s signals, on :func:`pyknative.cli.serve.serve` in a child process with a stand-in platform.

The deadline counts from the signal itself: a loop that never turns again (a callback that does not return)
still ends, with exit code 1, once the deadline has passed since the signal.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time

import pytest

CHILD = textwrap.dedent(
    """
    import asyncio, importlib, sys, time
    import uvloop
    from pyknative.reconciler.workqueue import WorkQueue

    serve = importlib.import_module("pyknative.cli.serve")

    serve.STOP_DEADLINE = 0.5

    class Controller:
        def __init__(self):
            self.queue = WorkQueue()
            self.queue.add("some/key")

    class Platform:
        controllers = {"c": Controller()}

        def quiesce(self):
            for ctl in self.controllers.values():
                ctl.queue.shutdown()

        def kill_now(self):
            print("killed the instances", flush=True)

        async def start(self):
            pass

        async def stop(self):
            # a shut queue hands out no more keys
            print("stopped; next key:", await self.controllers["c"].queue.get(), flush=True)

    def busy():  # a loop callback that never gives the loop back
        while True:
            time.sleep(0.01)

    def ready(_platform):
        print("ready", flush=True)
        if sys.argv[1] == "busy":
            asyncio.get_running_loop().call_soon(busy)

    uvloop.run(serve.serve(Platform(), ready=ready))
    print("returned", flush=True)
    """
)


def _signalled(mode: str, sig: int) -> tuple[int, str, float]:
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, mode], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        assert proc.stdout.readline() == "ready\n"
        time.sleep(0.2)
        sent = time.monotonic()
        proc.send_signal(sig)
        out, _ = proc.communicate(timeout=20)
        return proc.returncode, out, time.monotonic() - sent
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_stops_the_platform_after_shutting_the_controllers_queues(sig):
    code, out, _ = _signalled("idle", sig)
    assert (code, out) == (0, "stopped; next key: None\nreturned\n")


def test_a_loop_that_never_turns_again_still_ends_at_the_deadline_after_the_signal():
    code, out, took = _signalled("busy", signal.SIGTERM)
    assert code == 1
    # the instances are killed before the process exits, so none outlives it (not even an instance's children)
    assert out == "pyknative: stop took longer than 0.5s; exiting\nkilled the instances\n"
    assert 0.5 <= took < 3.0, took
