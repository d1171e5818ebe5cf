"""Upstream side of the gateway: one keep-alive HTTP/1.1 connection per :class:`UpstreamConnection`, pooled
per endpoint by :class:`EndpointPool`.

An upstream connection is an ``asyncio.Protocol`` with an httptools response parser. While it carries a
request it reports to its ``sink`` (the gateway's exchange for that request, see :class:`ResponseSink`):
the response head with hop-by-hop headers already dropped, body pieces as they arrive, the end, or the loss
of the connection. Idle connections wait in their pool (most recently used first) and are closed after
``idle_timeout`` seconds or when the upstream closes them.

A pool ramps its connections up instead of opening one per waiting request at once: a request with no idle
connection waits in the pool's FIFO, and at most ``max_unproven`` connections are new at a time, a connection being
new from its connect until the endpoint's first response byte on it (proof that the app accepted it), or until
``ramp_window`` seconds have passed. So an app whose listen backlog is small (``socketserver``'s default is 5)
never has its accept queue overflowed by the gateway (an overflow costs a TCP retransmit: a request stalls 1 s
or more); a connection given back goes straight to the oldest waiting request.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from functools import partial
from time import monotonic
from typing import Protocol

import attrs
import httptools

from pyknative.dataplane import http1

_log = logging.getLogger(__name__)


class ResponseSink(Protocol):
    """What an upstream connection reports to while it carries a request."""

    def on_interim(self, status: int, reason: bytes, headers: bytes) -> None: ...

    def on_response_head(
        self, status: int, reason: bytes, headers: bytes, has_length: bool, chunked: bool, upgrade: bytes | None
    ) -> None: ...

    def on_response_body(self, data: bytes) -> None: ...

    def on_response_end(self, keep_alive: bool) -> None: ...

    def on_tunnel_data(self, data: bytes) -> None: ...

    def flush(self) -> None: ...

    def on_upstream_lost(self, conn: UpstreamConnection, exc: BaseException | None) -> None: ...

    def on_upstream_paused(self) -> None: ...

    def on_upstream_resumed(self) -> None: ...


class ConnectionWaiter(Protocol):
    """A request waiting in a pool for a connection (see :meth:`EndpointPool.request`)."""

    def on_connection(self, conn: UpstreamConnection) -> None: ...

    def on_connect_failed(self, exc: BaseException) -> None: ...


class UpstreamConnection(asyncio.Protocol):
    """One connection to an endpoint (see the module docstring). Plain ``__slots__`` class: it is hot."""

    h2 = False  # an HTTP/1.1 connection (an h2c revision's streams are :class:`.upstream2.H2UpstreamStream`)

    __slots__ = (
        "pool",
        "transport",
        "parser",
        "sink",
        "reused",
        "received",
        "idle",
        "closed",
        "idle_since",
        "tunnel",
        "window",
        "_head",
        "_reason",
        "_has_length",
        "_chunked",
        "_conn_value",
        "_upgrade",
        "_interim",
    )

    def __init__(self, pool: EndpointPool) -> None:
        self.pool = pool
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.sink: ResponseSink | None = None
        self.reused = False  # carried an earlier request: a failure before any byte may be a stale keep-alive
        self.received = False  # some response bytes arrived for the current request
        self.idle = False
        self.closed = False
        self.idle_since = 0.0
        self.tunnel = False
        #: the pool's ramp window this connection counts against while new (None: proven, or forgiven)
        self.window: int | None = None
        self._head = b""
        self._reason = b""
        self._has_length = False
        self._chunked = False
        self._conn_value: bytes | None = None
        self._upgrade: bytes | None = None
        self._interim = False

    # -- used by the gateway ---------------------------------------------------------------------------------

    def send(self, sink: ResponseSink, data: bytes) -> None:
        """Start carrying a request: ``data`` is its head (and whatever body is already at hand)."""
        self.sink = sink
        self.received = False
        self.transport.write(data)  # type: ignore[union-attr]

    def write(self, data: bytes) -> None:
        self.transport.write(data)  # type: ignore[union-attr]

    def close(self) -> None:
        """Close without reporting to the sink (whoever calls this has detached it)."""
        self.sink = None
        if not self.closed:
            self.closed = True
            if self.transport is not None:
                self.transport.close()

    # -- asyncio.Protocol ------------------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.pool.opened += 1

    def connection_lost(self, exc: BaseException | None) -> None:
        self.closed = True
        self.pool.opened -= 1
        if self.window is not None:
            self.pool.proven(self)
        if self.idle:
            self.pool.discard(self)
        sink = self.sink
        if sink is not None:
            self.sink = None
            sink.on_upstream_lost(self, exc)

    def eof_received(self) -> bool:
        return False  # close; connection_lost tells the sink (an EOF-delimited body ends there)

    def data_received(self, data: bytes) -> None:
        if self.window is not None:
            self.pool.proven(self)
        sink = self.sink
        if self.tunnel:
            if sink is not None:
                sink.on_tunnel_data(data)
            return
        if sink is None:
            # Bytes nobody asked for (idle connection): the stream is out of step, drop it.
            self.close()
            return
        self.received = True
        try:
            self.parser.feed_data(data)
            sink = self.sink
            if sink is not None:
                sink.flush()
        except httptools.HttpParserUpgrade as upgrade:
            self.tunnel = True
            rest = data[upgrade.args[0] :]
            if rest and self.sink is not None:
                self.sink.on_tunnel_data(rest)
        except httptools.HttpParserError as exc:
            sink = self.sink
            if isinstance(exc, httptools.HttpParserCallbackError):
                _log.exception("gateway: error while relaying a response from %s:%s", self.pool.host, self.pool.port)
            self.sink = None
            if not self.closed:
                self.closed = True
                self.transport.abort()  # type: ignore[union-attr]
            if sink is not None:
                sink.on_upstream_lost(self, exc)

    def pause_writing(self) -> None:
        if self.sink is not None:
            self.sink.on_upstream_paused()

    def resume_writing(self) -> None:
        if self.sink is not None:
            self.sink.on_upstream_resumed()

    # -- httptools callbacks ---------------------------------------------------------------------------------

    def on_message_begin(self) -> None:
        self._head = b""
        self._reason = b""
        self._has_length = False
        self._chunked = False
        self._conn_value = None
        self._upgrade = None

    def on_status(self, reason: bytes) -> None:
        self._reason += reason

    def on_header(self, name: bytes, value: bytes) -> None:
        kind = http1.RESPONSE_HEADERS.get(name.lower())
        if kind is None:
            self._head += b"%b: %b\r\n" % (name, value)
        elif kind == http1.CONTENT_LENGTH:
            self._has_length = True
            self._head += b"content-length: %b\r\n" % value
        elif kind == http1.TRANSFER_ENCODING:
            self._chunked = True
        elif kind == http1.CONNECTION:
            self._conn_value = value
        elif kind == http1.UPGRADE:
            self._upgrade = value

    def on_headers_complete(self) -> None:
        status = self.parser.get_status_code()
        head = self._head
        if self._conn_value is not None:
            head = http1.strip_header_lines(head, http1.connection_extra_names(self._conn_value))
        sink = self.sink
        if sink is None:
            return
        if 100 <= status < 200 and status != 101:
            self._interim = True
            sink.on_interim(status, self._reason, head)
            return
        sink.on_response_head(
            status, self._reason, head, self._has_length, self._chunked, self._upgrade if status == 101 else None
        )

    def on_body(self, body: bytes) -> None:
        sink = self.sink
        if sink is not None:
            sink.on_response_body(body)

    def on_message_complete(self) -> None:
        if self._interim:
            self._interim = False
            return
        if self.parser.should_upgrade():
            return  # a 101: the bytes that follow belong to the tunnel
        sink = self.sink
        if sink is not None:
            sink.on_response_end(self.parser.should_keep_alive())


#: how many connections to one endpoint may be new at a time (socketserver's default backlog of 5 holds them)
MAX_UNPROVEN = 4
#: how long a new connection counts as new at most (an app may take long over its first response)
RAMP_WINDOW = 0.05


@attrs.define(eq=False)
class EndpointPool:
    """Keep-alive connections to one ``host:port``: idle ones are reused most-recent first, new ones ramp up
    (see the module docstring). ``tasks`` holds the connect attempts in progress (the gateway's, to cancel)."""

    host: str
    port: int
    max_idle: int = 1024
    idle_timeout: float = 30.0
    max_unproven: int = MAX_UNPROVEN
    ramp_window: float = RAMP_WINDOW
    tasks: set[asyncio.Task[None]] = attrs.field(factory=set)
    opened: int = 0
    closed: bool = False
    #: connections that are new (connecting, or no response byte yet) in the current ramp window
    unproven: int = 0
    connecting: int = 0
    _idle: deque[UpstreamConnection] = attrs.field(factory=deque)
    _waiting: deque[ConnectionWaiter] = attrs.field(factory=deque)
    _window: int = 0
    _timer: asyncio.TimerHandle | None = None

    def take(self) -> UpstreamConnection | None:
        """An idle connection, or None when a new one must be opened."""
        idle = self._idle
        while idle:
            conn = idle.pop()
            conn.idle = False
            if not conn.closed:
                conn.reused = True
                return conn
        return None

    async def connect(self) -> UpstreamConnection:
        loop = asyncio.get_running_loop()
        _, conn = await loop.create_connection(partial(UpstreamConnection, self), self.host, self.port)
        return conn

    def request(self, waiter: ConnectionWaiter) -> None:
        """Queue ``waiter`` for the next connection: one given back, or a new one as the ramp allows."""
        self._waiting.append(waiter)
        self._ramp()

    def cancel(self, waiter: ConnectionWaiter) -> None:
        """Take a waiter that went away off the queue."""
        try:
            self._waiting.remove(waiter)
        except ValueError:
            pass

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    def proven(self, conn: UpstreamConnection) -> None:
        """``conn`` is not new any more (its first response byte came, or it closed)."""
        if conn.window == self._window:
            self.unproven -= 1
        conn.window = None
        if self._waiting:
            self._ramp()

    def _ramp(self) -> None:
        """Open connections for the waiters that no connection in progress will serve, within the bound."""
        while len(self._waiting) > self.connecting:
            if self.unproven >= self.max_unproven:
                if self._timer is None:
                    self._timer = asyncio.get_running_loop().call_later(self.ramp_window, self._next_window)
                return
            self.unproven += 1
            self.connecting += 1
            task = asyncio.get_running_loop().create_task(self._open(self._window))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    def _next_window(self) -> None:
        """The ramp window passed: connections still new no longer hold the ramp back."""
        self._timer = None
        self._window += 1
        self.unproven = 0
        if self._waiting:
            self._ramp()

    async def _open(self, window: int) -> None:
        conn: UpstreamConnection | None = None
        failure: BaseException | None = None
        try:
            conn = await self.connect()
            if conn.closed:  # lost before anyone could use it
                failure = ConnectionResetError("the connection closed at once")
        except Exception as exc:  # noqa: BLE001 - the oldest waiter answers it (a 502 for a request)
            failure = exc
        finally:  # cancelled too (the gateway stops, and may start again: the counts must stay true)
            self.connecting -= 1
            if window == self._window and (conn is None or conn.closed):
                self.unproven -= 1
        if failure is not None:
            if self._waiting:
                self._waiting.popleft().on_connect_failed(failure)
        else:
            assert conn is not None
            if window == self._window:
                conn.window = window
            if self._waiting:
                self._waiting.popleft().on_connection(conn)
            else:
                self.put(conn)
        if self._waiting:
            self._ramp()

    def put(self, conn: UpstreamConnection) -> None:
        """Take back a connection whose response is complete: the oldest waiter gets it, else it idles."""
        if self._waiting and not conn.closed and not conn.tunnel:
            conn.sink = None
            conn.reused = True
            self._waiting.popleft().on_connection(conn)
            return
        if self.closed or conn.closed or conn.tunnel or len(self._idle) >= self.max_idle:
            conn.close()
            return
        conn.sink = None
        conn.idle = True
        conn.idle_since = monotonic()
        self._idle.append(conn)

    def discard(self, conn: UpstreamConnection) -> None:
        conn.idle = False
        try:
            self._idle.remove(conn)
        except ValueError:
            pass

    def expire(self, now: float) -> None:
        """Close connections idle for longer than ``idle_timeout`` (oldest sit at the left)."""
        idle = self._idle
        limit = now - self.idle_timeout
        while idle and idle[0].idle_since < limit:
            conn = idle.popleft()
            conn.idle = False
            conn.close()

    def close(self) -> None:
        """Close idle connections now; connections in use close when given back (or serve requests still
        waiting here: an endpoint that drains finishes what it holds)."""
        self.closed = True
        while self._idle:
            conn = self._idle.pop()
            conn.idle = False
            conn.close()
