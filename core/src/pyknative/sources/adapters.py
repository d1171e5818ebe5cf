"""In-process receive adapters: one asyncio task per source object, supervised, sending through the platform.

:class:`InProcessAdapters` implements the source role's :class:`~pyknative.roles.SourceAdapter` for any kind
whose adapter is an ``async def`` function of an :class:`AdapterContext`: the source object as it was when the
adapter started, Knative's adapter environment (``K_SINK``, ``K_CE_OVERRIDES``, ``NAME``, ``NAMESPACE``), an
:class:`~pyknative.sources.sender.EventSender` bound to the sink and a :class:`~pyknative.sources.clock.Clock`.

- ``start(source, env)`` starts the adapter; called again with the same spec and environment it does nothing,
  with a changed one it stops the running adapter (cancels its task and waits for it) and starts a new one.
- An adapter that raises, or returns, is started again after a backoff (1 s doubling to 30 s; reset once an
  adapter ran for a minute), like a container with ``restartPolicy: Always``; each crash is logged.
- ``stop(key)`` cancels one; ``aclose()`` every one. None outlives the platform (it closes the runner).

A source plugin's ``pyknative_make_source`` returns ``InProcessAdapters.for_platform(platform, run, ...)``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import attrs

from pyknative.eventing.delivery_policy import DeliveryPolicy
from pyknative.roles.source import AdapterEnvironment
from pyknative.sources.clock import Clock, SystemClock
from pyknative.sources.sender import ADAPTER_POLICY, EventSender, SourceCounters, SourceId

log = logging.getLogger(__name__)

RESTART_INITIAL = 1.0
RESTART_MAX = 30.0
#: an adapter that ran this long before it failed starts again after the initial backoff
RESTART_RESET_AFTER = 60.0


@attrs.frozen
class AdapterContext:
    """What an in-process adapter gets."""

    source: Any
    env: AdapterEnvironment
    sender: EventSender
    clock: Clock

    @property
    def key(self) -> str:
        return f"{self.env.namespace}/{self.env.name}"


AdapterFn = Callable[[AdapterContext], Awaitable[None]]


@attrs.define(eq=False)
class _Running:
    fingerprint: Any
    task: asyncio.Task
    restarts: int = 0


@attrs.define(eq=False)
class InProcessAdapters:
    """The adapters of one source kind, run as supervised asyncio tasks (see the module docstring)."""

    run: AdapterFn
    #: ``make_handler(sink_uri, policy)``: the dispatcher's delivery handler for a sink
    make_handler: Callable[[str, DeliveryPolicy], Any]
    resource_group: str
    clock: Clock = attrs.field(factory=SystemClock)
    policy: DeliveryPolicy = ADAPTER_POLICY
    counters: SourceCounters | None = None
    restart_initial: float = RESTART_INITIAL
    restart_max: float = RESTART_MAX
    _running: dict[str, _Running] = attrs.field(factory=dict, init=False)

    @classmethod
    def for_platform(
        cls,
        platform: Any,
        run: AdapterFn,
        *,
        resource_group: str,
        clock: Clock | None = None,
        policy: DeliveryPolicy = ADAPTER_POLICY,
    ) -> InProcessAdapters:
        """Adapters that send through ``platform``'s dispatcher and count in its source counters."""
        from pyknative.eventing.dispatcher import DeliveryTarget

        dispatcher = platform.eventing.dispatcher

        def make_handler(sink: str, policy: DeliveryPolicy) -> Any:
            return dispatcher.handler(DeliveryTarget(sink, policy=policy))

        return cls(
            run,
            make_handler,
            resource_group,
            clock=clock or SystemClock(),
            policy=policy,
            counters=getattr(platform, "source_counters", None),
        )

    # ------------------------------------------------------------------ the SourceAdapter role

    async def start(self, source: Any, env: AdapterEnvironment) -> None:
        key = f"{env.namespace}/{env.name}"
        fingerprint = (_spec_of(source), env)
        running = self._running.get(key)
        if running is not None and running.fingerprint == fingerprint and not running.task.done():
            return
        await self.stop(key)
        sender = EventSender(
            env,
            self.make_handler(env.sink, self.policy),
            SourceId(self.resource_group, env.namespace, env.name),
            self.counters,
        )
        ctx = AdapterContext(source, env, sender, self.clock)
        task = asyncio.create_task(self._supervise(ctx), name=f"source-adapter {self.resource_group} {key}")
        self._running[key] = _Running(fingerprint, task)

    async def stop(self, key: str) -> None:
        running = self._running.pop(key, None)
        if running is None:
            return
        running.task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await running.task

    async def aclose(self) -> None:
        await asyncio.gather(*(self.stop(key) for key in list(self._running)))

    # ------------------------------------------------------------------ what tests and status read

    def running(self, key: str) -> bool:
        """Whether the adapter of ``namespace/name`` is running (or waiting to be started again)."""
        r = self._running.get(key)
        return r is not None and not r.task.done()

    def restarts(self, key: str) -> int:
        r = self._running.get(key)
        return r.restarts if r is not None else 0

    async def _supervise(self, ctx: AdapterContext) -> None:
        backoff = self.restart_initial
        while True:
            started = time.monotonic()
            try:
                await self.run(ctx)
                log.warning("source adapter %s (%s) returned; starting it again", ctx.key, self.resource_group)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("source adapter %s (%s) failed; starting it again", ctx.key, self.resource_group)
            if time.monotonic() - started >= RESTART_RESET_AFTER:
                backoff = self.restart_initial
            running = self._running.get(ctx.key)
            if running is not None:
                running.restarts += 1
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, self.restart_max)


def _spec_of(source: Any) -> Any:
    return getattr(source, "spec", None)
