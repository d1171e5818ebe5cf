"""Wiring of the Service reconciler: Services are primary; Configurations and Routes map to their owning Service."""

from __future__ import annotations

from pyknative.api.serving import Configuration, Route, Service
from pyknative.reconciler.controller import Controller, owner_keys
from pyknative.reconciler.service.reconciler import ServiceReconciler


def new_controller(platform) -> Controller:
    r = ServiceReconciler(platform.cache, platform.recorder("service-controller"), platform.clock)
    return Controller(
        "service",
        platform.store,
        Service,
        r.reconcile,
        watches=[(Configuration, owner_keys("Service")), (Route, owner_keys("Service"))],
    )
