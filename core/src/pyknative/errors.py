"""Errors that are part of pyknative's API.

Reconcilers raise :class:`PermanentError` when retrying cannot help and :class:`TemporaryError` when it can
(optionally after ``delay`` seconds). Store and admission errors carry the HTTP status the admin API answers
with, so one exception means the same thing in the store, the API server and the CLI.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs


class PyknativeError(Exception):
    """Base of every error pyknative raises on purpose."""

    status_code: int = 500
    reason: str = "InternalError"


class PermanentError(PyknativeError):
    """Reconciling failed and retrying will not help until the object changes."""


class TemporaryError(PyknativeError):
    """Reconciling failed for now; retry after ``delay`` seconds (or with backoff when ``None``)."""

    def __init__(self, message: str, *, delay: float | None = None) -> None:
        super().__init__(message)
        self.delay = delay


@attrs.frozen
class FieldError:
    """One problem with one field: ``path`` is the field path (``spec.traffic[1].percent``)."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message

    def under(self, prefix: str) -> FieldError:
        """The same error with its path nested under ``prefix``."""
        if not prefix:
            return self
        if not self.path:
            return FieldError(prefix, self.message)
        sep = "" if self.path.startswith("[") else "."
        return FieldError(f"{prefix}{sep}{self.path}", self.message)


class ValidationError(PyknativeError):
    """A resource was refused at admission; ``errors`` holds every problem found, not just the first."""

    status_code = 422
    reason = "Invalid"

    def __init__(self, errors: Iterable[FieldError], *, kind: str = "", name: str = "") -> None:
        self.errors = list(errors)
        self.kind = kind
        self.name = name
        what = f"{kind} {name!r}".strip() if (kind or name) else "resource"
        super().__init__(f"{what} is invalid: " + "; ".join(str(e) for e in self.errors))


class NotFoundError(PyknativeError):
    status_code = 404
    reason = "NotFound"


class AlreadyExistsError(PyknativeError):
    status_code = 409
    reason = "AlreadyExists"


class ConflictError(PyknativeError):
    """An update carried a stale ``metadata.resourceVersion``."""

    status_code = 409
    reason = "Conflict"


class GoneError(PyknativeError):
    """A watch asked for a resourceVersion older than the history kept (or fell too far behind): re-list."""

    status_code = 410
    reason = "Gone"


class BackendNotInstalledError(PyknativeError):
    """The operator config selects a backend whose plugin is not installed."""

    def __init__(self, config_key: str, value: str, extra: str | None) -> None:
        hint = f"; install it with: pip install 'pyknative[{extra}]'" if extra else ""
        super().__init__(f"{config_key}: {value!r} is not provided by any installed plugin{hint}")
        self.config_key = config_key
        self.value = value
        self.extra = extra


class ConfigError(PyknativeError):
    """The operator config is invalid; ``errors`` names every bad section or key."""

    def __init__(self, errors: Iterable[FieldError]) -> None:
        self.errors = list(errors)
        super().__init__("invalid operator config: " + "; ".join(str(e) for e in self.errors))


class PluginConflictError(PyknativeError):
    """Two plugins claim the same thing (a controller name, an HTTP route prefix): a start-up error."""
