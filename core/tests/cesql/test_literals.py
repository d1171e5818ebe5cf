"""Literals: booleans, 32-bit integers with an optional sign, and '...' / "..." strings with escaped quotes."""

import pytest

# The TCK's own cases for this topic run in test_tck.py; these add to them.
MORE_CASES = [
    ("true in mixed case", "tRuE", True, None, None),
    ("false in lower case", "false", False, None, None),
    ("largest integer", "2147483647", 2147483647, None, None),
    ("smallest integer", "-2147483648", -2147483648, None, None),
    ("explicit plus sign", "+42", 42, None, None),
    ("leading zeros", "007", 7, None, None),
    ("integer above 32 bits is a parse error", "2147483648", None, "parse", None),
    ("integer below 32 bits is a parse error", "-2147483649", None, "parse", None),
    ("huge integer literal is a parse error", "9" * 5000, None, "parse", None),
    ("empty single-quoted string", "''", "", None, None),
    ("empty double-quoted string", '""', "", None, None),
    ("other backslashes are kept", "'a\\nb\\\\c'", "a\\nb\\\\c", None, None),
    ("backslash-quote of the other kind is kept", "'a\\\"b'", 'a\\"b', None, None),
    ("strings keep unicode and newlines", "'héllo\nwörld ✓'", "héllo\nwörld ✓", None, None),
    ("whitespace around a literal", " \t\r\n 5 \n", 5, None, None),
    ("unterminated string", "'abc", None, "parse", None),
    ("escaped closing quote leaves the string open", "'abc\\'", None, "parse", None),
    ("doubled quotes are two literals, not an escape", "'it''s'", None, "parse", None),
]


@pytest.mark.parametrize(
    ("name", "expression", "result", "error", "overrides"),
    MORE_CASES,
    ids=[c[0] for c in MORE_CASES],
)
def test_literal(run_case, name, expression, result, error, overrides):
    run_case(expression, result, error, overrides)
