"""compile() once, evaluate many events: the compiled object's API, filter semantics and speed."""

import threading
import time

import pytest

from pyknative.cesql import CESQLError, CompiledExpression, compile, evaluate
from pyknative.errors import PyknativeError

EVENT = {
    "specversion": "1.0",
    "id": "1",
    "source": "/orders",
    "type": "com.example.order.created",
    "subject": "order-42",
    "priority": "3",
}


def test_compile_returns_a_reusable_expression():
    expression = compile("type LIKE 'com.example.%' AND INT(priority) > 2")
    assert isinstance(expression, CompiledExpression)
    assert expression.expression == "type LIKE 'com.example.%' AND INT(priority) > 2"
    assert expression.evaluate(EVENT) == (True, [])
    assert expression.evaluate({**EVENT, "priority": "1"}) == (False, [])
    value, errors = expression.evaluate({**EVENT, "priority": "high"})
    assert value is False and [e.kind for e in errors] == ["cast"]


def test_evaluation_errors_do_not_leak_between_events():
    expression = compile("myext = 'x'")
    assert [e.kind for e in expression.evaluate(EVENT)[1]] == ["missingAttribute"]
    assert expression.evaluate({**EVENT, "myext": "x"}) == (True, [])
    assert [e.kind for e in expression.evaluate(EVENT)[1]] == ["missingAttribute"]


def test_constant_errors_are_reported_on_every_evaluation():
    expression = compile("1 / 0 = 0")
    for _ in range(3):
        value, errors = expression.evaluate(EVENT)
        assert value is False and [e.kind for e in errors] == ["math"]


@pytest.mark.parametrize(
    ("expression", "event", "passes"),
    [
        ("type = 'com.example.order.created'", EVENT, True),
        ("type = 'other'", EVENT, False),
        ("subject", EVENT, False),  # a string is not a boolean
        ("1", EVENT, False),
        ("myext = 'x' OR TRUE", EVENT, False),  # an error fails the filter whatever the value
        ("TRUE OR myext = 'x'", EVENT, True),  # short circuit: no error
        ("NOT (myext = 'x')", EVENT, False),
        ("INT(priority) = 3", EVENT, True),
        ("INT(priority) = 3", {**EVENT, "priority": "three"}, False),
        ("mybool", {**EVENT, "mybool": True}, True),
        ("mybool", {**EVENT, "mybool": "true"}, False),  # the string "true" is not a boolean value
    ],
)
def test_matches_is_the_filter_verdict(expression, event, passes):
    compiled = compile(expression)
    assert compiled.matches(event) is passes
    value, errors = compiled.evaluate(event)
    assert passes is (value is True and not errors)


def test_result_type_is_known_statically():
    assert compile("a = b").result_type is bool
    assert compile("1 + a").result_type is int
    assert compile("UPPER(a)").result_type is str
    assert compile("a").result_type is None
    assert compile("NOPE()").result_type is bool


def test_compile_raises_a_pyknative_error_for_admission():
    with pytest.raises(PyknativeError) as raised:
        compile("type = ")
    assert isinstance(raised.value, CESQLError)
    assert raised.value.status_code == 422


def test_errors_have_a_kind_and_a_readable_message():
    _, errors = evaluate("5 / 0 + missing", EVENT)
    assert [(e.kind, e.message) for e in errors] == [
        ("math", "division by zero: 5 / 0"),
        ("missingAttribute", "the event has no attribute 'missing'"),
    ]
    assert str(errors[0]) == "math error: division by zero: 5 / 0"
    with pytest.raises(ValueError):
        CESQLError("bogus", "x")  # type: ignore[arg-type]


def test_same_text_compiles_to_the_same_object():
    assert compile("a = 'b'") is compile("a = 'b'")


def test_concurrent_evaluation_is_independent():
    expression = compile("(INT(n) % 2 = 0 AND missing = 1) OR INT(n) % 2 = 1")
    failures: list[str] = []

    def work(n: int) -> None:
        for _ in range(200):
            value, errors = expression.evaluate({"n": str(n)})
            expected_errors = ["missingAttribute"] if n % 2 == 0 else []
            if value is not (n % 2 == 1) or [e.kind for e in errors] != expected_errors:
                failures.append(f"{n}: {value} {errors}")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []


def test_evaluating_a_compiled_filter_is_fast():
    """The broker's hot path: a typical Trigger filter costs microseconds per event, not a parse."""
    expression = compile(
        "type IN ('com.example.order.created', 'com.example.order.updated') AND source LIKE '/orders%'"
        " AND (NOT EXISTS priority OR INT(priority) >= 2)"
    )
    assert expression.matches(EVENT)
    rounds = 20_000
    start = time.perf_counter()
    for _ in range(rounds):
        expression.matches(EVENT)
    per_event = (time.perf_counter() - start) / rounds
    assert per_event < 50e-6, f"{per_event * 1e6:.1f} µs per event"


def test_constant_set_members_report_their_errors():
    value, errors = evaluate("5 IN (1 / 0, 5)", EVENT)
    assert value is False and [e.kind for e in errors] == ["math"]  # the member failed before 5 matched
    assert evaluate("5 IN (5, 1 / 0)", EVENT) == (True, [])  # the first match ends the search


def test_errors_survive_pickling():
    import pickle

    with pytest.raises(CESQLError) as raised:
        compile("a = ")
    copy = pickle.loads(pickle.dumps(raised.value))
    assert (copy.kind, copy.message, copy.line, copy.column) == ("parse", raised.value.message, 1, 5)
    assert str(copy) == str(raised.value)


def test_deep_expression_that_reads_the_event_evaluates():
    assert evaluate("-" * 190 + "x", {"x": 3}) == (3, [])
