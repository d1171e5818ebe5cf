"""The embedded HTTP data plane of Knative Serving: ingress routing, the activator and the per-revision queue in
one server.

:class:`Gateway` listens on one address, routes each request by its ``Host`` header (:mod:`.routing`), puts it
through its revision's queue (:mod:`.queue`: containerConcurrency slots, FIFO wait, timeout) and relays it over a
pooled keep-alive connection to one of the revision's endpoints (:mod:`.upstream`), streaming both bodies.

Activator semantics: a request for a revision with no ready instance (or no free slot) is held in arrival
order, at most as many as the revision's target burst capacity allows (past that: 503), and forwarded as soon
as an instance is ready; a held request that outlives the revision's timeout gets 504. The first request held
at zero reports the revision (``on_no_endpoints``) so scale-up is asked at once; a burst reports it once (at
most once a second while no endpoint appears). Endpoints taken away keep their requests in flight until they
finish: :meth:`Gateway.drain` waits for that before an instance is stopped.
The request path is asyncio Protocols plus httptools (:mod:`.connection`), so it runs at full speed on uvloop
when the caller installs it; nothing here installs a loop policy.

A timer ticks every ``_TICK`` seconds: it answers requests whose revision timeout passed before their response
started, and once a second samples the revisions' counters, expires idle upstream connections and closes idle
client keep-alive connections.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from time import monotonic

from pyknative.dataplane.connection import RESPONDING, ClientConnection, Exchange
from pyknative.dataplane.http2 import H2Exchange
from pyknative.dataplane.queue import RevisionCounters, RevisionQueue, RevisionStats
from pyknative.dataplane.routing import RevisionKey, RouteRule, RouteTable
from pyknative.dataplane.upstream import EndpointPool
from pyknative.dataplane.upstream2 import H2EndpointPool

_log = logging.getLogger(__name__)

_TICK = 0.05  # timeout resolution (seconds)
_CLIENT_IDLE_TIMEOUT = 75.0  # idle client keep-alive connections are closed after this long
_POKE_INTERVAL = 1.0  # while a revision has no endpoints, on_no_endpoints is called at most this often


class Gateway:
    """Host-routed reverse proxy with Knative's per-revision queue (see the module docstring).

    ``on_no_endpoints`` (attribute) is called with the revision key when a request arrives for a revision
    that has no endpoints (once per burst: again only after a second without endpoints); the request then waits
    (up to the revision's timeout) for :meth:`set_revision` to bring some. It runs on the request path, so it
    must only schedule work, not do it. ``address`` is the bound ``(host, port)`` while started, else None.

    Usage (inside a running loop; install uvloop's policy first for speed)::

        gw = Gateway(port=8080)
        await gw.start()
        key = RevisionKey("default", "hello-00001")
        gw.set_revision(key, endpoints=[("127.0.0.1", 9001)], container_concurrency=0, timeout_seconds=300)
        gw.set_routes({"hello.default.example.com": RouteRule((Split(key, 100),))})
        gw.stats(key, window=6.0).average_concurrency
    """

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        self.on_no_endpoints: Callable[[RevisionKey], None] | None = None
        self._table = RouteTable.build({})
        self._revisions: dict[RevisionKey, RevisionQueue] = {}
        self._retired: list[RevisionQueue] = []  # removed revisions with requests still in flight
        self._clients: set[ClientConnection] = set()
        self._connecting: set[asyncio.Task[None]] = set()
        self._server: asyncio.AbstractServer | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._last_second = 0.0
        self._closing = False
        self.address: tuple[str, int] | None = None  # bound address while started

    # -- lifecycle -------------------------------------------------------------------------------------------

    async def start(self) -> tuple[str, int]:
        """Start listening; returns the bound address (the real port when constructed with port 0)."""
        if self._server is not None:
            raise RuntimeError("Gateway.start: the gateway is already started")
        loop = asyncio.get_running_loop()
        self._closing = False
        for rev in self._revisions.values():  # a stopped gateway closed its pools; started again, reopen them
            for endpoint in rev.endpoints:
                endpoint.pool.closed = False
        self._server = await loop.create_server(
            lambda: ClientConnection(self), self.host, self.port, backlog=1024, reuse_address=True
        )
        sockname = self._server.sockets[0].getsockname()
        self.address = (sockname[0], sockname[1])
        self._last_second = monotonic()
        self._timer = loop.call_later(_TICK, self._tick)
        return self.address

    async def stop(self) -> None:
        """Stop listening and close client connections, upstream connections and pools."""
        self._closing = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        server, self._server = self._server, None
        self.address = None
        if server is not None:
            server.close()
        for client in list(self._clients):
            client.close()
        for task in list(self._connecting):
            task.cancel()
        for rev in [*self._revisions.values(), *self._retired]:
            for waiter in rev.drain_waiters():
                if isinstance(waiter, (Exchange, H2Exchange)):
                    waiter.abort()
            for endpoint in rev.endpoints:
                endpoint.pool.close()
        if server is not None:
            await server.wait_closed()
        await asyncio.sleep(0)

    # -- configuration ---------------------------------------------------------------------------------------

    def set_routes(self, routes: Mapping[str, RouteRule]) -> None:
        """Replace the whole route table (host, lowercase without port -> rule) in one step."""
        self._table = RouteTable.build(routes)

    def update_routes(self, changes: Mapping[str, RouteRule | None]) -> None:
        """Set (or, with None, remove) the rules of some hosts, in one step; the others stay as they are."""
        if changes:
            self._table = self._table.with_changes(changes)

    def routes(self) -> frozenset[str]:
        """The hosts currently routed."""
        return self._table.hosts()

    def set_revision(
        self,
        key: RevisionKey,
        *,
        endpoints: Sequence[tuple[str, int]],
        container_concurrency: int,
        timeout_seconds: float,
        target_burst_capacity: float = -1.0,
        protocol: str = "http1",
    ) -> None:
        """Create or update a revision's queue; requests waiting for endpoints or slots are woken.

        ``target_burst_capacity`` bounds the requests held for the revision (see
        :func:`~pyknative.dataplane.queue.held_limit`; -1, the default: no bound but the timeout).
        ``protocol`` is what the gateway speaks to the endpoints: ``http1`` (HTTP/1.1) or ``h2c`` (HTTP/2
        cleartext with prior knowledge, Knative's rule for a container port named ``h2c``), whatever the client's.
        Endpoints no longer listed get no new requests; their requests in flight finish (:meth:`drain`).
        """
        if container_concurrency < 0:
            raise ValueError(f"container_concurrency of {key} must be >= 0, got {container_concurrency}")
        if not timeout_seconds > 0:
            raise ValueError(f"timeout_seconds of {key} must be > 0, got {timeout_seconds}")
        if target_burst_capacity < 0 and target_burst_capacity != -1:
            raise ValueError(f"target_burst_capacity of {key} must be -1 or >= 0, got {target_burst_capacity}")
        if protocol not in ("http1", "h2c"):
            raise ValueError(f"protocol of {key} must be 'http1' or 'h2c', got {protocol!r}")
        addresses = [(str(host), int(port)) for host, port in endpoints]
        h2c = protocol == "h2c"
        rev = self._revisions.get(key)
        if rev is None:
            rev = RevisionQueue(key, container_concurrency, timeout_seconds, target_burst_capacity=target_burst_capacity)
            self._revisions[key] = rev
        if rev.h2c != h2c:  # a protocol change: connections of the other kind are of no use
            rev.h2c = h2c
            for endpoint in list(rev.endpoints):
                rev.retire(endpoint)
                endpoint.pool.close()
        make_pool = self._make_h2_pool if h2c else self._make_pool
        dropped = rev.update(addresses, container_concurrency, timeout_seconds, make_pool, target_burst_capacity)
        for endpoint in dropped:
            endpoint.pool.close()

    def remove_revision(self, key: RevisionKey) -> None:
        """Forget a revision: waiting requests get 503, requests in flight finish, idle connections close."""
        rev = self._revisions.pop(key, None)
        if rev is None:
            return
        rev.removed = True
        for endpoint in list(rev.endpoints):
            rev.retire(endpoint)
            endpoint.pool.close()
        for waiter in rev.drain_waiters():
            if isinstance(waiter, (Exchange, H2Exchange)):
                waiter.respond_error(503, f"revision {key} was removed while the request waited")
        if rev.counters.in_flight:
            self._retired.append(rev)

    def revisions(self) -> frozenset[RevisionKey]:
        return frozenset(self._revisions)

    async def drain(self, key: RevisionKey, address: tuple[str, int], timeout: float | None = None) -> bool:
        """Take ``address`` out of ``key``'s rotation and wait until its requests in flight have finished.

        Call it before stopping an instance. Waits at most ``timeout`` seconds (default: the revision's
        timeout, after which a request still waiting for its response was answered 504 anyway); returns
        whether the endpoint drained. A key or address the gateway does not know is drained already.
        """
        rev = self._revisions.get(key) or next((r for r in self._retired if r.key == key), None)
        if rev is None:
            return True
        address = (str(address[0]), int(address[1]))
        future = rev.drained(address)
        if future is None:
            return True
        try:
            async with asyncio.timeout(rev.timeout_seconds if timeout is None else timeout):
                await future
        except TimeoutError:
            _log.warning("gateway: %s endpoint %s:%s still had requests in flight after draining", key, *address)
            return False
        return True

    def stats(self, key: RevisionKey, *, window: float = 60.0) -> RevisionStats:
        """Load of one revision now, with average concurrency and requests/s over the last ``window`` s."""
        rev = self._revisions.get(key)
        if rev is None:
            raise KeyError(f"revision {key} is not set on this gateway")
        return rev.stats(window)

    def queued(self, key: RevisionKey) -> int:
        """Requests held for one revision now (what the autoscaler asks every tick: no window averages)."""
        rev = self._revisions.get(key)
        if rev is None:
            raise KeyError(f"revision {key} is not set on this gateway")
        return rev.queued

    def counters(self, key: RevisionKey) -> RevisionCounters:
        """The live counters of one revision (responses by status class, latency histogram); read, never write."""
        rev = self._revisions.get(key)
        if rev is None:
            raise KeyError(f"revision {key} is not set on this gateway")
        return rev.counters

    def endpoint_load(self, key: RevisionKey) -> dict[tuple[str, int], int]:
        """Requests in flight per endpoint address of a revision (slots in use)."""
        rev = self._revisions.get(key)
        if rev is None:
            raise KeyError(f"revision {key} is not set on this gateway")
        return {(e.host, e.port): e.in_flight for e in rev.endpoints}

    # -- used by connections ---------------------------------------------------------------------------------

    def _report_no_endpoints(self, rev: RevisionQueue, now: float) -> None:
        if rev.poked_at and now - rev.poked_at < _POKE_INTERVAL:
            return  # this burst was reported already
        rev.poked_at = now
        key = rev.key
        callback = self.on_no_endpoints
        if callback is None:
            return
        try:
            callback(key)
        except Exception:
            _log.exception("gateway: on_no_endpoints callback failed for revision %s", key)

    def _make_pool(self, host: str, port: int) -> EndpointPool:
        return EndpointPool(host, port, tasks=self._connecting)

    def _make_h2_pool(self, host: str, port: int) -> H2EndpointPool:
        return H2EndpointPool(host, port, tasks=self._connecting)

    # -- timer -----------------------------------------------------------------------------------------------

    def _tick(self) -> None:
        now = monotonic()
        try:
            self._expire_requests(now)
            if now - self._last_second >= 1.0:
                self._last_second = now
                self._every_second(now)
        except Exception:
            _log.exception("gateway: timer failed")
        finally:
            if not self._closing:
                self._timer = asyncio.get_running_loop().call_later(_TICK, self._tick)

    def _expire_requests(self, now: float) -> None:
        for rev in (*self._revisions.values(), *self._retired):
            waiting = rev.awaiting_response
            if not waiting:
                continue
            expired = [ex for ex in waiting if ex.deadline <= now]
            for ex in expired:
                if ex.phase < RESPONDING:
                    ex.time_out()

    def _every_second(self, now: float) -> None:
        for rev in self._revisions.values():
            rev.counters.sample(now)
            for endpoint in rev.endpoints:
                endpoint.pool.expire(now)
        if self._retired:
            self._retired = [rev for rev in self._retired if rev.counters.in_flight]
        idle_limit = now - _CLIENT_IDLE_TIMEOUT
        for client in list(self._clients):
            if client.active is None and client.idle_since < idle_limit:
                client.close()
