"""Comparisons: = != <> on booleans, integers and strings (casting the left operand to the right's type),
and < <= > >= on integers."""

import pytest

# The TCK's own cases for this topic run in test_tck.py; these add to them.
MORE_CASES = [
    ("string equality is case sensitive", "'abc' = 'ABC'", False, None, None),
    ("integer cast to string on the left", "10 = '10'", True, None, None),
    ("string cast to integer on the left", "'010' = 10", True, None, None),
    ("failed cast to the right's type", "'ten' = 10", False, "cast", None),
    ("spec: TRUE = 'true' AND FALSE = 'false'", 'TRUE = "true" AND FALSE = "false"', True, None, None),
    ("spec: TRUE = 'TRUE' OR FALSE = 'FALSE'", 'TRUE = "TRUE" OR FALSE = "FALSE"', False, None, None),
    ("integer vs boolean casts to boolean", "1 = TRUE", True, None, None),
    ("boolean vs integer casts to integer", "TRUE = 2", False, None, None),
    ("strings are compared as integers by <", "'9' < '10'", True, None, None),
    ("booleans are compared as integers by <", "FALSE < TRUE", True, None, None),
    ("non-numeric string in < is a cast error", "'b' < 'a'", False, "cast", None),
    ("missing attribute on the right", "2 = missing", False, "missingAttribute", None),
    ("missing attribute in >", "missing > 2", False, "missingAttribute", None),
    ("comparisons are left associative", "1 < 2 = TRUE", True, None, None),
    ("arithmetic binds tighter than comparison", "1 + 1 = 2", True, None, None),
    ("event integer attribute against a literal", "myint >= 10", True, None, {"myint": 10}),
    ("event boolean attribute against a literal", "mybool = FALSE", True, None, {"mybool": False}),
    ("event boolean attribute against a string", "mybool = 'false'", True, None, {"mybool": False}),
    ("comparison without spaces", "2>=2", True, None, None),
]

CASES = MORE_CASES


@pytest.mark.parametrize(
    ("name", "expression", "result", "error", "overrides"), CASES, ids=[c[0] for c in CASES]
)
def test_comparison(run_case, name, expression, result, error, overrides):
    run_case(expression, result, error, overrides)
