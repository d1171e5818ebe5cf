"""Kubernetes resource quantities, as far as the HPA class needs them.

:func:`parse_quantity` reads a quantity (``500m``, ``2``, ``1.5``, ``128Mi``, ``1e3``) to a number, so the core
can turn a container's ``resources.requests.cpu`` into the ``cpu_request_cores`` measurement;
:func:`binary_si` renders a byte count as Go's ``resource.NewQuantity(n, BinarySI).String()`` does
(``134217728`` → ``128Mi``), which is how Knative writes a memory target into the HPA.
"""

from __future__ import annotations

import re

_QUANTITY = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$")
_DECIMAL = {"n": 1e-9, "u": 1e-6, "m": 1e-3, "": 1.0, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18}
_BINARY = ("", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei")


def parse_quantity(text: str) -> float:
    """The value of a Kubernetes quantity; ValueError naming the text when it is not one."""
    m = _QUANTITY.match(str(text).strip())
    if not m:
        raise ValueError(f"invalid quantity {text!r}: expected e.g. 500m, 2, 128Mi or 1e3")
    number, suffix = float(m.group(1)), m.group(2) or ""
    if suffix in _DECIMAL:
        return number * _DECIMAL[suffix]
    if suffix in _BINARY:
        return number * 1024 ** _BINARY.index(suffix)
    return number * 10 ** int(suffix[1:])


def binary_si(n: int) -> str:
    """Go's canonical BinarySI form of ``n`` bytes: the largest power-of-1024 suffix that divides it exactly."""
    if -1024 < n < 1024:
        return str(n)
    exponent = 0
    while n % 1024 == 0 and exponent < len(_BINARY) - 1:
        n //= 1024
        exponent += 1
    return f"{n}{_BINARY[exponent]}"
