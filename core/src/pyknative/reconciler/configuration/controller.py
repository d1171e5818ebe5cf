"""Wiring of the Configuration reconciler: Configurations are primary; Revisions map to their owning Configuration."""

from __future__ import annotations

from pyknative.api.serving import Configuration, Revision
from pyknative.reconciler.configuration.reconciler import ConfigurationReconciler
from pyknative.reconciler.controller import Controller, owner_keys


def new_controller(platform) -> Controller:
    r = ConfigurationReconciler(platform.cache, platform.recorder("configuration-controller"), platform.clock)
    return Controller("configuration", platform.store, Configuration, r.reconcile, watches=[(Revision, owner_keys("Configuration"))])
