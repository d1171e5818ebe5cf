"""Plugins' HTTP routes: prefix rules, overlaps refused, and the one error rule for handlers."""

from __future__ import annotations

import pytest

from pyknative.errors import NotFoundError, ValidationError
from pyknative.http_routes import RouteConflictError, RouteTable, dispatch
from pyknative.roles import HttpRequest, HttpResponse, HttpRoute


async def ok(request: HttpRequest) -> HttpResponse:
    return HttpResponse.text(202, f"got {request.subpath}")


@pytest.mark.parametrize("prefix", ["/github/", "github.example.com/", "/github.example.com", "/"])
def test_event_listener_prefixes_must_be_a_dotted_first_segment_between_slashes(prefix):
    with pytest.raises(ValueError, match="HttpRoute.prefix"):
        HttpRoute("events", prefix, handler=ok)


def test_admin_prefixes_need_no_dot_and_overlaps_are_refused_on_one_listener():
    table = RouteTable([HttpRoute("admin", "/func/", handler=ok), HttpRoute("admin", "/funcs/", handler=ok)])
    with pytest.raises(RouteConflictError, match="'/func/x/' on the admin listener overlaps '/func/'"):
        table.add(HttpRoute("admin", "/func/x/", handler=ok))
    assert table.find("/funcs/a").prefix == "/funcs/"
    assert table.find("/func") is not None and table.find("/fun") is None


async def test_dispatch_maps_methods_and_errors():
    route = HttpRoute("events", "/hooks.example.com/", handler=ok, methods=("POST",))
    req = HttpRequest("POST", "/hooks.example.com/a/b", subpath="a/b")
    assert await dispatch(route, req) == HttpResponse.text(202, "got a/b")
    wrong = await dispatch(route, HttpRequest("GET", "/hooks.example.com/a"))
    assert (wrong.status, wrong.headers["allow"]) == (405, "POST")

    async def missing(_r):
        raise NotFoundError("no such hook")

    async def broken(_r):
        raise RuntimeError("secret detail")

    async def not_a_response(_r):
        return "hello"

    async def invalid(_r):
        raise ValidationError([])

    assert (await dispatch(HttpRoute("admin", "/x/", handler=missing), req)).status == 404
    answer = await dispatch(HttpRoute("admin", "/x/", handler=broken), req)
    assert answer.status == 500 and b"secret" not in answer.body
    assert (await dispatch(HttpRoute("admin", "/x/", handler=not_a_response), req)).status == 500
    assert (await dispatch(HttpRoute("admin", "/x/", handler=invalid), req)).status == 422
