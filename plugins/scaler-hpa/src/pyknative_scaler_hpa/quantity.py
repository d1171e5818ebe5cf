"""Kubernetes resource quantities, as far as the HPA class needs them.

:func:`parse_quantity` (the core's, re-exported) reads a quantity (``500m``, ``2``, ``1.5``, ``128Mi``, ``1e3``)
to a number; the core turns a container's ``resources.requests.cpu`` into the ``cpu_request_cores`` measurement;
:func:`binary_si` renders a byte count as Go's ``resource.NewQuantity(n, BinarySI).String()`` does
(``134217728`` → ``128Mi``), which is how Knative writes a memory target into the HPA; :func:`decimal_si` a
count as ``NewQuantity(n, DecimalSI)`` does (``2000`` → ``2k``), how it writes a custom metric's target.
"""

from __future__ import annotations

from pyknative.config.values import parse_quantity

__all__ = ["binary_si", "decimal_si", "parse_quantity"]

_BINARY = ("", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei")
_DECIMAL = ("", "k", "M", "G", "T", "P", "E")


def binary_si(n: int) -> str:
    """Go's canonical BinarySI form of ``n`` bytes: the largest power-of-1024 suffix that divides it exactly."""
    return _canonical(n, 1024, _BINARY)


def decimal_si(n: int) -> str:
    """Go's canonical DecimalSI form of the integer ``n``: the largest power-of-1000 suffix that divides it."""
    return _canonical(n, 1000, _DECIMAL)


def _canonical(n: int, base: int, suffixes: tuple[str, ...]) -> str:
    if -base < n < base:
        return str(n)
    exponent = 0
    while n % base == 0 and exponent < len(suffixes) - 1:
        n //= base
        exponent += 1
    return f"{n}{suffixes[exponent]}"
