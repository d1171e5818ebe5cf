"""HTTP routes a plugin mounts on the platform's listeners (a webhook receiver, a callback), framework-free.

A plugin answers ``pyknative_http_routes(platform)`` with :class:`HttpRoute` values. Each names the listener
(``events``: the event ingress, where producers and webhooks post; ``admin``: the admin API's listener, reachable as the admin API
is) and a path prefix the plugin owns. On the event listener the prefix's first segment must contain a dot
(a domain the plugin owns, e.g. ``/github.sources.knative.dev/``): no Kubernetes namespace can be spelled so,
which keeps ``/<namespace>/<broker>`` unambiguous. The platform applies its limits before the handler runs
(the listener's body-size limit: 413; request heads over 64 KiB: 431) and turns a
:class:`~pyknative.errors.PyknativeError` raised by the handler into its status code with the message; any
other exception is logged and answered 500 without details.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Literal
from urllib.parse import parse_qsl

import attrs

Listener = Literal["events", "admin"]


@attrs.frozen
class HttpRequest:
    method: str
    #: the full path, prefix included (percent-decoding is the handler's: ``/a%2Fb`` stays as sent)
    path: str
    #: the raw query string, without ``?``
    query_string: str = ""
    #: header names lower-cased; a repeated header keeps its last value (``header_list`` keeps them all)
    headers: Mapping[str, str] = attrs.field(factory=dict)
    header_list: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    #: the path after the route's prefix, without a leading ``/``
    subpath: str = ""

    @property
    def query(self) -> dict[str, str]:
        return dict(parse_qsl(self.query_string, keep_blank_values=True))

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name.lower(), default)


@attrs.frozen
class HttpResponse:
    status: int = 200
    body: bytes = b""
    headers: Mapping[str, str] = attrs.field(factory=dict)

    @classmethod
    def text(cls, status: int, text: str) -> HttpResponse:
        return cls(status, text.encode(), {"content-type": "text/plain; charset=utf-8"})

    @classmethod
    def json(cls, status: int, data: object) -> HttpResponse:
        import json

        return cls(status, json.dumps(data).encode(), {"content-type": "application/json"})


Handler = Callable[[HttpRequest], Awaitable[HttpResponse]]


def _check_prefix(route: HttpRoute, attribute: attrs.Attribute, value: str) -> None:
    if not value.startswith("/") or not value.endswith("/") or value == "/":
        raise ValueError(
            f"HttpRoute.prefix {value!r}: must start and end with '/' and name at least one segment"
        )
    if route.listener == "events" and "." not in value.strip("/").split("/", 1)[0]:
        raise ValueError(
            f"HttpRoute.prefix {value!r}: on the events listener the first segment must contain a dot (a domain the"
            " plugin owns), so that it can never be a namespace"
        )


@attrs.frozen
class HttpRoute:
    listener: Listener
    prefix: str = attrs.field(validator=_check_prefix)
    handler: Handler = attrs.field(kw_only=True)
    #: methods answered; others get 405 with ``Allow``
    methods: tuple[str, ...] = attrs.field(default=("POST",), kw_only=True)

    def matches(self, path: str) -> bool:
        return path.startswith(self.prefix) or path == self.prefix[:-1]
