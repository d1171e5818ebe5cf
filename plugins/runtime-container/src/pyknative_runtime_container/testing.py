"""A real Podman for tests and benchmarks: ``podman system service`` on a socket in a temporary directory, with
its own storage (``--root``/``--runroot``, the vfs driver, so removing the directory removes everything), and
images built locally from the static busybox of Debian's ``busybox-static`` (nothing is ever pulled).

The sandbox this project is tested in needs ``CONTAINERS_CONF`` pointing at a file with ``default_ulimits = []``,
runc, cgroupfs and the file events logger (crun fails on its cgroup layout and on setting rlimits); the file is
written in the temporary directory and set only in the environment of the podman commands started here, never
in the user's ``/etc``.
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import subprocess
import time
import urllib.error
from collections.abc import Iterator
from pathlib import Path

import attrs

CONTAINERS_CONF = """\
[containers]
default_ulimits = []

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
tmp_dir = "{tmp}"

[network]
network_config_dir = "{networks}"
default_subnet = "{subnet}"
"""

#: the stand-in for Knative's helloworld-go: answers ``Hello $TARGET!`` (TARGET defaults to World) on $PORT, logs
#: each answer to stderr, exits on SIGTERM
HELLO_CGI = """#!/bin/sh
echo "helloworld: answered ${REQUEST_METHOD:-GET} ${REQUEST_URI:-/} for ${TARGET:-World}" >&2
printf 'Content-Type: text/plain\\r\\n\\r\\nHello %s!\\n' "${TARGET:-World}"
"""
HELLO_CONTAINERFILE = """FROM scratch
COPY bin /bin
COPY www /www
ENV PORT=8080
ENTRYPOINT ["/bin/sh", "-c", "trap 'kill $pid; exit 0' TERM; /bin/busybox httpd -f -p \\"$PORT\\" -h /www & pid=$!; wait $pid"]
"""


def find_podman() -> str | None:
    return shutil.which("podman")


def find_busybox() -> str | None:
    """A statically linked busybox (Debian's busybox-static), which runs in an image with nothing else."""
    for path in (shutil.which("busybox"), "/bin/busybox", "/usr/bin/busybox"):
        if path and os.path.exists(path):
            with open(path, "rb") as f:
                head = f.read(1 << 16)
            if b"/lib64/ld-linux" not in head and b"/lib/ld-linux" not in head:
                return path
    return None


@attrs.define(eq=False)
class PodmanService:
    """One ``podman system service`` with its own storage under ``workdir``."""

    workdir: Path
    binary: str = "podman"
    proc: subprocess.Popen | None = None

    @property
    def socket(self) -> Path:
        return self.workdir / "podman.sock"

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "CONTAINERS_CONF": str(self.workdir / "containers.conf")}

    def podman(self, *args: str) -> list[str]:
        """A podman command line on this service's storage."""
        return [
            self.binary, "--root", str(self.workdir / "root"), "--runroot", str(self.workdir / "runroot"),
            "--storage-driver", "vfs", *args,
        ]

    def run(self, *args: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            self.podman(*args), env=self.env, capture_output=True, text=True, timeout=timeout, check=check
        )

    def start(self, timeout: float = 30.0) -> PodmanService:
        self.workdir.mkdir(parents=True, exist_ok=True)
        (self.workdir / "tmp").mkdir(exist_ok=True)
        (self.workdir / "networks").mkdir(exist_ok=True)
        # A subnet of its own: another Podman on this machine (the user's, a second test session) numbers its
        # containers in 10.88.0.0/16, and two engines handing out the same address would cross their traffic.
        subnet = f"10.{random.randint(90, 250)}.{random.randint(0, 255)}.0/24"
        (self.workdir / "containers.conf").write_text(
            CONTAINERS_CONF.format(tmp=self.workdir / "tmp", networks=self.workdir / "networks", subnet=subnet)
        )
        log = open(self.workdir / "service.log", "ab")
        self.proc = subprocess.Popen(
            self.podman("system", "service", "--time=0", self.url), env=self.env, stdout=log, stderr=log,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while not self._answers():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(
                    "podman system service did not start:\n" + (self.workdir / "service.log").read_text()[-2000:]
                )
            time.sleep(0.05)
        return self

    def _answers(self) -> bool:
        if not self.socket.exists():
            return False
        import http.client
        import socket

        class _Unix(http.client.HTTPConnection):
            def connect(inner) -> None:  # noqa: N805
                inner.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                inner.sock.settimeout(2)
                inner.sock.connect(str(self.socket))

        conn = _Unix("localhost")
        try:
            conn.request("GET", "/_ping")
            return conn.getresponse().status == 200
        except (OSError, urllib.error.URLError, http.client.HTTPException):
            return False
        finally:
            conn.close()

    def build_hello(self, tag: str = "ghcr.io/knative/helloworld-go") -> str:
        """Build the helloworld-go stand-in (see :data:`HELLO_CGI`) and tag it ``tag``; returns the tag."""
        busybox = find_busybox()
        if busybox is None:
            raise RuntimeError("no static busybox: install Debian's busybox-static")
        ctx = self.workdir / "hello-context"
        shutil.rmtree(ctx, ignore_errors=True)
        (ctx / "bin").mkdir(parents=True)
        (ctx / "www" / "cgi-bin").mkdir(parents=True)
        shutil.copy(busybox, ctx / "bin" / "busybox")
        (ctx / "bin" / "sh").symlink_to("busybox")
        cgi = ctx / "www" / "cgi-bin" / "index.cgi"
        cgi.write_text(HELLO_CGI)
        cgi.chmod(0o755)
        (ctx / "Containerfile").write_text(HELLO_CONTAINERFILE)
        self.run("build", "-q", "-t", tag, str(ctx))
        return tag

    def containers(self, *labels: str) -> list[str]:
        """Names of the containers (running or not) with every one of ``labels`` (``key=value``)."""
        args = ["ps", "-a", "--format", "{{.Names}}"]
        for label in labels:
            args += ["--filter", f"label={label}"]
        return [line for line in self.run(*args).stdout.split() if line]

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            subprocess.run(self.podman("rm", "-af", "-t", "0"), env=self.env, capture_output=True, timeout=60)
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        shutil.rmtree(self.workdir / "root", ignore_errors=True)
        shutil.rmtree(self.workdir / "runroot", ignore_errors=True)


@contextlib.contextmanager
def podman_for_tests(workdir: Path) -> Iterator[PodmanService]:
    """A started :class:`PodmanService` with the helloworld-go stand-in built, stopped after; a missing podman or
    static busybox skips the test here and fails it in CI (``CI=true``)."""
    from pyknative.testing import require_binary

    binary = require_binary(find_podman(), "podman is missing: apt install podman runc (see .ci/run)")
    require_binary(find_busybox(), "a static busybox is missing: apt install busybox-static (see .ci/run)")
    service = PodmanService(workdir, binary=binary).start()
    try:
        service.build_hello()
        yield service
    finally:
        service.stop()
