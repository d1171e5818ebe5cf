"""The subset of JSONPath that CRDs' ``additionalPrinterColumns`` use, evaluated over an object's wire dict.

``.a.b``, ``['key.with.dots']`` (or ``["..."]``), ``[0]``, ``[*]`` and one filter form
``[?(@.field=='value')]`` (``==`` or ``!=``, the field itself a dotted path). Like kubectl, a path that finds
nothing prints as an empty cell, and several matches print comma-separated.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

_TOKEN = re.compile(
    r"""\.(?P<field>[A-Za-z0-9_\-$]+)
      | \[\s*(?P<q>['"])(?P<key>.*?)(?P=q)\s*\]
      | \[\s*(?P<index>-?\d+)\s*\]
      | \[\s*\*\s*\]
      | \[\?\(\s*@(?P<fpath>(?:\.[A-Za-z0-9_\-]+)+)\s*(?P<op>==|!=)\s*(?P<fq>['"])(?P<fvalue>.*?)(?P=fq)\s*\)\]
    """,
    re.VERBOSE,
)


class JsonPathError(ValueError):
    """The path is not in the supported subset."""


def compile_path(path: str) -> list[tuple[str, Any]]:
    """``path`` as a list of steps: ``("key", k)``, ``("index", i)``, ``("all", None)``, ``("filter", ...)``."""
    text = path.strip()
    if text.startswith("{") and text.endswith("}"):  # kubectl's template braces
        text = text[1:-1].strip()
    if text.startswith("$"):
        text = text[1:]
    steps: list[tuple[str, Any]] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise JsonPathError(f"unsupported JSONPath {path!r} at {text[pos:]!r}")
        if m.group("field") is not None:
            steps.append(("key", m.group("field")))
        elif m.group("key") is not None:
            steps.append(("key", m.group("key")))
        elif m.group("index") is not None:
            steps.append(("index", int(m.group("index"))))
        elif m.group("fpath") is not None:
            steps.append(("filter", (m.group("fpath")[1:].split("."), m.group("op"), m.group("fvalue"))))
        else:
            steps.append(("all", None))
        pos = m.end()
    return steps


def evaluate(path: str, obj: Any) -> list[Any]:
    """Every value ``path`` finds in ``obj`` (a path without wildcards or filters finds at most one)."""
    current = [obj]
    for op, arg in compile_path(path):
        found: list[Any] = []
        for value in current:
            if op == "key":
                if isinstance(value, Mapping) and arg in value:
                    found.append(value[arg])
            elif op == "index":
                if _is_list(value) and -len(value) <= arg < len(value):
                    found.append(value[arg])
            elif op == "all":
                if _is_list(value):
                    found.extend(value)
                elif isinstance(value, Mapping):
                    found.extend(value.values())
            else:
                keys, cmp, want = arg
                for item in value if _is_list(value) else ():
                    have = _dig(item, keys)
                    if (have is not None and str(have) == want) == (cmp == "=="):
                        found.append(item)
        current = found
    return current


def cell(path: str, obj: Any) -> str:
    """What kubectl prints for ``path``: the values found, comma-separated; empty when none."""
    values = [v for v in evaluate(path, obj) if v is not None]
    return ",".join(_text(v) for v in values)


def _dig(value: Any, keys: Sequence[str]) -> Any:
    for k in keys:
        if not isinstance(value, Mapping):
            return None
        value = value.get(k)
    return value


def _is_list(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str | bytes)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping | list | tuple):
        import json

        return json.dumps(value, separators=(",", ":"))
    return str(value)
