"""The admin API's bearer token file, ``<data-dir>/admin-token``, and which host names are loopback.

The server makes the file on its first start (a random token, mode 0600 from the moment it exists: it is written
under a temporary name opened with ``O_EXCL`` and mode 0600, then hard-linked into place, so two servers starting
at once agree on one token) and reuses it afterwards. The CLI reads it to authenticate to a server on this
machine. A token file that its group or others may read or write is refused, by the server and by the CLI.
Standard library only (plus :mod:`pyknative.errors`), so the CLI imports it cheaply.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
import stat
from pathlib import Path

from pyknative.errors import PyknativeError

#: the token file's name in the data dir
TOKEN_FILE = "admin-token"


class TokenFileError(PyknativeError):
    """The token file cannot be made or read, or it is not private to its owner."""


def is_loopback(name: str) -> bool:
    """Whether a host name or address is loopback: ``localhost``, ``127.x.y.z``, ``::1`` (brackets optional)."""
    name = name.strip().lower().removeprefix("[").removesuffix("]")
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def token_path(data_dir: str | os.PathLike[str]) -> Path:
    return Path(data_dir).expanduser() / TOKEN_FILE


def ensure_token(data_dir: str | os.PathLike[str]) -> str:
    """The token in ``data_dir``'s token file, made first if there is none; the file must be the caller's own
    and private to it (TokenFileError says how to fix it otherwise)."""
    path = token_path(data_dir)
    if not path.exists():
        _create(path, secrets.token_urlsafe(32))
    return read_token(path, owned=True)


def read_token(path: str | os.PathLike[str], *, owned: bool = False, follow: bool = False) -> str:
    """The token in the file at ``path``; refused when group or others may read or write it, when ``owned`` and
    it is not the current user's, and when it is a symlink unless ``follow``."""
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | (0 if follow else getattr(os, "O_NOFOLLOW", 0)))
    except FileNotFoundError:
        raise TokenFileError(f"token file {path} does not exist") from None
    except OSError as e:
        raise TokenFileError(f"cannot read token file {path}: {e.strerror or e}") from None
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise TokenFileError(f"token file {path} is not a regular file")
        mode = stat.S_IMODE(info.st_mode)
        if mode & 0o077:
            raise TokenFileError(
                f"token file {path} has mode {mode:04o}: group and others may use it; it must be private "
                f"to its owner (chmod 600 {path}, or delete it and restart the server for a new token)"
            )
        if owned and info.st_uid != os.getuid():
            raise TokenFileError(
                f"token file {path} belongs to uid {info.st_uid}, not to this user (uid {os.getuid()}); "
                "delete it and restart the server for a new token"
            )
        data = f.read(4096)
    token = data.decode("ascii", "replace").strip()
    if not token or not all("!" <= ch <= "~" for ch in token):
        raise TokenFileError(
            f"token file {path} holds no token (one line of printable ASCII without spaces); "
            "delete it and restart the server for a new token"
        )
    return token


def _create(path: Path, token: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    except OSError as e:
        raise TokenFileError(f"cannot create token file {path}: {e.strerror or e}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), 0o600)  # whatever the umask: owner read/write only
            f.write(token.encode("ascii") + b"\n")
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(temp, path)
        except FileExistsError:
            pass  # another server made it first: use theirs
        except OSError as e:
            raise TokenFileError(f"cannot create token file {path}: {e.strerror or e}") from None
    finally:
        temp.unlink(missing_ok=True)
