"""The event ingress: one HTTP server for every Broker (``/<namespace>/<broker>``) and every channel
(``/channels/<namespace>/<name>``), answering as Knative's MT broker ingress and channel receiver do.

Per request, in this order: ``OPTIONS`` -> 200 with ``Allow: POST, OPTIONS``, ``WebHook-Allowed-Origin: *`` and
``WebHook-Allowed-Rate: *``; any other method but ``POST`` -> 405; a body over ``max_body_bytes`` -> 413 (as soon as
``Content-Length`` or the bytes read say so); path ``/`` -> 404; any other path that is neither form -> 400; no
valid CloudEvent -> 400 with the reason (before any lookup, so an invalid event to a missing broker is 400);
unknown broker or channel -> 404. A Broker's event then gets ``knativearrivaltime`` (RFC 3339, UTC, microseconds)
and its loop counter ``knativebrokerttl``: set to ``max_ttl`` when missing, decremented when present; a counter
that reaches 0 (or is not an integer) -> 400, the event is dropped. Channels take the event as it is.

Then ``await target.publish(message)`` on the :class:`PublishTarget` the lookup returned (the platform maps a
Broker to its channel and the channel to its backend, e.g. :class:`ChannelTarget`): 202 when it returns,
:class:`ChannelError` -> its ``status_code`` (503) so the producer retries, anything else -> 500 (logged).

Plugins' routes (:class:`pyknative.roles.HttpRoute` on the ``events`` listener) take every path under their
prefix, whose first segment has a dot, so no broker path can be one: for those requests alone every header is
kept, and the whole request (within the body limit) goes to the plugin's handler (see
:mod:`pyknative.http_routes`).

The server is the gateway's kind (``asyncio.Protocol`` + httptools, nothing decoded that is not needed):
keep-alive and pipelining (requests on one connection answered in order; reading pauses while one is being
published), ``Expect: 100-continue``, request heads capped at 64 KiB (431). Other HTTP headers
(``x-request-id``, ``knative-*``, tracing) are not carried: a :class:`Message` holds the event only.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from time import time
from typing import Protocol

import attrs
import httptools

from pyknative import http_routes
from pyknative.dataplane import http1
from pyknative.eventing import codec
from pyknative.eventing.channel import ChannelBackend, ChannelError, ChannelRef
from pyknative.eventing.message import ARRIVAL_TIME, BROKER_TTL, Message
from pyknative.roles.http import HttpRequest, HttpResponse, HttpRoute

_log = logging.getLogger(__name__)

DEFAULT_MAX_TTL = 255
DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024
MAX_HEAD_BYTES = 64 * 1024
_LINGER_SECONDS = 2.0

_ACCEPTED = b"HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n"
_OPTIONS = (
    b"HTTP/1.1 200 OK\r\nallow: POST, OPTIONS\r\nwebhook-allowed-origin: *\r\nwebhook-allowed-rate: *\r\n"
    b"content-length: 0\r\n"
)
_ALLOW = b"allow: POST, OPTIONS\r\n"


class PublishTarget(Protocol):
    """Where the ingress hands an accepted event: return once it is held, raise ChannelError if it cannot be."""

    def publish(self, message: Message) -> Awaitable[None]: ...


@attrs.frozen
class ChannelTarget:
    """A :class:`PublishTarget` that publishes to one channel of a channel backend."""

    backend: ChannelBackend
    channel: ChannelRef

    def publish(self, message: Message) -> Awaitable[None]:
        return self.backend.publish(self.channel, message)


Lookup = Callable[[str, str], PublishTarget | None]


@attrs.define
class _Clock:
    """RFC 3339 timestamps of now, in UTC with microseconds; the date-and-seconds part is formatted once a second."""

    second: int = -1
    prefix: str = ""

    def now(self) -> str:
        t = time()
        second = int(t)
        if second != self.second:
            self.second = second
            self.prefix = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")
        return f"{self.prefix}.{int((t - second) * 1e6):06d}Z"


@attrs.define(eq=False)
class EventIngress:
    """The ingress server (see the module docstring). ``lookup(namespace, broker)`` and
    ``channel_lookup(namespace, channel)`` return the target to publish to, or None (404); without a
    ``channel_lookup`` every channel path is 404."""

    lookup: Lookup = attrs.field(kw_only=True)
    host: str = attrs.field(default="127.0.0.1", kw_only=True)
    port: int = attrs.field(default=0, kw_only=True)
    channel_lookup: Lookup | None = attrs.field(default=None, kw_only=True)
    max_body_bytes: int = attrs.field(default=DEFAULT_MAX_BODY_BYTES, kw_only=True)
    max_ttl: int = attrs.field(default=DEFAULT_MAX_TTL, kw_only=True)
    #: plugins' routes on this listener
    routes: http_routes.RouteTable = attrs.field(factory=http_routes.RouteTable, kw_only=True)
    _server: asyncio.Server | None = attrs.field(default=None, init=False)
    _connections: set[_Connection] = attrs.field(factory=set, init=False)
    _clock: _Clock = attrs.field(factory=_Clock, init=False)

    async def start(self) -> tuple[str, int]:
        """Listen; returns the bound ``(host, port)`` (port 0 picks a free one)."""
        if self._server is not None:
            raise RuntimeError("the event ingress is already started")
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: _Connection(self), self.host, self.port, backlog=1024)
        host, port = self._server.sockets[0].getsockname()[:2]
        self.port = port
        return host, port

    async def stop(self, grace: float = 5.0) -> None:
        """Stop listening, let requests being published finish (up to ``grace`` seconds), close connections."""
        server = self._server
        if server is None:
            return
        self._server = None
        server.close()
        for conn in list(self._connections):
            if not conn.busy:
                conn.close_now()
        deadline = asyncio.get_running_loop().time() + grace
        while any(c.busy for c in self._connections) and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.01)
        for conn in list(self._connections):
            conn.close_now()
        await server.wait_closed()

    # -- one request -----------------------------------------------------------------------------------------

    def _route(
        self, method: bytes, url: bytes, content_type: str | None, ce: dict[str, str], body: bytes
    ) -> tuple[int, str, bytes] | tuple[PublishTarget, Message]:
        """Decide a complete request: an answer ``(status, message, extra header lines)``, or where to publish."""
        if method != b"POST":
            if method == b"OPTIONS":
                return 200, "", b""
            return 405, f"method {method.decode('latin-1')} is not allowed: use POST", _ALLOW
        path = url.split(b"?", 1)[0]
        if path == b"/":
            return 404, "no broker at /: POST events to /<namespace>/<broker>", b""
        parts = path.rstrip(b"/").split(b"/")
        if len(parts) == 3 and parts[1] and parts[2]:
            kind, lookup = "broker", self.lookup
        elif len(parts) == 4 and parts[1] == b"channels" and parts[2] and parts[3]:
            kind, lookup = "channel", self.channel_lookup
        else:
            shown = path.decode("latin-1")
            return 400, f"malformed path {shown!r}: expected /<namespace>/<broker> or /channels/<namespace>/<name>", b""
        try:
            attributes, data = codec.decode_parts(content_type, ce, body)
        except codec.InvalidEvent as exc:
            return 400, f"invalid CloudEvent: {exc}", b""
        namespace, name = parts[-2].decode("latin-1"), parts[-1].decode("latin-1")
        target = lookup(namespace, name) if lookup is not None else None
        if target is None:
            return 404, f"{kind} {namespace}/{name} not found", b""
        if kind == "channel":
            return target, Message(attributes, data)
        raw_ttl = attributes.get(BROKER_TTL)
        if raw_ttl is None:
            ttl = self.max_ttl
        else:
            try:
                ttl = int(raw_ttl) - 1
            except ValueError:
                return 400, f"invalid CloudEvent: {BROKER_TTL} {raw_ttl!r} is not an integer", b""
        if ttl <= 0:
            return 400, f"event {attributes['id']!r} dropped: {BROKER_TTL} reached 0 (an event loop?)", b""
        attributes[BROKER_TTL] = str(ttl)
        attributes[ARRIVAL_TIME] = self._clock.now()
        return target, Message(attributes, data)


_SKIPPED_RESPONSE_HEADERS = frozenset({"content-length", "connection", "transfer-encoding"})
_NO_BODY = frozenset({204, 304})
_TOKEN = frozenset("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _plugin_response(response: HttpResponse, *, method: bytes, close: bool) -> bytes:
    """A plugin's answer on the wire: header names must be tokens and values free of CR/LF (others are dropped),
    the length is ours, and HEAD, 1xx, 204 and 304 answers carry no body."""
    if not isinstance(response.body, bytes | bytearray) or not 200 <= response.status <= 599 and response.status != 100:
        raise TypeError(f"a plugin answered {response.status!r} with a {type(response.body).__name__} body")
    lines = [b"HTTP/1.1 %d %b\r\n" % (response.status, http1.reason_phrase(response.status))]
    for name, value in response.headers.items():
        if (
            name
            and set(name) <= _TOKEN
            and name.lower() not in _SKIPPED_RESPONSE_HEADERS
            and "\n" not in value
            and "\r" not in value
        ):
            lines.append(f"{name}: {value}\r\n".encode("latin-1", "replace"))
    bodyless = method == b"HEAD" or response.status in _NO_BODY or response.status < 200
    if response.status not in _NO_BODY and response.status >= 200:
        lines.append(b"content-length: %d\r\n" % len(response.body))
    if close:
        lines.append(http1.CONNECTION_CLOSE)
    lines.append(http1.CRLF)
    if not bodyless:
        lines.append(bytes(response.body))
    return b"".join(lines)


class _Connection(asyncio.Protocol):
    """One client connection: httptools request parser; requests are answered one at a time, in order."""

    __slots__ = (
        "ingress",
        "transport",
        "parser",
        "url",
        "content_type",
        "ce",
        "body",
        "size",
        "expect_continue",
        "too_large",
        "head_bytes",
        "in_head",
        "pending",
        "busy",
        "closed",
        "lingering",
        "paused",
        "final",
        "route",
        "headers",
    )

    def __init__(self, ingress: EventIngress) -> None:
        self.ingress = ingress
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpRequestParser(self)
        self.url = b""
        self.content_type: str | None = None
        self.ce: dict[str, str] = {}
        self.body: list[bytes] = []
        self.size = 0
        self.expect_continue = False
        self.too_large = False
        self.head_bytes = 0
        self.in_head = False
        self.pending: deque[tuple] = deque()
        self.busy = False
        self.closed = False
        self.lingering = False
        self.paused = False
        self.final: tuple[int, str] | None = None
        #: the plugin route this request goes to (decided at its first header), and then all of its headers
        self.route: HttpRoute | None | bool = None
        self.headers: list[tuple[str, str]] | None = None

    # -- asyncio.Protocol ------------------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.ingress._connections.add(self)

    def connection_lost(self, exc: BaseException | None) -> None:
        self.closed = True
        self.pending.clear()
        self.ingress._connections.discard(self)

    def data_received(self, data: bytes) -> None:
        if self.lingering:
            return
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            if isinstance(exc, httptools.HttpParserCallbackError):
                _log.exception("event ingress: error while handling a request")
                self._answer_and_close(500, "internal error in the event ingress")
            elif not self.lingering:
                self._answer_and_close(400, f"malformed HTTP request: {exc}")
            return
        if self.in_head:
            self.head_bytes += len(data)
            if self.head_bytes > MAX_HEAD_BYTES:
                self._answer_and_close(431, f"request head is larger than {MAX_HEAD_BYTES} bytes")

    def eof_received(self) -> bool:
        return False

    # -- httptools callbacks ---------------------------------------------------------------------------------

    def on_message_begin(self) -> None:
        self.url = b""
        self.content_type = None
        self.ce = {}
        self.body = []
        self.size = 0
        self.expect_continue = False
        self.too_large = False
        self.head_bytes = 0
        self.in_head = True
        self.route = None
        self.headers = None

    def _decide_route(self) -> None:
        routes = self.ingress.routes
        route = routes.find(self.url.split(b"?", 1)[0].decode("latin-1")) if routes else None
        self.route = route if route is not None else False
        if route is not None:
            self.headers = []

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        if self.route is None:
            self._decide_route()
        low = name.lower()
        if self.headers is not None:
            self.headers.append((low.decode("latin-1"), value.decode("latin-1")))
        if low[:3] == b"ce-":
            self.ce[low[3:].decode("latin-1")] = value.decode("latin-1")
        elif low == b"content-type":
            self.content_type = value.decode("latin-1")
        elif low == b"content-length":
            try:
                self.too_large = int(value) > self.ingress.max_body_bytes
            except ValueError:
                pass  # httptools refuses it anyway
        elif low == b"expect":
            self.expect_continue = value.lower() == b"100-continue"

    def on_headers_complete(self) -> None:
        self.in_head = False
        if self.too_large:
            self._too_large()
        elif self.expect_continue and not self.parser.should_upgrade():
            self.transport.write(http1.CONTINUE_100)  # type: ignore[union-attr]

    def on_body(self, body: bytes) -> None:
        if self.lingering:
            return
        self.size += len(body)
        if self.size > self.ingress.max_body_bytes:
            self._too_large()
            return
        self.body.append(body)

    def on_message_complete(self) -> None:
        if self.lingering:
            return
        if self.route is None:
            self._decide_route()
        body = self.body
        request = (
            self.parser.get_method(),
            self.url,
            self.content_type,
            self.ce,
            body[0] if len(body) == 1 else b"".join(body),
            self.parser.should_keep_alive(),
            (self.route, self.headers) if self.route else None,
        )
        if self.busy:
            self.pending.append(request)
            if not self.paused:
                self.paused = True
                self.transport.pause_reading()  # type: ignore[union-attr]
            return
        self._handle(*request)

    # -- handling --------------------------------------------------------------------------------------------

    def _handle(
        self,
        method: bytes,
        url: bytes,
        content_type: str | None,
        ce: dict[str, str],
        body: bytes,
        keep_alive: bool,
        plugin: tuple[HttpRoute, list[tuple[str, str]]] | None = None,
    ) -> None:
        if plugin is not None:
            self.busy = True
            route, headers = plugin
            asyncio.get_running_loop().create_task(self._plugin(route, method, url, headers, body, keep_alive))
            return
        decided = self.ingress._route(method, url, content_type, ce, body)
        if isinstance(decided[0], int):
            status, text, extra = decided  # type: ignore[misc]
            if status == 200:
                self._write(_OPTIONS, keep_alive)
            else:
                self._error(status, text, keep_alive, extra)  # type: ignore[arg-type]
            return
        target, message = decided
        self.busy = True
        asyncio.get_running_loop().create_task(self._publish(target, message, keep_alive))  # type: ignore[arg-type]

    async def _publish(self, target: PublishTarget, message: Message, keep_alive: bool) -> None:
        # A task per request, not an eager call from here: a publish may need to run inside a task
        # (asyncio.timeout, TaskGroup, wait_for all do).
        try:
            await target.publish(message)
        except ChannelError as exc:
            self._error(exc.status_code, f"could not publish event {message.id!r}: {exc}", keep_alive)
        except Exception:  # noqa: BLE001 - any other failure is the platform's: 500, and the producer retries
            _log.exception("event ingress: publishing event %r failed", message.id)
            self._error(500, f"could not publish event {message.id!r}: internal error", keep_alive)
        else:
            self._write(_ACCEPTED, keep_alive)
        self.busy = False
        self._next()

    async def _plugin(
        self,
        route: HttpRoute,
        method: bytes,
        url: bytes,
        headers: list[tuple[str, str]],
        body: bytes,
        keep_alive: bool,
    ) -> None:
        path, _, query = url.decode("latin-1").partition("?")
        request = HttpRequest(
            method=method.decode("latin-1"),
            path=path,
            query_string=query,
            headers=dict(headers),
            header_list=tuple(headers),
            body=body,
            subpath=http_routes.subpath(route, path),
        )
        try:
            response = await http_routes.dispatch(route, request)
            try:
                wire = _plugin_response(response, method=method, close=not keep_alive)
            except (TypeError, ValueError):
                _log.exception("plugin route %s: unusable response to %s %s", route.prefix, request.method, path)
                wire = http1.plain_response(500, "internal error in a plugin's handler", close=not keep_alive)
            if not self.closed:
                self.transport.write(wire)  # type: ignore[union-attr]
                if not keep_alive:
                    self.close_now()
        except BaseException:
            if not self.closed:
                self.close_now()  # cancelled mid-answer (the ingress is stopping): nothing sensible to send
            raise
        finally:
            self.busy = False
        self._next()

    def _next(self) -> None:
        if self.final is not None:
            status, text = self.final
            self.final = None
            if not self.closed:
                self._final(status, text)
            return
        pending = self.pending
        while pending and not self.busy and not self.closed:
            self._handle(*pending.popleft())
        if not pending and self.paused and not self.closed and not self.lingering:
            self.paused = False
            self.transport.resume_reading()  # type: ignore[union-attr]

    def _write(self, head: bytes, keep_alive: bool) -> None:
        if self.closed:
            return
        transport = self.transport
        if keep_alive:
            transport.write(head + b"\r\n")  # type: ignore[union-attr]
        else:
            transport.write(head + http1.CONNECTION_CLOSE + b"\r\n")  # type: ignore[union-attr]
            self.close_now()

    def _error(self, status: int, text: str, keep_alive: bool, extra: bytes = b"") -> None:
        if self.closed:
            return
        self.transport.write(  # type: ignore[union-attr]
            http1.plain_response(status, text, close=not keep_alive, extra_headers=extra)
        )
        if not keep_alive:
            self.close_now()

    def _too_large(self) -> None:
        limit = self.ingress.max_body_bytes
        self._answer_and_close(413, f"request body is larger than {limit} bytes")

    def _answer_and_close(self, status: int, text: str) -> None:
        """Answer (after the request being published, if any) and close once the client stops sending: closing
        with unread input makes the kernel send a reset, which can destroy the answer."""
        if self.closed or self.lingering:
            return
        self.pending.clear()
        self.lingering = True  # read and drop whatever else comes
        if self.busy:
            self.final = (status, text)  # answered by _next, after the response in flight
            if self.paused:
                self.paused = False
                self.transport.resume_reading()  # type: ignore[union-attr]
            return
        self._final(status, text)

    def _final(self, status: int, text: str) -> None:
        transport = self.transport
        transport.write(http1.plain_response(status, text, close=True))  # type: ignore[union-attr]
        if transport.can_write_eof():  # type: ignore[union-attr]
            transport.write_eof()  # type: ignore[union-attr]
            if self.paused:
                self.paused = False
                transport.resume_reading()  # type: ignore[union-attr]
            asyncio.get_running_loop().call_later(_LINGER_SECONDS, self.close_now)
        else:
            self.close_now()

    def close_now(self) -> None:
        if not self.closed:
            self.closed = True
            self.transport.close()  # type: ignore[union-attr]
