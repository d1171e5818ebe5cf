"""What a request body may hold once parsed: JSON values only, within depth and size limits.

A JSON or YAML body becomes plain data (objects with string keys, lists, strings, numbers, booleans, null)
before any model sees it. :func:`check_shape` walks it once, without recursion, and refuses what would make a
later step fail: nesting deeper than :data:`MAX_DEPTH` (400), more than :data:`MAX_VALUES` values in all (413,
which also stops YAML alias bombs), keys that are not strings, numbers that are not finite, strings holding a
lone surrogate (not Unicode text, so no store can keep them) and YAML values JSON has no form for (binary,
dates are kept as strings by the loader). Every problem found is reported at once, each with its field path.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import yaml

from pyknative.errors import FieldError, PyknativeError, ValidationError

MAX_DEPTH = 100
MAX_VALUES = 100_000


class MalformedBodyError(ValidationError):
    """The parsed body holds something no Kubernetes object can (400, every problem as a cause)."""

    status_code = 400
    reason = "BadRequest"


class BodyTooLargeError(PyknativeError):
    status_code = 413
    reason = "RequestEntityTooLarge"


class _Loader(yaml.SafeLoader):
    """A safe loader that keeps timestamps as the strings they are written as, as a JSON body would."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_yaml(text: str, *, multi: bool) -> Any:
    """YAML documents as JSON-like data (``multi``: every non-empty document, as a list)."""
    if multi:
        return [d for d in yaml.load_all(text, Loader=_Loader) if d is not None]  # noqa: S506 - a safe loader
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader


def check_shape(body: Any) -> None:
    """Raise :class:`MalformedBodyError` or :class:`BodyTooLargeError` unless ``body`` is plain, bounded data."""
    errors: list[FieldError] = []
    count = 0
    stack: list[tuple[str, int, Any]] = [("", 0, body)]
    while stack:
        path, depth, value = stack.pop()
        count += 1
        if count > MAX_VALUES:
            raise BodyTooLargeError(f"the request body holds more than {MAX_VALUES} values")
        if isinstance(value, dict | list) and depth >= MAX_DEPTH:
            errors.append(FieldError(path, f"nested more than {MAX_DEPTH} levels deep"))
            continue
        if isinstance(value, dict):
            for key, item in value.items():
                if not isinstance(key, str):
                    errors.append(FieldError(_join(path, repr(key)), "keys must be strings"))
                    continue
                if _has_surrogate(key):
                    errors.append(FieldError(_join(path, key.encode("utf-8", "replace").decode()), _SURROGATE))
                    continue
                stack.append((_join(path, key), depth + 1, item))
        elif isinstance(value, list):
            stack.extend((f"{path}[{i}]", depth + 1, item) for i, item in _reversed(value))
        elif isinstance(value, str):
            if _has_surrogate(value):
                errors.append(FieldError(path, _SURROGATE))
        elif isinstance(value, float):
            if not math.isfinite(value):
                errors.append(FieldError(path, f"{value} is not a JSON number"))
        elif value is not None and not isinstance(value, bool | int):
            errors.append(FieldError(path, f"a {type(value).__name__} value has no JSON form"))
    if errors:
        errors.sort(key=lambda e: e.path)
        raise MalformedBodyError(errors)


_SURROGATE = "holds a lone surrogate (\\ud800-\\udfff), which is not Unicode text"


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _reversed(items: list[Any]) -> Iterator[tuple[int, Any]]:
    return reversed(list(enumerate(items)))


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key
