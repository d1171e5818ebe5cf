"""The ingress role (program or render one internal Ingress) and the revisions' data plane (serve, drain and
measure revisions' requests). Defined in :mod:`pyknative.ingress`; this is their public home."""

from pyknative.ingress import EMBEDDED_CLASS, IngressBackend, RevisionDataPlane

__all__ = ["EMBEDDED_CLASS", "IngressBackend", "RevisionDataPlane"]
