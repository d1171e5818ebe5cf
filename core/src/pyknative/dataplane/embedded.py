"""The embedded data plane: the gateway in this process, and what links it to revisions and their instances.

It is the ``embedded`` implementation of :class:`pyknative.roles.ingress.RevisionDataPlane` (the role's
contract; ``pyknative: data-plane`` picks one): it starts and stops the gateway, tells it each revision's
``containerConcurrency``, timeout, target burst capacity, protocol (``h2c`` for a port named so) and ready
endpoints (from the Revision the reconciler publishes and the runtime's instances), drains an instance before the runtime stops it, samples each revision's
queue once a second into the autoscaler's metrics, pokes the autoscaler when a request waits at zero, and
answers ``/metrics``' per-revision figures. The platform knows none of this: it only wires the contract.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Callable
from typing import Any

import attrs

from pyknative.api.serving import CONFIGURATION_LABEL, SERVICE_LABEL, Revision
from pyknative.autoscaling_settings import resolve as resolve_autoscaling
from pyknative.dataplane.gateway import Gateway
from pyknative.dataplane.routing import RevisionKey
from pyknative.scaling import MetricSample

#: seconds between two samples of a revision's queue
SAMPLE_PERIOD = 1.0


@functools.lru_cache(maxsize=65536)
def _rkey(key: str) -> RevisionKey:
    ns, name = key.split("/", 1)
    return RevisionKey(ns, name)


@attrs.define(eq=False)
class EmbeddedDataPlane:
    """The gateway and its revisions (see the module docstring); an async context manager around the gateway."""

    host: str
    port: int
    #: ``instances(key)``: the runtime's :class:`~pyknative.roles.InstancesStatus` of a revision (its endpoints)
    instances: Callable[[str], Any]
    #: the autoscaler's metrics (:class:`pyknative.reconciler.autoscaling.metrics.MetricsCollector`)
    metrics: Any
    #: the operator's ``config-autoscaler`` view (:class:`pyknative.config.serving.AutoscalerConfig`)
    autoscaler_config: Any
    #: called with ``namespace/revision`` when a request waits for an instance of a revision that has none
    on_activate: Callable[[str], None] | None = None
    gateway: Gateway | None = None
    address: tuple[str, int] | None = None
    _revisions: dict[str, Revision] = attrs.field(factory=dict)
    _sampler: asyncio.Task | None = None

    async def __aenter__(self) -> EmbeddedDataPlane:
        self.gateway = Gateway(host=self.host, port=self.port)
        self.gateway.on_no_endpoints = self._no_endpoints
        self.address = await self.gateway.start()
        self._sampler = asyncio.create_task(self._sample(), name="metrics-sampler")
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._sampler is not None:
            self._sampler.cancel()
            await asyncio.gather(self._sampler, return_exceptions=True)
        if self.gateway is not None:
            await self.gateway.stop()

    # -- the contract --------------------------------------------------------------------------------------

    def publish_revision(self, rev: Revision) -> None:
        """A revision's concurrency, timeout and burst capacity changed (or it is new): tell the gateway."""
        self._revisions[rev.key] = rev
        self.instances_changed(rev.key)

    def instances_changed(self, key: str) -> None:
        """The runtime's instances of ``key`` changed: the gateway gets the ready endpoints at once."""
        rev = self._revisions.get(key)
        if rev is None or self.gateway is None:
            return
        spec = rev.spec
        self.gateway.set_revision(
            _rkey(key),
            endpoints=list(self.instances(key).endpoints),
            container_concurrency=(spec.container_concurrency if spec else 0) or 0,
            timeout_seconds=float((spec.timeout_seconds if spec else None) or 300),
            target_burst_capacity=resolve_autoscaling(rev.metadata.annotations, self.autoscaler_config).target_burst_capacity,
            protocol=spec.protocol if spec else "http1",
        )

    def forget_revision(self, key: str) -> None:
        """The revision is gone: held requests get their 503 and nothing new is sent to it."""
        self._revisions.pop(key, None)
        if self.gateway is not None:
            self.gateway.remove_revision(_rkey(key))

    async def drain_instance(self, key: str, address: tuple[str, int]) -> None:
        """The runtime's ``pre_stop``: stop sending to the instance and wait for its requests in flight."""
        if self.gateway is not None:
            await self.gateway.drain(_rkey(key), address)

    def waiting_requests(self, key: str) -> int:
        """Requests held for the revision (the activator's queue)."""
        try:
            return self.gateway.queued(_rkey(key))
        except (KeyError, AttributeError):
            return 0

    def local_address(self, host: str) -> tuple[str, int] | None:
        """Where to connect for a cluster-local host (a Knative Service's address): the gateway."""
        if self.address is not None and (host.endswith(".svc.cluster.local") or host in self.gateway.routes()):
            return self.address
        return None

    def revision_metrics(self) -> list[Any]:
        """Every published revision's figures for ``GET /metrics`` (see :mod:`pyknative.admin.metrics`)."""
        from pyknative.admin.metrics import RevisionMetrics

        out = []
        for key, rev in list(self._revisions.items()):
            rkey = _rkey(key)
            try:
                counters = self.gateway.counters(rkey)
            except KeyError:
                continue
            settings = resolve_autoscaling(rev.metadata.annotations, self.autoscaler_config)
            stable_window, panic_window = settings.stable_window, settings.panic_window
            stable = self.gateway.stats(rkey, window=stable_window)
            panic = self.gateway.stats(rkey, window=panic_window)
            decision = self.metrics.decisions.get(key)
            out.append(
                RevisionMetrics(
                    namespace=rkey.namespace,
                    revision=rkey.name,
                    service=rev.metadata.label(SERVICE_LABEL) or "",
                    configuration=rev.metadata.label(CONFIGURATION_LABEL) or "",
                    desired=self.metrics.desired.get(key),
                    actual=self.instances(key).ready,
                    stable_window=stable_window,
                    panic_window=panic_window,
                    stable_concurrency=stable.average_concurrency,
                    panic_concurrency=panic.average_concurrency,
                    stable_rps=stable.requests_per_second,
                    panic_rps=panic.requests_per_second,
                    panic_mode=None if decision is None else decision.mode.partition("+")[0] == "panic",
                    metric=decision.metric if decision is not None else "",
                    target=decision.target if decision is not None else None,
                    excess_burst_capacity=decision.excess_burst_capacity if decision is not None else None,
                    in_flight=stable.in_flight,
                    held=stable.queued,
                    responses=tuple(counters.responses),
                    latency_counts=tuple(counters.latency_counts),
                    latency_sum=counters.latency_sum,
                )
            )
        return out

    # -- internals -----------------------------------------------------------------------------------------

    def _no_endpoints(self, rkey: RevisionKey) -> None:
        key = f"{rkey.namespace}/{rkey.name}"
        self.metrics.poke(key)
        if self.on_activate is not None:
            self.on_activate(key)

    async def _sample(self) -> None:
        """Once a second, per revision: average concurrency and requests since the previous snapshot."""
        previous: dict[str, Any] = {}
        while True:
            await asyncio.sleep(SAMPLE_PERIOD)
            for key in self.metrics.keys():
                with contextlib.suppress(KeyError):
                    snap = self.gateway.stats(_rkey(key), window=1.0)
                    before = previous.get(key)
                    previous[key] = snap
                    if before is None:
                        continue
                    concurrency, rps = snap.since(before)
                    elapsed = snap.taken_at - before.taken_at
                    self.metrics.record(
                        key, MetricSample(time=snap.taken_at, concurrency=concurrency, requests=rps * elapsed)
                    )
            for key in set(previous) - set(self.metrics.keys()):
                previous.pop(key, None)
