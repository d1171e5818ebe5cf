"""Plugins' HTTP routes (:class:`pyknative.roles.HttpRoute`) on one listener: prefix lookup and one error rule.

Both listeners use it: the event ingress for paths whose first segment has a dot, the admin API for a
catch-all under each admin prefix. :func:`dispatch` runs a handler with the platform's error mapping: a
:class:`~pyknative.errors.PyknativeError` becomes its status code and message, anything else is logged and
answered 500 without details; a method the route does not take is 405 with ``Allow``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

from pyknative.errors import PluginConflictError, PyknativeError
from pyknative.roles.http import HttpRequest, HttpResponse, HttpRoute

log = logging.getLogger(__name__)


class RouteConflictError(PluginConflictError):
    """Two plugins' routes claim overlapping prefixes on one listener."""


class RouteTable:
    """The routes of one listener, longest prefix first; overlapping prefixes are refused when built."""

    def __init__(self, routes: Iterable[HttpRoute] = ()) -> None:
        self._routes: list[HttpRoute] = []
        for route in routes:
            self.add(route)

    def add(self, route: HttpRoute) -> None:
        for other in self._routes:
            if other.prefix.startswith(route.prefix) or route.prefix.startswith(other.prefix):
                raise RouteConflictError(
                    f"HTTP route prefix {route.prefix!r} on the {route.listener} listener overlaps {other.prefix!r}"
                )
        self._routes.append(route)
        self._routes.sort(key=lambda r: -len(r.prefix))

    @property
    def routes(self) -> Sequence[HttpRoute]:
        return tuple(self._routes)

    def __bool__(self) -> bool:
        return bool(self._routes)

    def find(self, path: str) -> HttpRoute | None:
        for route in self._routes:
            if route.matches(path):
                return route
        return None


async def dispatch(route: HttpRoute, request: HttpRequest) -> HttpResponse:
    """Run ``route``'s handler for ``request`` with the platform's method check and error mapping."""
    if request.method.upper() not in route.methods:
        allow = ", ".join(route.methods)
        return HttpResponse(
            405, f"method {request.method} is not allowed: use {allow}".encode(), {"allow": allow}
        )
    try:
        response = await route.handler(request)
    except PyknativeError as e:
        return HttpResponse.text(e.status_code, str(e))
    except Exception:
        log.exception(
            "plugin route %s: the handler failed on %s %s", route.prefix, request.method, request.path
        )
        return HttpResponse.text(500, "internal error in a plugin's handler")
    if not isinstance(response, HttpResponse):
        log.error(
            "plugin route %s: the handler answered %r, not an HttpResponse", route.prefix, type(response)
        )
        return HttpResponse.text(500, "internal error in a plugin's handler")
    return response


def subpath(route: HttpRoute, path: str) -> str:
    return path[len(route.prefix) :] if path.startswith(route.prefix) else ""
