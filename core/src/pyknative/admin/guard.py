"""The admin API's guard against web pages: a middleware, right after the bearer-token check
(:mod:`pyknative.admin.access`), that refuses requests a browser could be made to send (a cross-site form post,
or a page on a rebound DNS name that resolves to loopback).

Every request, ``GET /healthz`` and plugins' routes included:

1. its ``Host`` header must name the address the server is bound to or a loopback name (``localhost``,
   ``127.x.y.z``, ``[::1]``), with the served port or without a port; a request without ``Host`` is refused (403);
   where every request must carry the bearer token, only the header's presence is checked;
2. a state-changing request (POST, PUT, PATCH, DELETE) carrying an ``Origin`` header must come from the server's
   own origin: ``http(s)://<allowed host>:<served port>`` (403); no ``Origin`` (the CLI, curl) is fine;
3. a state-changing request with a body, or with a ``Content-Type``, must be JSON (``application/json`` or any
   ``+json`` type) or YAML (``application/yaml``, ``application/x-yaml``, ``text/yaml``, ``text/x-yaml``) (415);
   one without a body and without a ``Content-Type`` (a DELETE) is fine.

Refusals are Kubernetes ``Status`` objects, like the API's other errors.
"""

from __future__ import annotations

import ipaddress
import urllib.parse
from collections.abc import Awaitable, Callable

from aiohttp import web

from pyknative.admin.status import status_body
from pyknative.admin_token import is_loopback

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")
ACCEPTED = "application/json (or a +json type), " + ", ".join(YAML_TYPES)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


Middleware = Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]


def refusing(check: Callable[[web.Request], web.Response | None]) -> Middleware:
    """A middleware that answers ``check``'s refusal, or passes the request on when it has none."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        refusal = check(request)
        if refusal is not None:
            return refusal
        return await handler(request)

    return middleware


class Guard:
    """The guard's state: the address served (set by :func:`pyknative.admin.start_api_server` once bound; until
    then only loopback names pass, on any port). ``check_host=False`` turns the Host check off: where every
    request must carry the bearer token, a page on a rebound name cannot send one, and remote clients name the
    server as they reach it (``0.0.0.0`` is no name they use)."""

    def __init__(self, *, check_host: bool = True) -> None:
        self.host: str | None = None
        self.port: int | None = None
        self.check_host = check_host

    def serve(self, host: str, port: int) -> None:
        self.host, self.port = host, port

    def _allowed_name(self, name: str) -> bool:
        if is_loopback(name) or name == (self.host or "").lower():
            return True
        try:
            ip = ipaddress.ip_address(name)
            return self.host is not None and ip == ipaddress.ip_address(self.host)
        except ValueError:
            return False

    def allowed_host(self, value: str) -> bool:
        """Whether a ``Host`` header value (``name``, ``name:port``, ``[v6]``, ``[v6]:port``) names this server."""
        try:
            parts = urllib.parse.urlsplit("//" + value)
            name, port = parts.hostname, parts.port
        except ValueError:
            return False
        if not name or parts.netloc != value or "@" in value:
            return False
        if port is not None and self.port is not None and port != self.port:
            return False
        return self._allowed_name(name)

    def allowed_origin(self, value: str) -> bool:
        """Whether an ``Origin`` header is this server's own origin."""
        try:
            parts = urllib.parse.urlsplit(value)
            name, port = parts.hostname, parts.port
        except ValueError:
            return False
        if parts.scheme not in ("http", "https") or not name or parts.path or parts.query or "@" in value:
            return False
        port = port if port is not None else (443 if parts.scheme == "https" else 80)
        if self.port is not None and port != self.port:
            return False
        return self._allowed_name(name)

    @property
    def middleware(self) -> Middleware:
        return refusing(self.check)

    def check(self, request: web.Request) -> web.Response | None:
        """The refusal for ``request``, or None when it may pass."""
        host = request.headers.get("Host")
        if host is None:
            return _refuse(403, "Forbidden", "the request has no Host header (HTTP/1.1 requires one)")
        if self.check_host and not self.allowed_host(host):
            return _refuse(
                403,
                "Forbidden",
                f"Host {host!r} is not this server's address nor a loopback name; the admin API answers only "
                "requests addressed to it (a guard against DNS rebinding)",
            )
        if request.method not in STATE_CHANGING:
            return None
        origin = request.headers.get("Origin")
        if origin is not None and not self.allowed_origin(origin):
            return _refuse(
                403,
                "Forbidden",
                f"Origin {origin!r} is not this server's own origin; the admin API takes no state-changing "
                "requests from web pages of other origins",
            )
        ctype = request.headers.get("Content-Type")
        if ctype is None and not request.body_exists:
            return None
        media = request.content_type  # lower-cased, parameters dropped
        if ctype is None or not (
            media == "application/json" or media.endswith("+json") or media in YAML_TYPES
        ):
            shown = "no Content-Type" if ctype is None else f"Content-Type {ctype!r}"
            return _refuse(
                415,
                "UnsupportedMediaType",
                f"{request.method} with {shown} is not accepted; send the body as {ACCEPTED}",
            )
        return None


def _refuse(code: int, reason: str, message: str) -> web.Response:
    return web.json_response(status_body(message, code=code, reason=reason), status=code)


GUARD = web.AppKey("pyknative_guard", Guard)
