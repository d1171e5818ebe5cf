"""The local runtime as the platform sees it: Revisions in, processes out (wraps :mod:`pyknative.runtime.local`).

:class:`SupervisedRuntime` is the Runtime role over the core's instance supervisor; its defaults run local
processes (:data:`LocalRuntime`). A runtime plugin gives it its own ``build_spec`` (Revision → the spec its instances
run), ``check_revision`` and ``instance_factory`` (:class:`~pyknative.runtime.instance.SupervisedInstance`), and
gets scaling, replacement on change, draining before stop, restart back-off, status and logs unchanged.

Each scale reads the Secrets and ConfigMaps the revision uses from ``store`` (the platform's cache) and builds the
spec from them, so a changed Secret or ConfigMap makes a new spec: the running instances are replaced by ones that
see the new values (new ones start first). While a Secret or key it needs is missing, no new instance can start:
those running keep running (as pods do) and may be scaled down, never up; the Revision reports why.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import attrs

from pyknative.api.serving import Revision
from pyknative.runtime import LocalProcessRuntime
from pyknative.runtime.api import InstanceInfo, InstancesStatus
from pyknative.runtime.local import _connect_host as connect_host
from pyknative.runtime.podconfig import ConfigError, Machine, Sources, fetch
from pyknative.runtime.resources import check_runnable, make_process_spec
from pyknative.runtime.spec import BASE_ENV, ProcessSpec


@attrs.define(eq=False)
class SupervisedRuntime:
    log_dir: Path
    #: where running instances are recorded, for the start-up sweep of a crashed run's leftovers
    state_dir: Path | None = None
    host: str = "127.0.0.1"
    on_change: Callable[[str], None] | None = None
    pre_stop: Callable[[str, tuple[str, int]], Awaitable[object]] | None = None
    #: where the revisions' Secrets and ConfigMaps are read (``await store.get(cls, namespace, name)``)
    store: Any = None
    #: the platform's variables instances get (names or globs): the base plus the operator's passthrough
    inherit: tuple[str, ...] = BASE_ENV
    #: the instances' own directories (volumes); emptied at start, since no instance outlives the platform
    run_dir: Path | None = None
    #: Revision, its Secrets and ConfigMaps, this machine, ``inherit`` → the spec an instance runs (raises
    #: ConfigError when something it needs is missing; NotRunnableError when it cannot run at all)
    build_spec: Callable[[Revision, Sources, Machine, tuple[str, ...]], Any] = make_process_spec
    #: raises NotRunnableError when the runtime cannot run a revision (say what it needs)
    check_revision: Callable[[Revision], object] = check_runnable
    #: see :attr:`LocalProcessRuntime.instance_factory`
    instance_factory: Callable[..., Any] | None = None
    #: the gateway's URL, the instances' HTTP proxy to cluster-local addresses (:attr:`Machine.cluster_proxy`)
    cluster_proxy: str | None = None
    _desired: dict[str, int] = attrs.field(factory=dict, init=False)
    _specs: dict[str, ProcessSpec] = attrs.field(factory=dict, init=False)
    _built: dict[str, tuple[Any, ProcessSpec]] = attrs.field(factory=dict, init=False)
    _machine: Machine | None = attrs.field(default=None, init=False)
    _procs: LocalProcessRuntime | None = attrs.field(default=None, init=False)

    def _runtime(self) -> LocalProcessRuntime:
        if self._procs is None:
            run_dir = self.run_dir or self.log_dir.parent / "run"
            shutil.rmtree(run_dir, ignore_errors=True)  # left by a platform that was killed: secrets on disk
            self._procs = LocalProcessRuntime(
                log_dir=self.log_dir, state_dir=self.state_dir, host=self.host, on_change=self._changed,
                pre_stop=self._pre_stop, run_dir=run_dir, instance_factory=self.instance_factory,
                watchdog=self.instance_factory is None,
            )
        return self._procs

    def _changed(self, key: str) -> None:
        if self.on_change is not None:
            self.on_change(key)

    async def _pre_stop(self, key: str, address: tuple[str, int]) -> None:
        if self.pre_stop is not None:
            await self.pre_stop(key, address)

    async def start(self) -> None:
        """End what a crashed predecessor left running (see :meth:`LocalProcessRuntime.start`)."""
        await self._runtime().start()

    def check(self, rev: Revision) -> None:
        self.check_revision(rev)

    async def scale(self, rev: Revision, replicas: int) -> None:
        self._desired[rev.key] = replicas
        runtime = self._runtime()
        if self._machine is None:
            self._machine = Machine(host_ip=connect_host(self.host), cluster_proxy=self.cluster_proxy)
        try:
            spec = self._spec(rev, await fetch(self.store, rev))
        except ConfigError:
            spec = self._specs.get(rev.key)
            if spec is None:
                return  # nothing can start; the Revision reports what is missing
            replicas = min(replicas, len(runtime.instances(rev.key)))
        self._specs[rev.key] = spec
        before = runtime.size(rev.key)
        await runtime.converge(spec, replicas, wait=False)
        if before < replicas:
            # Let new instances spawn before the caller goes on: a cold start waits for them, not for the status
            # and event writes the autoscaler does next.
            await asyncio.sleep(0)

    def _spec(self, rev: Revision, sources: Sources) -> ProcessSpec:
        """The spec of ``rev`` over ``sources``, built again only when the revision or one of them changed (the
        autoscaler scales every revision on every tick)."""
        seen = tuple(
            (kind, name, obj.metadata.resource_version)
            for kind, objs in (("Secret", sources.secrets), ("ConfigMap", sources.config_maps))
            for name, obj in sorted(objs.items())
        )
        fingerprint = (rev.metadata.uid, rev.metadata.resource_version, seen)
        built = self._built.get(rev.key)
        if built is not None and built[0] == fingerprint:
            return built[1]
        spec = self.build_spec(rev, sources, self._machine, tuple(self.inherit))
        self._built[rev.key] = (fingerprint, spec)
        return spec

    def size(self, key: str) -> int:
        """How many instances ``key`` has now (starting, ready, or leaving to be replaced)."""
        return self._runtime().size(key)

    def status(self, key: str) -> InstancesStatus:
        instances = self._runtime().instances(key)
        ready = [i for i in instances if i.ready]
        failure = None
        restarts = sum(i.restarts for i in instances)
        if not ready:
            failed = [i for i in instances if i.last_exit_reason]
            if failed:
                i = failed[0]
                reason = f"ExitCode{i.last_exit_code}" if i.last_exit_code is not None else "ContainerCannotRun"
                tail = self._runtime().logs(key, tail=3)
                detail = (": " + " | ".join(line.strip() for line in tail)) if tail else ""
                failure = (reason, f"container {i.last_exit_reason}{detail}")
        return InstancesStatus(
            desired=self._desired.get(key, 0),
            ready=len(ready),
            total=len(instances),
            endpoints=tuple(self._runtime().endpoints(key)),
            failure=failure,
            restarts=restarts,
            pids=tuple(i.pid for i in ready if i.pid is not None),
            instances=tuple(
                InstanceInfo(i.pid, i.started_at, i.ready, i.ready_changed_at)
                for i in instances
                if i.pid is not None and i.started_at is not None
            ),
        )

    async def remove(self, key: str) -> None:
        self._desired.pop(key, None)
        self._specs.pop(key, None)
        self._built.pop(key, None)
        await self._runtime().stop(key)

    def logs(self, key: str, tail: int | None = None) -> list[str]:
        return self._runtime().logs(key, tail=tail)

    def kill_now(self) -> None:
        """Kill every instance at once, synchronously (see :meth:`LocalProcessRuntime.kill_now`)."""
        if self._procs is not None:
            self._procs.kill_now()

    async def aclose(self) -> None:
        if self._procs is not None:
            await self._procs.aclose()


#: the core's embedded runtime: a SupervisedRuntime with its defaults, running local processes
LocalRuntime = SupervisedRuntime
