"""Plugins' routes on the admin listener (``HttpRoute(listener="admin", ...)``): each prefix is a catch-all whose
requests are handed to the plugin's handler as :class:`pyknative.roles.HttpRequest` values, with the admin API's
body limit and the error rule of :mod:`pyknative.http_routes`."""

from __future__ import annotations

from aiohttp import web

from pyknative import http_routes
from pyknative.roles.http import HttpRequest, HttpRoute


def add_plugin_routes(app: web.Application, table: http_routes.RouteTable) -> None:
    for route in table.routes:
        app.router.add_route("*", route.prefix + "{tail:.*}", _handler(route))


def _handler(route: HttpRoute):
    async def handle(request: web.Request) -> web.Response:
        body = await request.read()  # aiohttp enforces client_max_size (413)
        headers = [(k.lower(), v) for k, v in request.headers.items()]
        answer = await http_routes.dispatch(
            route,
            HttpRequest(
                method=request.method,
                path=request.raw_path.split("?", 1)[0],
                query_string=request.query_string,
                headers=dict(headers),
                header_list=tuple(headers),
                body=body,
                subpath=request.match_info.get("tail", ""),
            ),
        )
        return web.Response(status=answer.status, body=answer.body, headers=dict(answer.headers))

    return handle
