"""One instance of a revision as containers: the pod's containers created and started, the serving one's port
published on a loopback port, its logs streamed, probed for readiness and liveness, and stopped with SIGTERM then
SIGKILL after the grace period, then removed.

The core's supervisor restarts an instance whose serving container exited (with back-off) and drains one before
it stops; this module only runs one pod from create to removal (:meth:`ContainerInstance.run_once`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from pathlib import Path
from typing import IO, Any

import aiodocker
import attrs

from pyknative.roles.runtime import (
    ExecProbe,
    Handler,
    SupervisedInstance,
    exit_status,
    materialize_volumes,
    remove_volumes,
)
from pyknative_runtime_container.resources import PodSpec, container_name, create_body

_log = logging.getLogger(__name__)

#: how long to keep reading logs after the serving container exited
_DRAIN_SECONDS = 1.0


def engine_message(exc: BaseException) -> str:
    """The engine's own words for a failed call."""
    if isinstance(exc, aiodocker.DockerError):
        return str(exc.message or exc)
    return str(exc) or type(exc).__name__


@attrs.define(eq=False, kw_only=True)
class ContainerInstance(SupervisedInstance):
    """The containers of one instance of ``spec`` (a :class:`PodSpec`), reached at ``host``:``port``."""

    spec: PodSpec
    client: aiodocker.Docker
    #: this platform's label value (see :func:`~.resources.platform_key`)
    platform: str
    log_path: Path
    #: where the instance's volumes are written (per container), removed when it is gone for good
    home: Path | None = None
    #: (memory, cpu): whether the engine applies limits
    limits: tuple[bool, bool] = (True, True)
    #: whether the engine's processes are on this machine (then ``pid`` is the serving container's process)
    local_pids: bool = True
    uid: str = attrs.field(factory=lambda: str(uuid.uuid4()))
    _ids: list[str] = attrs.field(factory=list, init=False)
    _live_failed: asyncio.Event = attrs.field(factory=asyncio.Event, init=False)

    def close(self) -> None:
        if self.home is not None:
            remove_volumes(self.home)

    async def check_readiness(self, handler: Handler, timeout: float) -> bool:
        if isinstance(handler, ExecProbe):
            return await self._exec(handler.command, timeout)
        return await super().check_readiness(handler, timeout)

    async def _exec(self, command: tuple[str, ...], timeout: float) -> bool:
        """Run ``command`` in the serving container (an exec probe); passes on exit code 0."""
        if not self._ids:
            return False
        try:
            async with asyncio.timeout(timeout):
                container = self.client.containers.container(self._ids[0])
                ex = await container.exec(list(command), stdout=True, stderr=True)
                async with ex.start(detach=False) as stream:
                    while await stream.read_out() is not None:
                        pass
                for _ in range(50):
                    state = await ex.inspect()
                    if not state.get("Running"):
                        return state.get("ExitCode") == 0
                    await asyncio.sleep(0.01)
        except (aiodocker.DockerError, TimeoutError, OSError) as exc:
            _log.debug("exec probe %r in %s failed: %s", command, self.id, exc)
        return False

    async def run_once(self, grace: float) -> float:
        self.begin_run()
        self._live_failed.clear()
        if self.stopping:
            return 0.0
        grace = self.spec.grace_seconds
        try:
            serving = await self._create_all()
        except (aiodocker.DockerError, OSError) as exc:
            await self._remove_all()
            self.exited(None, f"could not start: {engine_message(exc)}")
            return 0.0
        self.started_at = time.time()
        if self.local_pids:
            with contextlib.suppress(aiodocker.DockerError, KeyError):
                self.pid = (await serving.show())["State"]["Pid"] or None
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        code: int | None = None
        reason = ""
        with open(self.log_path, "a", buffering=1, encoding="utf-8", errors="replace") as log:
            pumps = [asyncio.create_task(self._pump(cid, log)) for cid in self._ids]
            tasks = [asyncio.create_task(self.probe_readiness())]
            if self.spec.liveness is not None:
                tasks.append(asyncio.create_task(self._probe_liveness()))
            try:
                code, reason = await self._wait_exit_or_stop(serving, grace)
            finally:
                for task in tasks:
                    task.cancel()
                self.set_ready(False, notify=False)
                # Also on cancellation: nothing of the instance is left (it was stopped gracefully above if asked).
                await asyncio.shield(self._remove_all())
                _, pending = await asyncio.wait(pumps, timeout=_DRAIN_SECONDS)
                for task in pending:
                    task.cancel()
        self.exited(code, reason)
        return self.ready_seconds

    async def _create_all(self) -> aiodocker.containers.DockerContainer:
        fields = {"name": self.id, "uid": self.uid}
        serving: Any = None
        namespace = self.spec.key.split("/", 1)[0]
        for c in self.spec.containers:
            volumes_dir = None
            if c.volumes is not None and self.home is not None:
                volumes_dir = self.home / c.name
                if not volumes_dir.exists():
                    materialize_volumes(c.volumes, volumes_dir)
            body = create_body(
                self.spec, c, platform=self.platform, instance_id=self.id, fields=fields, host=self.host,
                host_port=self.port if serving is None else None,
                network_of=serving.id if serving is not None else None,
                volumes_dir=volumes_dir, limits=self.limits,
            )
            container = await self.client.containers.create(body, name=container_name(self.id, namespace, c.name))
            self._ids.append(container.id)
            await container.start()
            if serving is None:
                serving = container
        return serving

    async def _wait_exit_or_stop(self, serving: Any, grace: float) -> tuple[int | None, str]:
        """Wait for the serving container to exit, a stop request or a failed liveness probe; stop it on the last
        two (SIGTERM, SIGKILL after ``grace``). Returns the exit (code, reason)."""
        waiter = asyncio.ensure_future(serving.wait(timeout=None))
        stopper = asyncio.ensure_future(self._stop.wait())
        dead = asyncio.ensure_future(self._live_failed.wait())
        try:
            await asyncio.wait({waiter, stopper, dead}, return_when=asyncio.FIRST_COMPLETED)
            if not waiter.done():
                # Every container of the pod gets SIGTERM at once, then SIGKILL after the grace period.
                await asyncio.gather(
                    *(
                        self.client.containers.container(cid).stop(t=max(0, round(grace)), timeout=grace + 30)
                        for cid in self._ids
                    ),
                    return_exceptions=True,
                )
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(5):
                        await asyncio.shield(waiter)
            result = waiter.result() if waiter.done() and not waiter.exception() else {}
        finally:
            for f in (waiter, stopper, dead):
                f.cancel()
        code = result.get("StatusCode") if isinstance(result, dict) else None
        if dead.done() and not stopper.done():
            return code, "liveness probe failed: container restarted"
        if code is None:
            return None, "container gone"
        return exit_status(code)

    async def _remove_all(self) -> None:
        """Remove every container of the instance (killing what still runs), sidecars first."""
        ids, self._ids = self._ids, []
        for cid in reversed(ids):
            container = self.client.containers.container(cid)
            try:
                await container.delete(force=True, v=True)
            except aiodocker.DockerError as exc:
                if exc.status != 404:
                    _log.warning("instance %s: could not remove container %s: %s", self.id, cid[:12], exc)
        self.pid = None

    async def _probe_liveness(self) -> None:
        live = self.spec.liveness
        assert live is not None
        if live.initial_delay_seconds:
            await asyncio.sleep(live.initial_delay_seconds)
        failures = 0
        while True:
            await asyncio.sleep(live.period_seconds)
            ok = await self.check_readiness(live.handler, live.timeout_seconds)
            failures = 0 if ok else failures + 1
            if failures >= live.failure_threshold:
                _log.info("instance %s: liveness probe failed %d times; restarting it", self.id, failures)
                self._live_failed.set()
                return

    async def _pump(self, cid: str, log: IO[str]) -> None:
        """Copy the container's stdout and stderr, line by line, to the log file and ``on_line``."""
        container = self.client.containers.container(cid)
        partial = ""
        try:
            async for chunk in container.log(stdout=True, stderr=True, follow=True, timeout=None):
                text = partial + (chunk if isinstance(chunk, str) else chunk.decode("utf-8", "replace"))
                *lines, partial = text.split("\n")
                for line in lines:
                    self._emit(line, log)
        except (aiodocker.DockerError, OSError, asyncio.IncompleteReadError) as exc:
            _log.debug("instance %s: log stream of %s ended: %s", self.id, cid[:12], exc)
        except Exception as exc:  # aiohttp's payload errors when the container goes away mid-stream
            _log.debug("instance %s: log stream of %s ended: %s", self.id, cid[:12], exc)
        if partial:
            self._emit(partial, log)

    def _emit(self, line: str, log: IO[str]) -> None:
        line = line.rstrip("\r")
        log.write(line + "\n")
        self.on_line(line)
