"""Bearer tokens and TLS on the admin API, over a real server: who gets 401, what a non-loopback address needs."""

from __future__ import annotations

import stat

import aiohttp
import pytest

from pyknative.admin import AdminAccess, make_api_app, start_api_server
from pyknative.admin.metrics import add_metrics_route
from pyknative.api.kinds import AdmissionContext
from pyknative.config import parse_config
from pyknative.errors import ConfigError

TOKEN = "s3cret-token"
SVC = "/apis/serving.knative.dev/v1/namespaces/default/services"


def _app(support, store, access: AdminAccess | None):
    app = make_api_app(
        kinds=support.make_kinds(), store=store, admission=lambda: AdmissionContext(store=store), access=access
    )
    add_metrics_route(app, lambda: [])
    return app


@pytest.fixture
async def serve(support, store):
    """``serve(access, host)`` -> base URL on 127.0.0.1 of a real admin server; stopped after the test."""
    runners = []

    async def start(access: AdminAccess | None, host: str = "127.0.0.1") -> str:
        runner, (_, port) = await start_api_server(_app(support, store, access), host=host)
        runners.append(runner)
        return f"http://127.0.0.1:{port}"

    yield start
    for runner in runners:
        await runner.cleanup()


async def _get(base: str, path: str, headers: dict | None = None) -> tuple[int, dict, dict]:
    async with aiohttp.ClientSession() as s, s.get(base + path, headers=headers or {}) as r:
        body = await r.json(content_type=None) if r.content_type == "application/json" else {}
        return r.status, dict(r.headers), body


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "10.1.2.3", "example.com"])
async def test_a_non_loopback_address_without_a_required_token_is_a_start_up_error(support, store, host):
    for access in (None, AdminAccess(token=TOKEN, required=False)):
        with pytest.raises(ConfigError, match=r"pyknative\.admin-auth: .*not a loopback.*set pyknative: admin-auth: token"):
            await start_api_server(_app(support, store, access), host=host)


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "::1"])
async def test_a_loopback_address_starts_without_a_token(support, store, host):
    runner, _ = await start_api_server(_app(support, store, None), host=host)
    await runner.cleanup()


async def test_on_0_0_0_0_every_request_but_healthz_needs_the_token(serve):
    base = await serve(AdminAccess(token=TOKEN, required=True), host="0.0.0.0")
    for path in (SVC, "/apis", "/metrics"):
        status, headers, body = await _get(base, path)
        assert status == 401, path
        assert headers["WWW-Authenticate"].startswith("Bearer")
        assert body["kind"] == "Status" and body["reason"] == "Unauthorized" and body["code"] == 401
        assert "bearer token" in body["message"]
    status, headers, body = await _get(base, SVC, {"Authorization": "Bearer wrong-token"})
    assert status == 401 and 'error="invalid_token"' in headers["WWW-Authenticate"]
    assert "not this server's" in body["message"]
    status, _, body = await _get(base, SVC, {"Authorization": f"Basic {TOKEN}"})
    assert status == 401 and "only bearer tokens" in body["message"]
    assert (await _get(base, "/healthz"))[0] == 200
    for path in (SVC, "/metrics"):
        assert (await _get(base, path, {"Authorization": f"Bearer {TOKEN}"}))[0] == 200, path


async def test_with_the_token_required_any_host_name_passes(serve):
    """Remote clients name the server as they reach it; a rebinding page has no token to send."""
    base = await serve(AdminAccess(token=TOKEN, required=True), host="0.0.0.0")
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert (await _get(base, SVC, {"Host": "pyknative.example.com:8001", **auth}))[0] == 200
    assert (await _get(base, SVC, {"Host": "pyknative.example.com:8001"}))[0] == 401


async def test_on_loopback_the_token_is_optional_but_a_wrong_one_is_refused(serve):
    base = await serve(AdminAccess(token=TOKEN, required=False))
    assert (await _get(base, SVC))[0] == 200
    assert (await _get(base, SVC, {"Authorization": f"Bearer {TOKEN}"}))[0] == 200
    assert (await _get(base, SVC, {"Authorization": "Bearer stale"}))[0] == 401
    assert (await _get(base, SVC, {"Host": "evil.example"}))[0] == 403  # the Host guard still applies


async def test_admin_auth_token_requires_the_token_on_loopback_too(serve, tmp_path):
    settings = parse_config({"pyknative": {"admin-auth": "token"}}).pyknative
    access = AdminAccess.from_settings(settings, tmp_path)
    base = await serve(access)
    assert (await _get(base, SVC))[0] == 401
    token = (tmp_path / "admin-token").read_text().strip()
    assert (await _get(base, SVC, {"Authorization": f"Bearer {token}"}))[0] == 200


def test_from_settings_makes_the_token_file_and_decides_what_is_required(tmp_path):
    def access(**keys: str) -> AdminAccess:
        return AdminAccess.from_settings(parse_config({"pyknative": keys}).pyknative, tmp_path / "data")

    local = access()
    assert local.token and not local.required and local.ssl is None
    assert stat.S_IMODE((tmp_path / "data" / "admin-token").stat().st_mode) == 0o600
    remote = access(**{"admin-address": "0.0.0.0"})
    assert remote.required and remote.token == local.token  # the file is reused
    assert access(**{"admin-auth": "none"}) == AdminAccess()


def test_the_config_refuses_an_unauthenticated_remote_admin_api_and_half_a_tls_pair():
    with pytest.raises(ConfigError) as err:
        parse_config({"pyknative": {"admin-address": "0.0.0.0", "admin-auth": "none", "admin-tls-cert": "c.pem"}})
    paths = [e.path for e in err.value.errors]
    assert paths == ["pyknative.admin-auth", "pyknative.admin-tls-key"]
    assert "set pyknative: admin-auth: token" in err.value.errors[0].message
    with pytest.raises(ConfigError, match="admin-auth: expected one of auto, token, none"):
        parse_config({"pyknative": {"admin-auth": "basic"}})


def test_an_unloadable_tls_pair_names_the_key(tmp_path):
    (tmp_path / "cert.pem").write_text("not a certificate")
    keys = {"admin-tls-cert": str(tmp_path / "cert.pem"), "admin-tls-key": str(tmp_path / "missing.pem")}
    settings = parse_config({"pyknative": keys}).pyknative
    with pytest.raises(ConfigError, match=r"pyknative\.admin-tls-cert: cannot load the certificate"):
        AdminAccess.from_settings(settings, tmp_path)
