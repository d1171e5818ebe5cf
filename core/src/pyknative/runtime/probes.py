"""Readiness probes for local instances: the probe values (Knative/Kubernetes ``readinessProbe``) and a checker.

``check`` runs one probe once against an instance and answers ready or not: an HTTP GET that answers 2xx/3xx,
a TCP connect that succeeds, a gRPC health check that answers SERVING, or a command that exits 0. A probe without a port targets the instance's port.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
import ssl
from collections.abc import Mapping

import attrs
import h2.exceptions

from pyknative.runtime import _procgroup

_log = logging.getLogger(__name__)


@attrs.frozen
class HTTPGetProbe:
    """Ready when ``GET scheme://host:port/path`` answers 2xx or 3xx (HTTPS certificates are not verified)."""

    path: str = "/"
    port: int | None = None
    headers: Mapping[str, str] = attrs.field(factory=dict, converter=dict, hash=False)
    scheme: str = attrs.field(default="HTTP", converter=str.upper)

    @scheme.validator
    def _check_scheme(self, _attr: attrs.Attribute, value: str) -> None:
        if value not in ("HTTP", "HTTPS"):
            raise ValueError(f"HTTPGetProbe.scheme: must be HTTP or HTTPS, not {value!r}")


@attrs.frozen
class TCPProbe:
    """Ready when a TCP connection to ``port`` opens."""

    port: int | None = None


@attrs.frozen
class ExecProbe:
    """Ready when ``command`` exits 0 (it runs with the instance's env and working dir)."""

    command: tuple[str, ...] = attrs.field(converter=tuple)

    @command.validator
    def _check_command(self, _attr: attrs.Attribute, value: tuple[str, ...]) -> None:
        if not value:
            raise ValueError("ExecProbe.command: must not be empty")


@attrs.frozen
class GRPCProbe:
    """Ready when ``grpc.health.v1.Health/Check`` for ``service`` answers SERVING (see :mod:`.grpc_probe`)."""

    port: int | None = None
    service: str = ""


Handler = HTTPGetProbe | TCPProbe | ExecProbe | GRPCProbe


@attrs.frozen
class Readiness:
    """When and how often to probe. Until an instance is ready it is probed first after
    ``startup_period_seconds`` (fast, so a new instance is seen ready right after it listens), each later miss
    waiting a quarter longer, up to ``period_seconds``; once ready, every ``period_seconds``.

    An instance turns ready after ``success_threshold`` successes in a row and unready after
    ``failure_threshold`` failures in a row.
    """

    handler: Handler = attrs.field(factory=TCPProbe)
    initial_delay_seconds: float = 0
    #: Kubernetes' default ``periodSeconds``: a ready instance is probed every 10 s (a thousand instances probed
    #: every second cost the platform a fifth of its CPU)
    period_seconds: float = 10
    timeout_seconds: float = 1
    success_threshold: int = 1
    failure_threshold: int = 3
    startup_period_seconds: float = 0.01

    def __attrs_post_init__(self) -> None:
        for name in ("period_seconds", "timeout_seconds", "startup_period_seconds"):
            if getattr(self, name) <= 0:
                raise ValueError(f"Readiness.{name}: must be > 0, not {getattr(self, name)!r}")
        if self.initial_delay_seconds < 0:
            raise ValueError(
                f"Readiness.initial_delay_seconds: must be >= 0, not {self.initial_delay_seconds!r}"
            )
        for name in ("success_threshold", "failure_threshold"):
            if getattr(self, name) < 1:
                raise ValueError(f"Readiness.{name}: must be >= 1, not {getattr(self, name)!r}")


async def check(
    handler: Handler,
    *,
    host: str,
    port: int,
    timeout: float,
    env: Mapping[str, str] | None = None,
    cwd: str | None = None,
) -> bool:
    """Run ``handler`` once against the instance at ``host``:``port``; ``True`` when it passes within ``timeout``."""
    try:
        async with asyncio.timeout(timeout):
            if isinstance(handler, HTTPGetProbe):
                return await _http_get(handler, host, handler.port or port)
            if isinstance(handler, TCPProbe):
                return await _tcp(host, handler.port or port)
            if isinstance(handler, GRPCProbe):
                from pyknative.runtime import grpc_probe

                return await grpc_probe.check(host, handler.port or port, handler.service)
            return await _exec(handler, env, cwd)
    except (OSError, TimeoutError, ValueError, asyncio.IncompleteReadError, h2.exceptions.H2Error) as exc:
        _log.debug("probe %r on %s:%s failed: %s", handler, host, port, exc or type(exc).__name__)
        return False


async def _tcp(host: str, port: int) -> bool:
    """A bare non-blocking connect and close (no stream objects: every ready instance is probed on a beat)."""
    loop = asyncio.get_running_loop()
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setblocking(False)
        await loop.sock_connect(sock, (host, port))
    return True


async def _http_get(probe: HTTPGetProbe, host: str, port: int) -> bool:
    context = None
    if probe.scheme == "HTTPS":
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    reader, writer = await asyncio.open_connection(host, port, ssl=context)
    try:
        path = probe.path if probe.path.startswith("/") else "/" + probe.path
        authority = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        headers = {"Host": authority, "User-Agent": "kube-probe/pyknative", "Accept": "*/*", **probe.headers}
        head = f"GET {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        writer.write((head + "Connection: close\r\n\r\n").encode("latin-1"))
        await writer.drain()
        status_line = await reader.readline()
        parts = status_line.split(None, 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/"):
            raise ValueError(f"not an HTTP response: {status_line[:80]!r}")
        return 200 <= int(parts[1]) < 400
    finally:
        writer.close()
        await _closed(writer)


async def _exec(probe: ExecProbe, env: Mapping[str, str] | None, cwd: str | None) -> bool:
    proc = await asyncio.create_subprocess_exec(
        *probe.command,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
        env=dict(env) if env is not None else None,
        cwd=cwd,
        start_new_session=True,
        preexec_fn=_procgroup.child_setup(),
    )
    try:
        return await proc.wait() == 0
    finally:
        if proc.returncode is None:  # timed out: kill it and anything it started
            await _procgroup.kill_all(proc.pid)
        else:  # done: just make sure nothing it started in its group lingers
            _procgroup.signal_group(proc.pid, signal.SIGKILL)


async def _closed(writer: asyncio.StreamWriter) -> None:
    try:
        await writer.wait_closed()
    except (OSError, ssl.SSLError):
        pass
