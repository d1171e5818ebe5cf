"""Plugins' routes on the admin listener: mounted under their prefix, with the same request shape and error rule as
on the event listener, and never over the admin API's own paths."""

from __future__ import annotations

import aiohttp
import pytest

from pyknative.admin import make_api_app, start_api_server
from pyknative.api.kinds import AdmissionContext
from pyknative.errors import NotFoundError, PluginConflictError
from pyknative.http_routes import RouteTable
from pyknative.roles import HttpRequest, HttpResponse, HttpRoute


async def echo(request: HttpRequest) -> HttpResponse:
    if request.subpath == "missing":
        raise NotFoundError("no such thing")
    return HttpResponse.json(200, {"method": request.method, "path": request.path, "subpath": request.subpath,
                                   "query": request.query, "body": request.body.decode(), "h": request.header("x-h")})


def _app(support, store, *routes: HttpRoute):
    return make_api_app(
        kinds=support.make_kinds(), store=store, admission=lambda: AdmissionContext(store=store),
        routes=RouteTable(routes),
    )


async def test_a_plugin_route_gets_its_requests_and_the_core_api_still_answers(support, store):
    app = _app(support, store, HttpRoute("admin", "/func/", handler=echo, methods=("GET", "POST")))
    runner, (host, port) = await start_api_server(app)
    base = f"http://{host}:{port}"
    try:
        async with aiohttp.ClientSession() as s:
            async with s.post(base + "/func/a%2Fb?x=1", data=b'"hi"',
                              headers={"x-h": "v", "Content-Type": "application/json"}) as r:  # the guard: JSON/YAML
                got = await r.json()
            assert got == {"method": "POST", "path": "/func/a%2Fb", "subpath": "a%2Fb", "query": {"x": "1"},
                           "body": '"hi"', "h": "v"}
            async with s.get(base + "/func") as r:  # the prefix without its slash, as on the event listener
                assert r.status == 200 and (await r.json())["subpath"] == ""
            async with s.delete(base + "/func/x") as r:
                assert r.status == 405 and r.headers["allow"] == "GET, POST"
            async with s.get(base + "/func/missing") as r:
                assert r.status == 404 and "no such thing" in await r.text()
            async with s.get(base + "/healthz") as r:
                assert r.status == 200
    finally:
        await runner.cleanup()


@pytest.mark.parametrize("prefix", ["/apis/", "/apis/serving.knative.dev/", "/api/v1/", "/healthz/", "/metrics/"])
def test_a_prefix_over_the_admin_apis_own_paths_is_refused(support, store, prefix):
    with pytest.raises(PluginConflictError, match="overlaps the admin API's"):
        _app(support, store, HttpRoute("admin", prefix, handler=echo))
