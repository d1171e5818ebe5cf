"""Wiring of the Ingress reconciler: Ingresses are primary (deletions reach the backend through NotFound)."""

from __future__ import annotations

from pyknative.api.networking import Ingress
from pyknative.reconciler.controller import Controller
from pyknative.reconciler.ingress.reconciler import IngressReconciler


def new_controller(platform) -> Controller:
    r = IngressReconciler(platform.cache, platform.clock, platform.default_ingress_class, platform.ingress_backend)
    return Controller("ingress", platform.store, Ingress, r.reconcile)
