"""Built-in functions: string manipulation, ABS, the casting functions, case-insensitive names, dispatch by
arity (missingFunction) and function evaluation errors."""

import pytest

# The TCK's own cases for this topic run in test_tck.py; these add to them.
MORE_CASES = [
    ("function names are case-insensitive", "length('abc') + Length('d') + lEnGtH('')", 4, None, None),
    ("space before the parenthesis", "UPPER ('a')", "A", None, None),
    ("LENGTH counts characters, not bytes", "LENGTH('héllo✓')", 6, None, None),
    ("LENGTH of an integer", "LENGTH(12345)", 5, None, None),
    ("CONCAT casts its arguments", "CONCAT('a', 1, TRUE)", "a1true", None, None),
    ("CONCAT_WS with a longer delimiter", "CONCAT_WS(' - ', 'a', 'b')", "a - b", None, None),
    ("UPPER uses Unicode case mapping", "UPPER('straße')", "STRASSE", None, None),
    ("TRIM removes Unicode whitespace", "TRIM('\u00a0\u2003 x \t\n\u3000')", "x", None, None),
    ("TRIM keeps control characters", "TRIM('\u001fx\u001f')", "\u001fx\u001f", None, None),
    ("LEFT 0", "LEFT('abc', 0)", "", None, None),
    ("RIGHT 0", "RIGHT('abc', 0)", "", None, None),
    ("LEFT with a string count", "LEFT('abc', '2')", "ab", None, None),
    ("SUBSTRING at the last character", "SUBSTRING('abc', 3)", "c", None, None),
    ("SUBSTRING from -LENGTH", "SUBSTRING('abc', -3)", "abc", None, None),
    ("SUBSTRING with a length past the end", "SUBSTRING('abc', 2, 10)", "bc", None, None),
    ("SUBSTRING with length 0", "SUBSTRING('abc', 2, 0)", "", None, None),
    ("SUBSTRING of the empty string", "SUBSTRING('', 0)", "", None, None),
    ("SUBSTRING position past the end of ''", "SUBSTRING('', 1)", "", "functionEvaluation", None),
    ("SUBSTRING with a negative length", "SUBSTRING('abc', 1, -1)", "", "functionEvaluation", None),
    ("ABS of the largest integer", "ABS(2147483647)", 2147483647, None, None),
    ("ABS casts a string", "ABS('-5')", 5, None, None),
    ("ABS of a bad string", "ABS('five')", 0, "cast", None),
    ("INT of an overflowing string", "INT('99999999999')", 0, "cast", None),
    ("INT of a string with a plus sign", "INT('+12')", 12, None, None),
    ("BOOL of mixed case", "BOOL('tRuE')", True, None, None),
    ("IS_INT of an integer string", "IS_INT('-12')", True, None, None),
    ("IS_INT of a bad string", "IS_INT('12a')", False, None, None),
    ("IS_INT of a boolean", "IS_INT(TRUE)", True, None, None),
    ("IS_INT of an integer", "IS_INT(5)", True, None, None),
    ("IS_BOOL of a boolean string", "IS_BOOL('FALSE')", True, None, None),
    ("IS_BOOL of a bad string", "IS_BOOL('yes')", False, None, None),
    ("IS_BOOL of an integer", "IS_BOOL(0)", True, None, None),
    ("IS_INT of an attribute", "IS_INT(sequence)", True, None, {"sequence": "42"}),
    ("casting functions read attributes", "INT(hop) + 1", 6, None, {"hop": "5"}),
    ("unknown function", "NOPE(1)", False, "missingFunction", None),
    ("unknown function without arguments", "NOPE()", False, "missingFunction", None),
    ("wrong arity", "LENGTH('a', 'b')", False, "missingFunction", None),
    ("too few arguments", "SUBSTRING('abc')", False, "missingFunction", None),
    ("missing function's arguments are not evaluated", "NOPE(1 / 0)", False, "missingFunction", None),
    ("missing function inside an expression", "NOT NOPE()", False, "missingFunction", None),
    ("missing attribute argument gives the zero value", "LEFT(missing, 2)", "", "missingAttribute", None),
    ("missing attribute argument to INT", "INT(missing)", 0, "missingAttribute", None),
    ("missing attribute argument to IS_INT", "IS_INT(missing)", False, "missingAttribute", None),
    ("nested calls", "UPPER(SUBSTRING(CONCAT('ab', 'cd'), 2, 2))", "BC", None, None),
    (
        "function names may contain underscores",
        "IS_BOOL('true') AND CONCAT_WS('', 'a') = 'a'",
        True,
        None,
        None,
    ),
    ("digits are not allowed in function names", "ABS2(1)", False, "parse", None),
    ("unclosed call", "ABC(", False, "parse", None),
    ("trailing comma", "CONCAT('a',)", False, "parse", None),
]

CASES = MORE_CASES


@pytest.mark.parametrize(
    ("name", "expression", "result", "error", "overrides"), CASES, ids=[c[0] for c in CASES]
)
def test_function(run_case, name, expression, result, error, overrides):
    run_case(expression, result, error, overrides)


def test_wrong_arity_names_the_signatures():
    from pyknative.cesql import evaluate

    _, errors = evaluate("substring('abc')", {})
    assert "SUBSTRING() does not take 1 argument" in errors[0].message
    assert "SUBSTRING(String, Integer) -> String" in errors[0].message
    _, errors = evaluate("nope()", {})
    assert errors[0].message == "unknown function NOPE()"
