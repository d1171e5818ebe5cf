"""Finding the container engine: Docker or Podman, both over the Docker Engine API.

The endpoint is the operator config's ``config-container: engine-host`` when set, else ``DOCKER_HOST``, else
``CONTAINER_HOST`` (Podman's variable), else the first of the usual sockets that answers: Docker's
(``/var/run/docker.sock``, Docker Desktop's ``~/.docker/run/docker.sock``), rootless Podman's
(``$XDG_RUNTIME_DIR/podman/podman.sock``), rootful Podman's (``/run/podman/podman.sock``). :func:`probe` asks one
endpoint for its version; :func:`discover` walks the candidates and says what it found, or why nothing.

aiodocker is the client: it is asyncio over aiohttp (already the platform's HTTP stack), so log streams, waits and
probes of many instances are tasks on the platform's loop, not threads as the ``docker`` SDK would need.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping
from pathlib import Path

import aiodocker
import attrs

#: how long to wait for an engine to answer its version
PROBE_SECONDS = 2.0

INSTALL_HINT = (
    "install Podman (Debian/Ubuntu: `apt install podman`) and start its API with "
    "`podman system service --time=0` (rootless: `systemctl --user start podman.socket`), or start Docker; "
    "or point `config-container: engine-host` (or DOCKER_HOST) at a running engine"
)


@attrs.frozen
class EngineInfo:
    """An engine that answered: its product name, version and API endpoint."""

    url: str
    name: str
    version: str
    api_version: str = ""
    #: whether the engine can apply memory and CPU limits (its ``/info``)
    memory_limit: bool = False
    cpu_limit: bool = False
    #: whether its containers' processes are on this machine (a Unix socket, no Docker Desktop VM between)
    local: bool = False

    def describe(self) -> str:
        return f"{self.name} {self.version} at {self.url}"


class EngineUnavailable(Exception):
    """No engine answered; the message names what was tried and how to get one."""


def _as_url(host: str) -> str:
    host = host.strip()
    if host.startswith("/"):
        return "unix://" + host
    return host


def candidates(configured: str = "", environ: Mapping[str, str] | None = None) -> list[str]:
    """The endpoints to try, in order (see the module docstring)."""
    env = os.environ if environ is None else environ
    if configured.strip():
        return [_as_url(configured)]
    for var in ("DOCKER_HOST", "CONTAINER_HOST"):
        if env.get(var, "").strip():
            return [_as_url(env[var])]
    sockets = ["/var/run/docker.sock", str(Path(env.get("HOME", "~")).expanduser() / ".docker/run/docker.sock")]
    runtime_dir = env.get("XDG_RUNTIME_DIR") or f"/run/user/{os.getuid()}"
    sockets += [f"{runtime_dir}/podman/podman.sock", "/run/podman/podman.sock"]
    seen: list[str] = []
    for s in sockets:
        if s not in seen:
            seen.append(s)
    return ["unix://" + s for s in seen]


def connect(url: str) -> aiodocker.Docker:
    """A client of the engine at ``url`` (call inside the event loop; close it with ``await client.close()``)."""
    return aiodocker.Docker(url=url)


async def probe(url: str) -> EngineInfo:
    """Ask the engine at ``url`` what it is; raises EngineUnavailable with the cause."""
    if url.startswith("unix://") and not os.path.exists(url[len("unix://"):]):
        raise EngineUnavailable(f"{url}: no such socket")
    client = connect(url)
    try:
        async with asyncio.timeout(PROBE_SECONDS):
            version = await client.version()
            info = await client.system.info()
    except Exception as exc:  # any failure to talk to it means: not this one
        raise EngineUnavailable(f"{url}: {exc or type(exc).__name__}") from None
    finally:
        await client.close()
    name = "Docker Engine"
    for component in version.get("Components") or ():
        if "podman" in str(component.get("Name", "")).lower():
            name = "Podman Engine"
    desktop = "docker desktop" in str(info.get("OperatingSystem", "")).lower()
    return EngineInfo(
        url=url,
        name=name,
        version=str(version.get("Version", "?")),
        api_version=str(version.get("ApiVersion", "")),
        memory_limit=bool(info.get("MemoryLimit")),
        cpu_limit=bool(info.get("CpuCfsQuota")) or bool(info.get("NanoCpus")),
        local=url.startswith("unix://") and not desktop,
    )


async def discover(configured: str = "", environ: Mapping[str, str] | None = None) -> EngineInfo:
    """The first engine of :func:`candidates` that answers; EngineUnavailable says what was tried."""
    tried = []
    for url in candidates(configured, environ):
        try:
            return await probe(url)
        except EngineUnavailable as exc:
            tried.append(str(exc))
    raise EngineUnavailable(f"no container engine answered (tried {'; '.join(tried)}): {INSTALL_HINT}")
