"""The container runtime: the runtime role over a Docker Engine API (Docker or Podman).

Scaling, replacement of changed revisions, draining before stop, restart back-off, status and logs are the
core's supervisor (:class:`pyknative.roles.runtime.SupervisedRuntime`); this runtime brings the pod builder
(:mod:`.resources`), the container instance (:mod:`.instance`), image resolution (:mod:`.images`) and the
start-up sweep: containers labelled with this platform's key that a crashed predecessor left are removed before
any instance starts, so none outlives the platform for longer than its next start.

The engine is found when the runtime starts (:mod:`.engine`); while none answers, an image-only revision is not
runnable with a message saying how to get one, and the runtime looks again (at most every few seconds) each time a
revision asks, so starting Podman or Docker later is enough.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiodocker
import attrs

from pyknative.api.core import Secret
from pyknative.api.serving import Revision
from pyknative.roles.runtime import (
    ContainerStatus,
    InstancesStatus,
    NotRunnableError,
    SupervisedRuntime,
    serving_container,
)
from pyknative_runtime_container import engine as engines
from pyknative_runtime_container.images import ImageResolver, pull_secret_names, split_reference
from pyknative_runtime_container.instance import ContainerInstance
from pyknative_runtime_container.resources import PLATFORM_LABEL, build_pod, platform_key

_log = logging.getLogger(__name__)

#: how often a revision's check may look for an engine again while none answers
REDISCOVER_SECONDS = 5.0
UNAVAILABLE = "ContainerEngineUnavailable"


@attrs.define(eq=False)
class ContainerRuntime:
    data_dir: Path
    #: the operator's endpoint (``config-container: engine-host``); empty: discover
    engine_host: str = ""
    #: the platform's cache (Secrets, ConfigMaps)
    store: Any = None
    host: str = "127.0.0.1"
    #: registries whose tags are not resolved to digests (``config-deployment``)
    skip_resolving: frozenset[str] = frozenset({"kind.local", "ko.local", "dev.local"})
    on_change: Callable[[str], None] | None = None
    pre_stop: Callable[[str, tuple[str, int]], Awaitable[object]] | None = None
    _engine: engines.EngineInfo | None = attrs.field(default=None, init=False)
    _engine_error: str = attrs.field(default="the container engine has not been looked for yet", init=False)
    _looked_at: float = attrs.field(default=0.0, init=False)
    _client: aiodocker.Docker | None = attrs.field(default=None, init=False)
    _resolver: ImageResolver | None = attrs.field(default=None, init=False)
    _inner: SupervisedRuntime | None = attrs.field(default=None, init=False)
    _discovering: asyncio.Task | None = attrs.field(default=None, init=False)
    _swept: bool = attrs.field(default=False, init=False)

    @property
    def platform(self) -> str:
        return platform_key(self.data_dir)

    @property
    def engine(self) -> engines.EngineInfo | None:
        return self._engine

    def _supervisor(self) -> SupervisedRuntime:
        if self._inner is None:
            self._inner = SupervisedRuntime(
                log_dir=self.data_dir / "logs",
                host=self.host,
                store=self.store,
                run_dir=self.data_dir / "container-run",
                # the platform sets this runtime's hooks after making it: look them up at each call
                on_change=lambda key: self.on_change(key) if self.on_change is not None else None,
                pre_stop=lambda key, address: self.pre_stop(key, address) if self.pre_stop else asyncio.sleep(0),
                build_spec=build_pod,
                check_revision=self.check,
                instance_factory=self._make_instance,
            )
        return self._inner

    def _make_instance(self, **common: Any) -> ContainerInstance:
        assert self._client is not None and self._engine is not None
        return ContainerInstance(
            **common,
            client=self._client,
            platform=self.platform,
            limits=(self._engine.memory_limit, self._engine.cpu_limit),
            local_pids=self._engine.local,
        )

    async def discover(self) -> engines.EngineInfo | None:
        """Look for the engine (once at a time); on success connect to it and sweep leftovers."""
        self._looked_at = time.monotonic()
        try:
            info = await engines.discover(self.engine_host)
        except engines.EngineUnavailable as exc:
            self._engine_error = str(exc)
            return None
        if self._client is None:
            self._client = engines.connect(info.url)
            self._resolver = ImageResolver(self._client)
        self._engine = info
        if not self._swept:
            await self.sweep()
            self._swept = True
        return info

    async def start(self) -> None:
        """Find the engine and remove the containers a crashed predecessor left (see the module docstring)."""
        info = await self.discover()
        if info is None:
            _log.warning("container runtime: %s", self._engine_error)
        else:
            _log.info("container runtime: %s", info.describe())
        await self._supervisor().start()

    async def sweep(self) -> list[str]:
        """Remove every container labelled with this platform's key; returns their names."""
        assert self._client is not None
        filters = json.dumps({"label": [f"{PLATFORM_LABEL}={self.platform}"]})
        try:
            found = await self._client.containers.list(all=True, filters=filters)
        except aiodocker.DockerError as exc:
            _log.warning("container runtime: could not list leftovers: %s", exc)
            return []
        names = []
        for container in found:
            names.append(str((container._container.get("Names") or [container.id[:12]])[0]).lstrip("/"))
            try:
                await container.delete(force=True, v=True)
            except aiodocker.DockerError as exc:
                if exc.status != 404:
                    _log.warning("container runtime: could not remove leftover %s: %s", names[-1], exc)
        if names:
            _log.warning("removed %d containers a previous run left behind: %s", len(names), sorted(names))
        return names

    def check(self, rev: Revision) -> None:
        c = serving_container(rev)
        if not c.image:
            raise NotRunnableError(
                "InvalidImageName", f"container {c.name or 'user-container'!r} has no image for the container runtime"
            )
        if self._engine is None:
            if self._discovering is None and time.monotonic() - self._looked_at >= REDISCOVER_SECONDS:
                self._discovering = asyncio.get_running_loop().create_task(self._rediscover())
            raise NotRunnableError(
                UNAVAILABLE,
                f"image {c.image!r} needs a container engine: {self._engine_error}; or add `command:` (and "
                f"`args:`) that start the app from source on $PORT, which the local runtime runs as a process",
                retry_after=REDISCOVER_SECONDS,
            )

    async def _rediscover(self) -> None:
        try:  # the revision that asked looks again after retry_after and finds it
            await self.discover()
        finally:
            self._discovering = None

    async def resolve_images(self, rev: Revision) -> tuple[ContainerStatus, ...]:
        self.check(rev)
        assert self._resolver is not None
        containers = (rev.spec.containers if rev.spec else None) or ()
        if all(split_reference(c.image or "")[0].split("/", 1)[0] in self.skip_resolving for c in containers):
            return tuple(ContainerStatus(name=c.name or "user-container", image_digest=c.image) for c in containers)
        secrets = []
        for name in pull_secret_names(rev):
            secret = await self._get_secret(rev.namespace, name)
            if secret is not None:
                secrets.append(secret)
        return await self._resolver.resolve(rev, secrets)

    async def _get_secret(self, namespace: str, name: str) -> Secret | None:
        if self.store is None:
            return None
        try:
            return await self.store.get(Secret, namespace, name)
        except Exception:  # absent (NotFound) or unreadable: the pull goes without its credentials
            return None

    async def scale(self, rev: Revision, replicas: int) -> None:
        if self._engine is None:
            return
        await self._supervisor().scale(rev, replicas)

    def status(self, key: str) -> InstancesStatus:
        return self._supervisor().status(key)

    async def remove(self, key: str) -> None:
        await self._supervisor().remove(key)

    def logs(self, key: str, tail: int | None = None) -> list[str]:
        return self._supervisor().logs(key, tail)

    def kill_now(self) -> None:
        """Nothing to do synchronously: the engine's containers are removed at the next start (:meth:`sweep`)."""

    async def aclose(self) -> None:
        if self._discovering is not None:
            self._discovering.cancel()
        if self._inner is not None:
            await self._inner.aclose()
        if self._client is not None:
            await self._client.close()
            self._client = None
