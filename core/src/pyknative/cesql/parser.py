"""Parses CESQL text into a :mod:`~pyknative.cesql.nodes` tree with lark's LALR(1) parser.

The tree is built during the parse by an inline transformer (no recursion, whatever the input), which also
checks what the grammar cannot: integer literals within 32 bits, and a nesting depth the evaluator can run.
Every failure is a ``parse`` :class:`CESQLError` naming the line and column.
"""

from __future__ import annotations

import functools
import importlib.resources
import re
from typing import Final

import lark
from lark import Token

from pyknative.cesql import nodes
from pyknative.cesql.errors import PARSE, CESQLError
from pyknative.cesql.types import parse_int

#: Deepest nesting of operators accepted. Chains of one logical operator (``a OR b OR c ...``) and ``IN``
#: lists do not nest, so this bounds only genuinely nested expressions (alternating AND/OR chains nest).
MAX_DEPTH: Final = 200

_CMP_CANONICAL: Final = {"<>": "!="}
_WORD: Final = re.compile(r"[A-Za-z0-9_]")
_ATTRIBUTE_NAME: Final = re.compile(r"[0-9]*[a-z][a-z0-9]*")
_QUOTE_ESCAPE: Final = re.compile(r"\\(.)", re.DOTALL)

# How terminals read in error messages.
_TERMINAL_NAMES: Final = {
    "NOT_IN": "NOT IN",
    "NOT_LIKE": "NOT LIKE",
    "FUNC_NAME": "a function name",
    "IDENT": "an attribute name",
    "SIGNED_INT": "an integer",
    "INT": "an integer",
    "SQ_STRING": "a string",
    "DQ_STRING": "a string",
    "CMP_OP": "a comparison operator",
    "MUL_OP": "'*', '/' or '%'",
    "PLUS": "'+'",
    "MINUS": "'-'",
    "LPAR": "'('",
    "RPAR": "')'",
    "COMMA": "','",
    "$END": "the end of the expression",
}


def parse(expression: str) -> nodes.Node:
    """The syntax tree of ``expression``; raises a ``parse`` :class:`CESQLError` if it is not valid CESQL."""
    try:
        return _parser().parse(expression)
    except CESQLError:
        raise
    except lark.exceptions.UnexpectedInput as e:
        raise _error(expression, e) from None
    except lark.exceptions.LarkError as e:  # pragma: no cover - lark reports every syntax error as above
        raise CESQLError(PARSE, f"invalid expression: {e}") from None


@functools.cache
def _parser() -> lark.Lark:
    grammar = importlib.resources.files(__package__).joinpath("grammar.lark").read_text(encoding="utf-8")
    return lark.Lark(
        grammar, parser="lalr", lexer="contextual", transformer=_Builder(), maybe_placeholders=True
    )


def _at(token: Token, message: str) -> CESQLError:
    return _positioned(message, token.line, token.column, token.start_pos)


def _depth(*children: nodes.Node) -> int:
    depth = 1 + max(c.depth for c in children)
    if depth > MAX_DEPTH:
        raise CESQLError(PARSE, f"expression is nested more than {MAX_DEPTH} levels deep")
    return depth


class _Builder(lark.Transformer):
    """Builds nodes bottom-up as the LALR parser reduces (lark calls it inline, without recursion)."""

    def integer(self, children: list[Token]) -> nodes.Node:
        (token,) = children
        value = parse_int(str(token))
        if value is None:
            raise _at(token, f"integer literal {_short(token)} is not a 32-bit signed integer")
        return nodes.Literal(value)

    def true(self, children: list[Token]) -> nodes.Node:
        return nodes.Literal(True)

    def false(self, children: list[Token]) -> nodes.Node:
        return nodes.Literal(False)

    def string(self, children: list[Token]) -> nodes.Node:
        return nodes.Literal(_unquote(children[0]))

    def attribute(self, children: list[Token]) -> nodes.Node:
        return nodes.Attribute(str(children[0]))

    def exists(self, children: list[Token]) -> nodes.Node:
        return nodes.Exists(str(children[1]))

    def not_op(self, children: list) -> nodes.Node:
        return nodes.Unary("NOT", children[1], depth=_depth(children[1]))

    def negate(self, children: list) -> nodes.Node:
        return nodes.Unary("-", children[1], depth=_depth(children[1]))

    def binary(self, children: list) -> nodes.Node:
        left, op, right = children
        symbol = _CMP_CANONICAL.get(str(op), str(op))
        return nodes.Binary(symbol, left, right, depth=_depth(left, right))

    def logic(self, children: list) -> nodes.Node:
        """``c0 op1 c1 op2 c2 ...``, grouped from the right as the spec grammar does (``<assoc=right>``):
        ``a OR b AND c`` is ``a OR (b AND c)``. A run of one operator becomes one flat chain, in linear time."""
        operands, ops = children[0::2], [token.type for token in children[1::2]]
        run, run_op = [operands[-1]], ops[-1]  # the current run's operands, rightmost first
        for i in range(len(ops) - 1, -1, -1):
            if ops[i] != run_op:
                inner = _logic(run_op, run)
                run, run_op = [inner], ops[i]
            run.append(operands[i])
        return _logic(run_op, run)

    def like_op(self, children: list) -> nodes.Node:
        return nodes.Like(children[0], children[2].value, depth=_depth(children[0]))

    def not_like_op(self, children: list) -> nodes.Node:
        return nodes.Like(children[0], children[2].value, negated=True, depth=_depth(children[0]))

    def in_op(self, children: list) -> nodes.Node:
        return nodes.In(children[0], children[2], depth=_depth(children[0], *children[2]))

    def not_in_op(self, children: list) -> nodes.Node:
        return nodes.In(children[0], children[2], negated=True, depth=_depth(children[0], *children[2]))

    def set(self, children: list) -> tuple[nodes.Node, ...]:
        return tuple(children)

    def args(self, children: list) -> tuple[nodes.Node, ...]:
        return tuple(children)

    def call(self, children: list) -> nodes.Node:
        name, args = children
        args = args or ()
        return nodes.Call(str(name).upper(), args, depth=_depth(*args) if args else 1)


def _logic(op: str, reversed_operands: list[nodes.Node]) -> nodes.Node:
    operands = tuple(reversed(reversed_operands))
    return nodes.Logic(op, operands, depth=_depth(*operands))


def _unquote(token: Token) -> str:
    """A string literal's value: only the escaped delimiter (``\\'`` or ``\\"``) is unescaped (spec §2.2)."""
    quote, body = token[0], token[1:-1]
    if "\\" not in body:
        return body
    return _QUOTE_ESCAPE.sub(lambda m: quote if m.group(1) == quote else m.group(0), body)


def _short(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _error(expression: str, e: lark.exceptions.UnexpectedInput) -> CESQLError:
    line, column = getattr(e, "line", None), getattr(e, "column", None)
    offset = getattr(e, "pos_in_stream", None)
    if isinstance(e, lark.exceptions.UnexpectedCharacters):
        char = expression[e.pos_in_stream] if e.pos_in_stream < len(expression) else ""
        what = f"unexpected character {char!r}"
        if char.isupper():
            what += _uppercase_hint(expression, e.pos_in_stream)
        elif char == "'" or char == '"':
            what = "unterminated string literal"
    elif isinstance(e, lark.exceptions.UnexpectedToken):
        token = e.token
        if token.type == "$END":
            what = "unexpected end of expression"
            line, column, offset = _end_position(expression)
        else:
            what = f"unexpected {_short(str(token))!r}"
        expected = sorted({_TERMINAL_NAMES.get(t, t) for t in e.expected})
        if expected:
            what += "; expected " + (
                ", ".join(expected[:-1]) + " or " + expected[-1] if len(expected) > 1 else expected[0]
            )
    else:  # UnexpectedEOF: the LALR parser reports it as an UnexpectedToken on $END instead
        what = "unexpected end of expression"
        line, column, offset = _end_position(expression)
    return _positioned(what, line, column, offset)


def _uppercase_hint(expression: str, offset: int) -> str:
    """Why an upper-case letter is refused: a value identifier is lowercase letters and digits (spec v1 §2.2), so
    ``SOURCE`` is no attribute (Knative's Go SDK lower-cases it; the spec does not), and a function name needs
    its ``(``."""
    start, end = offset, offset
    while start > 0 and _WORD.match(expression[start - 1]):
        start -= 1
    while end < len(expression) and _WORD.match(expression[end]):
        end += 1
    word = expression[start:end]
    hint = f" in {_short(word)!r}: attribute names are lowercase letters and digits"
    if _ATTRIBUTE_NAME.fullmatch(word.lower()):
        hint += f" (write {_short(word.lower())!r})"
    return hint + "; a function name must be followed by '('"


def _positioned(message: str, line: int | None, column: int | None, offset: int | None) -> CESQLError:
    return CESQLError(
        PARSE, f"at line {line}, column {column}: {message}", line=line, column=column, offset=offset
    )


def _end_position(expression: str) -> tuple[int, int, int]:
    line = expression.count("\n") + 1
    column = len(expression) - (expression.rfind("\n") + 1) + 1
    return line, column, len(expression)
