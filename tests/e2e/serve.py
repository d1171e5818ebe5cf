"""Start and stop a real `pyknative serve` process on free loopback ports, and drive the real CLI against it."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import attrs

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
_READY = re.compile(
    r"pyknative ready: gateway http://([\d.]+):(\d+) admin (https?)://([\d.]+):(\d+) events (https?://[\d.]+:\d+)"
)


@attrs.define(eq=False)
class Served:
    """One `pyknative serve` process."""

    data_dir: Path
    config: Path | None = None
    #: extra environment for the `pyknative serve` process (say a PYTHONPATH with more plugins)
    env: dict[str, str] = attrs.field(factory=dict)
    proc: subprocess.Popen | None = None
    gateway: tuple[str, int] | None = None
    admin: tuple[str, int] | None = None
    admin_scheme: str = "http"
    #: the event listener's base URL (Brokers' ingress, sources' receivers)
    events: str | None = None
    output: list[str] = attrs.field(factory=list)

    def start(self, timeout: float = 60.0, gateway_port: int = 0, admin_port: int = 0,
              eventing_port: int = 0) -> Served:
        cmd = [str(BIN / "pyknative"), "serve", "--data-dir", str(self.data_dir),
               "--gateway-port", str(gateway_port), "--admin-port", str(admin_port),
               "--eventing-port", str(eventing_port)]
        if self.config is not None:
            cmd += ["--config", str(self.config)]
        self.output = []
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     env={**os.environ, "PYTHONUNBUFFERED": "1", **self.env})
        ready = threading.Event()

        def pump() -> None:
            for line in self.proc.stdout:
                self.output.append(line.rstrip("\n"))
                m = _READY.search(line)
                if m:
                    self.gateway = (m.group(1), int(m.group(2)))
                    self.admin_scheme = m.group(3)
                    self.admin = (m.group(4), int(m.group(5)))
                    self.events = m.group(6)
                    ready.set()

        threading.Thread(target=pump, daemon=True).start()
        deadline = time.monotonic() + timeout
        while not ready.wait(0.1):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("pyknative serve did not start:\n" + "\n".join(self.output))
        return self

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int:
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else 0
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()

    @property
    def server(self) -> str:
        """The admin API's URL; a server bound to every address is reached on loopback."""
        host = "127.0.0.1" if self.admin[0] == "0.0.0.0" else self.admin[0]
        return f"{self.admin_scheme}://{host}:{self.admin[1]}"

    def cli(self, *args: str, input: str | None = None, timeout: float = 120.0) -> subprocess.CompletedProcess:
        """The real CLI against this server, with its data dir (whose admin token it sends)."""
        return subprocess.run([str(BIN / "pyknative"), "--server", self.server, "--data-dir", str(self.data_dir),
                               *args], cwd=ROOT, input=input,
                              capture_output=True, text=True, timeout=timeout, env={**os.environ, **self.env})

    def ok(self, *args: str, input: str | None = None, timeout: float = 120.0) -> str:
        res = self.cli(*args, input=input, timeout=timeout)
        assert res.returncode == 0, f"pyknative {' '.join(args)} failed ({res.returncode}):\n{res.stdout}\n{res.stderr}\n--- serve output ---\n" + "\n".join(self.output[-60:])
        return res.stdout


    def apply(self, text: str) -> str:
        """``pyknative apply -f -`` with ``text``."""
        return self.ok("apply", "-f", "-", input=text)

    def wait_ready(self, kind: str, name: str, timeout: str = "60s") -> dict:
        """Wait for ``kind/name``'s Ready condition; returns the object."""
        self.ok("wait", kind, name, "--for", "condition=Ready", "--timeout", timeout)
        return json.loads(self.ok("get", kind, name, "-o", "json"))


def get(gateway: tuple[str, int], host: str, path: str = "/", timeout: float = 30.0) -> tuple[int, str]:
    """One request through the gateway with a Host header (a fresh connection each time)."""
    import http.client

    conn = http.client.HTTPConnection(*gateway, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Host": host})
        resp = conn.getresponse()
        return resp.status, resp.read().decode()
    finally:
        conn.close()


def alive(procs: list) -> list:
    """The psutil processes of ``procs`` still running (zombies count as gone)."""
    import psutil

    out = []
    for p in procs:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                out.append(p)
        except psutil.NoSuchProcess:
            pass
    return out
