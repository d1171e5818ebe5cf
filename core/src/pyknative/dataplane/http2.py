"""HTTP/2 cleartext from clients: prior knowledge (the ``PRI * HTTP/2.0`` preface) and ``Upgrade: h2c``.

:class:`~pyknative.dataplane.connection.ClientConnection` peeks at the first bytes of a connection; an HTTP/2
preface (or an eligible ``Upgrade: h2c`` request: no body, an ``HTTP2-Settings`` header) hands the transport to an
:class:`H2ClientConnection`, a sans-IO ``h2`` connection over the asyncio transport. Each stream is an
:class:`H2Exchange` that takes the same path as an HTTP/1.1 request: route by ``:authority``, the revision's
queue (a stream is one request: ``containerConcurrency`` counts streams, and the streams of one connection are
spread over the revision's instances like separate requests), then an upstream. Toward a revision whose port is
named ``h2c`` the upstream is a stream on a multiplexed h2c connection (:mod:`.upstream2`); toward any other,
the stream is translated to an HTTP/1.1 request on a pooled keep-alive connection (:mod:`.upstream`).

gRPC (``content-type: application/grpc*``) is HTTP/2 with trailers: they pass through (``grpc-status``,
``grpc-message``); the call's deadline is its ``grpc-timeout`` bounded by the revision's timeout (forwarded so
the app knows it, and enforced: past it the upstream stream is cancelled and the client gets
``DEADLINE_EXCEEDED``); the gateway's own answers (no route, no instance, an unreachable endpoint) are gRPC
statuses in a trailers-only response rather than HTTP errors. A client's ``RST_STREAM`` cancels the upstream
request (``RST_STREAM CANCEL`` on an h2c upstream; the connection closed on an HTTP/1.1 one).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from time import monotonic
from typing import TYPE_CHECKING, Any

import h2.config
import h2.connection
import h2.events
import h2.exceptions
import h2.settings
from h2.errors import ErrorCodes

from pyknative.dataplane import http1
from pyknative.dataplane.queue import Endpoint, RevisionQueue

if TYPE_CHECKING:
    from pyknative.dataplane.gateway import Gateway

_log = logging.getLogger(__name__)

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

NEW, QUEUED, CONNECTING, SENT, RESPONDING, TUNNEL, DONE = range(7)  # as connection.py's

#: what the gateway offers its clients
MAX_CONCURRENT_STREAMS = 1000
STREAM_WINDOW = 1 << 20
CONNECTION_WINDOW = 1 << 24
#: response bytes buffered for a client stream (waiting for its window) past which the upstream is paused
_OUT_HIGH = 1 << 20

_CONFIG = h2.config.H2Configuration(client_side=False, header_encoding=None, validate_inbound_headers=True)

#: gRPC status codes the gateway answers with (grpc's "HTTP to gRPC status code mapping")
GRPC_DEADLINE_EXCEEDED = 4
GRPC_UNIMPLEMENTED = 12
GRPC_INTERNAL = 13
GRPC_UNAVAILABLE = 14
_GRPC_FOR_HTTP = {400: GRPC_INTERNAL, 404: GRPC_UNIMPLEMENTED, 504: GRPC_DEADLINE_EXCEEDED}

_GRPC_UNITS = {b"H": 3600.0, b"M": 60.0, b"S": 1.0, b"m": 1e-3, b"u": 1e-6, b"n": 1e-9}


def grpc_timeout(value: bytes) -> float | None:
    """Seconds of a ``grpc-timeout`` header value (``<digits><H|M|S|m|u|n>``), None when malformed."""
    value = value.strip()
    unit = _GRPC_UNITS.get(value[-1:])
    digits = value[:-1]
    if unit is None or not digits.isdigit() or len(digits) > 8:
        return None
    return int(digits) * unit


def parse_header_lines(head: bytes) -> list[tuple[bytes, bytes]]:
    """``name: value\\r\\n`` lines as lowercase-name pairs."""
    out = []
    for line in head.split(b"\r\n"):
        if line:
            name, _, value = line.partition(b":")
            out.append((name.strip().lower(), value.strip()))
    return out


def unchunk(piece: bytes) -> bytes:
    """The data of one chunk framed by :func:`pyknative.dataplane.http1.chunk` (the last chunk: empty)."""
    size, _, rest = piece.partition(b"\r\n")
    return rest[: int(size, 16)]


def _forwarded_for(prior: bytes | None, peer: bytes) -> bytes:
    return prior + b", " + peer if prior else peer


class H2Exchange:
    """One HTTP/2 stream through the gateway: the request in, the response out (see the module docstring).

    It is to the queue a waiter, to an upstream pool a connection waiter, and to an upstream a response sink,
    like :class:`~pyknative.dataplane.connection.Exchange`.
    """

    def __init__(self, client: H2ClientConnection, stream_id: int) -> None:
        self.client = client
        self.stream_id = stream_id
        self.method = b"GET"
        self.path = b"/"
        self.scheme = b"http"
        self.authority: bytes | None = None
        self.headers: list[tuple[bytes, bytes]] = []  # forwarded as they are
        self.cookies: list[bytes] = []
        self.te: bytes | None = None
        self.content_length: bytes | None = None
        self.forwarded_for: bytes | None = None
        self.has_forwarded_proto = False
        self.grpc = False
        self.timeout: float | None = None  # the client's grpc-timeout
        self.request_done = False
        self.body: list[bytes] | None = None  # request body waiting for the upstream (not acknowledged yet)
        self.body_unacked = 0
        self.unacked = 0  # request bytes forwarded but not acknowledged while the upstream is paused
        self.upstream_paused = False
        self.phase = NEW
        self.rev: RevisionQueue | None = None
        self.endpoint: Endpoint | None = None
        self.upstream: Any = None
        self.h2up = False  # the upstream is an h2c stream
        self.chunked = False  # the HTTP/1.1 upstream request is chunked
        self.deadline = 0.0
        self.started = 0.0
        self.status = 0
        self.queued = False
        self.timer: asyncio.TimerHandle | None = None
        # toward the client
        self.held: list[tuple[bytes, bytes]] | None = None  # response headers not sent yet
        self.headers_sent = False
        self.out: deque[bytes] = deque()
        self.out_size = 0
        self.out_trailers: list[tuple[bytes, bytes]] | None = None
        self.out_end = False  # end the stream once ``out`` is sent
        self.closed = False  # the client stream is finished (ended or reset) on our side
        self.read_paused = False  # the upstream is paused because ``out`` is full

    # -- the request ---------------------------------------------------------------------------------------

    def on_request(self, headers: list[tuple[bytes, bytes]], ended: bool) -> None:
        kept = self.headers
        host: bytes | None = None
        for name, value in headers:
            if name[:1] == b":":
                if name == b":method":
                    self.method = value
                elif name == b":path":
                    self.path = value
                elif name == b":authority":
                    self.authority = value
                elif name == b":scheme":
                    self.scheme = value
                continue
            kind = http1.REQUEST_HEADERS.get(name)
            if kind is None:
                if name == b"cookie":
                    self.cookies.append(value)
                elif name == b"content-type":
                    self.grpc = value.startswith(b"application/grpc")
                    kept.append((name, value))
                elif name == b"grpc-timeout":
                    self.timeout = grpc_timeout(value)
                else:
                    kept.append((name, value))
            elif kind == http1.HOST:
                host = value
            elif kind == http1.CONTENT_LENGTH:
                self.content_length = value
            elif kind == http1.FORWARDED_FOR:
                self.forwarded_for = value if self.forwarded_for is None else self.forwarded_for + b", " + value
            elif kind == http1.FORWARDED_PROTO:
                self.has_forwarded_proto = True
                kept.append((name, value))
            elif name == b"te":
                self.te = value
            # connection-specific headers: the h2 library refuses them already
        if self.authority is None:
            self.authority = host
        if ended:
            self.request_done = True
        self.dispatch()

    def dispatch(self) -> None:
        gw = self.client.gateway
        host = self.authority
        if host is None:
            self.respond_error(400, "request has no :authority (or Host) header")
            return
        rule = gw._table.lookup(host)
        if rule is None:
            self.respond_error(404, f"no route for host {host.decode('latin-1')!r}")
            return
        key = rule.pick()
        rev = gw._revisions.get(key)
        if rev is None:
            self.respond_error(503, f"revision {key} is not known to the gateway (it has not been set up)")
            return
        self.rev = rev
        self.started = now = rev.counters.begin()
        if self.grpc:
            seconds = rev.timeout_seconds if self.timeout is None else min(self.timeout, rev.timeout_seconds)
            self.deadline = now + seconds
            self.timer = asyncio.get_running_loop().call_at(
                asyncio.get_running_loop().time() + seconds, self.time_out
            )
        else:
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
        self.endpoint = endpoint
        conn = endpoint.pool.take()
        if conn is not None:
            self._send(conn)
        else:
            self.phase = CONNECTING
            endpoint.pool.request(self)

    def on_connection(self, conn: Any) -> None:
        self._send(conn)

    def on_connect_failed(self, exc: BaseException) -> None:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc) or type(exc).__name__
        self.respond_error(502, f"revision {self.rev.key} endpoint {self.endpoint} could not be reached: {reason}")  # type: ignore[union-attr]

    def _forwarded(self) -> list[tuple[bytes, bytes]]:
        out = [(b"x-forwarded-for", _forwarded_for(self.forwarded_for, self.client.peer))]
        if not self.has_forwarded_proto:
            out.append((b"x-forwarded-proto", b"http"))
        return out

    def _send(self, conn: Any) -> None:
        self.phase = SENT
        self.upstream = conn
        rev = self.rev
        key = rev.key  # type: ignore[union-attr]
        body, self.body = self.body, None
        if getattr(conn, "h2", False):
            self.h2up = True
            headers = [
                (b":method", self.method),
                (b":scheme", b"http"),
                (b":authority", self.authority),
                (b":path", self.path),
                *self.headers,
                *((b"cookie", c) for c in self.cookies),
                (b"knative-serving-revision", key.name.encode("latin-1")),
                (b"knative-serving-namespace", key.namespace.encode("latin-1")),
                *self._forwarded(),
            ]
            if self.te is not None:
                headers.append((b"te", self.te))
            if self.content_length is not None:
                headers.append((b"content-length", self.content_length))
            if self.grpc:
                left = max(self.deadline - monotonic(), 0.001)
                headers.append((b"grpc-timeout", b"%dm" % max(1, int(left * 1000))))
            done = self.request_done
            conn.start(self, headers, end_stream=done and not body)
            for piece in body or ():
                conn.write(piece)
            if done and body:
                conn.end()
        else:
            head = b"".join(b"%b: %b\r\n" % pair for pair in self.headers)
            if self.cookies:
                head += b"cookie: %b\r\n" % b"; ".join(self.cookies)
            if self.content_length is not None:
                framing = b"content-length: %b\r\n" % self.content_length
            elif self.request_done and not body:
                framing = b""
            else:
                self.chunked = True
                framing = http1.CHUNKED
            forwarded = b"".join(b"%b: %b\r\n" % pair for pair in self._forwarded())
            data = b"%b %b HTTP/1.1\r\nhost: %b\r\n%b%b%b%b\r\n" % (
                self.method,
                self.path,
                self.authority,
                head,
                rev.upstream_headers,  # type: ignore[union-attr]
                forwarded,
                framing,
            )
            if body:
                data += b"".join(http1.chunk(p) for p in body) if self.chunked else b"".join(body)
            if self.request_done and self.chunked:
                data += http1.LAST_CHUNK
            conn.send(self, data)
        if self.body_unacked:
            n, self.body_unacked = self.body_unacked, 0
            self.client.ack(self.stream_id, n)

    def request_body(self, data: bytes, flow: int) -> None:
        if not data:  # an empty DATA frame (often the one with END_STREAM): nothing to relay
            self.client.ack(self.stream_id, flow)
            return
        phase = self.phase
        if phase == SENT or phase == RESPONDING:
            if self.upstream_paused:
                self.unacked += flow
            else:
                self.client.ack(self.stream_id, flow)
            if self.h2up:
                self.upstream.write(data)
            else:
                self.upstream.write(http1.chunk(data) if self.chunked else data)
        elif phase == DONE:
            self.client.ack(self.stream_id, flow)
        else:
            if self.body is None:
                self.body = [data]
            else:
                self.body.append(data)
            self.body_unacked += flow  # the client's window bounds what waits here

    def request_complete(self) -> None:
        self.request_done = True
        phase = self.phase
        if phase == SENT or phase == RESPONDING:
            if self.h2up:
                self.upstream.end()
            elif self.chunked:
                self.upstream.write(http1.LAST_CHUNK)
        elif phase == DONE:
            self.client.stream_finished(self)

    # -- upstream flow control (ResponseSink) --------------------------------------------------------------

    def on_upstream_paused(self) -> None:
        self.upstream_paused = True

    def on_upstream_resumed(self) -> None:
        self.upstream_paused = False
        if self.unacked:
            n, self.unacked = self.unacked, 0
            self.client.ack(self.stream_id, n)
            self.client.flush()

    # -- the response (ResponseSink) -----------------------------------------------------------------------

    def on_interim(self, status: int, reason: bytes, headers: bytes) -> None:
        pass  # 1xx responses are not relayed over HTTP/2 (a 100-continue means nothing here)

    def on_response_head(
        self, status: int, reason: bytes, headers: bytes, has_length: bool, chunked: bool, upgrade: bytes | None
    ) -> None:
        self.phase = RESPONDING
        self.status = status
        self.rev.awaiting_response.pop(self, None)  # type: ignore[union-attr]
        if status == 101:
            self.respond_error(502, f"revision {self.rev.key} endpoint {self.endpoint} switched protocols")  # type: ignore[union-attr]
            return
        self.held = [(b":status", b"%d" % status), *parse_header_lines(headers)]
        if self.method == b"HEAD":
            self._send_held(end=True)
            self.client.flush()
            self._finish(keep_upstream=False)

    def on_response_body(self, data: bytes) -> None:
        if self.held is not None:
            self._send_held(end=False)
        if data:
            self.out.append(data)
            self.out_size += len(data)
            self.client.pump(self)
            if self.out_size > _OUT_HIGH and not self.read_paused and self.upstream is not None:
                self.read_paused = True
                self.upstream.transport.pause_reading()

    def on_trailers(self, trailers: list[tuple[bytes, bytes]]) -> None:
        if self.held is not None:
            self._send_held(end=False)
        self.out_trailers = trailers
        self.out_end = True
        self.client.pump(self)

    def on_response_end(self, keep_alive: bool) -> None:
        if self.phase != RESPONDING:
            return
        if self.held is not None:
            self._send_held(end=True)
        elif not self.out_end:
            self.out_end = True
            self.client.pump(self)
        self.client.flush()
        self._finish(keep_upstream=keep_alive)

    def flush(self) -> None:
        """End of one upstream read: send the response headers if nothing came to carry them, then write."""
        if self.held is not None and self.phase == RESPONDING:
            self._send_held(end=False)
        self.client.flush()

    def on_tunnel_data(self, data: bytes) -> None:
        pass

    def _send_held(self, end: bool) -> None:
        headers, self.held = self.held, None
        self.headers_sent = True
        if end:
            self.out_end = True
            self.closed = True
        self.client.send_headers(self, headers, end)  # type: ignore[arg-type]

    def on_upstream_lost(self, conn: Any, exc: BaseException | None) -> None:
        if self.upstream is not conn:
            return
        self.upstream = None
        if self.phase == SENT or (self.phase == RESPONDING and self.held is not None):
            why = "closed the connection before responding" if exc is None else f"failed before responding ({exc})"
            self.held = None
            self.respond_error(502, f"revision {self.rev.key} endpoint {self.endpoint} {why}")  # type: ignore[union-attr]
        elif self.phase == RESPONDING:
            # Cut short after the response started: the client sees its stream reset (or gRPC's UNAVAILABLE).
            if self.grpc and not self.out_end:
                self.out_trailers = [
                    (b"grpc-status", b"%d" % GRPC_UNAVAILABLE),
                    (b"grpc-message", b"the revision's instance went away during the call"),
                ]
                self.out_end = True
                self.client.pump(self)
                self.client.flush()
            elif not self.out_end:
                self.client.reset(self, ErrorCodes.INTERNAL_ERROR)
            self._end()

    # -- endings -------------------------------------------------------------------------------------------

    def time_out(self) -> None:
        """The deadline passed: the revision's timeout (HTTP: before the response started), or a gRPC call's."""
        if self.phase == DONE:
            return
        rev = self.rev
        seconds = f"{rev.timeout_seconds:g}"  # type: ignore[union-attr]
        if self.grpc and self.timeout is not None and self.timeout < rev.timeout_seconds:  # type: ignore[union-attr]
            message = f"the call's deadline ({self.timeout:g} s) passed in the gateway"
        elif self.phase == QUEUED and not rev.endpoints:  # type: ignore[union-attr]
            message = f"revision {rev.key} has no ready instance: none became ready within {seconds} s"  # type: ignore[union-attr]
        elif self.phase == QUEUED:
            message = f"revision {rev.key} had no free slot for the request within {seconds} s"  # type: ignore[union-attr]
        else:
            message = f"revision {rev.key} did not respond within {seconds} s"  # type: ignore[union-attr]
        if self.phase == RESPONDING and self.held is None:
            # gRPC only (an HTTP response that started has no deadline here): end the call with its status.
            self._detach()
            if not self.out_end:
                self.out.clear()
                self.out_size = 0
                self.out_trailers = [(b"grpc-status", b"%d" % GRPC_DEADLINE_EXCEEDED), (b"grpc-message", message.encode())]
                self.out_end = True
                self.client.pump(self)
                self.client.flush()
            self.status = 504
            self._end()
            return
        self.held = None
        self.respond_error(504, message)

    def respond_error(self, status: int, message: str) -> None:
        """Answer the client ourselves (before the response started) and end the exchange."""
        self._detach()
        self.status = status
        if not self.client.closed and not self.closed:
            if self.grpc:
                code = _GRPC_FOR_HTTP.get(status, GRPC_UNAVAILABLE)
                headers = [
                    (b":status", b"200"),
                    (b"content-type", b"application/grpc"),
                    (b"grpc-status", b"%d" % code),
                    (b"grpc-message", _grpc_message(message)),
                ]
                self.client.send_headers(self, headers, True)
            else:
                body = (message.rstrip("\n") + "\n").encode("utf-8")
                headers = [
                    (b":status", b"%d" % status),
                    (b"content-type", b"text/plain; charset=utf-8"),
                    (b"content-length", b"%d" % len(body)),
                ]
                self.client.send_headers(self, headers, False)
                self.out.append(body)
                self.out_size += len(body)
                self.out_end = True
                self.client.pump(self)
            self.client.flush()
        self._end()

    def abort(self) -> None:
        """The client reset the stream or went away: cancel everything this stream holds upstream."""
        if self.phase == DONE:
            return
        self._detach()
        self._end()

    def _detach(self) -> None:
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
            if self.read_paused:
                self.read_paused = False
                conn.transport.resume_reading()
            if keep_upstream and self.request_done and self.endpoint.active:  # type: ignore[union-attr]
                self.endpoint.pool.put(conn)  # type: ignore[union-attr]
            else:
                conn.close()
        self._end()

    def _end(self) -> None:
        self.phase = DONE
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        rev = self.rev
        if rev is not None:
            rev.awaiting_response.pop(self, None)
            endpoint = self.endpoint
            if endpoint is not None:
                self.endpoint = None
                rev.release(endpoint)
            rev.counters.end(self.status, self.started)
            self.rev = None
        self.client.stream_finished(self)

    # -- toward the client (called by the connection's pump) ------------------------------------------------

    def sent_some(self) -> None:
        """``out`` shrank: resume the upstream when it had been paused for it."""
        if self.read_paused and self.out_size <= _OUT_HIGH // 2:
            self.read_paused = False
            if self.upstream is not None:
                self.upstream.transport.resume_reading()


def _grpc_message(message: str) -> bytes:
    """A ``grpc-message`` value: percent-encoded outside printable ASCII (and ``%``), as gRPC specifies."""
    out = bytearray()
    for b in message.encode("utf-8"):
        if 0x20 <= b <= 0x7E and b != 0x25:
            out.append(b)
        else:
            out += b"%%%02X" % b
    return bytes(out)


class H2ClientConnection(asyncio.Protocol):
    """One HTTP/2 client connection and its streams (see the module docstring)."""

    def __init__(self, gateway: Gateway, peer: bytes) -> None:
        self.gateway = gateway
        self.peer = peer
        self.h2 = h2.connection.H2Connection(config=_CONFIG)
        self.transport: asyncio.Transport | None = None
        self.streams: dict[int, H2Exchange] = {}
        self.closed = False
        self.going_away = False
        self.idle_since = monotonic()
        self.flush_scheduled = False

    @property
    def active(self) -> object | None:
        """Something open on the connection (the gateway closes idle connections where this is None)."""
        return self.streams or None

    # -- start ---------------------------------------------------------------------------------------------

    def _local_settings(self) -> None:
        self.h2.local_settings = h2.settings.Settings(
            client=False,
            initial_values={
                h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: MAX_CONCURRENT_STREAMS,
                h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: STREAM_WINDOW,
            },
        )

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Prior knowledge: the client's preface follows (fed by :meth:`data_received`)."""
        self.transport = transport  # type: ignore[assignment]
        self.gateway._clients.add(self)
        self._local_settings()
        self.h2.initiate_connection()
        self.h2.increment_flow_control_window(CONNECTION_WINDOW - 65535)
        self.flush()

    def upgraded(
        self, transport: asyncio.BaseTransport, settings: bytes, method: bytes, url: bytes, head: bytes,
        forwarded_for: bytes | None,
    ) -> None:
        """``Upgrade: h2c``: the 101 goes out, then our preface; the request that asked is stream 1."""
        self.transport = transport  # type: ignore[assignment]
        self.gateway._clients.add(self)
        transport.write(b"HTTP/1.1 101 Switching Protocols\r\nconnection: upgrade\r\nupgrade: h2c\r\n\r\n")  # type: ignore[attr-defined]
        self._local_settings()
        settings = settings.strip()
        try:
            self.h2.initiate_upgrade_connection(settings + b"=" * (-len(settings) % 4))
        except (ValueError, h2.exceptions.ProtocolError, h2.exceptions.FrameDataMissingError) as exc:
            _log.debug("gateway: bad HTTP2-Settings header: %s", exc)
            self.h2 = h2.connection.H2Connection(config=_CONFIG)
            self._local_settings()
            self.h2.initiate_upgrade_connection(None)
        self.h2.increment_flow_control_window(CONNECTION_WINDOW - 65535)
        self.flush()
        headers = [(b":method", method), (b":path", url), (b":scheme", b"http")]
        for name, value in parse_header_lines(head):
            if name == b"host":
                headers.insert(0, (b":authority", value))
            elif name != b"http2-settings":
                headers.append((name, value))
        if forwarded_for is not None:
            headers.append((b"x-forwarded-for", forwarded_for))
        ex = H2Exchange(self, 1)
        self.streams[1] = ex
        ex.on_request(headers, True)
        self.flush()

    # -- asyncio.Protocol ----------------------------------------------------------------------------------

    def connection_lost(self, exc: BaseException | None) -> None:
        self.closed = True
        self.gateway._clients.discard(self)
        for ex in list(self.streams.values()):
            ex.abort()
        self.streams.clear()

    def eof_received(self) -> bool:
        return False

    def data_received(self, data: bytes) -> None:
        try:
            events = self.h2.receive_data(data)
        except h2.exceptions.ProtocolError as exc:
            _log.debug("gateway: HTTP/2 client broke the protocol: %s", exc)
            self.flush_now()
            self.close()
            return
        streams = self.streams
        for ev in events:
            if isinstance(ev, h2.events.DataReceived):
                ex = streams.get(ev.stream_id)
                if ex is None:
                    self.ack(ev.stream_id, ev.flow_controlled_length)
                else:
                    ex.request_body(ev.data, ev.flow_controlled_length)
            elif isinstance(ev, h2.events.RequestReceived):
                if self.going_away:
                    self.reset_id(ev.stream_id, ErrorCodes.REFUSED_STREAM)
                    continue
                ex = H2Exchange(self, ev.stream_id)
                streams[ev.stream_id] = ex
                ex.on_request(ev.headers, ev.stream_ended is not None)
            elif isinstance(ev, h2.events.StreamEnded):
                ex = streams.get(ev.stream_id)
                if ex is not None and not ex.request_done:
                    ex.request_complete()
            elif isinstance(ev, h2.events.StreamReset):
                ex = streams.pop(ev.stream_id, None)
                if ex is not None:
                    ex.closed = True
                    ex.abort()
            elif isinstance(ev, h2.events.WindowUpdated):
                if ev.stream_id:
                    ex = streams.get(ev.stream_id)
                    if ex is not None:
                        self.pump(ex)
                else:
                    for ex in list(streams.values()):
                        self.pump(ex)
            elif isinstance(ev, h2.events.RemoteSettingsChanged):
                for ex in list(streams.values()):
                    self.pump(ex)
            elif isinstance(ev, h2.events.ConnectionTerminated):
                self.going_away = True
                if not streams:
                    self.close()
        self.flush()

    # -- used by the streams -------------------------------------------------------------------------------

    def flush(self) -> None:
        """Write what the library has framed, once per event-loop turn: the streams of a turn share a write."""
        if not self.flush_scheduled and not self.closed:
            self.flush_scheduled = True
            asyncio.get_running_loop().call_soon(self.flush_now)

    def flush_now(self) -> None:
        self.flush_scheduled = False
        if self.closed:
            return
        data = self.h2.data_to_send()
        if data:
            self.transport.write(data)  # type: ignore[union-attr]

    def ack(self, stream_id: int, n: int) -> None:
        if n and not self.closed:
            try:
                self.h2.acknowledge_received_data(n, stream_id)
            except (h2.exceptions.StreamClosedError, h2.exceptions.ProtocolError, KeyError):
                pass

    def send_headers(self, ex: H2Exchange, headers: list[tuple[bytes, bytes]], end: bool) -> None:
        if self.closed:
            return
        try:
            self.h2.send_headers(ex.stream_id, headers, end_stream=end)
        except (h2.exceptions.StreamClosedError, KeyError):
            ex.closed = True
            ex.out.clear()
        except (h2.exceptions.ProtocolError, ValueError) as exc:
            _log.warning("gateway: response headers refused by HTTP/2 (%s): %r", exc, headers)
            self.reset(ex, ErrorCodes.INTERNAL_ERROR)
            return
        if end:
            ex.closed = True
            self._maybe_forget(ex)

    def pump(self, ex: H2Exchange) -> None:
        """Send what the stream's window allows of its pending response body, then its trailers or end."""
        if self.closed or ex.closed:
            return
        h2c = self.h2
        sid = ex.stream_id
        out = ex.out
        sent = False
        try:
            while out:
                window = min(h2c.local_flow_control_window(sid), h2c.max_outbound_frame_size)
                if window <= 0:
                    break
                data = out[0]
                if len(data) > window:
                    out[0] = data[window:]
                    data = data[:window]
                else:
                    out.popleft()
                ex.out_size -= len(data)
                h2c.send_data(sid, data)
                sent = True
            if not out and ex.out_end:
                trailers, ex.out_trailers = ex.out_trailers, None
                ex.closed = True
                if trailers is not None:
                    h2c.send_headers(sid, trailers, end_stream=True)
                else:
                    h2c.end_stream(sid)
        except (h2.exceptions.StreamClosedError, h2.exceptions.ProtocolError, KeyError):
            ex.closed = True
            out.clear()
        if sent:
            ex.sent_some()
        if ex.closed:
            self._maybe_forget(ex)

    def reset(self, ex: H2Exchange, code: ErrorCodes) -> None:
        if not ex.closed:
            ex.closed = True
            ex.out.clear()
            self.reset_id(ex.stream_id, code)
        self._maybe_forget(ex)

    def reset_id(self, stream_id: int, code: ErrorCodes) -> None:
        if self.closed:
            return
        try:
            self.h2.reset_stream(stream_id, code)
        except (h2.exceptions.StreamClosedError, h2.exceptions.ProtocolError, KeyError):
            pass
        self.flush()

    def stream_finished(self, ex: H2Exchange) -> None:
        """The exchange is done upstream; the stream goes when its response went out too."""
        self._maybe_forget(ex)

    def _maybe_forget(self, ex: H2Exchange) -> None:
        if not (ex.closed and ex.phase == DONE):
            return
        if not ex.request_done and not self.closed:
            # The response is complete while the client still sends: tell it to stop (RFC 9113 8.1).
            ex.request_done = True
            self.reset_id(ex.stream_id, ErrorCodes.NO_ERROR)
        if self.streams.pop(ex.stream_id, None) is not None and not self.streams:
            self.idle_since = monotonic()
            if self.going_away or self.gateway._closing:
                self.close()

    def close(self) -> None:
        if self.closed:
            return
        try:
            self.h2.close_connection()
        except h2.exceptions.ProtocolError:
            pass
        self.flush_now()
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    def pause_writing(self) -> None:
        pass  # HTTP/2's flow control bounds what each stream has in flight

    def resume_writing(self) -> None:
        pass


def upgrade_settings(head: bytes) -> bytes | None:
    """The ``HTTP2-Settings`` value among a request's header lines, or None."""
    for name, value in parse_header_lines(head):
        if name == b"http2-settings":
            return value
    return None


