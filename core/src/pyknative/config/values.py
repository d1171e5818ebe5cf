"""Parsing of ConfigMap string values the way Knative's Go code reads them.

Knative stores every setting as a string and parses it with Go's ``strconv`` and ``time.ParseDuration``; these
helpers accept exactly what those accept (after trimming surrounding whitespace, as ``knative.dev/pkg/configmap``
does) and raise :class:`ValueError` with a message that says what was expected.
"""

from __future__ import annotations

import math
import re
import types
from collections.abc import Mapping
from typing import Any

import yaml

_DURATION_UNITS = types.MappingProxyType(
    {
        "ns": 1e-9,
        "us": 1e-6,
        "µs": 1e-6,  # U+00B5 micro sign
        "μs": 1e-6,  # U+03BC Greek mu
        "ms": 1e-3,
        "s": 1.0,
        "m": 60.0,
        "h": 3600.0,
    }
)
_DURATION_PART = re.compile(r"([0-9]*(?:\.[0-9]*)?)([^0-9.]+)")
_INT = re.compile(r"[+-]?[0-9]+")
_FLOAT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_QUANTITY = re.compile(
    r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?"
)
_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})
_FALSE = frozenset({"0", "f", "F", "FALSE", "false", "False"})
_DURATION_HINT = "expected a Go duration such as 30s, 1m30s, 500ms or 1h"


def parse_duration(text: str) -> float:
    """Seconds in a Go duration string (``"30s"``, ``"1h30m"``, ``"500ms"``, ``"-1.5h"``, ``"0"``).

    Raises :class:`ValueError` naming the text for anything ``time.ParseDuration`` would refuse, including a
    number without a unit (other than ``0``) and the empty string.
    """
    if not isinstance(text, str):
        raise ValueError(f"invalid duration {text!r}: {_DURATION_HINT}")
    s = text.strip()
    rest = s
    sign = 1.0
    if rest[:1] in ("+", "-"):
        sign = -1.0 if rest[0] == "-" else 1.0
        rest = rest[1:]
    if rest == "0":
        return 0.0
    if not rest:
        raise ValueError(f"invalid duration {text!r}: {_DURATION_HINT}")
    total = 0.0
    pos = 0
    while pos < len(rest):
        m = _DURATION_PART.match(rest, pos)
        if not m or m.group(1) in ("", "."):
            raise ValueError(f"invalid duration {text!r}: {_DURATION_HINT}")
        number, unit = m.groups()
        if unit not in _DURATION_UNITS:
            raise ValueError(f"invalid duration {text!r}: unknown unit {unit!r} (use ns, us, ms, s, m or h)")
        total += float(number) * _DURATION_UNITS[unit]
        pos = m.end()
    return sign * total


def parse_bool(text: str) -> bool:
    """A boolean as Go's ``strconv.ParseBool`` reads it: 1/t/T/TRUE/true/True or 0/f/F/FALSE/false/False."""
    s = text.strip()
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    raise ValueError(f"expected a boolean (true or false), got {text!r}")


def parse_int(text: str, *, bits: int = 64) -> int:
    """A base-10 integer that fits a signed Go integer of ``bits`` bits."""
    s = text.strip()
    if not _INT.fullmatch(s):
        raise ValueError(f"expected an integer, got {text!r}")
    value = int(s)
    limit = 1 << (bits - 1)
    if not -limit <= value < limit:
        raise ValueError(f"integer {text!r} is out of range for int{bits}")
    return value


def parse_float(text: str) -> float:
    """A finite decimal number (``"70"``, ``"10.0"``, ``"1e3"``)."""
    s = text.strip()
    if not _FLOAT.fullmatch(s):
        raise ValueError(f"expected a number, got {text!r}")
    value = float(s)
    if not math.isfinite(value):
        raise ValueError(f"expected a finite number, got {text!r}")
    return value


def check_quantity(text: str) -> str:
    """A Kubernetes resource quantity (``"400m"``, ``"100M"``, ``"1Gi"``) or ``""`` for "not set"."""
    s = text.strip()
    if s and not _QUANTITY.fullmatch(s):
        raise ValueError(f"expected a resource quantity such as 400m, 128Mi or 1Gi, got {text!r}")
    return s


_DECIMAL_SUFFIX = {"n": 1e-9, "u": 1e-6, "m": 1e-3, "": 1.0, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15,
                   "E": 1e18}
_BINARY_SUFFIX = ("", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei")


def parse_quantity(text: str) -> float:
    """The value of a Kubernetes resource quantity (``500m`` → 0.5, ``128Mi``, ``1e3``); ValueError naming the
    text when it is not one."""
    s = str(text).strip()
    if not _QUANTITY.fullmatch(s):
        raise ValueError(f"invalid quantity {text!r}: expected e.g. 500m, 2, 128Mi or 1e3")
    number = re.match(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)", s)
    assert number is not None
    value, suffix = float(number.group()), s[number.end():]
    if suffix in _DECIMAL_SUFFIX:
        return value * _DECIMAL_SUFFIX[suffix]
    if suffix in _BINARY_SUFFIX:
        return value * 1024 ** _BINARY_SUFFIX.index(suffix)
    return value * 10 ** int(suffix[1:])


def parse_yaml(text: str) -> Any:
    """The document in a YAML-valued setting (``None`` when empty)."""
    try:
        return yaml.safe_load(text) if text.strip() else None
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        at = f" at line {where.line + 1}, column {where.column + 1}" if where else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ValueError(f"not valid YAML{at}: {problem}") from None


def parse_string_map(value: Any, what: str) -> dict[str, str]:
    """A mapping of strings to strings, e.g. a label selector's ``matchLabels``."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValueError(f"{what} must be a mapping of strings, got {type(value).__name__}")
    out: dict[str, str] = {}
    for k, v in value.items():
        if not isinstance(k, str) or isinstance(v, Mapping | list):
            raise ValueError(f"{what} must be a mapping of strings; {k!r} is not")
        out[k] = _scalar_text(v)
    return out


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)
