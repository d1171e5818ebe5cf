"""A lean pooled HTTP/1.1 client for event deliveries: one ``POST``, one buffered response.

Built like the gateway's upstream side (``asyncio.Protocol`` + httptools response parser, keep-alive connections
kept per ``host:port``, most recently used first) but with a plain request/response call, since a delivery
needs the whole response (status, headers and body: it may be a reply event) before it can decide anything.
aiohttp's ClientSession costs several times more CPU per request (shared/reference/performance.md), which on a
2-core machine is throughput lost to the subscriber.

Only ``http://`` URLs. A request that fails on a reused keep-alive connection before any response byte arrived
(the server closed it while idle) is sent once more on a fresh connection, as Go's transport does; that can
duplicate an event in a rare race, which at-least-once delivery allows.
"""

from __future__ import annotations

import asyncio
from collections import deque
from time import monotonic
from urllib.parse import urlsplit

import attrs
import httptools


@attrs.frozen
class URL:
    """A parsed ``http://`` URL, ready for requests: where to connect and what to put on the request line."""

    host: str
    port: int
    target: bytes
    host_header: bytes
    text: str

    @classmethod
    def parse(cls, url: str) -> URL:
        parts = urlsplit(url)
        if parts.scheme != "http":
            raise ValueError(f"{url!r}: only http:// URLs are supported for event delivery")
        if not parts.hostname:
            raise ValueError(f"{url!r}: the URL has no host")
        try:
            port = parts.port or 80
        except ValueError as exc:
            raise ValueError(f"{url!r}: {exc}") from None
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        return cls(parts.hostname, port, target.encode("utf-8"), parts.netloc.encode("idna"), url)

    def __str__(self) -> str:
        return self.text


@attrs.frozen
class Response:
    status: int
    #: lowercased names; repeated headers joined with ", "
    headers: dict[str, str]
    body: bytes
    #: the ``ce-`` headers among them, by name without the prefix (a binary-mode reply's attributes)
    ce: dict[str, str] = attrs.field(factory=dict)


#: how often request deadlines are checked (seconds)
SWEEP_INTERVAL = 0.02
#: bodies up to this size are copied behind the head so that a request leaves in one send
_JOIN_LIMIT = 256 * 1024


class ClientError(ConnectionError):
    """No response: connection refused or reset, invalid HTTP, or the per-request timeout."""


class _Connection(asyncio.Protocol):
    """One keep-alive connection; carries one request at a time. Plain ``__slots__`` class: it is hot."""

    __slots__ = (
        "pool",
        "loop",
        "transport",
        "parser",
        "waiter",
        "headers",
        "ce",
        "body",
        "closed",
        "reused",
        "received",
        "idle_since",
        "_headers_done",
        "_framed",
        "_interim",
    )

    def __init__(self, pool: _Pool) -> None:
        self.pool = pool
        self.loop = asyncio.get_running_loop()
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.waiter: asyncio.Future[tuple[Response, bool]] | None = None
        self.headers: dict[str, str] = {}
        self.ce: dict[str, str] = {}
        self.body: list[bytes] = []
        self.closed = False
        self.reused = False
        self.received = False
        self.idle_since = 0.0
        self._headers_done = False
        self._framed = False
        self._interim = False

    def request(self, data: bytes, body: bytes) -> asyncio.Future[tuple[Response, bool]]:
        waiter = self.loop.create_future()
        self.waiter = waiter
        self.headers = {}
        self.ce = {}
        self.body = []
        self.received = False
        self._headers_done = False
        self._framed = False
        transport = self.transport
        if len(body) <= _JOIN_LIMIT:
            transport.write(data + body)  # type: ignore[union-attr]  # one send: one packet, one wake-up
        else:
            transport.write(data)  # type: ignore[union-attr]
            transport.write(body)  # type: ignore[union-attr]
        return waiter

    def abort(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.abort()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            if self.transport is not None:
                self.transport.close()

    # -- asyncio.Protocol ------------------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: BaseException | None) -> None:
        self.closed = True
        waiter = self.waiter
        if waiter is None:
            return
        self.waiter = None
        if waiter.done():
            return
        if self._headers_done and not self._framed and exc is None:
            # A body delimited by the end of the connection.
            waiter.set_result((self._response(), False))
            return
        why = f"connection lost ({exc})" if exc else "the server closed the connection before answering"
        waiter.set_exception(ClientError(why))

    def eof_received(self) -> bool:
        return False

    def data_received(self, data: bytes) -> None:
        if self.waiter is None:
            self.abort()  # bytes nobody asked for: the stream is out of step
            return
        self.received = True
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            waiter = self.waiter
            self.waiter = None
            self.abort()
            if waiter is not None and not waiter.done():
                waiter.set_exception(ClientError(f"invalid HTTP response: {exc}"))

    # -- httptools callbacks ---------------------------------------------------------------------------------

    def on_header(self, name: bytes, value: bytes) -> None:
        key = name.decode("latin-1").lower()
        if key == "content-length" or (key == "transfer-encoding" and b"chunked" in value.lower()):
            self._framed = True
        text = value.decode("latin-1")
        if key[:3] == "ce-":
            self.ce[key[3:]] = text
        headers = self.headers
        if key in headers:
            headers[key] += ", " + text
        else:
            headers[key] = text

    def on_headers_complete(self) -> None:
        status = self.parser.get_status_code()
        if 100 <= status < 200:
            self._interim = True
            self.headers = {}
            self.ce = {}
            self._framed = False
            return
        self._headers_done = True

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        if self._interim:
            self._interim = False
            return
        waiter = self.waiter
        self.waiter = None
        if waiter is not None and not waiter.done():
            waiter.set_result((self._response(), self.parser.should_keep_alive()))

    def _response(self) -> Response:
        body = self.body
        data = body[0] if len(body) == 1 else b"".join(body)
        return Response(self.parser.get_status_code(), self.headers, data, self.ce)


@attrs.define(eq=False)
class _Pool:
    host: str
    port: int
    max_idle: int
    idle_timeout: float
    idle: deque[_Connection] = attrs.field(factory=deque)

    def take(self) -> _Connection | None:
        idle = self.idle
        limit = monotonic() - self.idle_timeout
        while idle:
            conn = idle.pop()
            if conn.closed:
                continue
            if conn.idle_since < limit:
                conn.close()
                continue
            conn.reused = True
            return conn
        return None

    def put(self, conn: _Connection) -> None:
        if conn.closed or len(self.idle) >= self.max_idle:
            conn.close()
            return
        conn.idle_since = monotonic()
        self.idle.append(conn)

    def close(self) -> None:
        while self.idle:
            self.idle.pop().close()


@attrs.define(eq=False)
class HttpClient:
    """Pooled keep-alive HTTP/1.1 client (see the module docstring)."""

    max_idle_per_host: int = 1024
    idle_timeout: float = 30.0
    connect_timeout: float = 10.0
    _pools: dict[tuple[str, int], _Pool] = attrs.field(factory=dict)
    _deadlines: dict[_Connection, float] = attrs.field(factory=dict)
    _sweeper: asyncio.TimerHandle | None = None
    _closed: bool = False

    async def post(self, url: URL, head: bytes, body: bytes, timeout: float | None = None) -> Response:
        """POST ``body`` to ``url``; ``head`` is extra header lines (``name: value\\r\\n`` each, no framing).

        Raises :class:`ClientError` when no response came (refused, reset, invalid, timed out).
        """
        if self._closed:
            raise ClientError("the HTTP client is closed")
        key = (url.host, url.port)
        pool = self._pools.get(key)
        if pool is None:
            pool = self._pools[key] = _Pool(url.host, url.port, self.max_idle_per_host, self.idle_timeout)
        data = b"POST %b HTTP/1.1\r\nhost: %b\r\ncontent-length: %d\r\n%b\r\n" % (
            url.target,
            url.host_header,
            len(body),
            head,
        )
        deadline = None if timeout is None else monotonic() + timeout
        conn = pool.take()
        if conn is not None:
            try:
                return await self._exchange(pool, conn, data, body, deadline)
            except ClientError:
                if conn.received or (deadline is not None and monotonic() >= deadline):
                    raise
                # A stale keep-alive connection: the server closed it while it was idle. Once more, fresh.
        conn = await self._connect(pool, url, deadline)
        return await self._exchange(pool, conn, data, body, deadline)

    async def _connect(self, pool: _Pool, url: URL, deadline: float | None) -> _Connection:
        loop = asyncio.get_running_loop()
        limit = self.connect_timeout if deadline is None else min(self.connect_timeout, deadline - monotonic())
        try:
            async with asyncio.timeout(max(limit, 0.0)):
                _, conn = await loop.create_connection(lambda: _Connection(pool), url.host, url.port)
        except TimeoutError:
            raise ClientError(f"connecting to {url.host}:{url.port} timed out") from None
        except OSError as exc:
            raise ClientError(f"cannot connect to {url.host}:{url.port}: {exc.strerror or exc}") from None
        return conn

    async def _exchange(
        self, pool: _Pool, conn: _Connection, data: bytes, body: bytes, deadline: float | None
    ) -> Response:
        waiter = conn.request(data, body)
        if deadline is not None:
            self._deadlines[conn] = deadline
            if self._sweeper is None:
                self._sweeper = asyncio.get_running_loop().call_later(SWEEP_INTERVAL, self._sweep)
        try:
            response, keep_alive = await waiter
        except asyncio.CancelledError:
            conn.waiter = None
            conn.abort()
            raise
        finally:
            if deadline is not None:
                del self._deadlines[conn]
        if keep_alive and not self._closed:
            pool.put(conn)
        else:
            conn.close()
        return response

    def _sweep(self) -> None:
        """Fail the requests whose deadline passed. One periodic check instead of a timer per request, which
        costs more than the rest of a request's bookkeeping; a timeout fires up to SWEEP_INTERVAL late."""
        now = monotonic()
        deadlines = self._deadlines
        for conn in [c for c, d in deadlines.items() if d <= now]:
            _expire(conn)
        self._sweeper = None
        if deadlines:
            self._sweeper = asyncio.get_running_loop().call_later(SWEEP_INTERVAL, self._sweep)

    async def aclose(self) -> None:
        """Close idle connections; connections carrying a request close when it ends."""
        self._closed = True
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None
        for pool in self._pools.values():
            pool.close()
        self._pools.clear()


def _expire(conn: _Connection) -> None:
    waiter = conn.waiter
    conn.waiter = None
    conn.abort()
    if waiter is not None and not waiter.done():
        waiter.set_exception(ClientError("no response within the timeout"))
