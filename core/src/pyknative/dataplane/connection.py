"""Client side of the gateway: the per-connection ``asyncio.Protocol`` (httptools request parser) and the
per-request state machine, :class:`Exchange`, that carries one request through route, queue and upstream.

An exchange is dispatched as soon as its request head is parsed (bodies stream behind it). Its phases:

``NEW`` -> ``QUEUED`` (held: waiting for a slot or for endpoints) -> ``CONNECTING`` (no idle upstream connection:
waiting in the endpoint's pool for one, see :mod:`.upstream`) -> ``SENT`` (request on an upstream connection) -> ``RESPONDING`` (response head relayed) -> ``DONE``;
``TUNNEL`` replaces ``RESPONDING`` after a ``101 Switching Protocols``. Errors the gateway answers itself
(404, 502, 503, 504) jump to ``DONE`` from any phase before ``RESPONDING``.

Flow control both ways: a full upstream write buffer pauses reading from the client, a full client write
buffer pauses reading from the upstream; a request body that arrives before its upstream connection is buffered
(framed) and reading from the client pauses until the connection is there.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from time import monotonic
from typing import TYPE_CHECKING, Any

import attrs
import httptools

from pyknative.dataplane import http1, http2
from pyknative.dataplane.queue import Endpoint, RevisionQueue
from pyknative.dataplane.upstream import UpstreamConnection

if TYPE_CHECKING:
    from pyknative.dataplane.gateway import Gateway

_log = logging.getLogger(__name__)

NEW, QUEUED, CONNECTING, SENT, RESPONDING, TUNNEL, DONE = range(7)

# Response framing towards the client.
_NO_BODY, _RAW, _CHUNKED = range(3)

# A request head (request line and headers) may not be larger than this.
MAX_HEAD_BYTES = 64 * 1024
# How long a lingering close keeps reading (and dropping) what a client still sends after its answer.
_LINGER_SECONDS = 2.0

# Reasons to stop reading from the client (bits).
_PAUSE_BODY = 1  # body arriving before the upstream connection
_PAUSE_UPSTREAM = 2  # upstream write buffer full
_PAUSE_PIPELINE = 4  # a pipelined request waits behind the active one


@attrs.define(eq=False)
class Exchange:
    """One request/response through the gateway (see the module docstring)."""

    client: ClientConnection
    url: bytes = b""
    method: bytes = b""
    head: bytes = b""  # forwarded request header lines
    host: bytes | None = None
    forwarded_for: bytes | None = None
    has_forwarded_proto: bool = False
    conn_value: bytes | None = None
    upgrade: bytes | None = None
    content_length: bytes | None = None
    chunked: bool = False
    keep_alive: bool = True
    http10: bool = False
    request_done: bool = False
    body: list[bytes] | None = None  # framed body pieces waiting for the upstream connection
    phase: int = NEW
    rev: RevisionQueue | None = None
    endpoint: Endpoint | None = None
    upstream: UpstreamConnection | None = None
    deadline: float = 0.0
    started: float = 0.0
    status: int = 0  # the response status sent to the client (0: none yet)
    queued: bool = False
    retried: bool = False
    mode: int = _RAW
    held: bytes = b""  # response head not written yet
    head_size: int = 0  # bytes read while this request's head was incomplete
    eof_body: bool = False
    close_after: bool = False
    upstream_read_paused: bool = False
    upstream_write_paused: bool = False
    h2up: bool = False  # the upstream is an h2c stream (a revision whose port is named h2c)

    # -- routing and queueing --------------------------------------------------------------------------------

    def dispatch(self) -> None:
        gw = self.client.gateway
        host = self.host
        if host is None and not self.http10:
            self.respond_error(400, "request has no Host header")
            return
        rule = gw._table.lookup(host or b"")
        if rule is None:
            shown = (host or b"").decode("latin-1")
            self.respond_error(404, f"no route for host {shown!r}")
            return
        key = rule.pick()
        rev = gw._revisions.get(key)
        if rev is None:
            self.respond_error(503, f"revision {key} is not known to the gateway (it has not been set up)")
            return
        self.rev = rev
        self.started = now = rev.counters.begin()
        self.deadline = now + rev.timeout_seconds
        rev.awaiting_response[self] = None
        endpoint = rev.try_acquire()
        if endpoint is not None:
            self.on_slot(endpoint)
            return
        if not rev.endpoints:
            gw._report_no_endpoints(rev, now)
        limit = rev.max_held
        if limit is not None and rev.queued >= limit:
            self.respond_error(
                503,
                f"revision {key} already holds {rev.queued} requests waiting for an instance or a free slot, "
                f"the most its target-burst-capacity ({rev.target_burst_capacity:g}) allows; retry later",
            )
            return
        self.phase = QUEUED
        rev.enqueue(self)

    def on_slot(self, endpoint: Endpoint) -> None:
        """The queue granted a slot on ``endpoint``."""
        self.endpoint = endpoint
        conn = endpoint.pool.take()
        if conn is not None:
            self._send(conn)
        else:
            self.phase = CONNECTING
            endpoint.pool.request(self)

    def on_connection(self, conn: UpstreamConnection) -> None:
        """The endpoint's pool has a connection for this request (a new one, or one given back)."""
        self._send(conn)

    def on_connect_failed(self, exc: BaseException) -> None:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc) or type(exc).__name__
        self.respond_error(
            502, f"revision {self.rev.key} endpoint {self.endpoint} could not be reached: {reason}"  # type: ignore[union-attr]
        )

    def _send(self, conn: UpstreamConnection) -> None:
        if conn.h2:
            self._send_h2(conn)
            return
        self.phase = SENT
        self.upstream = conn
        rev = self.rev
        if self.forwarded_for is None and not self.has_forwarded_proto:
            forwarded = self.client.forwarded
        else:
            forwarded = self._forwarded_headers()
        if self.content_length is not None:
            framing = b"content-length: %b\r\n" % self.content_length
        elif self.chunked:
            framing = http1.CHUNKED
        else:
            framing = b""
        if self.upgrade is not None:
            framing += b"connection: upgrade\r\nupgrade: %b\r\n" % self.upgrade
        head = self.head
        if self.conn_value is not None:
            head = http1.strip_header_lines(head, http1.connection_extra_names(self.conn_value))
        data = b"%b %b HTTP/1.1\r\n%b%b%b%b\r\n" % (
            self.method,
            self.url,
            head,
            rev.upstream_headers,  # type: ignore[union-attr]
            forwarded,
            framing,
        )
        body = self.body
        if body:
            self.body = None
            data += b"".join(body)
        conn.send(self, data)
        if self.client.paused & _PAUSE_BODY:
            self.client.unpause(_PAUSE_BODY)

    def _send_h2(self, stream: Any) -> None:
        """The request as an HTTP/2 stream toward an h2c revision (:mod:`.upstream2`)."""
        self.phase = SENT
        self.upstream = stream
        self.h2up = True
        if self.upgrade is not None:
            self._upstream_failed("speaks h2c: an HTTP/1.1 upgrade (say a websocket) cannot be relayed to it")
            return
        key = self.rev.key  # type: ignore[union-attr]
        head = self.head
        if self.conn_value is not None:
            head = http1.strip_header_lines(head, http1.connection_extra_names(self.conn_value))
        headers = [(b":method", self.method), (b":scheme", b"http"), (b":authority", self.host or b""), (b":path", self.url)]
        headers += [pair for pair in http2.parse_header_lines(head) if pair[0] != b"host"]
        headers.append((b"knative-serving-revision", key.name.encode("latin-1")))
        headers.append((b"knative-serving-namespace", key.namespace.encode("latin-1")))
        if self.forwarded_for is None and not self.has_forwarded_proto:
            headers += http2.parse_header_lines(self.client.forwarded)
        else:
            headers += http2.parse_header_lines(self._forwarded_headers())
        if self.content_length is not None:
            headers.append((b"content-length", self.content_length))
        body = self.body
        self.body = None
        if self.chunked:  # pieces buffered before now were framed for HTTP/1.1
            self.chunked = False
            body = [http2.unchunk(piece) for piece in body or ()]
        pieces = [piece for piece in body or () if piece]
        stream.start(self, headers, end_stream=self.request_done and not pieces)
        for piece in pieces:
            stream.write(piece)
        if self.request_done and pieces:
            stream.end()
        if self.client.paused & _PAUSE_BODY:
            self.client.unpause(_PAUSE_BODY)

    def _forwarded_headers(self) -> bytes:
        peer = self.client.peer
        xff = self.forwarded_for + b", " + peer if self.forwarded_for else peer
        out = b"x-forwarded-for: %b\r\n" % xff
        if not self.has_forwarded_proto:
            out += b"x-forwarded-proto: http\r\n"
        return out

    def _retry(self) -> bool:
        """Resend a body-less request once when a reused keep-alive connection died before answering."""
        if self.retried or self.body is not None or self.chunked or self.content_length not in (None, b"0"):
            return False
        if not self.request_done or self.endpoint is None or not self.endpoint.active:
            return False
        self.retried = True
        self.upstream = None
        self.on_slot(self.endpoint)
        return True

    # -- request body (from the client) ----------------------------------------------------------------------

    def request_body(self, data: bytes) -> None:
        if self.chunked:
            data = http1.chunk(data)
        phase = self.phase
        if phase == SENT or phase == RESPONDING:
            self.upstream.write(data)  # type: ignore[union-attr]
        elif phase == DONE or phase == TUNNEL:
            return
        else:
            if self.body is None:
                self.body = [data]
            else:
                self.body.append(data)
            self.client.pause(_PAUSE_BODY)

    def request_complete(self) -> None:
        self.request_done = True
        phase = self.phase
        if phase == DONE:
            self.client.exchange_done(self)
            return
        if self.chunked:
            if phase == SENT or phase == RESPONDING:
                self.upstream.write(http1.LAST_CHUNK)  # type: ignore[union-attr]
            elif phase != TUNNEL:
                if self.body is None:
                    self.body = [http1.LAST_CHUNK]
                else:
                    self.body.append(http1.LAST_CHUNK)
        elif self.h2up and (phase == SENT or phase == RESPONDING):
            self.upstream.end()  # type: ignore[union-attr]

    def tunnel_from_client(self, data: bytes) -> None:
        """Bytes after an upgrade request's head: the tunnel's, once the upstream switched protocols."""
        if self.phase == TUNNEL:
            self.upstream.write(data)  # type: ignore[union-attr]
        elif self.phase != DONE:
            if self.body is None:
                self.body = [data]
            else:
                self.body.append(data)

    # -- response (from the upstream, ResponseSink) ----------------------------------------------------------

    def on_interim(self, status: int, reason: bytes, headers: bytes) -> None:
        if self.http10:
            return
        if status == 100:
            self.client.transport.write(http1.CONTINUE_100)  # type: ignore[union-attr]
        else:
            self.client.transport.write(b"HTTP/1.1 %d %b\r\n%b\r\n" % (status, reason, headers))  # type: ignore[union-attr]

    def on_response_head(
        self, status: int, reason: bytes, headers: bytes, has_length: bool, chunked: bool, upgrade: bytes | None
    ) -> None:
        rev = self.rev
        self.phase = RESPONDING
        self.status = status
        rev.awaiting_response.pop(self, None)  # type: ignore[union-attr]
        client = self.client
        if status == 101:
            if upgrade is None or self.upgrade is None:
                self._upstream_failed("answered 101 Switching Protocols to a request that asked for no upgrade")
                return
            self.phase = TUNNEL
            client.tunnel = self
            client.transport.write(  # type: ignore[union-attr]
                b"HTTP/1.1 101 %b\r\n%bconnection: upgrade\r\nupgrade: %b\r\n\r\n" % (reason, headers, upgrade)
            )
            body = self.body
            if body:
                self.body = None
                self.upstream.write(b"".join(body))  # type: ignore[union-attr]
            if client.paused & _PAUSE_BODY:
                client.unpause(_PAUSE_BODY)
            return
        framing = b""
        if not http1.response_has_body(status, self.method):
            self.mode = _NO_BODY
        elif has_length:
            self.mode = _RAW
        else:
            self.eof_body = not chunked
            if self.http10:
                self.mode = _RAW
                self.close_after = True
            else:
                self.mode = _CHUNKED
                framing = http1.CHUNKED
        if self.close_after or not self.keep_alive or client.upgraded or client.gateway._closing:
            self.close_after = True
            framing += http1.CONNECTION_CLOSE
        elif self.http10:
            framing += http1.CONNECTION_KEEP_ALIVE
        # Held back so that it leaves with the first body bytes in one write (see flush()).
        self.held = b"HTTP/1.1 %d %b\r\n%b%b\r\n" % (status, reason, headers, framing)
        if client.write_paused:
            self.client_paused()
        if self.method == b"HEAD":
            # httptools cannot be told the request was HEAD: it would wait for the body the headers announce.
            self.flush()
            self._finish(keep_upstream=False)

    def on_response_body(self, data: bytes) -> None:
        mode = self.mode
        if mode == _CHUNKED:
            data = http1.chunk(data)
        elif mode != _RAW:
            return
        held = self.held
        if held:
            self.held = b""
            data = held + data
        self.client.transport.write(data)  # type: ignore[union-attr]

    def on_trailers(self, trailers: list[tuple[bytes, bytes]]) -> None:
        """Trailers of an h2c upstream's response: they close a chunked body (else they are dropped)."""
        if self.mode == _CHUNKED and self.phase == RESPONDING:
            self.mode = _NO_BODY
            lines = b"".join(b"%b: %b\r\n" % pair for pair in trailers)
            held, self.held = self.held, b""
            self.client.transport.write(held + b"0\r\n" + lines + http1.CRLF)  # type: ignore[union-attr]

    def on_response_end(self, keep_alive: bool) -> None:
        if self.phase != RESPONDING:
            return
        out = self.held
        if self.mode == _CHUNKED:
            out += http1.LAST_CHUNK
        if out:
            self.held = b""
            self.client.transport.write(out)  # type: ignore[union-attr]
        self._finish(keep_upstream=keep_alive)

    def flush(self) -> None:
        """End of one upstream read: send the response head if no body bytes came to carry it."""
        held = self.held
        if held:
            self.held = b""
            self.client.transport.write(held)  # type: ignore[union-attr]

    def on_tunnel_data(self, data: bytes) -> None:
        self.client.transport.write(data)  # type: ignore[union-attr]

    def on_upstream_lost(self, conn: UpstreamConnection, exc: BaseException | None) -> None:
        phase = self.phase
        if self.upstream is not conn:
            return
        if phase == SENT or (phase == RESPONDING and self.held and not self.eof_body):
            # Nothing reached the client yet: it can still get a proper answer.
            if phase == SENT and conn.reused and not conn.received and self._retry():
                return
            self.held = b""
            if exc is None:
                why = "closed the connection before responding"
            elif isinstance(exc, httptools.HttpParserError):
                why = f"sent an invalid HTTP response ({exc})"
            else:
                why = f"reset the connection before responding ({exc})"
            self._upstream_failed(why)
        elif phase == RESPONDING:
            if self.eof_body and exc is None:
                self.on_response_end(False)  # the body was delimited by the end of the connection
            else:
                self.close_after = True  # the response is cut short: the client must see the connection end
                self.upstream = None
                self._finish(keep_upstream=False)
        elif phase == TUNNEL:
            self.upstream = None
            self.close_after = True
            self._finish(keep_upstream=False)

    def _upstream_failed(self, why: str) -> None:
        self.respond_error(502, f"revision {self.rev.key} endpoint {self.endpoint} {why}")  # type: ignore[union-attr]

    def on_upstream_paused(self) -> None:
        self.upstream_write_paused = True
        self.client.pause(_PAUSE_UPSTREAM)

    def on_upstream_resumed(self) -> None:
        self.upstream_write_paused = False
        self.client.unpause(_PAUSE_UPSTREAM)

    def client_paused(self) -> None:
        conn = self.upstream
        if conn is not None and not self.upstream_read_paused:
            self.upstream_read_paused = True
            conn.transport.pause_reading()  # type: ignore[union-attr]

    def client_resumed(self) -> None:
        conn = self.upstream
        if conn is not None and self.upstream_read_paused:
            self.upstream_read_paused = False
            conn.transport.resume_reading()  # type: ignore[union-attr]

    # -- endings ---------------------------------------------------------------------------------------------

    def time_out(self) -> None:
        """The revision's timeout passed before the response started (called by the gateway's sweep)."""
        rev = self.rev
        seconds = f"{rev.timeout_seconds:g}"  # type: ignore[union-attr]
        if self.phase == QUEUED and not rev.endpoints:  # type: ignore[union-attr]
            self.respond_error(
                504, f"revision {rev.key} has no ready instance: none became ready within {seconds} s"  # type: ignore[union-attr]
            )
        elif self.phase == QUEUED:
            self.respond_error(
                504, f"revision {rev.key} had no free slot for the request within {seconds} s"  # type: ignore[union-attr]
            )
        else:
            self.respond_error(504, f"revision {rev.key} did not respond within {seconds} s")  # type: ignore[union-attr]

    def respond_error(self, status: int, message: str) -> None:
        """Answer the client ourselves (only before any response byte went out) and end the exchange."""
        self._detach()
        self.status = status
        client = self.client
        if not self.request_done or not self.keep_alive or client.upgraded or client.gateway._closing:
            self.close_after = True
        extra = http1.CONNECTION_KEEP_ALIVE if (self.http10 and not self.close_after) else b""
        if not client.closed:
            client.transport.write(http1.plain_response(status, message, close=self.close_after, extra_headers=extra))  # type: ignore[union-attr]
        self._end()

    def abort(self) -> None:
        """The client went away: drop everything this exchange holds."""
        if self.phase == DONE:
            return
        self._detach()
        self._end(notify_client=False)

    def _detach(self) -> None:
        """Let go of the queue position, the connect attempt and the upstream connection (not reusable)."""
        rev = self.rev
        if self.queued and rev is not None:
            rev.cancel(self)
        if self.phase == CONNECTING:
            self.endpoint.pool.cancel(self)  # type: ignore[union-attr]
        conn = self.upstream
        if conn is not None:
            self.upstream = None
            conn.close()

    def _finish(self, keep_upstream: bool) -> None:
        conn = self.upstream
        if conn is not None:
            self.upstream = None
            conn.sink = None
            if keep_upstream and self.request_done and self.endpoint.active:  # type: ignore[union-attr]
                if self.upstream_read_paused:
                    conn.transport.resume_reading()  # type: ignore[union-attr]
                self.endpoint.pool.put(conn)  # type: ignore[union-attr]
            else:
                conn.close()
        self._end()

    def _end(self, notify_client: bool = True) -> None:
        self.phase = DONE
        if self.upstream_write_paused:
            self.upstream_write_paused = False
            self.client.unpause(_PAUSE_UPSTREAM)
        rev = self.rev
        if rev is not None:
            rev.awaiting_response.pop(self, None)
            endpoint = self.endpoint
            if endpoint is not None:
                self.endpoint = None
                rev.release(endpoint)
            rev.counters.end(self.status, self.started)
            self.rev = None
        if notify_client:
            self.client.exchange_done(self)


class ClientConnection(asyncio.Protocol):
    """One client connection: parses requests with httptools and runs their exchanges one at a time."""

    __slots__ = (
        "gateway",
        "transport",
        "parser",
        "peer",
        "forwarded",
        "parsing",
        "active",
        "pipeline",
        "paused",
        "closed",
        "upgraded",
        "tunnel",
        "write_paused",
        "lingering",
        "idle_since",
        "sniff",
        "h2c_settings",
    )

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpRequestParser(self)
        self.peer = b""
        self.forwarded = b""
        self.parsing: Exchange | None = None
        self.active: Exchange | None = None
        self.pipeline: deque[Exchange] = deque()
        self.paused = 0
        self.closed = False
        self.upgraded = False  # the parser saw an upgrade request and will not parse more
        self.tunnel: Exchange | None = None
        self.write_paused = False
        self.lingering = False
        self.idle_since = monotonic()
        self.sniff: bytes | None = b""  # first bytes while they may still be an HTTP/2 preface (None: HTTP/1)
        self.h2c_settings: bytes | None = None  # an ``Upgrade: h2c`` request's HTTP2-Settings, while it upgrades

    # -- asyncio.Protocol ------------------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        peer = transport.get_extra_info("peername")
        host = peer[0] if isinstance(peer, tuple) and peer else "unknown"
        self.peer = str(host).encode("latin-1")
        self.forwarded = b"x-forwarded-for: %b\r\nx-forwarded-proto: http\r\n" % self.peer
        self.gateway._clients.add(self)

    def connection_lost(self, exc: BaseException | None) -> None:
        self.closed = True
        self.gateway._clients.discard(self)
        active = self.active
        self.active = None
        if active is not None:
            active.abort()
        while self.pipeline:
            self.pipeline.popleft().abort()

    def eof_received(self) -> bool:
        # Like nginx (proxy_ignore_client_abort off) and Go's server: a client that hangs up abandons its
        # request, which frees its slot at once instead of when the revision answers.
        return False

    def data_received(self, data: bytes) -> None:
        if self.sniff is not None:
            data = self.sniff + data
            if len(data) < len(http2.PREFACE) and http2.PREFACE.startswith(data):
                self.sniff = data
                return
            self.sniff = None
            if data.startswith(http2.PREFACE):
                self._become_h2(data)
                return
        if self.lingering:
            return
        if self.upgraded:
            if self.active is not None:
                self.active.tunnel_from_client(data)
            return
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade as upgrade:
            self.upgraded = True
            rest = data[upgrade.args[0] :]
            if self.h2c_settings is not None:
                self._become_h2(rest, self.active)
                return
            if rest and self.active is not None:
                self.active.tunnel_from_client(rest)
        except httptools.HttpParserError as exc:
            if isinstance(exc, httptools.HttpParserCallbackError):
                _log.exception("gateway: error while handling a request")
                msg = "internal error in the gateway"
                status = 500
            else:
                msg = f"malformed HTTP request: {exc}"
                status = 400
            self._answer_and_close(status, msg)
        else:
            ex = self.parsing
            if ex is not None and not ex.method:  # this read ended inside a request head
                ex.head_size += len(data)
                if ex.head_size > MAX_HEAD_BYTES:
                    self._answer_and_close(431, f"request head is larger than {MAX_HEAD_BYTES} bytes")

    def _become_h2(self, data: bytes, upgrade: Exchange | None = None) -> None:
        """Hand the transport to an HTTP/2 connection (:mod:`.http2`): a preface, or an ``Upgrade: h2c``."""
        transport = self.transport
        self.gateway._clients.discard(self)
        self.closed = True  # this protocol is done; connection_lost goes to the new one
        self.active = None
        conn = http2.H2ClientConnection(self.gateway, self.peer)
        transport.set_protocol(conn)  # type: ignore[union-attr]
        if upgrade is None:
            conn.connection_made(transport)  # type: ignore[arg-type]
        else:
            conn.upgraded(
                transport, self.h2c_settings, upgrade.method, upgrade.url, upgrade.head, upgrade.forwarded_for  # type: ignore[arg-type]
            )
        if data:
            conn.data_received(data)

    def _check_upgrade(self, ex: Exchange) -> bool:
        """A request with an ``Upgrade`` header; True when it upgrades the connection to h2c (not dispatched)."""
        if not self.parser.should_upgrade():
            ex.upgrade = None  # an Upgrade header without "Connection: upgrade" asks for nothing
            return False
        if ex.upgrade.strip().lower() != b"h2c":  # type: ignore[union-attr]
            return False
        # The gateway answers h2c upgrades itself; one it declines (a body to read first, a request pipelined
        # behind another) is served over HTTP/1.1 as the RFC allows, and never asked of the revision.
        ex.upgrade = None
        settings = http2.upgrade_settings(ex.head)
        if settings is None or self.active is not None or ex.chunked or ex.content_length not in (None, b"0"):
            return False
        self.h2c_settings = settings
        self.active = ex
        return True

    def _answer_and_close(self, status: int, message: str) -> None:
        if self.closed:
            return
        ex = self.active
        if ex is not None and ex.phase < RESPONDING:
            ex.close_after = True
            ex.respond_error(status, message)
        elif ex is None:
            self.transport.write(http1.plain_response(status, message, close=True))  # type: ignore[union-attr]
        self.close(linger=True)

    def close(self, *, linger: bool = False) -> None:
        """Close the connection; with ``linger``, after the answer, while dropping what the client still sends.

        Closing a socket with unread input makes the kernel send a reset, which can destroy the answer before
        the client reads it (say a 413 or 504 while the client is still uploading), so a lingering close
        shuts down the sending side, reads and drops input until the client closes or ``_LINGER_SECONDS``.
        """
        if self.closed or (linger and self.lingering):
            return
        transport = self.transport
        if linger and transport.can_write_eof():  # type: ignore[union-attr]
            self.lingering = True
            transport.write_eof()  # type: ignore[union-attr]
            if self.paused:
                self.paused = 0
                transport.resume_reading()  # type: ignore[union-attr]
            asyncio.get_running_loop().call_later(_LINGER_SECONDS, self._close_now)
            return
        self._close_now()

    def _close_now(self) -> None:
        if not self.closed:
            self.closed = True
            self.transport.close()  # type: ignore[union-attr]

    def pause_writing(self) -> None:
        self.write_paused = True
        if self.active is not None:
            self.active.client_paused()

    def resume_writing(self) -> None:
        self.write_paused = False
        if self.active is not None:
            self.active.client_resumed()

    # -- reading control -------------------------------------------------------------------------------------

    def pause(self, reason: int) -> None:
        if not self.paused and not self.closed:
            self.transport.pause_reading()  # type: ignore[union-attr]
        self.paused |= reason

    def unpause(self, reason: int) -> None:
        if self.paused & reason:
            self.paused &= ~reason
            if not self.paused and not self.closed:
                self.transport.resume_reading()  # type: ignore[union-attr]

    # -- httptools callbacks ---------------------------------------------------------------------------------

    def on_message_begin(self) -> None:
        self.parsing = Exchange(self)

    def on_url(self, url: bytes) -> None:
        self.parsing.url += url  # type: ignore[union-attr]

    def on_header(self, name: bytes, value: bytes) -> None:
        ex = self.parsing
        kind = http1.REQUEST_HEADERS.get(name.lower())
        if kind is None:
            ex.head += b"%b: %b\r\n" % (name, value)  # type: ignore[union-attr]
        elif kind == http1.HOST:
            ex.host = value  # type: ignore[union-attr]
            ex.head += b"host: %b\r\n" % value  # type: ignore[union-attr]
        elif kind == http1.CONTENT_LENGTH:
            ex.content_length = value  # type: ignore[union-attr]
        elif kind == http1.TRANSFER_ENCODING:
            ex.chunked = True  # type: ignore[union-attr]
        elif kind == http1.CONNECTION:
            ex.conn_value = value  # type: ignore[union-attr]
        elif kind == http1.FORWARDED_FOR:
            ex.forwarded_for = value if ex.forwarded_for is None else ex.forwarded_for + b", " + value  # type: ignore[union-attr]
        elif kind == http1.FORWARDED_PROTO:
            ex.has_forwarded_proto = True  # type: ignore[union-attr]
            ex.head += b"x-forwarded-proto: %b\r\n" % value  # type: ignore[union-attr]
        elif kind == http1.UPGRADE:
            ex.upgrade = value  # type: ignore[union-attr]

    def on_headers_complete(self) -> None:
        ex = self.parsing
        parser = self.parser
        ex.method = parser.get_method()  # type: ignore[union-attr]
        ex.http10 = parser.get_http_version() == "1.0"  # type: ignore[union-attr]
        ex.keep_alive = parser.should_keep_alive()  # type: ignore[union-attr]
        if ex.url[:1] != b"/":  # type: ignore[union-attr]
            _origin_form(ex)  # type: ignore[arg-type]
        if ex.upgrade is not None and self._check_upgrade(ex):  # type: ignore[arg-type]
            return
        if self.active is None:
            self.active = ex
            ex.dispatch()  # type: ignore[union-attr]
        else:
            self.pipeline.append(ex)  # type: ignore[arg-type]
            self.pause(_PAUSE_PIPELINE)

    def on_body(self, body: bytes) -> None:
        self.parsing.request_body(body)  # type: ignore[union-attr]

    def on_message_complete(self) -> None:
        ex = self.parsing
        self.parsing = None
        ex.request_complete()  # type: ignore[union-attr]

    # -- exchanges -------------------------------------------------------------------------------------------

    def exchange_done(self, ex: Exchange) -> None:
        """``ex`` has its whole response; start the next request once its own request has fully arrived."""
        if ex is not self.active:
            return
        if ex.close_after:
            self.active = None
            self.close(linger=not ex.request_done)
            return
        if not ex.request_done:
            return  # the rest of its body is read and dropped; request_complete calls back
        self.active = None
        if self.pipeline:
            nxt = self.pipeline.popleft()
            if not self.pipeline:
                self.unpause(_PAUSE_PIPELINE)
            self.active = nxt
            nxt.dispatch()
        else:
            self.idle_since = monotonic()


def _origin_form(ex: Exchange) -> None:
    """Turn an absolute-form target (``http://host/path``: the gateway is the HTTP proxy of local instances, see
    :mod:`pyknative.runtime.resources`) into origin form; its authority is the request's host (RFC 9112 §3.2.2)."""
    url = ex.url
    if url[:7].lower() != b"http://":
        return  # ``*`` (OPTIONS) and anything else: routed on the Host header as they are
    rest = url[7:]
    end = len(rest)
    for sep in (b"/", b"?"):
        i = rest.find(sep)
        if i != -1 and i < end:
            end = i
    authority, path = rest[:end], rest[end:]
    if authority and b"@" not in authority:
        if ex.host is not None:
            ex.head = ex.head.replace(b"host: %b\r\n" % ex.host, b"host: %b\r\n" % authority, 1)
        else:
            ex.head += b"host: %b\r\n" % authority
        ex.host = authority
    ex.url = path if path[:1] == b"/" else b"/" + path
