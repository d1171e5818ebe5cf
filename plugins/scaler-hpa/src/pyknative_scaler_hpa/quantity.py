"""Kubernetes resource quantities, as far as the HPA class needs them.

:func:`parse_quantity` (the core's, re-exported) reads a quantity (``500m``, ``2``, ``1.5``, ``128Mi``, ``1e3``)
to a number; the core turns a container's ``resources.requests.cpu`` into the ``cpu_request_cores`` measurement;
:func:`binary_si` renders a byte count as Go's ``resource.NewQuantity(n, BinarySI).String()`` does
(``134217728`` → ``128Mi``), which is how Knative writes a memory target into the HPA.
"""

from __future__ import annotations

from pyknative.config.values import parse_quantity

__all__ = ["binary_si", "parse_quantity"]

_BINARY = ("", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei")


def binary_si(n: int) -> str:
    """Go's canonical BinarySI form of ``n`` bytes: the largest power-of-1024 suffix that divides it exactly."""
    if -1024 < n < 1024:
        return str(n)
    exponent = 0
    while n % 1024 == 0 and exponent < len(_BINARY) - 1:
        n //= 1024
        exponent += 1
    return f"{n}{_BINARY[exponent]}"
