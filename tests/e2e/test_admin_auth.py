"""Admin API authentication, end to end: a real `pyknative serve` beyond loopback needs bearer tokens, the CLI
finds the token in the server's data dir, and TLS with a self-signed certificate the CLI is told to trust."""

from __future__ import annotations

import http.client
import json
import shutil
import ssl
import stat
import subprocess

import pytest

from pyknative.testing import require_binary
from tests.e2e.serve import BIN, ROOT, Served

SVC = "/apis/serving.knative.dev/v1/namespaces/default/services"


def _config(tmp_path, **keys: str):
    cfg = tmp_path / "config.yaml"
    cfg.write_text("pyknative:\n" + "".join(f"  {k}: {json.dumps(v)}\n" for k, v in keys.items()))
    return cfg


def _request(served: Served, path: str, token: str | None = None, context: ssl.SSLContext | None = None):
    host, port = "127.0.0.1", served.admin[1]
    if context is not None:
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(host, port, timeout=30, context=context)
    else:
        conn = http.client.HTTPConnection(host, port, timeout=30)
    try:
        conn.request("GET", path, headers={"Authorization": f"Bearer {token}"} if token else {})
        r = conn.getresponse()
        return r.status, r.getheader("WWW-Authenticate"), r.read()
    finally:
        conn.close()


def test_a_non_loopback_admin_address_without_authentication_fails_start_up_saying_how(tmp_path):
    cfg = _config(tmp_path, **{"admin-address": "0.0.0.0", "admin-auth": "none"})
    res = subprocess.run(
        [str(BIN / "pyknative"), "serve", "--config", str(cfg), "--data-dir", str(tmp_path / "d"),
         "--gateway-port", "0", "--admin-port", "0", "--eventing-port", "0"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert res.returncode == 2, res.stderr
    assert "error: pyknative.admin-auth: admin-address '0.0.0.0' is not a loopback address" in res.stderr
    assert "set pyknative: admin-auth: token" in res.stderr and "admin-tls-cert" in res.stderr


def test_on_every_address_requests_need_the_token_and_the_cli_reads_it_from_the_data_dir(tmp_path):
    served = Served(tmp_path / "data", config=_config(tmp_path, **{"admin-address": "0.0.0.0"})).start()
    try:
        token_file = tmp_path / "data" / "admin-token"
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        token = token_file.read_text().strip()
        status, challenge, body = _request(served, SVC)
        assert status == 401 and challenge.startswith("Bearer")
        assert json.loads(body)["reason"] == "Unauthorized"
        status, challenge, _ = _request(served, SVC, token="wrong")
        assert status == 401 and 'error="invalid_token"' in challenge
        assert _request(served, "/healthz")[0] == 200
        assert _request(served, SVC, token=token)[0] == 200
        assert any("without TLS: the bearer token crosses the network in the clear" in line for line in served.output)

        assert "No resources found" in served.cli("get", "ksvc").stderr
        assert served.cli("get", "ksvc").returncode == 0
        other = served.cli("--data-dir", str(tmp_path / "elsewhere"), "get", "ksvc")
        assert other.returncode == 1 and "Unauthorized" in other.stderr
    finally:
        assert served.stop() == 0


def _self_signed(tmp_path):
    openssl = require_binary(shutil.which("openssl"), "the openssl command is missing: install openssl")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=pyknative-test",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True, capture_output=True, timeout=60,
    )
    return cert, key


def test_tls_with_a_self_signed_certificate_and_the_cli_over_https(tmp_path):
    cert, key = _self_signed(tmp_path)
    cfg = _config(tmp_path, **{"admin-auth": "token", "admin-tls-cert": str(cert), "admin-tls-key": str(key)})
    served = Served(tmp_path / "data", config=cfg).start()
    try:
        assert served.server.startswith("https://127.0.0.1:")
        trusted = ssl.create_default_context(cafile=str(cert))
        token = (tmp_path / "data" / "admin-token").read_text().strip()
        assert _request(served, SVC, context=trusted)[0] == 401  # admin-auth: token, on loopback too
        assert _request(served, SVC, token=token, context=trusted)[0] == 200
        with pytest.raises(ssl.SSLCertVerificationError):
            _request(served, SVC, token=token, context=ssl.create_default_context())

        served.ok("--certificate-authority", str(cert), "get", "ksvc")
        untrusted = served.cli("get", "ksvc")
        assert untrusted.returncode == 1
        assert "not trusted here" in untrusted.stderr and "--certificate-authority" in untrusted.stderr
        plain = served.cli("--server", served.server.replace("https://", "http://"), "get", "ksvc")
        assert plain.returncode == 1 and "does it serve https?" in plain.stderr
    finally:
        assert served.stop() == 0
