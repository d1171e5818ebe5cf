"""IN and NOT IN: set members cast to the left operand's type and compared like =, member by member, until
the first match or the first error (which makes IN false).

The TCK's in_expression cases run in test_tck.py; these follow the spec (§3.3, §3.4.5, §3.7) beyond them.
"""

import pytest

MORE_CASES = [
    ("integer in integer set", "123 IN (1, 2, 3, 12, 13, 23, 123)", True, None, None),
    ("integer not in integer set", "123 NOT IN (1, 2, 3, 12, 13, 23, 123)", False, None, None),
    ("string in string set", "'abc' IN ('abc', \"bcd\")", True, None, None),
    ("string not in string set", "'aaa' IN ('abc', \"bcd\")", False, None, None),
    ("boolean in boolean set", "TRUE IN (TRUE, FALSE)", True, None, None),
    ("boolean not in boolean set", "TRUE IN (FALSE)", False, None, None),
    ("attributes and literals mixed", "source IN (myext, 'abc')", True, None, {"myext": "/mycontext"}),
    ("attribute against a literal of its value", "source IN (id, '/mycontext')", True, None, None),
    ("attribute against other values", "source IN (id, 'xyz')", False, None, None),
    ("members cast to the left type: boolean to string", "'true' IN (TRUE, 'false')", True, None, None),
    (
        "members cast to the left type: case matters for strings",
        "'TRUE' IN (TRUE, 'false')",
        False,
        None,
        None,
    ),
    ("members cast to the left type: string to boolean", "TRUE IN ('true', 'false')", True, None, None),
    ("members cast to the left type: string to integer", "1 IN ('1', '2')", True, None, None),
    ("members cast to the left type: integer to string", "'1' IN (1, 2)", True, None, None),
    ("integer member cast to boolean", "TRUE IN (0, 5)", True, None, None),
    ("failed member cast is a cast error, and IN is false", "1 IN ('one', 1)", False, "cast", None),
    ("first match stops the search", "1 IN (1, 'one')", True, None, None),
    ("first match stops the search (attributes)", "1 IN (1, missing)", True, None, None),
    ("keywords are case-insensitive", "1 in (1) AND 2 Not In (1)", True, None, None),
    ("single member", "'a' IN ('a')", True, None, None),
    ("members may be expressions", "6 IN (1 + 2, 2 * 3)", True, None, None),
    ("missing left operand", "missing IN (1, 2, 3)", False, "missingAttribute", None),
    (
        "missing left operand with NOT IN is false too",
        "missing NOT IN (1, 2)",
        False,
        "missingAttribute",
        None,
    ),
    ("a missing member makes IN false", "'a' IN (missing, 'a')", False, "missingAttribute", None),
    ("a missing member after the match is not evaluated", "'a' IN ('a', missing)", True, None, None),
    ("missing member never matches", "'a' IN (missing)", False, "missingAttribute", None),
    ("empty set is a parse error", "1 IN ()", False, "parse", None),
    ("set needs parentheses", "1 IN 1", False, "parse", None),
    ("IN binds tighter than =", "1 IN (1) = TRUE", True, None, None),
    ("IN binds tighter than AND", "1 IN (1) AND 2 IN (2)", True, None, None),
    ("IN binds tighter than +", "1 + 1 IN (1)", 2, None, None),
    ("IN then LIKE apply in the order written", "1 IN (1) LIKE 'tr%'", True, None, None),
    ("IN then IN apply in the order written", "1 IN (2) IN (FALSE)", True, None, None),
    ("NOT binds tighter than IN", "NOT TRUE IN (TRUE, FALSE)", True, None, None),
    ("NOT IN with extra whitespace", "3 NOT \t IN (1, 2)", True, None, None),
    ("integer attribute in a string set", "myint IN ('10', '20')", True, None, {"myint": 10}),
    ("boolean attribute in a set", "mybool IN (FALSE)", True, None, {"mybool": False}),
    (
        "large constant set",
        "type IN (" + ", ".join(f"'t{i}'" for i in range(1000)) + ", 'com.example.someevent')",
        True,
        None,
        None,
    ),
]


@pytest.mark.parametrize(
    ("name", "expression", "result", "error", "overrides"), MORE_CASES, ids=[c[0] for c in MORE_CASES]
)
def test_in(run_case, name, expression, result, error, overrides):
    run_case(expression, result, error, overrides)
