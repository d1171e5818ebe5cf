"""Reading what a request carries: a JSON or YAML body, label and field selectors, numeric query parameters."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from typing import Any

import yaml
from aiohttp import web

from pyknative.admin.body_shape import MAX_DEPTH, check_shape, load_yaml
from pyknative.admin.status import BadRequestError
from pyknative.api.meta import Resource
from pyknative.store import matches, parse_selector

_YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")


async def read_body(request: web.Request, *, multi: bool = False) -> Any:
    """The request body: JSON, or YAML when the content type says so (``multi``: every YAML document, as a list).

    The body must be UTF-8 (or the charset it names) and hold plain, bounded data (:func:`check_shape`).
    """
    try:
        text = await request.text()
    except (UnicodeDecodeError, LookupError) as e:
        raise BadRequestError(f"the request body is not valid text in its charset: {e}") from None
    if not text.strip():
        raise BadRequestError("the request body is empty")
    body = _parse(text, yaml_body=request.content_type in _YAML_TYPES, multi=multi)
    check_shape(body)
    return body


def _parse(text: str, *, yaml_body: bool, multi: bool) -> Any:
    try:
        if yaml_body:
            return load_yaml(text, multi=multi)
        return json.loads(text)
    except RecursionError:
        raise BadRequestError(f"the request body is nested more than {MAX_DEPTH} levels deep") from None
    except yaml.YAMLError as e:
        raise BadRequestError(f"the request body is not valid YAML: {e}") from None
    except json.JSONDecodeError as e:
        raise BadRequestError(f"the request body is not valid JSON: {e}") from None


def object_body(body: Any) -> Mapping[str, Any]:
    if not isinstance(body, Mapping):
        raise BadRequestError("the request body must be a JSON object (a Kubernetes object)")
    return body


def object_filter(query: Mapping[str, str]) -> Callable[[Resource], bool]:
    """A predicate from ``labelSelector`` and ``fieldSelector`` (``metadata.name`` and ``metadata.namespace``)."""
    labels = parse_selector(query.get("labelSelector") or None)
    fields: list[tuple[str, bool, str]] = []
    for term in (query.get("fieldSelector") or "").split(","):
        term = term.strip()
        if not term:
            continue
        negate = "!=" in term
        key, _, value = term.partition("!=" if negate else "==" if "==" in term else "=")
        key = key.strip()
        if key not in ("metadata.name", "metadata.namespace"):
            raise BadRequestError(
                f"fieldSelector: {key!r} is not a supported field (use metadata.name or metadata.namespace)"
            )
        fields.append((key, negate, value.strip()))

    def keep(obj: Resource) -> bool:
        if labels and not matches(obj.metadata.labels, labels):
            return False
        for key, negate, value in fields:
            have = obj.metadata.name if key == "metadata.name" else obj.metadata.namespace
            if (have == value) == negate:
                return False
        return True

    return keep


def number(query: Mapping[str, str], key: str) -> float | None:
    """A non-negative number query parameter, or None when absent."""
    raw = query.get(key)
    if raw is None or raw == "":
        return None
    try:
        value = float(raw)
    except ValueError:
        raise BadRequestError(f"{key}: expected a number, got {raw!r}") from None
    if not math.isfinite(value):
        raise BadRequestError(f"{key}: expected a finite number, got {raw!r}")
    if value < 0:
        raise BadRequestError(f"{key}: must not be negative, got {raw!r}")
    return value


def is_true(query: Mapping[str, str], key: str) -> bool:
    return query.get(key, "").lower() in ("true", "1", "yes")
