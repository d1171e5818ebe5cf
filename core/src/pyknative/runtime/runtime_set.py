"""Several runtimes behind the one :class:`~pyknative.runtime.api.Runtime` the platform talks to.

Each revision runs on one of them, picked by :func:`pyknative.runtime.choice.choose_runtime` when the revision is
checked (the Revision reconciler records the name in ``status.annotations``); every later call for the revision
goes to that runtime. A revision the set has not seen yet (the platform just started) is looked for in each.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping

import attrs

from pyknative.api.serving import ContainerStatus, Revision
from pyknative.runtime.api import InstancesStatus, Runtime
from pyknative.runtime.choice import choose_runtime


@attrs.define(eq=False)
class RuntimeSet:
    runtimes: Mapping[str, Runtime]
    #: ``pyknative: runtime``: ``auto`` or the name every revision runs on
    default: str = "auto"
    #: ``pyknative: image-runtime``: where ``auto`` runs a container that has only an image
    image_runtime: str = "container"
    _on_change: Callable[[str], None] | None = attrs.field(default=None, init=False)
    _pre_stop: Callable[[str, tuple[str, int]], Awaitable[object]] | None = attrs.field(default=None, init=False)
    _chosen: dict[str, str] = attrs.field(factory=dict, init=False)

    # The platform sets these on the runtime it holds; each member gets them too.
    @property
    def on_change(self) -> Callable[[str], None] | None:
        return self._on_change

    @on_change.setter
    def on_change(self, fn: Callable[[str], None] | None) -> None:
        self._on_change = fn
        for rt in self.runtimes.values():
            rt.on_change = fn

    @property
    def pre_stop(self) -> Callable[[str, tuple[str, int]], Awaitable[object]] | None:
        return self._pre_stop

    @pre_stop.setter
    def pre_stop(self, fn: Callable[[str, tuple[str, int]], Awaitable[object]] | None) -> None:
        self._pre_stop = fn
        for rt in self.runtimes.values():
            rt.pre_stop = fn

    def choose(self, rev: Revision) -> str:
        """The name of the runtime ``rev`` runs on (NotRunnableError when it is not here); remembered for its key."""
        name = choose_runtime(rev, self.runtimes, default=self.default, image_runtime=self.image_runtime)
        self._chosen[rev.key] = name
        return name

    def runtime_of(self, rev: Revision) -> Runtime:
        name = self._chosen.get(rev.key) or self.choose(rev)
        return self.runtimes[name]

    def _known(self, key: str) -> list[Runtime]:
        name = self._chosen.get(key)
        return [self.runtimes[name]] if name is not None else list(self.runtimes.values())

    def check(self, rev: Revision) -> None:
        self.runtimes[self.choose(rev)].check(rev)

    async def resolve_images(self, rev: Revision) -> tuple[ContainerStatus, ...] | None:
        """The chosen runtime's image digests for ``rev``, or None when it runs no images."""
        resolve = getattr(self.runtime_of(rev), "resolve_images", None)
        return None if resolve is None else await resolve(rev)

    async def scale(self, rev: Revision, replicas: int) -> None:
        await self.runtime_of(rev).scale(rev, replicas)

    def status(self, key: str) -> InstancesStatus:
        for rt in self._known(key):
            st = rt.status(key)
            if st.total or st.desired or st.failure or len(self.runtimes) == 1:
                return st
        return InstancesStatus()

    async def remove(self, key: str) -> None:
        runtimes = self._known(key)
        self._chosen.pop(key, None)
        await asyncio.gather(*(rt.remove(key) for rt in runtimes))

    def logs(self, key: str, tail: int | None = None) -> list[str]:
        return [line for rt in self._known(key) for line in rt.logs(key, tail=tail)]

    async def start(self) -> None:
        """Start each member that has a start (ending what a crashed predecessor left running)."""
        for rt in self.runtimes.values():
            start = getattr(rt, "start", None)
            if callable(start):
                await start()

    def kill_now(self) -> None:
        for rt in self.runtimes.values():
            kill = getattr(rt, "kill_now", None)
            if callable(kill):
                kill()

    async def aclose(self) -> None:
        results = await asyncio.gather(*(rt.aclose() for rt in self.runtimes.values()), return_exceptions=True)
        for r in results:
            if isinstance(r, BaseException):
                raise r
