"""ContainerSource's adapters: the source role's :class:`~pyknative.roles.SourceAdapter` over the platform's runtime.

``start(source, env)`` hands :func:`~pyknative.reconciler.containersource.resources.make_workload` to the runtime
with one replica (the runtime picks local process or container as it does for a Revision, and restarts the
instance whenever it exits, with back-off); the same spec and environment again do nothing, a changed one replaces
the instance. ``stop(key)`` removes the workload; ``aclose()`` every one. A runtime that cannot run the template
(an image and no container runtime) raises :class:`~pyknative.roles.NotRunnableError`, which the reconcile
reports and retries.
"""

from __future__ import annotations

import contextlib
from typing import Any

import attrs

from pyknative.reconciler.containersource import resources
from pyknative.roles.source import AdapterEnvironment


@attrs.define(eq=False)
class ContainerAdapters:
    platform: Any
    _running: dict[str, Any] = attrs.field(factory=dict, init=False)

    async def start(self, source: Any, env: AdapterEnvironment) -> None:
        rev = resources.make_workload(source, env)
        if self._running.get(source.key) == rev.metadata.resource_version:
            return
        runtime = self.platform.runtime
        self.platform.workload_keys.add(rev.key)
        choose = getattr(runtime, "choose", None)
        if choose is not None:
            choose(rev)
        runtime.check(rev)
        await runtime.scale(rev, 1)
        self._running[source.key] = rev.metadata.resource_version

    async def stop(self, key: str) -> None:
        self._running.pop(key, None)
        wkey = resources.workload_key(key)
        if wkey in self.platform.workload_keys:
            with contextlib.suppress(Exception):
                await self.platform.runtime.remove(wkey)
            self.platform.workload_keys.discard(wkey)

    async def aclose(self) -> None:
        for key in list(self._running):
            await self.stop(key)

    def running(self, key: str) -> bool:
        return key in self._running

    def status(self, key: str) -> Any:
        """The runtime's instances of the ContainerSource ``namespace/name``."""
        return self.platform.runtime.status(resources.workload_key(key))

    def logs(self, key: str, tail: int | None = None) -> list[str]:
        return self.platform.runtime.logs(resources.workload_key(key), tail=tail)
