"""Kubernetes label selectors: parsing (strictly, as the API server does) and matching.

A selector is comma-separated requirements: ``key``, ``!key``, ``key=value`` (or ``==``), ``key!=value``,
``key in (v1,v2)``, ``key notin (v1,v2)``. Keys are qualified names and values label values
(:mod:`pyknative.api.meta_validation`); anything else is a :class:`SelectorError` (400), never a selector that
quietly matches everything.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import NoReturn

from pyknative.api.meta_validation import label_value, qualified_name
from pyknative.errors import PyknativeError

Term = tuple[str, str, tuple[str, ...]]

_SET = re.compile(r"^(?P<key>[^\s!=(),]+)\s+(?P<op>in|notin)\s*\((?P<values>[^()]*)\)$")
_COMPARE = re.compile(r"^(?P<key>[^\s!=(),]+)\s*(?P<op>==|!=|=)\s*(?P<value>[^\s!=(),]*)$")
_EXISTS = re.compile(r"^(?P<bang>!?)\s*(?P<key>[^\s!=(),]+)$")


class SelectorError(PyknativeError):
    """A label selector that does not parse, or names an invalid key or value."""

    status_code = 400
    reason = "BadRequest"


def parse_selector(selector: str | Mapping[str, str] | None) -> list[Term]:
    """Parse a label selector into ``(key, op, values)`` with op in ``=``, ``!=``, ``in``, ``notin``, ``exists``, ``!``."""
    if selector is None:
        return []
    if isinstance(selector, Mapping):
        return [(k, "=", (v,)) for k, v in selector.items()]
    if not selector.strip():
        return []
    return [_term(selector, t.strip()) for t in _split_terms(selector)]


def matches(labels: Mapping[str, str] | None, terms: list[Term]) -> bool:
    labels = labels or {}
    for key, op, values in terms:
        have = labels.get(key)
        if op == "=" and have != values[0]:
            return False
        if op == "!=" and have == values[0]:
            return False
        if op == "in" and have not in values:
            return False
        if op == "notin" and have in values:
            return False
        if op == "exists" and key not in labels:
            return False
        if op == "!" and key in labels:
            return False
    return True


def _term(selector: str, text: str) -> Term:
    if m := _SET.match(text):
        values = tuple(v.strip() for v in m["values"].split(","))
        if values == ("",):
            _fail(selector, f"{m['key']} {m['op']} (): the set of values must not be empty")
        term: Term = (m["key"], m["op"], values)
    elif m := _COMPARE.match(text):
        term = (m["key"], "=" if m["op"] == "==" else m["op"], (m["value"],))
    elif m := _EXISTS.match(text):
        term = (m["key"], "!" if m["bang"] else "exists", ())
    else:
        _fail(selector, f"cannot parse {text!r}" if text else "an empty requirement (a stray comma?)")
    key, _, values = term
    problems = qualified_name(key) + [p for v in values for p in label_value(v)]
    if problems:
        _fail(selector, "; ".join(problems))
    return term


def _fail(selector: str, why: str) -> NoReturn:
    raise SelectorError(f"labelSelector {selector!r}: {why}")


def _split_terms(selector: str) -> list[str]:
    terms, depth, cur = [], 0, ""
    for ch in selector:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            terms.append(cur)
            cur = ""
        else:
            cur += ch
    terms.append(cur)
    return terms
