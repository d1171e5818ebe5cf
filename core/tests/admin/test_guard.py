"""The admin API's guard against web pages (Host, Origin, media type), over a real server."""

from __future__ import annotations

import asyncio
import json

import pytest

from pyknative.admin import make_api_app, start_api_server
from pyknative.api.kinds import AdmissionContext
from pyknative.http_routes import RouteTable
from pyknative.roles import HttpResponse, HttpRoute

APPLY = "/apis/pyknative.dev/v1/apply"
SVC = "/apis/serving.knative.dev/v1/namespaces/default/services"
DOC = {
    "apiVersion": "serving.knative.dev/v1",
    "kind": "Service",
    "metadata": {"name": "hello", "namespace": "default"},
    "spec": {"template": {"spec": {"containers": [{"command": ["touch", "/tmp/pwned"]}]}}},
}
APPLY_BODY = {"items": [DOC]}


async def _raw(base: str, request: bytes) -> tuple[int, dict]:
    """Send ``request`` as it is; the status and the (JSON) body of the answer."""
    host, port = base.removeprefix("http://").rsplit(":", 1)
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(request)
    await writer.drain()
    data = await reader.read()
    writer.close()
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)


async def _stored(session, base) -> list:
    async with session.get(base + SVC) as r:
        assert r.status == 200
        return (await r.json())["items"]


async def test_the_browser_attack_is_refused_and_stores_nothing(api):
    session, base = api
    body = json.dumps(APPLY_BODY).encode()
    status, got = await _raw(
        base,
        b"POST " + APPLY.encode() + b" HTTP/1.1\r\nHost: evil.example:8001\r\nOrigin: http://evil.example\r\n"
        b"Content-Type: text/plain\r\nConnection: close\r\nContent-Length: "
        + str(len(body)).encode()
        + b"\r\n\r\n"
        + body,
    )
    assert status == 403
    assert got["kind"] == "Status" and got["code"] == 403 and got["reason"] == "Forbidden"
    assert "evil.example:8001" in got["message"]
    assert await _stored(session, base) == []
    async with session.post(base + APPLY, json=APPLY_BODY) as r:  # the same body from the CLI is applied
        assert r.status == 200
    assert len(await _stored(session, base)) == 1


@pytest.mark.parametrize(
    "host",
    [
        "evil.example",
        "evil.example:{port}",
        "10.1.2.3:{port}",
        "localhost.evil:{port}",
        "127.0.0.1:1",
        "user@127.0.0.1:{port}",
        "",
    ],
)
async def test_a_foreign_host_is_refused_even_for_healthz(api, host):
    session, base = api
    port = base.rsplit(":", 1)[1]
    async with session.get(base + "/healthz", headers={"Host": host.format(port=port)}) as r:
        assert r.status == 403
        got = await r.json()
        assert got["kind"] == "Status" and "Host" in got["message"]


@pytest.mark.parametrize(
    "host",
    [
        "localhost",
        "localhost:{port}",
        "LOCALHOST:{port}",
        "127.0.0.1",
        "127.0.0.1:{port}",
        "127.5.6.7",
        "127.5.6.7:{port}",
        "[::1]",
        "[::1]:{port}",
    ],
)
async def test_loopback_names_pass_with_or_without_the_port(api, host):
    session, base = api
    port = base.rsplit(":", 1)[1]
    headers = {"Host": host.format(port=port), "Content-Type": "application/json"}
    async with session.get(base + "/healthz", headers=headers) as r:
        assert r.status == 200
    async with session.post(base + APPLY, data=json.dumps(APPLY_BODY), headers=headers) as r:
        assert r.status == 200, await r.text()


async def test_a_request_without_host_is_refused(api):
    _, base = api
    status, got = await _raw(base, b"GET /healthz HTTP/1.0\r\n\r\n")
    assert status == 403 and "no Host header" in got["message"]


@pytest.mark.parametrize(
    "origin",
    [
        "http://evil.example",
        "http://evil.example:{port}",
        "http://127.0.0.1:1",
        "null",
        "file://",
        "http://localhost:{port}/x",
    ],
)
async def test_a_write_from_another_origin_is_refused(api, origin):
    session, base = api
    port = base.rsplit(":", 1)[1]
    headers = {"Origin": origin.format(port=port), "Content-Type": "application/json"}
    async with session.post(base + APPLY, data=json.dumps(APPLY_BODY), headers=headers) as r:
        assert r.status == 403
        assert "Origin" in (await r.json())["message"]
    async with session.delete(base + SVC + "/hello", headers={"Origin": origin.format(port=port)}) as r:
        assert r.status == 403
    assert await _stored(session, base) == []


async def test_own_origin_and_no_origin_pass_and_reads_ignore_origin(api):
    session, base = api
    port = base.rsplit(":", 1)[1]
    for origin in (f"http://127.0.0.1:{port}", f"http://localhost:{port}", None):
        headers = {"Content-Type": "application/json"} | ({"Origin": origin} if origin else {})
        async with session.post(base + APPLY, data=json.dumps(APPLY_BODY), headers=headers) as r:
            assert r.status == 200, await r.text()
    async with session.get(base + SVC, headers={"Origin": "http://evil.example"}) as r:
        assert r.status == 200


@pytest.mark.parametrize(
    "ctype",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/octet-stream",
        None,
    ],
)
async def test_a_write_body_that_is_not_json_or_yaml_is_415(api, ctype):
    session, base = api
    headers = {"Content-Type": ctype} if ctype else {}
    async with session.post(
        base + APPLY,
        data=json.dumps(APPLY_BODY).encode(),
        headers=headers,
        skip_auto_headers=() if ctype else ("Content-Type",),
    ) as r:
        assert r.status == 415
        got = await r.json()
        assert got["kind"] == "Status" and got["reason"] == "UnsupportedMediaType"
        assert "application/json" in got["message"] and "application/yaml" in got["message"]
    assert await _stored(session, base) == []


@pytest.mark.parametrize(
    "ctype",
    [
        "application/json",
        "application/json; charset=utf-8",
        "application/yaml",
        "application/x-yaml",
        "text/yaml",
        "application/vnd.k8s+json",
    ],
)
async def test_json_and_yaml_bodies_pass(api, ctype):
    session, base = api
    body = json.dumps(DOC)  # JSON is also YAML
    async with session.post(base + SVC, data=body, headers={"Content-Type": ctype}) as r:
        assert r.status == 201, await r.text()
    async with session.delete(base + SVC + "/hello") as r:  # no body, no Content-Type
        assert r.status == 200, await r.text()


async def test_plugin_routes_on_the_admin_listener_are_guarded(support, store):
    async def echo(request):
        return HttpResponse.json(200, {"body": request.body.decode()})

    app = make_api_app(
        kinds=support.make_kinds(),
        store=store,
        admission=lambda: AdmissionContext(store=store),
        routes=RouteTable([HttpRoute("admin", "/func/", handler=echo, methods=("GET", "POST"))]),
    )
    runner, (host, port) = await start_api_server(app)
    base = f"http://{host}:{port}"
    try:
        import aiohttp

        async with aiohttp.ClientSession() as s:
            async with s.get(base + "/func/x", headers={"Host": "evil.example"}) as r:
                assert r.status == 403
            async with s.post(
                base + "/func/x",
                data="{}",
                headers={"Origin": "http://evil.example", "Content-Type": "application/json"},
            ) as r:
                assert r.status == 403
            async with s.post(base + "/func/x", data="hi", headers={"Content-Type": "text/plain"}) as r:
                assert r.status == 415
            async with s.post(base + "/func/x", skip_auto_headers=("Content-Type",)) as r:
                assert r.status == 200  # no body and no Content-Type: nothing a form could have sent
            async with s.post(base + "/func/x", data="{}", headers={"Content-Type": "application/json"}) as r:
                assert r.status == 200 and (await r.json())["body"] == "{}"
    finally:
        await runner.cleanup()
