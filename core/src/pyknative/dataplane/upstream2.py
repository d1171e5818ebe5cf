"""HTTP/2 cleartext (h2c, prior knowledge) toward a revision whose container port is named ``h2c`` (Knative's rule).

:class:`H2EndpointPool` stands in for :class:`~pyknative.dataplane.upstream.EndpointPool` on such a revision's
endpoints: instead of one connection per request it multiplexes the requests as streams over a few
:class:`H2UpstreamConnection` (a new connection only when the open ones are at the endpoint's
``SETTINGS_MAX_CONCURRENT_STREAMS``). Each request gets an :class:`H2UpstreamStream`, which the gateway's
exchanges drive like an upstream connection (``write``, ``close``, ``transport.pause_reading``) and which reports
to the same :class:`~pyknative.dataplane.upstream.ResponseSink`, headers as ``name: value\\r\\n`` lines, plus
``on_trailers`` (gRPC's ``grpc-status``). The framing is the ``h2`` library's (sans-IO); this module only moves
its bytes and events.

Flow control: what a stream sends waits for the endpoint's window (the library's accounting); what it receives
is acknowledged (window given back) as the sink takes it, except while the sink paused the stream, so a slow
client slows its own stream down and no other.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from functools import partial
from time import monotonic
from typing import Any

import attrs
import h2.config
import h2.connection
import h2.events
import h2.exceptions
import h2.settings
from h2.errors import ErrorCodes

from pyknative.dataplane import http1

_log = logging.getLogger(__name__)

#: the receive window the gateway offers per stream and per connection (the default 64 KiB caps throughput)
STREAM_WINDOW = 1 << 20
CONNECTION_WINDOW = 1 << 24

_CONFIG = h2.config.H2Configuration(client_side=True, header_encoding=None, validate_inbound_headers=True)


def header_lines(headers: Any, skip_pseudo: bool = True) -> bytes:
    """h2 header pairs as ``name: value\\r\\n`` lines (pseudo-headers left out)."""
    out = []
    for name, value in headers:
        if skip_pseudo and name[:1] == b":":
            continue
        out.append(b"%b: %b\r\n" % (name, value))
    return b"".join(out)


class H2UpstreamStream:
    """One request on an :class:`H2UpstreamConnection` (see the module docstring)."""

    __slots__ = (
        "conn", "stream_id", "sink", "pending", "ending", "ended", "closed", "paused", "unacked", "received",
        "response_started", "blocked",
    )

    h2 = True  # what the exchanges ask to tell an h2 stream from an HTTP/1.1 upstream connection
    reused = False  # never retried: a stream that failed may have reached the app
    tunnel = False

    def __init__(self, conn: H2UpstreamConnection, stream_id: int) -> None:
        self.conn = conn
        self.stream_id = stream_id
        self.sink: Any = None
        self.pending: deque[bytes] = deque()  # request body waiting for the endpoint's window
        self.ending = False  # END_STREAM asked for, sent after pending
        self.ended = False  # our side of the stream is closed
        self.closed = False  # the stream is done (both ways, or reset)
        self.paused = False
        self.unacked = 0  # received bytes not yet given back while paused
        self.received = False
        self.response_started = False
        self.blocked = False  # the sink was told to pause (pending body waits for the window)

    @property
    def transport(self) -> H2UpstreamStream:
        """Pausing "the transport" of a stream pauses that stream only (the exchanges call it so)."""
        return self

    # -- used by the exchanges ---------------------------------------------------------------------------------

    def start(self, sink: Any, headers: list[tuple[bytes, bytes]], end_stream: bool) -> None:
        """Send the request headers (and END_STREAM with them when the request has no body)."""
        self.sink = sink
        conn = self.conn
        try:
            conn.h2.send_headers(self.stream_id, headers, end_stream=end_stream)
        except (h2.exceptions.ProtocolError, ValueError) as exc:
            conn.flush()
            self._fail(exc)
            return
        if end_stream:
            self.ended = True
        conn.flush()

    def write(self, data: bytes) -> None:
        if self.closed or self.ending or not data:
            return
        self.pending.append(data)
        self.pump()
        self.conn.flush()
        if self.pending and not self.blocked and self.sink is not None:
            self.blocked = True
            self.sink.on_upstream_paused()

    def end(self) -> None:
        """The request body is complete: END_STREAM once what is pending went out."""
        if self.closed or self.ending or self.ended:
            return
        self.ending = True
        self.pump()
        self.conn.flush()

    def close(self) -> None:
        """Abandon the stream (the client went away, or the exchange is done with it): RST_STREAM CANCEL."""
        self.sink = None
        if self.closed:
            return
        self.closed = True
        conn = self.conn
        conn.forget(self)
        if not conn.closed:
            try:
                conn.h2.reset_stream(self.stream_id, ErrorCodes.CANCEL)
            except (h2.exceptions.StreamClosedError, h2.exceptions.ProtocolError, KeyError):
                pass
            conn.flush()

    def pause_reading(self) -> None:
        self.paused = True

    def resume_reading(self) -> None:
        if self.paused:
            self.paused = False
            if self.unacked and not self.closed:
                n, self.unacked = self.unacked, 0
                self.conn.ack(self.stream_id, n)
                self.conn.flush()

    # -- internals ---------------------------------------------------------------------------------------------

    def pump(self) -> None:
        """Send what the flow-control window allows of the pending body (then END_STREAM when asked)."""
        conn = self.conn
        h2c = conn.h2
        pending = self.pending
        sid = self.stream_id
        try:
            while pending:
                window = min(h2c.local_flow_control_window(sid), h2c.max_outbound_frame_size)
                if window <= 0:
                    return
                data = pending[0]
                if len(data) > window:
                    pending[0] = data[window:]
                    data = data[:window]
                else:
                    pending.popleft()
                h2c.send_data(sid, data)
            if self.ending and not self.ended:
                self.ended = True
                h2c.end_stream(sid)
        except (h2.exceptions.StreamClosedError, h2.exceptions.ProtocolError, KeyError):
            pending.clear()
        if self.blocked and not pending:
            self.blocked = False
            if self.sink is not None:
                self.sink.on_upstream_resumed()

    def _fail(self, exc: BaseException | None) -> None:
        if self.closed:
            return
        self.closed = True
        self.conn.forget(self)
        sink, self.sink = self.sink, None
        if sink is not None:
            sink.on_upstream_lost(self, exc)


class H2UpstreamConnection(asyncio.Protocol):
    """One h2c connection to an endpoint, carrying many streams (see the module docstring)."""

    def __init__(self, pool: H2EndpointPool) -> None:
        self.pool = pool
        self.h2 = h2.connection.H2Connection(config=_CONFIG)
        self.transport: asyncio.Transport | None = None
        self.streams: dict[int, H2UpstreamStream] = {}
        self.closed = False
        self.going_away = False  # the endpoint sent GOAWAY (or the pool closes): no new streams
        self.idle_since = monotonic()
        self.flush_scheduled = False

    # -- used by the pool --------------------------------------------------------------------------------------

    def has_room(self) -> bool:
        if self.closed or self.going_away:
            return False
        return self.h2.open_outbound_streams < self.h2.remote_settings.max_concurrent_streams

    def new_stream(self) -> H2UpstreamStream:
        sid = self.h2.get_next_available_stream_id()
        stream = H2UpstreamStream(self, sid)
        self.streams[sid] = stream
        return stream

    def forget(self, stream: H2UpstreamStream) -> None:
        if self.streams.pop(stream.stream_id, None) is not None and not self.streams:
            self.idle_since = monotonic()
            if self.going_away or self.pool.closed:
                self.close()

    def ack(self, stream_id: int, n: int) -> None:
        try:
            self.h2.acknowledge_received_data(n, stream_id)
        except (h2.exceptions.StreamClosedError, h2.exceptions.ProtocolError, KeyError):
            pass

    def flush(self) -> None:
        """Write what the library has framed, once per event-loop turn: the streams of a turn share a write."""
        if not self.flush_scheduled and not self.closed:
            self.flush_scheduled = True
            asyncio.get_running_loop().call_soon(self.flush_now)

    def flush_now(self) -> None:
        self.flush_scheduled = False
        data = self.h2.data_to_send()
        if data and not self.closed:
            self.transport.write(data)  # type: ignore[union-attr]

    def close(self) -> None:
        if self.closed:
            return
        try:
            self.h2.close_connection()
        except h2.exceptions.ProtocolError:
            pass
        if self.transport is not None:
            self.flush_now()
            self.closed = True
            self.transport.close()
        self.closed = True

    # -- asyncio.Protocol --------------------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        h2c = self.h2
        h2c.local_settings = h2.settings.Settings(
            client=True,
            initial_values={
                h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: STREAM_WINDOW,
                h2.settings.SettingCodes.ENABLE_PUSH: 0,
            },
        )
        h2c.initiate_connection()
        h2c.increment_flow_control_window(CONNECTION_WINDOW - 65535)
        self.flush_now()

    def connection_lost(self, exc: BaseException | None) -> None:
        self.closed = True
        self.pool.discard(self)
        streams = list(self.streams.values())
        self.streams.clear()
        for stream in streams:
            stream._fail(exc)

    def eof_received(self) -> bool:
        return False

    def data_received(self, data: bytes) -> None:
        try:
            events = self.h2.receive_data(data)
        except h2.exceptions.ProtocolError as exc:
            _log.warning("gateway: h2c endpoint %s:%s broke the protocol: %s", self.pool.host, self.pool.port, exc)
            self.flush_now()
            self.closed = True
            self.transport.abort()  # type: ignore[union-attr]
            return
        touched: list[H2UpstreamStream] = []
        streams = self.streams
        for ev in events:
            stream = streams.get(getattr(ev, "stream_id", 0) or 0)
            if isinstance(ev, h2.events.DataReceived):
                if stream is None or stream.sink is None:
                    self.ack(ev.stream_id, ev.flow_controlled_length)
                    continue
                if stream.paused:
                    stream.unacked += ev.flow_controlled_length
                else:
                    self.ack(ev.stream_id, ev.flow_controlled_length)
                stream.sink.on_response_body(ev.data)
                touched.append(stream)
            elif isinstance(ev, h2.events.ResponseReceived):
                if stream is None or stream.sink is None:
                    continue
                stream.received = stream.response_started = True
                status = 0
                length = False
                for name, value in ev.headers:
                    if name == b":status":
                        status = int(value)
                    elif name == b"content-length":
                        length = True
                # chunked=True: the body is delimited by the stream's framing, not by the connection's end
                stream.sink.on_response_head(
                    status, http1.reason_phrase(status), header_lines(ev.headers), length, not length, None
                )
                touched.append(stream)
            elif isinstance(ev, h2.events.TrailersReceived):
                if stream is not None and stream.sink is not None:
                    stream.sink.on_trailers([(n, v) for n, v in ev.headers if n[:1] != b":"])
            elif isinstance(ev, h2.events.StreamEnded):
                if stream is None:
                    continue
                sink = stream.sink
                stream.closed = stream.ended or stream.closed
                if stream.closed:
                    self.forget(stream)
                if sink is not None:
                    sink.on_response_end(True)
            elif isinstance(ev, h2.events.StreamReset):
                if stream is not None:
                    stream._fail(ConnectionResetError(f"the revision reset the stream ({_code(ev.error_code)})"))
            elif isinstance(ev, h2.events.WindowUpdated):
                if ev.stream_id:
                    if stream is not None:
                        stream.pump()
                else:
                    for s in list(streams.values()):
                        s.pump()
            elif isinstance(ev, h2.events.RemoteSettingsChanged):
                for s in list(streams.values()):
                    s.pump()
                self.pool.room()
            elif isinstance(ev, h2.events.InformationalResponseReceived):
                if stream is not None and stream.sink is not None:
                    status = int(dict(ev.headers).get(b":status", b"100"))
                    stream.sink.on_interim(status, http1.reason_phrase(status), header_lines(ev.headers))
            elif isinstance(ev, h2.events.ConnectionTerminated):
                self.going_away = True
                last = ev.last_stream_id or 0
                for s in [s for sid, s in streams.items() if sid > last]:
                    s._fail(ConnectionResetError("the revision closed the connection (GOAWAY)"))
                if not streams:
                    self.close()
        self.flush()
        for stream in dict.fromkeys(touched):
            sink = stream.sink
            if sink is not None:
                sink.flush()

    def pause_writing(self) -> None:
        pass  # HTTP/2's flow control bounds what is in flight

    def resume_writing(self) -> None:
        pass


def _code(code: Any) -> str:
    try:
        return ErrorCodes(code).name
    except ValueError:
        return str(code)


@attrs.define(eq=False)
class H2EndpointPool:
    """The h2c connections to one ``host:port`` (see the module docstring); same use as ``EndpointPool``."""

    host: str
    port: int
    idle_timeout: float = 30.0
    tasks: set[asyncio.Task[None]] = attrs.field(factory=set)
    closed: bool = False
    conns: list[H2UpstreamConnection] = attrs.field(factory=list)
    connecting: bool = False
    _waiting: deque[Any] = attrs.field(factory=deque)

    h2 = True

    def take(self) -> H2UpstreamStream | None:
        """A new stream on an open connection with room, or None (wait in :meth:`request`)."""
        for conn in self.conns:
            if conn.has_room():
                return conn.new_stream()
        return None

    def request(self, waiter: Any) -> None:
        """Queue ``waiter`` for a stream: it gets one as soon as a connection has room (a new one is opened)."""
        self._waiting.append(waiter)
        self._connect()

    def _connect(self) -> None:
        if not self.connecting:
            self.connecting = True
            task = asyncio.get_running_loop().create_task(self._open())
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    def cancel(self, waiter: Any) -> None:
        try:
            self._waiting.remove(waiter)
        except ValueError:
            pass

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    async def _open(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            _, conn = await loop.create_connection(partial(H2UpstreamConnection, self), self.host, self.port)
        except Exception as exc:  # noqa: BLE001 - every waiter answers it (a 502 each)
            self.connecting = False
            waiting, self._waiting = self._waiting, deque()
            for waiter in waiting:
                waiter.on_connect_failed(exc)
            return
        finally:
            self.connecting = False
        if conn.closed:
            waiting, self._waiting = self._waiting, deque()
            for waiter in waiting:
                waiter.on_connect_failed(ConnectionResetError("the connection closed at once"))
            return
        self.conns.append(conn)
        self.room()

    def room(self) -> None:
        """Streams became possible (a connection opened, or its peer raised its stream limit): serve waiters."""
        while self._waiting:
            stream = self.take()
            if stream is None:
                self._connect()  # all full: one more connection
                return
            self._waiting.popleft().on_connection(stream)

    def put(self, stream: H2UpstreamStream) -> None:
        """An exchange is done with a stream whose response is complete."""
        stream.sink = None
        if not stream.closed:
            stream.close()  # the request side was still open (an answer before the whole upload)
        if self._waiting:
            self.room()

    def discard(self, conn: H2UpstreamConnection) -> None:
        try:
            self.conns.remove(conn)
        except ValueError:
            pass

    def expire(self, now: float) -> None:
        limit = now - self.idle_timeout
        for conn in list(self.conns):
            if not conn.streams and conn.idle_since < limit:
                self.discard(conn)
                conn.close()

    def close(self) -> None:
        """Close idle connections now; the others once their last stream is done."""
        self.closed = True
        for conn in list(self.conns):
            conn.going_away = True
            if not conn.streams:
                self.discard(conn)
                conn.close()
