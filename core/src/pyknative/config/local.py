"""Typed view of the ``pyknative`` section: settings of pyknative itself that Knative has no ConfigMap for."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import attrs

from pyknative.admin_token import is_loopback
from pyknative.config import values as v
from pyknative.config._reader import SectionReader
from pyknative.errors import FieldError


@attrs.frozen
class PyknativeSettings:
    """Where the gateway (data plane) and admin API listen, where state lives, which backends run, and how the
    admin API authenticates (``admin_auth``: auto, token or none) and encrypts (TLS cert and key, or None)."""

    gateway_address: str
    gateway_port: int
    admin_address: str
    admin_port: int
    data_dir: Path  # "~" expanded
    store: str  # a pyknative.store entry-point name
    runtime: str  # a pyknative.runtime entry-point name
    admin_auth: str = "auto"
    admin_tls_cert: Path | None = None
    admin_tls_key: Path | None = None

    @property
    def admin_token_required(self) -> bool:
        """Whether every admin request (but /healthz) must carry the bearer token."""
        return self.admin_auth == "token" or (self.admin_auth == "auto" and not is_loopback(self.admin_address))

    @classmethod
    def from_section(cls, data: Mapping[str, str]) -> PyknativeSettings:
        r = SectionReader("pyknative", data)
        ports = {k: r.get(k, v.parse_int) for k in ("gateway-port", "admin-port")}
        for key, port in ports.items():
            if port is not None and not 0 <= port <= 65535:
                r.fail(key, f"expected a TCP port between 0 and 65535, got {port}")
        address = data["admin-address"].strip()
        auth = data.get("admin-auth", "auto").strip().lower()
        if auth == "none" and not is_loopback(address):
            r.errors.append(unauthenticated_remote_admin(address))
        tls = {k: Path(data.get(k, "").strip()).expanduser() if data.get(k, "").strip() else None
               for k in ("admin-tls-cert", "admin-tls-key")}
        for key, other in (("admin-tls-cert", "admin-tls-key"), ("admin-tls-key", "admin-tls-cert")):
            if tls[key] is not None and tls[other] is None:
                r.fail(other, f"{key} is set but {other} is not: TLS needs both the certificate and its key")
        return r.done(
            lambda: cls(
                gateway_address=data["gateway-address"].strip(),
                gateway_port=ports["gateway-port"],
                admin_address=address,
                admin_port=ports["admin-port"],
                data_dir=Path(data["data-dir"].strip()).expanduser(),
                store=data["store"].strip(),
                runtime=data["runtime"].strip(),
                admin_auth=auth,
                admin_tls_cert=tls["admin-tls-cert"],
                admin_tls_key=tls["admin-tls-key"],
            )
        )


def unauthenticated_remote_admin(address: str) -> FieldError:
    """The start-up error for an admin API on a non-loopback address without bearer tokens: how to enable them."""
    return FieldError(
        "pyknative.admin-auth",
        f"admin-address {address!r} is not a loopback address, and the admin API would take requests from anyone "
        "who reaches it without authentication: set pyknative: admin-auth: token (or auto) so that clients must "
        "send the bearer token the server keeps in <data-dir>/admin-token, and preferably admin-tls-cert and "
        "admin-tls-key (PEM files) so that it travels encrypted; or serve it on 127.0.0.1, ::1 or localhost",
    )
