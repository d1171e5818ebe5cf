"""Whole filter expressions: the spec's examples and the Subscriptions API filter recreations."""

import pytest

# The TCK's own cases for this topic run in test_tck.py; these add to them.
MORE_CASES = [
    (
        "Disjunctive Normal Form (4), missing in the last disjunct",
        "(id = 'myId' AND type LIKE '%.success') OR (id = 'notmyId' AND source LIKE 'http://%' AND type LIKE "
        "'%.warning') OR (myext = 'cusomext')",
        False,
        "missingAttribute",
        {"id": "notmyId", "type": "example.event.warning", "source": "https://localhost.localdomain"},
    ),
    ("spec: EXISTS subject", "EXISTS subject", True, None, None),
    ("spec: firstname = 'Francesco'", "firstname = 'Francesco'", True, None, {"firstname": "Francesco"}),
    ("spec: sequence = 10 with a numeric extension", "sequence = 10", True, None, {"sequence": 10}),
    ("spec: hop < ttl with numeric extensions", "hop < ttl", True, None, {"hop": 2, "ttl": 10}),
    ("multi-line expression", "type = 'com.example.someevent'\n  AND source LIKE '/my%'\n", True, None, None),
]

CASES = MORE_CASES


@pytest.mark.parametrize(
    ("name", "expression", "result", "error", "overrides"), CASES, ids=[c[0] for c in CASES]
)
def test_filter_example(run_case, name, expression, result, error, overrides):
    run_case(expression, result, error, overrides)
