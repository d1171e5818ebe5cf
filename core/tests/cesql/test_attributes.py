"""Reading event attributes and extensions, representing non-primitive values as strings, missing attributes,
and EXISTS."""

import datetime

import pytest

from pyknative.cesql import evaluate

MINIMAL_EVENT = {"specversion": "1.0", "id": "myId", "source": "localhost.localdomain", "type": "myType"}


# The TCK's own cases for this topic run in test_tck.py; these add to them.
MORE_CASES = [
    (
        "UTC timestamps end in Z",
        "time",
        "2018-04-05T17:31:00Z",
        None,
        {"time": datetime.datetime(2018, 4, 5, 17, 31, tzinfo=datetime.UTC)},
    ),
    ("binary extension is base64", "mybin", "AQID", None, {"mybin": b"\x01\x02\x03"}),
    ("integer beyond 32 bits is a string", "mybig", "4294967296", None, {"mybig": 2**32}),
    ("other values use their string form", "mylist", "[1, 2]", None, {"mylist": [1, 2]}),
    ("None counts as absent", "myext", False, "missingAttribute", {"myext": None}),
    ("attribute names may contain digits", "ext2", "two", None, {"ext2": "two"}),
    ("attribute names may start with digits", "2ext", "two", None, {"2ext": "two"}),
    ("attribute named like a keyword operand", "in = 'x'", True, None, {"in": "x"}),
    ("upper-case attribute names are a parse error", "ID = 'x'", False, "parse", None),
    ("underscores are not allowed in attribute names", "my_ext = 'x'", False, "parse", None),
    ("EXISTS present extension", "EXISTS myext", True, None, {"myext": "x"}),
    ("EXISTS absent extension", "EXISTS myext", False, None, None),
    ("EXISTS present optional attribute", "EXISTS subject", True, None, None),
    ("EXISTS absent optional attribute", "EXISTS subject", False, None, {"subject": None}),
    ("EXISTS is case-insensitive", "exists subject AND ExIsTs id", True, None, None),
    ("NOT EXISTS", "NOT EXISTS myext", True, None, None),
    (
        "EXISTS of a required attribute is always true",
        "EXISTS specversion",
        True,
        None,
        {"specversion": None},
    ),
    ("EXISTS needs an attribute name", "EXISTS 'id'", False, "parse", None),
    ("EXISTS takes no parentheses", "EXISTS (id)", False, "parse", None),
    ("EXISTS guards a missing attribute", "EXISTS myext AND myext = 'x'", False, None, None),
]

CASES = MORE_CASES


@pytest.mark.parametrize(
    ("name", "expression", "result", "error", "overrides"), CASES, ids=[c[0] for c in CASES]
)
def test_attribute(run_case, name, expression, result, error, overrides):
    run_case(expression, result, error, overrides)


def test_absent_optional_attribute_is_a_missing_attribute_error():
    """TCK "Absent optional attribute", on the minimal event the TCK gives."""
    value, errors = evaluate("subject", MINIMAL_EVENT)
    assert value is False
    assert [e.kind for e in errors] == ["missingAttribute"]
    assert "subject" in errors[0].message


@pytest.mark.parametrize(
    ("expression", "value"),
    [
        ("missing * 5", 0),
        ("1 / missing", 0),
        ("missing = ''", False),
        ("LENGTH(missing)", 0),
        ("CONCAT('a', missing)", ""),
        ("UPPER(missing)", ""),
        ("missing", False),
    ],
)
def test_missing_attribute_gives_the_zero_value_of_the_referencing_expression(expression, value):
    result, errors = evaluate(expression, MINIMAL_EVENT)
    assert type(result) is type(value) and result == value
    assert [e.kind for e in errors] == ["missingAttribute"]


def test_the_event_is_not_mutated():
    event = dict(MINIMAL_EVENT, myint=7)
    snapshot = dict(event)
    evaluate("myint + 1 = 8 AND id LIKE 'my%' AND EXISTS myint", event)
    assert event == snapshot
