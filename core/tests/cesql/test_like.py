"""LIKE: % and _ wildcards, \\% and \\_ escapes, case sensitivity, casting the left operand to String."""

import time

import pytest

from pyknative.cesql import compile
from pyknative.cesql.like import compile_like

# The TCK's own cases for this topic run in test_tck.py; these add to them.
MORE_CASES = [
    ("spec example _b% accepts ab", "'ab' LIKE '_b%'", True, None, None),
    ("spec example _b% accepts abcd1", "'abcd1' LIKE '_b%'", True, None, None),
    ("spec example _b% rejects b", "'b' LIKE '_b%'", False, None, None),
    ("spec example _b% rejects acd", "'acd' LIKE '_b%'", False, None, None),
    ("spec example _b% rejects aBc", "'aBc' LIKE '_b%'", False, None, None),
    ("spec example abc\\% matches abc%", "'abc%' LIKE 'abc\\%'", True, None, None),
    ("spec example abc\\% rejects abcd", "'abcd' LIKE 'abc\\%'", False, None, None),
    ("keyword is case-insensitive", "'abc' like 'A%' OR 'abc' Not Like 'a%'", False, None, None),
    ("double-quoted pattern", "'abc' LIKE \"a%\"", True, None, None),
    ("% alone matches the empty string", "'' LIKE '%'", True, None, None),
    ("%% is %", "'x' LIKE '%%'", True, None, None),
    ("_ matches exactly one character", "'' LIKE '_'", False, None, None),
    ("_ matches a non-ASCII character", "'é' LIKE '_'", True, None, None),
    ("% matches across newlines", "'a\nb' LIKE 'a%b'", True, None, None),
    ("regex metacharacters are literal", "'a.b*c' LIKE 'a.b*c'", True, None, None),
    ("regex metacharacters do not act", "'axbbc' LIKE 'a.b*c'", False, None, None),
    ("prefix and suffix must not overlap", "'aba' LIKE 'ab%ba'", False, None, None),
    ("middle pieces are found in order", "'xaybz' LIKE 'x%b%a%z'", False, None, None),
    ("underscore inside a middle piece", "'start-a1c-end' LIKE 'start%a_c%end'", True, None, None),
    ("underscore at the end anchors", "'abc' LIKE '%b_'", True, None, None),
    ("a backslash before the closing quote escapes it", "'ab\\' LIKE 'ab\\'", False, "parse", None),
    ("missing attribute", "missing LIKE 'a%'", False, "missingAttribute", None),
    (
        "missing attribute with NOT LIKE is false too",
        "missing NOT LIKE 'a%'",
        False,
        "missingAttribute",
        None,
    ),
    ("LIKE binds tighter than AND", "'ab' LIKE 'a%' AND 'cd' LIKE 'c%'", True, None, None),
    ("LIKE binds tighter than =", "'ab' LIKE 'a%' = TRUE", True, None, None),
    ("LIKE binds tighter than *", "2 * 3 LIKE '3'", 2, None, None),
    ("LIKE then IN apply in the order written", "'ab' LIKE 'a%' IN (TRUE)", True, None, None),
    ("NOT binds tighter than LIKE", "NOT TRUE LIKE '%e'", True, None, None),
    ("pattern must be a literal, not an attribute", "x LIKE y", False, "parse", {"x": "a", "y": "a"}),
    ("integer attribute cast to string", "myint LIKE '1_'", True, None, {"myint": 10}),
]

CASES = MORE_CASES


@pytest.mark.parametrize(
    ("name", "expression", "result", "error", "overrides"), CASES, ids=[c[0] for c in CASES]
)
def test_like(run_case, name, expression, result, error, overrides):
    run_case(expression, result, error, overrides)


@pytest.mark.parametrize(
    ("pattern", "text", "expected"),
    [
        ("a%b%c", "abc", True),
        ("a%b%c", "ab", False),
        ("%a%", "bab", True),
        ("%a", "ba", True),
        ("a%", "ba", False),
        ("_%_", "a", False),
        ("_%_", "ab", True),
        ("\\%%", "%x", True),
        ("\\%%", "x%", False),
        ("a\\b", "a\\b", True),
        ("%_x_%", "ax", False),
        ("%_x_%", "axb", True),
    ],
)
def test_like_matcher(pattern, text, expected):
    assert compile_like(pattern)(text) is expected


def test_hostile_pattern_does_not_backtrack():
    """A pattern that makes a backtracking matcher exponential is matched in linear time."""
    expression = compile("x LIKE '" + "%a" * 30 + "%b'")
    event = {"x": "a" * 20_000}
    start = time.perf_counter()
    assert expression.evaluate(event) == (False, [])
    assert time.perf_counter() - start < 0.5
