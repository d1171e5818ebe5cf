"""The ingress role: program (or render) one internal Ingress. Defined in :mod:`pyknative.ingress`."""

from pyknative.ingress import EMBEDDED_CLASS, IngressBackend

__all__ = ["EMBEDDED_CLASS", "IngressBackend"]
