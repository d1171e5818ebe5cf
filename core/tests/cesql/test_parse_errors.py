"""Invalid expressions: compile() raises a parse CESQLError naming the position; evaluate() returns it."""

import pytest

from pyknative.cesql import CESQLError, compile, evaluate

# The TCK's one parse_errors case runs in test_tck.py; these follow the grammar (§2) beyond it.
INVALID = [
    ("", "empty expression"),
    ("   ", "only whitespace"),
    ("ABC(", "unclosed function call"),
    ("(a))", "too many closing parentheses"),
    ("((a)", "too few closing parentheses"),
    ("'abc", "unterminated single-quoted string"),
    ('"abc', "unterminated double-quoted string"),
    ("1 +", "missing right operand"),
    ("* 2", "missing left operand"),
    ("a b", "two operands without an operator"),
    ("a = = b", "doubled operator"),
    ("a == b", "== is not an operator"),
    ("a NOT b", "NOT is not a binary operator"),
    ("a LIKE b", "LIKE pattern must be a string literal"),
    ("a NOT LIKE", "LIKE without a pattern"),
    ("a IN ()", "empty set"),
    ("a IN ('x',)", "trailing comma in a set"),
    ("EXISTS", "EXISTS without an attribute"),
    ("EXISTS 1", "EXISTS of a literal"),
    ("Type = 'x'", "upper-case attribute name"),
    ("a.b = 1", "dotted name"),
    ("a_b = 1", "underscore in an attribute name"),
    ("+a", "unary plus"),
    ("1 ! 2", "lone !"),
    ("a = 1;", "statement terminator"),
    ("a = 1 # comment", "comment"),
    ("2147483648", "integer literal out of range"),
    ("f(1)(2)", "calling a call"),
    ("TRUE TRUE", "two literals"),
]


@pytest.mark.parametrize(("expression", "why"), INVALID, ids=[c[1] for c in INVALID])
def test_invalid_expression_raises_a_parse_error(expression, why):
    with pytest.raises(CESQLError) as raised:
        compile(expression)
    error = raised.value
    assert error.kind == "parse"
    assert error.line is not None and error.column is not None and error.offset is not None
    assert f"line {error.line}, column {error.column}" in str(error)
    value, errors = evaluate(expression, {"a": "1"})
    assert value is False and [e.kind for e in errors] == ["parse"]


def test_keyword_prefixes_are_attribute_names():
    assert evaluate("andy = 'x' AND notes = 'y' OR inx", {"andy": "x", "notes": "y", "inx": False}) == (
        True,
        [],
    )


@pytest.mark.parametrize(
    ("expression", "line", "column", "fragment"),
    [
        ("a = = b", 1, 5, "unexpected '='"),
        ("a = 1 AND\n  b LIKE c", 2, 10, "expected a string"),
        ("abc(", 1, 5, "unexpected end of expression"),
        ("x = 'unterminated", 1, 5, "unterminated string literal"),
        ("Type = 1", 1, 1, "attribute names are lowercase"),
        # spec v1 §2.2: a value identifier is lowercase letters and digits; Knative's Go SDK lower-cases it instead
        ("EXISTS SOURCE", 1, 8, "in 'SOURCE': attribute names are lowercase letters and digits (write 'source')"),
        ("sOurce = 'x'", 1, 2, "in 'sOurce': attribute names are lowercase letters and digits (write 'source')"),
        ("1 + 99999999999", 1, 5, "not a 32-bit signed integer"),
    ],
)
def test_parse_error_names_the_position_and_the_cause(expression, line, column, fragment):
    with pytest.raises(CESQLError) as raised:
        compile(expression)
    error = raised.value
    assert (error.line, error.column) == (line, column)
    assert fragment in error.message


def test_parse_error_lists_what_was_expected():
    with pytest.raises(CESQLError) as raised:
        compile("a = 1 AND")
    assert "expected" in raised.value.message and "an attribute name" in raised.value.message


def test_nesting_too_deep_is_a_parse_error_not_a_crash():
    with pytest.raises(CESQLError) as raised:
        compile("NOT " * 1000 + "TRUE")
    assert raised.value.kind == "parse" and "nested" in raised.value.message
    with pytest.raises(CESQLError):
        compile("-" * 1000 + "1")
    with pytest.raises(CESQLError):
        compile("(" * 300 + "1 + " * 300 + "1" + ")" * 300)


def test_deep_parentheses_alone_are_fine():
    assert evaluate("(" * 5000 + "1" + ")" * 5000, {}) == (1, [])


def test_nesting_within_the_limit_evaluates():
    assert evaluate("NOT " * 150 + "TRUE", {}) == (True, [])
    assert evaluate(" + ".join(["1"] * 150), {}) == (150, [])


def test_non_string_expression_is_a_type_error():
    with pytest.raises(TypeError):
        compile(42)  # type: ignore[arg-type]
