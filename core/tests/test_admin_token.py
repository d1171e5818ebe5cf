"""The admin token file: made private on the first start, reused after, refused when others may read it."""

from __future__ import annotations

import os
import stat
import threading

import pytest

from pyknative.admin_token import TokenFileError, ensure_token, is_loopback, read_token, token_path


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_first_start_makes_a_private_random_token_and_later_starts_reuse_it(tmp_path):
    data = tmp_path / "data"  # not made yet
    token = ensure_token(data)
    path = data / "admin-token"
    assert len(token) >= 40 and path.read_text() == token + "\n"
    assert _mode(path) == 0o600
    assert ensure_token(data) == token
    assert ensure_token(tmp_path / "other") != token
    assert os.listdir(data) == ["admin-token"]  # no temporary file left behind


@pytest.mark.parametrize("umask", [0o000, 0o022, 0o277])
def test_the_file_is_0600_whatever_the_umask(tmp_path, umask):
    old = os.umask(umask)
    try:
        ensure_token(tmp_path)
    finally:
        os.umask(old)
    assert _mode(token_path(tmp_path)) == 0o600


def test_servers_starting_at_once_agree_on_one_token(tmp_path):
    tokens: list[str] = []
    threads = [threading.Thread(target=lambda: tokens.append(ensure_token(tmp_path))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(tokens) == 8 and len(set(tokens)) == 1


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o620, 0o666])
def test_a_token_file_others_may_use_is_refused(tmp_path, mode):
    ensure_token(tmp_path)
    path = token_path(tmp_path)
    path.chmod(mode)
    with pytest.raises(TokenFileError, match=f"mode {mode:04o}.*chmod 600"):
        ensure_token(tmp_path)
    with pytest.raises(TokenFileError, match="private to its owner"):
        read_token(path)


def test_an_empty_or_garbled_token_file_is_refused(tmp_path):
    path = token_path(tmp_path)
    for content in (b"", b"\n", b"two words\n"):
        path.unlink(missing_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
        os.write(fd, content)
        os.close(fd)
        with pytest.raises(TokenFileError, match="holds no token"):
            ensure_token(tmp_path)


def test_a_symlinked_token_file_is_refused(tmp_path):
    target = tmp_path / "elsewhere"
    ensure_token(target)
    (tmp_path / "data").mkdir()
    token_path(tmp_path / "data").symlink_to(token_path(target))
    with pytest.raises(TokenFileError, match="cannot read token file"):
        ensure_token(tmp_path / "data")


def test_a_missing_token_file_says_so(tmp_path):
    with pytest.raises(TokenFileError, match="does not exist"):
        read_token(tmp_path / "admin-token")


@pytest.mark.parametrize(
    ("name", "loopback"),
    [("localhost", True), ("127.0.0.1", True), ("127.8.9.10", True), ("[::1]", True), ("::1", True),
     ("0.0.0.0", False), ("::", False), ("10.1.2.3", False), ("localhost.example", False), ("", False)],
)
def test_loopback_names(name, loopback):
    assert is_loopback(name) is loopback
