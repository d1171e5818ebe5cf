"""A busy platform stops on SIGTERM and on SIGINT within ``pyknative serve``'s 10 s deadline, leaving no process.

A real `pyknative serve` runs a few Services' instances, then gets a few hundred more Services in one
multi-document apply; while its controllers are still working through them (before any of the new ones has an
instance), it is signalled. It must stop cleanly (exit code 0, not the deadline's forced exit) within the
deadline, and every process it had started must be gone afterwards.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
import urllib.request

import psutil
import pytest

from tests.e2e.serve import Served, alive

pytestmark = pytest.mark.slow

#: Services whose instances run before the flood (so that there are processes to outlive the platform)
RUNNING = 10
#: Services applied at once just before the signal: on 2 cores the controllers need ~25 s to work through them
FLOOD = 400
#: how long after the flood's apply the signal comes (the controllers' queues are full then)
BUSY_SECONDS = 1.5
#: `pyknative serve`'s stop deadline (pyknative.cli.serve.STOP_DEADLINE)
DEADLINE = 10.0

#: the smallest app that follows Knative's runtime contract: an HTTP server on $PORT
LISTENER = (
    "import http.server, os; http.server.HTTPServer.request_queue_size = 1024; "
    "http.server.HTTPServer(('127.0.0.1', int(os.environ['PORT'])), http.server.BaseHTTPRequestHandler)"
    ".serve_forever()"
)


def _service(name: str) -> dict:
    container = {"image": "listener", "command": ["python3", "-c", LISTENER]}
    return {
        "apiVersion": "serving.knative.dev/v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"template": {"spec": {"containers": [container]}}},
    }


def _apply(served: Served, names: list[str]) -> None:
    """One all-or-nothing apply of a Service per name through the admin API (what `pyknative apply` sends)."""
    req = urllib.request.Request(
        f"{served.server}/apis/pyknative.dev/v1/apply?namespace=default",
        data=json.dumps({"items": [_service(n) for n in names]}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=60) as resp:
        actions = [item["action"] for item in json.loads(resp.read())["items"]]
    assert actions == ["created"] * len(names)


def _wait_processes(platform: psutil.Process, count: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while len(found := platform.children(recursive=True)) < count:
        assert time.monotonic() < deadline, f"{len(found)} of {count} instances running after {timeout}s"
        time.sleep(0.05)



@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_busy_platform_stops_within_the_deadline_and_leaves_no_process(tmp_path, sig):
    served = Served(tmp_path / "data").start()
    try:
        platform = psutil.Process(served.proc.pid)
        _apply(served, [f"run{i}" for i in range(RUNNING)])
        _wait_processes(platform, RUNNING + 1, timeout=30)  # the instances and the runtime's watchdog
        _apply(served, [f"s{i:03d}" for i in range(FLOOD)])
        time.sleep(BUSY_SECONDS)
        started = platform.children(recursive=True)

        sent = time.monotonic()
        served.proc.send_signal(sig)
        try:
            code = served.proc.wait(DEADLINE + 5)
        except subprocess.TimeoutExpired:
            code = None
        took = time.monotonic() - sent
        print(f"{signal.Signals(sig).name}: {len(started)} processes, exit code {code} after {took:.2f}s")
        tail = "\n".join(served.output[-30:])
        assert code is not None and took < DEADLINE, f"still running {took:.1f}s after {sig!r}:\n{tail}"
        assert code == 0, f"exit code {code} after {took:.1f}s (not a clean stop):\n{tail}"
        survivors = alive(started)
        assert not survivors, [(p.pid, p.cmdline()) for p in survivors]
    finally:
        served.stop(signal.SIGKILL)
