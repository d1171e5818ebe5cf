"""Who may use the admin API and over what: bearer tokens as Kubernetes takes them, and TLS.

:class:`AdminAccess` is built from the ``pyknative`` section (:meth:`AdminAccess.from_settings`): the token from
``<data-dir>/admin-token`` (made on the first start, see :mod:`pyknative.admin_token`) unless ``admin-auth: none``,
whether every request must carry it (``admin-auth: token``, or ``auto`` on a non-loopback ``admin-address``), and
the TLS context from ``admin-tls-cert``/``admin-tls-key``. Its middleware, first in the chain:

- ``GET /healthz`` always passes (liveness probes carry no token);
- a request with ``Authorization: Bearer <token>`` passes when the token is the server's (compared in constant
  time); a wrong token, or another scheme, is 401 even where no token is required, so a stale token is noticed;
- a request without ``Authorization`` is 401 where a token is required, else passes.

401s are Kubernetes ``Status`` objects (reason ``Unauthorized``) with a ``WWW-Authenticate: Bearer`` header.
``/metrics`` is no exception: a Prometheus scraper sends the token (``authorization: credentials_file``).
"""

from __future__ import annotations

import hmac
import ssl
from pathlib import Path

import attrs
from aiohttp import web

from pyknative.admin.guard import Middleware, refusing
from pyknative.admin.status import status_body
from pyknative.admin_token import TOKEN_FILE, TokenFileError, ensure_token
from pyknative.config import PyknativeSettings
from pyknative.errors import ConfigError, FieldError

#: paths that answer without a token
OPEN_PATHS = frozenset({"/healthz"})
REALM = 'Bearer realm="pyknative"'


@attrs.frozen
class AdminAccess:
    """The bearer token requests may carry (None: tokens are not looked at), whether they must, and the TLS
    context the admin listener serves with (None: plain HTTP)."""

    token: str | None = attrs.field(default=None, repr=False)
    required: bool = False
    ssl: ssl.SSLContext | None = attrs.field(default=None, eq=False)

    def __attrs_post_init__(self) -> None:
        if self.required and not self.token:
            raise ValueError("a token is required but none is given")

    @classmethod
    def from_settings(cls, settings: PyknativeSettings, data_dir: Path) -> AdminAccess:
        """The access the config asks for; every problem at once as a ConfigError naming the key."""
        errors: list[FieldError] = []
        token = None
        if settings.admin_auth != "none":
            try:
                token = ensure_token(data_dir)
            except TokenFileError as e:
                errors.append(FieldError("pyknative.admin-auth", str(e)))
        context = None
        if settings.admin_tls_cert is not None and settings.admin_tls_key is not None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            try:
                context.load_cert_chain(settings.admin_tls_cert, settings.admin_tls_key)
            except (OSError, ssl.SSLError) as e:
                why = getattr(e, "strerror", None) or str(e)
                errors.append(
                    FieldError(
                        "pyknative.admin-tls-cert",
                        f"cannot load the certificate {settings.admin_tls_cert} with the key "
                        f"{settings.admin_tls_key}: {why}",
                    )
                )
        if errors:
            raise ConfigError(errors)
        return cls(token=token, required=settings.admin_token_required, ssl=context)

    @property
    def middleware(self) -> Middleware:
        return refusing(self.check)

    def check(self, request: web.Request) -> web.Response | None:
        """The 401 for ``request``, or None when it may pass."""
        if request.path in OPEN_PATHS or self.token is None:
            return None
        header = request.headers.get("Authorization")
        if header is None:
            if not self.required:
                return None
            return _unauthorized(
                "this server requires a bearer token (Authorization: Bearer <token>): the CLI reads it from "
                f"the server's data dir ({TOKEN_FILE}) on the same machine, or takes --token / $PYKNATIVE_TOKEN",
                REALM,
            )
        scheme, _, credentials = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not credentials.strip():
            return _unauthorized(
                "only bearer tokens are accepted (Authorization: Bearer <token>)", REALM + ', error="invalid_request"'
            )
        if not hmac.compare_digest(credentials.strip().encode(), self.token.encode()):
            return _unauthorized(
                "the bearer token is not this server's (see the server's data dir, "
                f"{TOKEN_FILE})",
                REALM + ', error="invalid_token"',
            )
        return None


def _unauthorized(message: str, challenge: str) -> web.Response:
    return web.json_response(
        status_body(f"Unauthorized: {message}", code=401, reason="Unauthorized"),
        status=401,
        headers={"WWW-Authenticate": challenge},
    )


ACCESS = web.AppKey("pyknative_access", AdminAccess)
