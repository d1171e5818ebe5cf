"""Helpers for the platform benchmarks: start a real `pyknative serve` on free ports, apply YAML, read
PodAutoscalers, and send raw HTTP requests timed to the first byte of the answer."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
_READY = re.compile(r"pyknative ready: gateway http://([\d.]+):(\d+) admin http://([\d.]+):(\d+)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Served:
    """One `pyknative serve` (fresh data dir, free ports) with the given operator config (YAML text, or None
    for the defaults), stopped by :meth:`stop`."""

    def __init__(self, config: str | None) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="pyknative-bench-")
        tmp = Path(self._tmp.name)
        cmd = [str(BIN / "pyknative"), "serve", "--data-dir", str(tmp / "data"),
               "--gateway-port", "0", "--admin-port", "0", "--eventing-port", "0"]
        if config is not None:
            (tmp / "ops.yaml").write_text(config)
            cmd += ["--config", str(tmp / "ops.yaml")]
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYKNATIVE_LOG_LEVEL": os.environ.get("PYKNATIVE_LOG_LEVEL", "WARNING")}
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        self.output: list[str] = []
        ready = threading.Event()
        found: list[re.Match] = []

        def pump() -> None:
            for line in self.proc.stdout:  # type: ignore[union-attr]
                self.output.append(line.rstrip("\n"))
                m = _READY.search(line)
                if m:
                    found.append(m)
                    ready.set()

        threading.Thread(target=pump, daemon=True).start()
        if not ready.wait(60):
            self.stop()
            raise SystemExit("pyknative serve did not start:\n" + "\n".join(self.output[-40:]))
        m = found[0]
        self.gateway = (m.group(1), int(m.group(2)))
        self.admin = f"http://{m.group(3)}:{m.group(4)}"

    def stop(self, timeout: float = 30.0) -> bool:
        """SIGTERM, then SIGKILL after ``timeout`` seconds; True when the kill was needed."""
        killed = False
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                killed = True
                self.proc.kill()
                self.proc.wait()
        self._tmp.cleanup()
        return killed

    def api(self, method: str, path: str, body: object | None = None, timeout: float = 120.0) -> dict:
        """One admin API request with a JSON body; the JSON answer."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.admin + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return json.loads(r.read())

    def cli(self, *args: str, input: str | None = None) -> str:
        res = subprocess.run([str(BIN / "pyknative"), "--server", self.admin, *args], cwd=ROOT, input=input,
                             capture_output=True, text=True, timeout=120)
        if res.returncode != 0:
            raise SystemExit(f"pyknative {' '.join(args)} failed:\n{res.stdout}{res.stderr}")
        return res.stdout

    def pa_status(self, revision: str, namespace: str = "default") -> dict:
        path = f"/apis/autoscaling.internal.knative.dev/v1alpha1/namespaces/{namespace}/podautoscalers/{revision}"
        with urllib.request.urlopen(self.admin + path, timeout=10) as r:
            return json.loads(r.read()).get("status") or {}

    def wait_scale(self, revision: str, check, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            actual = self.pa_status(revision).get("actualScale")
            if actual is not None and check(actual):
                return
            if time.monotonic() > deadline:
                raise SystemExit(f"{revision}: actual scale {actual} after {timeout:g}s")
            time.sleep(0.1)


def first_byte(address: tuple[str, int], host: str, path: str = "/") -> tuple[float, int]:
    """Seconds from sending ``GET path`` (on a connection opened beforehand) to the answer's first byte, and
    the status."""
    with socket.create_connection(address, timeout=60) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode()
        started = time.perf_counter()
        sock.sendall(request)
        first = sock.recv(1)
        took = time.perf_counter() - started
        rest = first
        while chunk := sock.recv(65536):
            rest += chunk
    return took, int(rest.split(b" ", 2)[1]) if rest.startswith(b"HTTP/") else 0
