"""A small HTTP client for the admin API (stdlib ``http.client``, so the CLI starts fast), and the CLI's errors.

It sends a bearer token when given one, and over ``https`` verifies the server's certificate against the system's
trusted CAs, or against ``ca_file`` (a self-signed certificate, or the CA that signed it).

Every error the CLI reports is a :class:`CliError`: click prints it (``error: ...`` on stderr) and exits 1.
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import urllib.parse
from collections.abc import Iterator, Mapping
from typing import IO, Any

import click

DEFAULT_SERVER = "http://127.0.0.1:8001"


class CliError(click.ClickException):
    """A failure to report as ``error: <line>`` lines on stderr, exiting 1."""

    def __init__(self, message: str, lines: list[str] | None = None) -> None:
        super().__init__(message)
        self.lines = lines or [f"error: {message}"]

    def show(self, file: IO[Any] | None = None) -> None:
        for line in self.lines:
            click.echo(line, err=True)


class ServerUnreachableError(CliError):
    def __init__(self, server: str, cause: OSError) -> None:
        why = cause.strerror or str(cause) or type(cause).__name__
        super().__init__(
            f"cannot reach the pyknative server at {server}: is `pyknative serve` running? ({why})"
        )


class ApiError(CliError):
    """The server answered with an error ``Status``; ``causes`` are its ``details.causes``."""

    def __init__(self, status: Mapping[str, Any], code: int) -> None:
        self.status = status
        self.code = int(status.get("code") or code)
        self.reason = str(status.get("reason") or "")
        details = status.get("details") if isinstance(status.get("details"), Mapping) else {}
        self.kind = str(details.get("kind") or "")
        self.name = str(details.get("name") or "")
        self.causes: list[Mapping[str, Any]] = [
            c for c in details.get("causes") or () if isinstance(c, Mapping)
        ]
        message = str(status.get("message") or f"the server answered {code}")
        lines = [f"Error from server ({self.reason or code}): {message}"]
        if self.causes:
            lines = [cause_line(c, self.kind, self.name) for c in self.causes]
        super().__init__(message, lines)


def cause_line(cause: Mapping[str, Any], kind: str = "", name: str = "", where: str = "") -> str:
    """``error: <Kind> "<name>": <field>: <message>`` for one Status cause (``where`` when kind/name are unknown)."""
    what = f'{kind} "{name}"' if kind and name else (where or kind or name)
    field = str(cause.get("field") or "")
    message = str(cause.get("message") or cause.get("reason") or "invalid")
    parts = [p for p in (what, field, message) if p]
    return "error: " + ": ".join(parts)


class ApiClient:
    """JSON requests and watch streams against one admin server."""

    def __init__(
        self, server: str, *, timeout: float = 30.0, token: str | None = None, ca_file: str | None = None
    ) -> None:
        self.server = server.rstrip("/")
        parts = urllib.parse.urlsplit(self.server)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise CliError(f"--server: expected an http(s) URL, got {server!r}")
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port
        self._base = parts.path.rstrip("/")
        self.timeout = timeout
        self._token = token
        self._ssl: ssl.SSLContext | None = None
        if self._https:
            try:
                self._ssl = ssl.create_default_context(cafile=ca_file)
            except (OSError, ssl.SSLError) as e:
                why = getattr(e, "strerror", None) or str(e)
                raise CliError(f"--certificate-authority: cannot load {ca_file}: {why}") from None

    def request(
        self, method: str, path: str, *, query: Mapping[str, Any] | None = None, body: Any = None
    ) -> Any:
        """The parsed JSON answer (text for non-JSON answers); ApiError for an error status."""
        conn = self._open(method, path, query, body, self.timeout)
        try:
            response = conn.getresponse()
            data = response.read()
        except TimeoutError:
            raise CliError(
                f"the pyknative server at {self.server} did not answer within {self.timeout:g}s"
            ) from None
        except (http.client.HTTPException, ConnectionError) as e:
            hint = "" if self._https else " (does it serve https? then use an https:// --server)"
            raise CliError(
                f"the connection to the pyknative server at {self.server} broke: {e!r}{hint}"
            ) from None
        finally:
            conn.close()
        return _decode(response, data)

    def watch(self, path: str, query: Mapping[str, Any], *, timeout: float) -> Iterator[Mapping[str, Any]]:
        """Watch events until the stream ends: the server closes it, the connection breaks, or nothing arrives
        for ``timeout`` seconds. The caller decides whether to watch again."""
        conn = self._open("GET", path, {**query, "watch": "true"}, None, timeout)
        try:
            try:
                response = conn.getresponse()
            except (http.client.HTTPException, ConnectionError, TimeoutError):
                return
            if response.status >= 400:
                _decode(response, response.read())
            while True:
                try:
                    line = response.readline()
                except (TimeoutError, http.client.HTTPException, ConnectionError):
                    return
                if not line:
                    return
                if line.strip():
                    yield json.loads(line)
        finally:
            conn.close()

    def _open(
        self, method: str, path: str, query: Mapping[str, Any] | None, body: Any, timeout: float
    ) -> http.client.HTTPConnection:
        if self._ssl is not None:
            conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                self._host, self._port, timeout=timeout, context=self._ssl
            )
        else:
            conn = http.client.HTTPConnection(self._host, self._port, timeout=timeout)
        url = self._base + path
        if query:
            url += "?" + urllib.parse.urlencode({k: v for k, v in query.items() if v is not None})
        headers = {"Accept": "application/json"}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        try:
            conn.connect()
        except ssl.SSLCertVerificationError as e:
            conn.close()
            raise CliError(
                f"the pyknative server at {self.server} presented a certificate that is not trusted here "
                f"({e.verify_message}): pass the certificate, or the CA that signed it, with "
                "--certificate-authority FILE (env PYKNATIVE_CERTIFICATE_AUTHORITY)"
            ) from None
        except (OSError, socket.gaierror) as e:
            conn.close()
            raise ServerUnreachableError(self.server, e) from None
        try:
            conn.request(method, url, body=payload, headers=headers)
        except OSError as e:
            conn.close()
            raise ServerUnreachableError(self.server, e) from None
        return conn


def _decode(response: http.client.HTTPResponse, data: bytes) -> Any:
    ctype = response.getheader("Content-Type", "")
    parsed: Any = data.decode("utf-8", "replace")
    if "json" in ctype:
        try:
            parsed = json.loads(data)
        except ValueError:
            pass
    if response.status >= 400:
        if isinstance(parsed, Mapping) and parsed.get("kind") == "Status":
            raise ApiError(parsed, response.status)
        text = parsed.strip() if isinstance(parsed, str) else json.dumps(parsed)
        raise ApiError({"message": text or response.reason, "reason": response.reason}, response.status)
    return parsed
