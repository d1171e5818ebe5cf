"""The CLI's bearer token: from --token, $PYKNATIVE_TOKEN, --token-file, or the local server's data dir."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from pyknative.admin import AdminAccess
from pyknative.admin_token import ensure_token
from pyknative.cli import CliState, cli


@pytest.fixture
def data_dir(tmp_path):
    return tmp_path / "data"


@pytest.fixture
def locked(support, data_dir):
    """A server on loopback that requires the token in ``data_dir``."""
    srv = support.ServerThread(AdminAccess(token=ensure_token(data_dir), required=True)).start()
    yield srv
    srv.stop()


def _get(server, *args: str, env: dict | None = None):
    return CliRunner().invoke(cli, ["--server", server.url, *args, "get", "ksvc"], env=env)


def test_the_cli_sends_the_token_of_the_data_dir_it_is_given(locked, data_dir, tmp_path):
    ok = _get(locked, "--data-dir", str(data_dir))
    assert ok.exit_code == 0, ok.output
    assert "No resources found" in ok.stderr
    assert _get(locked, env={"PYKNATIVE_DATA_DIR": str(data_dir)}).exit_code == 0
    refused = _get(locked, "--data-dir", str(tmp_path / "no-server-here"))
    assert refused.exit_code == 1
    assert refused.stderr.startswith("Error from server (Unauthorized): Unauthorized: this server requires a bearer")


def test_token_and_token_file_and_their_environment_variables(locked, data_dir, tmp_path):
    token = (data_dir / "admin-token").read_text().strip()
    assert _get(locked, "--token", token).exit_code == 0
    assert _get(locked, env={"PYKNATIVE_TOKEN": token}).exit_code == 0
    assert _get(locked, "--token-file", str(data_dir / "admin-token")).exit_code == 0
    assert _get(locked, env={"PYKNATIVE_TOKEN_FILE": str(data_dir / "admin-token")}).exit_code == 0
    (tmp_path / "mounted").symlink_to(data_dir / "admin-token")  # a secret mounted as a symlink
    assert _get(locked, "--token-file", str(tmp_path / "mounted")).exit_code == 0
    wrong = _get(locked, "--token", "not-it", "--data-dir", str(data_dir))  # --token wins over the data dir
    assert wrong.exit_code == 1 and "not this server's" in wrong.stderr


def test_a_token_file_others_may_read_is_refused_by_the_cli(locked, data_dir):
    (data_dir / "admin-token").chmod(0o644)
    r = _get(locked, "--data-dir", str(data_dir))
    assert r.exit_code == 1
    assert "has mode 0644" in r.stderr and "chmod 600" in r.stderr


def test_the_local_token_goes_only_to_a_loopback_server(data_dir):
    token = ensure_token(data_dir)
    for server in ("http://127.0.0.1:8001", "http://localhost:9", "https://[::1]:8443"):
        assert CliState(server=server, data_dir=str(data_dir)).bearer_token() == token
    for server in ("http://10.1.2.3:8001", "https://pyknative.example.com", "http://0.0.0.0:8001"):
        assert CliState(server=server, data_dir=str(data_dir)).bearer_token() is None
    remote = CliState(server="https://pyknative.example.com", data_dir=str(data_dir), token="given")
    assert remote.bearer_token() == "given"
