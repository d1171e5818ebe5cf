"""The CESQL syntax tree the parser builds and the evaluator compiles.

Nodes are immutable values. Every node records its ``depth`` (1 for a leaf) so that the parser can refuse
expressions nested too deeply to evaluate without exhausting Python's stack.
"""

from __future__ import annotations

import attrs


@attrs.frozen
class Node:
    depth: int = attrs.field(default=1, kw_only=True, eq=False, repr=False)


@attrs.frozen
class Literal(Node):
    """An integer, boolean or string literal."""

    value: int | bool | str


@attrs.frozen
class Attribute(Node):
    """A reference to a CloudEvent context attribute or extension, by its (lowercase) name."""

    name: str


@attrs.frozen
class Exists(Node):
    """``EXISTS name``."""

    name: str


@attrs.frozen
class Unary(Node):
    """``NOT operand`` (``op`` ``"NOT"``) or ``-operand`` (``op`` ``"-"``)."""

    op: str
    operand: Node


@attrs.frozen
class Binary(Node):
    """An arithmetic or comparison operation; ``op`` is the operator's canonical spelling (``<>`` is ``!=``)."""

    op: str
    left: Node
    right: Node


@attrs.frozen
class Logic(Node):
    """A chain of the same logical operator (``AND``, ``OR`` or ``XOR``): ``a OR b OR c`` stands for the
    right-associative ``a OR (b OR c)`` of the spec grammar; operands are evaluated left to right."""

    op: str
    operands: tuple[Node, ...]


@attrs.frozen
class Like(Node):
    """``operand [NOT] LIKE 'pattern'``."""

    operand: Node
    pattern: str
    negated: bool = False


@attrs.frozen
class In(Node):
    """``operand [NOT] IN (items...)``."""

    operand: Node
    items: tuple[Node, ...]
    negated: bool = False


@attrs.frozen
class Call(Node):
    """A function invocation; ``name`` is upper-cased (function names are case-insensitive)."""

    name: str
    args: tuple[Node, ...]
