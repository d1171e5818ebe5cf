"""Compiles a CESQL syntax tree into nested Python closures, once, so evaluating an event is cheap.

Each closure takes ``(event, errors)`` and returns a CESQL value, appending any :class:`CESQLError` to
``errors`` and carrying on, as the spec's "complete evaluation mode" describes. Subtrees that do not read the
event are evaluated at compile time (their errors, if any, are replayed on every call).

Semantics worth knowing (spec §3.2-§3.7):

* Errors propagate as zero values (spec §3.3): when evaluating an operand, or casting it to the type the
  operator or function takes, reports an error, the operator or function does not compute: it yields the zero
  value of its return type (``false``, ``0`` or ``""``), the error stays in the list. So ``missing = 2``,
  ``missing != 2``, ``missing NOT IN (1)`` and ``NOT (1 / 0 = 0)`` are all ``false``, ``'5x' + 1`` is ``0``,
  and ``true AND (1 != 1 / 0)`` is ``false`` with the ``math`` error. An operator's or function's own failure
  yields the value the spec defines for it: ``x / 0`` and ``x % 0`` are ``0``, ``ABS(-2147483648)`` is
  ``2147483647``, ``LEFT('abc', -1)`` is ``'abc'``, each with its error. A bare missing attribute is ``false``.
* ``AND`` and ``OR`` short-circuit: a ``false`` left operand of ``AND`` (or one that reported an error, which
  counts as its zero value ``false``) and a ``true`` left operand of ``OR`` leave the right one unevaluated. A
  chain ``a OR b OR c`` is ``a OR (b OR c)`` (the grammar groups logical operators from the right).
* ``=``, ``!=`` and ``<>`` cast the left operand to the right operand's type; ``IN`` casts each set element to
  the left operand's type and compares like ``=``, element by element, stopping at the first match (and at the
  first error). ``x NOT IN s`` and ``x NOT LIKE p`` are ``NOT (x IN s)`` and ``NOT (x LIKE p)``.
* Integers stay within 32 bits: a result that overflows is clamped to the nearest bound with a ``math`` error
  (as the spec defines for ``ABS(-2147483648)``); ``/`` and ``%`` truncate toward zero and yield 0 with a
  ``math`` error when dividing by zero.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Final

import attrs

from pyknative.cesql import nodes
from pyknative.cesql.errors import MATH, MISSING_ATTRIBUTE, CESQLError
from pyknative.cesql.functions import Function, resolve
from pyknative.cesql.like import compile_like
from pyknative.cesql.parser import parse
from pyknative.cesql.types import (
    INT_MAX,
    INT_MIN,
    cast,
    from_attribute,
    to_bool,
    to_int,
    to_string,
    zero_value,
)

Event = Mapping[str, object]
Fn = Callable[[Event, list[CESQLError]], object]

#: Attributes every valid CloudEvent has: ``EXISTS`` is always true for them (spec §3.4.4).
REQUIRED_ATTRIBUTES: Final = frozenset({"id", "source", "specversion", "type"})

_NO_EVENT: Final[Event] = MappingProxyType({})  # the "event" of compile-time evaluation


class _Abort(Exception):
    """Raised by a fail-fast error list on the first error."""


class _FailFast(list):
    """An error list that stops evaluation at the first error (for filters, spec §1.2 and §4.1)."""

    def append(self, error: object) -> None:
        raise _Abort


@attrs.frozen
class CompiledExpression:
    """A parsed CESQL expression, ready to evaluate against any number of events.

    ``result_type`` is the static type of the result (``bool``, ``int`` or ``str``), or ``None`` when it depends
    on the event (the expression is a bare attribute reference).
    """

    expression: str
    result_type: type | None
    _fn: Fn = attrs.field(repr=False, eq=False)

    def evaluate(self, event: Event) -> tuple[object, list[CESQLError]]:
        """The expression's value for ``event`` and every error met on the way; never raises."""
        errors: list[CESQLError] = []
        value = self._fn(event, errors)
        return value, errors

    def matches(self, event: Event) -> bool:
        """Filter semantics: ``True`` only if the value is boolean ``true`` and no error occurred.

        Evaluation stops at the first error ("fail fast"), so a failing filter costs no more than needed.
        """
        try:
            return self._fn(event, _FailFast()) is True
        except _Abort:
            return False


def compile(expression: str) -> CompiledExpression:
    """Parse ``expression``; raises :class:`CESQLError` (kind ``parse``, with the position) if it is invalid."""
    if not isinstance(expression, str):
        raise TypeError(f"a CESQL expression is a str, not {type(expression).__name__}")
    return _compile_cached(expression)


def evaluate(expression: str, event: Event) -> tuple[object, list[CESQLError]]:
    """Parse and evaluate ``expression`` against ``event``; a parse error is returned, never raised."""
    try:
        compiled = compile(expression)
    except CESQLError as e:
        return False, [e]
    return compiled.evaluate(event)


@functools.lru_cache(maxsize=1024)
def _compile_cached(expression: str) -> CompiledExpression:
    part = _Compiler().compile(parse(expression))
    return CompiledExpression(expression, part.type, part.fn)


@attrs.frozen
class _Part:
    """A compiled subtree: its closure, its static type (``None``: depends on the event), and whether it is
    independent of the event."""

    fn: Fn
    type: type | None
    constant: bool


class _Compiler:
    """Turns nodes into closures; one method per node kind.

    Every operator closure notes ``n = len(errors)`` before evaluating its operands: a longer list afterwards
    means an operand (or a cast of one) failed, and the operator then yields its zero value without computing.
    """

    def compile(self, node: nodes.Node) -> _Part:
        part = getattr(self, "_" + type(node).__name__.lower())(node)
        if part.constant:
            return _fold(part)
        return part

    def _literal(self, node: nodes.Literal) -> _Part:
        value = node.value
        return _Part(lambda event, errors: value, type(value), constant=True)

    def _attribute(self, node: nodes.Attribute) -> _Part:
        name = node.name
        message = f"the event has no attribute {name!r}"

        def attribute(event: Event, errors: list[CESQLError]) -> object:
            value = event.get(name)
            kind = type(value)
            if kind is str or kind is bool:
                return value
            if kind is int and INT_MIN <= value <= INT_MAX:  # type: ignore[operator]
                return value
            if value is None:
                # The type of an absent attribute is unknown: the spec says to assume Boolean (§3.2).
                errors.append(CESQLError(MISSING_ATTRIBUTE, message))
                return False
            return from_attribute(value)

        return _Part(attribute, None, constant=False)

    def _exists(self, node: nodes.Exists) -> _Part:
        name = node.name
        if name in REQUIRED_ATTRIBUTES:
            return _Part(lambda event, errors: True, bool, constant=True)
        return _Part(lambda event, errors: event.get(name) is not None, bool, constant=False)

    def _unary(self, node: nodes.Unary) -> _Part:
        operand = self.compile(node.operand)
        child = operand.fn
        if node.op == "NOT":

            def not_(event: Event, errors: list[CESQLError]) -> object:
                n = len(errors)
                value = child(event, errors)
                if type(value) is not bool and len(errors) == n:
                    value = to_bool(value, errors)
                return False if len(errors) != n else not value

            return _Part(not_, bool, operand.constant)

        def negate(event: Event, errors: list[CESQLError]) -> object:
            n = len(errors)
            value = child(event, errors)
            if type(value) is not int and len(errors) == n:
                value = to_int(value, errors)
            if len(errors) != n:
                return 0
            if value == INT_MIN:
                errors.append(CESQLError(MATH, f"-({INT_MIN}) overflows a 32-bit integer"))
                return INT_MAX
            return -value  # type: ignore[operator]

        return _Part(negate, int, operand.constant)

    def _binary(self, node: nodes.Binary) -> _Part:
        left, right = self.compile(node.left), self.compile(node.right)
        constant = left.constant and right.constant
        if node.op in ("=", "!="):
            return _Part(_equality(left.fn, right.fn, negated=node.op == "!="), bool, constant)
        compute, result_type = _INTEGER_OPERATORS[node.op]
        return _Part(
            _integer_operator(left.fn, right.fn, compute, zero_value(result_type)), result_type, constant
        )

    def _logic(self, node: nodes.Logic) -> _Part:
        parts = [self.compile(operand) for operand in node.operands]
        fns = tuple(p.fn for p in parts)
        constant = all(p.constant for p in parts)
        make = {"AND": _and, "OR": _or, "XOR": _xor}[node.op]
        return _Part(make(fns), bool, constant)

    def _like(self, node: nodes.Like) -> _Part:
        operand = self.compile(node.operand)
        child, matches, negated = operand.fn, compile_like(node.pattern), node.negated

        def like(event: Event, errors: list[CESQLError]) -> object:
            n = len(errors)
            value = child(event, errors)
            if len(errors) != n:
                return False
            if type(value) is not str:
                value = to_string(value)
            return matches(value) is not negated  # type: ignore[arg-type]

        return _Part(like, bool, operand.constant)

    def _in(self, node: nodes.In) -> _Part:
        operand = self.compile(node.operand)
        items = [self.compile(item) for item in node.items]
        constant = operand.constant and all(i.constant for i in items)
        child, item_fns, negated = operand.fn, tuple(i.fn for i in items), node.negated
        lookup = _constant_sets(item_fns) if all(i.constant for i in items) else {}

        def in_(event: Event, errors: list[CESQLError]) -> object:
            n = len(errors)
            value = child(event, errors)
            if len(errors) != n:
                return False
            target = type(value)
            members = lookup.get(target)
            if members is not None:
                return (value in members) is not negated
            for item in item_fns:
                candidate = item(event, errors)
                if type(candidate) is not target and len(errors) == n:
                    candidate = cast(candidate, target, errors)
                if len(errors) != n:
                    return False
                if candidate == value:
                    return not negated
            return negated

        return _Part(in_, bool, constant)

    def _call(self, node: nodes.Call) -> _Part:
        args = [self.compile(arg) for arg in node.args]
        function = resolve(node.name, len(args))
        if isinstance(function, CESQLError):
            error = function

            def missing_function(event: Event, errors: list[CESQLError]) -> object:
                errors.append(error)
                return False

            return _Part(missing_function, bool, constant=True)
        constant = all(a.constant for a in args)
        return _Part(_invoke(function, args), function.returns, constant)


def _fold(part: _Part) -> _Part:
    """Evaluate an event-independent subtree now; replay its errors (if any) on each evaluation."""
    errors: list[CESQLError] = []
    value = part.fn(_NO_EVENT, errors)
    if not errors:
        return _Part(lambda event, errs: value, part.type, constant=True)
    recorded = tuple(errors)

    def replay(event: Event, errs: list[CESQLError]) -> object:
        for error in recorded:
            errs.append(error)
        return value

    return _Part(replay, part.type, constant=True)


def _equality(left: Fn, right: Fn, *, negated: bool) -> Fn:
    def equality(event: Event, errors: list[CESQLError]) -> object:
        n = len(errors)
        a, b = left(event, errors), right(event, errors)
        if len(errors) != n:
            return False
        target = type(b)
        if type(a) is not target:
            a = cast(a, target, errors)
            if len(errors) != n:
                return False
        return (a == b) is not negated

    return equality


def _integer_operator(
    left: Fn, right: Fn, compute: Callable[[int, int, list[CESQLError]], object], zero: object
) -> Fn:
    def operator(event: Event, errors: list[CESQLError]) -> object:
        n = len(errors)
        a, b = left(event, errors), right(event, errors)
        if len(errors) != n:
            return zero
        if type(a) is not int:
            a = to_int(a, errors)
        if type(b) is not int:
            b = to_int(b, errors)
        if len(errors) != n:
            return zero
        return compute(a, b, errors)  # type: ignore[arg-type]

    return operator


def _checked(n: int, errors: list[CESQLError], what: str) -> int:
    if INT_MIN <= n <= INT_MAX:
        return n
    errors.append(CESQLError(MATH, f"{what} overflows a 32-bit integer"))
    return INT_MAX if n > INT_MAX else INT_MIN


def _add(a: int, b: int, errors: list[CESQLError]) -> object:
    n = a + b
    return n if INT_MIN <= n <= INT_MAX else _checked(n, errors, f"{a} + {b}")


def _subtract(a: int, b: int, errors: list[CESQLError]) -> object:
    n = a - b
    return n if INT_MIN <= n <= INT_MAX else _checked(n, errors, f"{a} - {b}")


def _multiply(a: int, b: int, errors: list[CESQLError]) -> object:
    n = a * b
    return n if INT_MIN <= n <= INT_MAX else _checked(n, errors, f"{a} * {b}")


def _divide(a: int, b: int, errors: list[CESQLError]) -> object:
    if b == 0:
        errors.append(CESQLError(MATH, f"division by zero: {a} / 0"))
        return 0
    q = abs(a) // abs(b)
    n = -q if (a < 0) != (b < 0) else q
    return n if n <= INT_MAX else _checked(n, errors, f"{a} / {b}")


def _modulo(a: int, b: int, errors: list[CESQLError]) -> object:
    if b == 0:
        errors.append(CESQLError(MATH, f"division by zero: {a} % 0"))
        return 0
    r = abs(a) % abs(b)
    return -r if a < 0 else r


_INTEGER_OPERATORS: Final = {
    "+": (_add, int),
    "-": (_subtract, int),
    "*": (_multiply, int),
    "/": (_divide, int),
    "%": (_modulo, int),
    "<": (lambda a, b, errors: a < b, bool),
    "<=": (lambda a, b, errors: a <= b, bool),
    ">": (lambda a, b, errors: a > b, bool),
    ">=": (lambda a, b, errors: a >= b, bool),
}


def _operand(value: object, errors: list[CESQLError]) -> bool:
    return value if type(value) is bool else to_bool(value, errors)  # type: ignore[return-value]


def _and(fns: tuple[Fn, ...]) -> Fn:
    # a AND (b AND c): the first operand that is false or fails decides (false), and stops the chain.
    def and_(event: Event, errors: list[CESQLError]) -> object:
        n = len(errors)
        for fn in fns:
            value = fn(event, errors)
            if len(errors) != n or not _operand(value, errors):  # a failed cast yields false too
                return False
        return True

    return and_


def _or(fns: tuple[Fn, ...]) -> Fn:
    # a OR (b OR c): an operand that fails counts as false and makes the chain false, but the operands after it
    # are still evaluated up to the first true one, which short-circuits the OR it is the left operand of.
    def or_(event: Event, errors: list[CESQLError]) -> object:
        n = len(errors)
        for fn in fns:
            m = len(errors)
            value = fn(event, errors)
            if len(errors) == m and _operand(value, errors):  # a failed cast yields false
                return len(errors) == n
        return False

    return or_


def _xor(fns: tuple[Fn, ...]) -> Fn:
    # XOR never short-circuits: every operand is evaluated, and any failure makes the chain false.
    def xor(event: Event, errors: list[CESQLError]) -> object:
        n = len(errors)
        result = False
        for fn in fns:
            m = len(errors)
            value = fn(event, errors)
            if len(errors) == m:
                result = result is not _operand(value, errors)
        return False if len(errors) != n else result

    return xor


def _constant_sets(item_fns: tuple[Fn, ...]) -> dict[type, frozenset[object]]:
    """For an ``IN`` list of constants: the members cast to each left-operand type, where no cast fails.

    A type is left out when casting some member to it fails, and the whole map is empty when evaluating a
    member reports an error: the general, member by member, path then reports what it should.
    """
    member_errors: list[CESQLError] = []
    values = [fn(_NO_EVENT, member_errors) for fn in item_fns]
    if member_errors:
        return {}
    sets: dict[type, frozenset[object]] = {}
    for target in (str, int, bool):
        errors: list[CESQLError] = []
        members = frozenset(cast(v, target, errors) for v in values)
        if not errors:
            sets[target] = members
    return sets


def _invoke(function: Function, args: list[_Part]) -> Fn:
    arg_fns = tuple(a.fn for a in args)
    targets = tuple(function.param_type(i) for i in range(len(args)))
    zero, impl = zero_value(function.returns), function.impl

    def invoke(event: Event, errors: list[CESQLError]) -> object:
        n = len(errors)
        values = [fn(event, errors) for fn in arg_fns]
        if len(errors) != n:
            return zero
        for i, target in enumerate(targets):
            if target is not object and type(values[i]) is not target:
                values[i] = cast(values[i], target, errors)
        if len(errors) != n:
            return zero
        return impl(values, errors)

    return invoke
