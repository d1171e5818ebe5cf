"""Per-revision queue of the gateway: endpoint slots (containerConcurrency), the FIFO of held requests (the
activator's buffer, bounded by the target burst capacity), the request timeout, endpoint draining, and the
counters an autoscaler and ``/metrics`` read.

A :class:`RevisionQueue` hands each request an :class:`Endpoint` with a free slot, the least loaded one, or
parks the request (FIFO) until a slot frees or endpoints appear. Everything is callback based and
synchronous: ``try_acquire`` / ``release`` are a few attribute updates, and a parked :class:`Waiter` is told
``on_slot(endpoint)`` when its turn comes. An endpoint taken out of rotation keeps its in-flight requests
until they finish; :meth:`RevisionQueue.drained` tells when it has none left. :class:`RevisionCounters` keeps
in-flight and request counts plus the time integral of in-flight (so average concurrency over any window is
exact, not sampled), a once-a-second history from which :class:`RevisionStats` reports a window, and
responses by status class with a fixed-bucket latency histogram (plain ints, read at scrape time).
"""

from __future__ import annotations

import asyncio
import math
from bisect import bisect_left
from collections import deque
from collections.abc import Callable, Sequence
from time import monotonic
from typing import TYPE_CHECKING, Any, Protocol

import attrs

from pyknative.dataplane.routing import RevisionKey

if TYPE_CHECKING:
    from pyknative.dataplane.upstream import EndpointPool

# One history sample a second for an hour: Knative's longest stable window.
_HISTORY_SECONDS = 3600

#: Upper bounds (seconds) of the request latency histogram's buckets; one more bucket holds the rest (+Inf).
LATENCY_BUCKETS: tuple[float, ...] = (
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0,
)
#: Knative's queue-proxy queue depth per instance slot: what tbc 0 bounds held requests by (see held_limit).
QUEUE_DEPTH_PER_SLOT = 10


def held_limit(target_burst_capacity: float, container_concurrency: int, endpoints: int) -> int | None:
    """How many requests a revision may hold (waiting for a slot or an instance); None: no bound but the timeout.

    ``tbc > 0``: at most ``ceil(tbc)``. ``tbc == -1`` (Knative: the activator always in the path): no bound.
    ``tbc == 0`` (Knative: the activator only in the path at zero): no bound while no instance is ready (a cold
    start holds every request), then queue-proxy's own queue, ``10 × containerConcurrency`` per instance
    (no bound with containerConcurrency 0, where a request never waits for a slot).
    """
    if target_burst_capacity > 0:
        return math.ceil(target_burst_capacity)
    if target_burst_capacity == 0 and endpoints and container_concurrency:
        return QUEUE_DEPTH_PER_SLOT * container_concurrency * endpoints
    return None


class Waiter(Protocol):
    """A parked request: ``queued`` is cleared by whoever takes it off the queue (a grant or a cancel)."""

    queued: bool

    def on_slot(self, endpoint: Endpoint) -> None: ...


@attrs.define(eq=False)
class Endpoint:
    """One address serving a revision, with its request slots in use and its upstream connection pool."""

    host: str
    port: int
    pool: EndpointPool
    in_flight: int = 0
    active: bool = True
    #: futures resolved once the endpoint is out of rotation with nothing in flight (see RevisionQueue.drained)
    drain_waiters: list[asyncio.Future[None]] | None = None

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


@attrs.frozen
class RevisionStats:
    """A snapshot of one revision's load, with averages over the requested window.

    ``in_flight`` counts requests that arrived and are not finished yet, queued ones included (what Knative's
    queue-proxy reports as concurrency); ``queued`` is the part of them still waiting for a slot or for
    endpoints. ``concurrency_seconds`` is the integral of ``in_flight`` over time since the revision was set,
    so two snapshots give the exact average concurrency between them. ``average_concurrency`` and
    ``requests_per_second`` cover the last ``window_seconds`` (the window asked for, within a second, or less
    when the revision is younger).
    """

    key: RevisionKey
    in_flight: int
    queued: int
    requests_total: int
    concurrency_seconds: float
    endpoints: int
    window_seconds: float
    average_concurrency: float
    requests_per_second: float
    taken_at: float

    def since(self, earlier: RevisionStats) -> tuple[float, float]:
        """``(average concurrency, requests per second)`` between an earlier snapshot and this one."""
        elapsed = self.taken_at - earlier.taken_at
        if elapsed <= 0:
            return float(self.in_flight), 0.0
        return (
            (self.concurrency_seconds - earlier.concurrency_seconds) / elapsed,
            (self.requests_total - earlier.requests_total) / elapsed,
        )


@attrs.define(eq=False)
class RevisionCounters:
    """Hot-path counters: a few int updates and a clock read per request start and end."""

    in_flight: int = 0
    requests_total: int = 0
    #: finished requests by status class: index 1 for 1xx ... 5 for 5xx (index 0: ended without a status)
    responses: list[int] = attrs.field(factory=lambda: [0] * 6)
    #: finished requests per latency bucket (LATENCY_BUCKETS, then +Inf), not cumulative
    latency_counts: list[int] = attrs.field(factory=lambda: [0] * (len(LATENCY_BUCKETS) + 1))
    latency_sum: float = 0.0
    _area: float = 0.0
    _changed_at: float = attrs.field(factory=monotonic)
    # (time, requests_total, area) once a second, starting with the creation point.
    _history: deque[tuple[float, int, float]] = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self._history = deque([(self._changed_at, 0, 0.0)], maxlen=_HISTORY_SECONDS + 1)

    def begin(self) -> float:
        """Count a request in; returns the clock reading it used."""
        now = monotonic()
        self._area += self.in_flight * (now - self._changed_at)
        self._changed_at = now
        self.in_flight += 1
        self.requests_total += 1
        return now

    def end(self, status: int = 0, started: float | None = None) -> None:
        """Count a request out; with its ``status`` and start time it also counts in the responses/latency."""
        now = monotonic()
        self._area += self.in_flight * (now - self._changed_at)
        self._changed_at = now
        self.in_flight -= 1
        if status:
            self.responses[status // 100 if 100 <= status < 600 else 0] += 1
            if started is not None:
                took = now - started
                self.latency_sum += took
                self.latency_counts[bisect_left(LATENCY_BUCKETS, took)] += 1

    def area(self, now: float) -> float:
        return self._area + self.in_flight * (now - self._changed_at)

    def sample(self, now: float) -> None:
        """Record a history point; the gateway calls this about once a second."""
        self._history.append((now, self.requests_total, self.area(now)))

    def window(self, now: float, seconds: float) -> tuple[float, float, float]:
        """``(covered seconds, average concurrency, requests/s)`` over about the last ``seconds``."""
        start = now - seconds
        history = self._history
        base = history[-1]
        for sample in reversed(history):
            if sample[0] < start:
                break
            base = sample
        elapsed = now - base[0]
        if elapsed <= 0:
            return 0.0, float(self.in_flight), 0.0
        return (
            elapsed,
            (self.area(now) - base[2]) / elapsed,
            (self.requests_total - base[1]) / elapsed,
        )


@attrs.define(eq=False)
class RevisionQueue:
    """Slots, waiters and counters of one revision (see the module docstring)."""

    key: RevisionKey
    container_concurrency: int
    timeout_seconds: float
    endpoints: list[Endpoint] = attrs.field(factory=list)
    counters: RevisionCounters = attrs.field(factory=RevisionCounters)
    # Exchanges whose response has not started yet: the gateway's timeout sweep walks these.
    awaiting_response: dict[Any, None] = attrs.field(factory=dict)
    queued: int = 0
    removed: bool = False
    #: Knative's target-burst-capacity for this revision; bounds the held requests (see held_limit)
    target_burst_capacity: float = -1.0
    #: held_limit() for the current endpoints and limits
    max_held: int | None = None
    #: when the gateway last reported this revision as having no endpoints (0: not since endpoints came)
    poked_at: float = 0.0
    #: the endpoints speak h2c (HTTP/2 with prior knowledge), not HTTP/1.1
    h2c: bool = False
    # Bytes the gateway adds to every upstream request of this revision.
    upstream_headers: bytes = b""
    #: endpoints out of rotation that still carry requests, by address
    draining: dict[tuple[str, int], Endpoint] = attrs.field(factory=dict)
    _waiters: deque[Waiter] = attrs.field(factory=deque)
    _next: int = 0
    _granting: bool = False

    def __attrs_post_init__(self) -> None:
        self.upstream_headers = (
            b"knative-serving-revision: %b\r\nknative-serving-namespace: %b\r\n"
            % (self.key.name.encode("latin-1"), self.key.namespace.encode("latin-1"))
        )
        self.max_held = held_limit(self.target_burst_capacity, self.container_concurrency, len(self.endpoints))

    def try_acquire(self) -> Endpoint | None:
        """A slot on the least loaded endpoint with room, or None (no endpoints, all full, or others wait)."""
        if self.queued:
            return None
        return self._take_slot()

    def _take_slot(self) -> Endpoint | None:
        endpoints = self.endpoints
        cc = self.container_concurrency
        if len(endpoints) == 1:
            ep = endpoints[0]
            if cc and ep.in_flight >= cc:
                return None
            ep.in_flight += 1
            return ep
        if not endpoints:
            return None
        n = len(endpoints)
        start = self._next
        self._next = (start + 1) % n
        best: Endpoint | None = None
        for i in range(n):
            ep = endpoints[(start + i) % n]
            if (not cc or ep.in_flight < cc) and (best is None or ep.in_flight < best.in_flight):
                best = ep
        if best is not None:
            best.in_flight += 1
        return best

    def enqueue(self, waiter: Waiter) -> None:
        waiter.queued = True
        self.queued += 1
        self._waiters.append(waiter)

    def cancel(self, waiter: Waiter) -> None:
        """Take a parked waiter off the queue (timeout, client gone); its deque entry is skipped later."""
        if waiter.queued:
            waiter.queued = False
            self.queued -= 1
            waiters = self._waiters
            if len(waiters) > 2 * self.queued + 32:
                # Cancelled entries are skipped lazily; compact now and then so they cannot pile up.
                self._waiters = deque(w for w in waiters if w.queued)

    def release(self, endpoint: Endpoint) -> None:
        endpoint.in_flight -= 1
        if not endpoint.active and not endpoint.in_flight:
            self._drained(endpoint)
        if self.queued:
            self.grant()

    def grant(self) -> None:
        """Give free slots to parked waiters, oldest first."""
        if self._granting:
            return
        self._granting = True
        try:
            waiters = self._waiters
            while self.queued:
                while waiters and not waiters[0].queued:
                    waiters.popleft()
                endpoint = self._take_slot()
                if endpoint is None:
                    break
                waiter = waiters.popleft()
                waiter.queued = False
                self.queued -= 1
                waiter.on_slot(endpoint)
        finally:
            self._granting = False

    def drain_waiters(self) -> list[Waiter]:
        """Every parked waiter, taken off the queue (the revision is going away)."""
        out = [w for w in self._waiters if w.queued]
        for w in out:
            w.queued = False
        self._waiters.clear()
        self.queued = 0
        return out

    def update(
        self,
        addresses: Sequence[tuple[str, int]],
        container_concurrency: int,
        timeout_seconds: float,
        make_pool: Callable[[str, int], EndpointPool],
        target_burst_capacity: float | None = None,
    ) -> list[Endpoint]:
        """Replace endpoints and limits, keeping the state of addresses still listed; wakes waiters.

        Returns the endpoints dropped: their in-flight requests finish (they drain, see :meth:`drained`),
        their pools are the caller's to close.
        """
        current = {(e.host, e.port): e for e in self.endpoints}
        endpoints: list[Endpoint] = []
        seen: set[tuple[str, int]] = set()
        for host, port in addresses:
            if (host, port) in seen:
                continue
            seen.add((host, port))
            endpoint = current.pop((host, port), None) or Endpoint(host, port, make_pool(host, port))
            endpoints.append(endpoint)
        self.endpoints = endpoints
        for e in current.values():
            self.retire(e)
        self.container_concurrency = container_concurrency
        self.timeout_seconds = timeout_seconds
        if target_burst_capacity is not None:
            self.target_burst_capacity = target_burst_capacity
        self.max_held = held_limit(self.target_burst_capacity, container_concurrency, len(endpoints))
        if endpoints:
            self.poked_at = 0.0
        self._next = 0
        if self.queued:
            self.grant()
        return list(current.values())

    def retire(self, endpoint: Endpoint) -> None:
        """Take ``endpoint`` out of rotation: no new request goes to it; its requests in flight finish."""
        if endpoint in self.endpoints:
            self.endpoints = [e for e in self.endpoints if e is not endpoint]
            self.max_held = held_limit(self.target_burst_capacity, self.container_concurrency, len(self.endpoints))
            self._next = 0
        endpoint.active = False
        if endpoint.in_flight:
            self.draining[(endpoint.host, endpoint.port)] = endpoint
        else:
            self._drained(endpoint)

    def drained(self, address: tuple[str, int]) -> asyncio.Future[None] | None:
        """A future resolved once the endpoint at ``address`` is out of rotation with no request in flight.

        None when nothing is in flight there already (or the address is unknown). An endpoint still in
        rotation is retired first, so a caller about to stop an instance never races new requests to it.
        """
        endpoint = next((e for e in self.endpoints if (e.host, e.port) == address), None)
        if endpoint is not None:
            self.retire(endpoint)
        endpoint = self.draining.get(address)
        if endpoint is None:
            return None
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if endpoint.drain_waiters is None:
            endpoint.drain_waiters = []
        endpoint.drain_waiters.append(future)
        return future

    def _drained(self, endpoint: Endpoint) -> None:
        self.draining.pop((endpoint.host, endpoint.port), None)
        waiters, endpoint.drain_waiters = endpoint.drain_waiters, None
        for future in waiters or ():
            if not future.done():
                future.set_result(None)

    def stats(self, window: float) -> RevisionStats:
        now = monotonic()
        c = self.counters
        covered, concurrency, rps = c.window(now, window)
        return RevisionStats(
            key=self.key,
            in_flight=c.in_flight,
            queued=self.queued,
            requests_total=c.requests_total,
            concurrency_seconds=c.area(now),
            endpoints=len(self.endpoints),
            window_seconds=covered,
            average_concurrency=concurrency,
            requests_per_second=rps,
            taken_at=now,
        )
