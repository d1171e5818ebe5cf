"""Plugins' routes on the admin listener (``HttpRoute(listener="admin", ...)``): each prefix is a catch-all whose
requests are handed to the plugin's handler as :class:`pyknative.roles.HttpRequest` values, with the admin API's
body limit and the error rule of :mod:`pyknative.http_routes`."""

from __future__ import annotations

from aiohttp import web

from pyknative import http_routes
from pyknative.errors import PluginConflictError
from pyknative.roles.http import HttpRequest, HttpRoute

#: the admin API's own paths: no plugin prefix may start with one of these
RESERVED = ("/api/", "/apis/", "/healthz/", "/logs/", "/metrics/", "/ui/")


def add_plugin_routes(app: web.Application, table: http_routes.RouteTable) -> None:
    for route in table.routes:
        taken = next((r for r in RESERVED if route.prefix.startswith(r) or r.startswith(route.prefix)), None)
        if taken is not None:
            raise PluginConflictError(
                f"HTTP route prefix {route.prefix!r} on the admin listener overlaps the admin API's {taken!r}"
            )
        handler = _handler(route)
        app.router.add_route("*", route.prefix[:-1], handler)
        app.router.add_route("*", route.prefix + "{tail:.*}", handler)


def _handler(route: HttpRoute):
    async def handle(request: web.Request) -> web.Response:
        body = await request.read()  # aiohttp enforces client_max_size (413)
        headers = [(k.lower(), v) for k, v in request.headers.items()]
        path = request.raw_path.split("?", 1)[0]
        answer = await http_routes.dispatch(
            route,
            HttpRequest(
                method=request.method,
                path=path,
                query_string=request.query_string,
                headers=dict(headers),
                header_list=tuple(headers),
                body=body,
                subpath=http_routes.subpath(route, path),  # raw, as on the event listener
            ),
        )
        return web.Response(status=answer.status, body=answer.body, headers=dict(answer.headers))

    return handle
