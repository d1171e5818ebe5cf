"""Wiring of the Revision reconciler: Revisions are primary; PodAutoscalers map to their Revision."""

from __future__ import annotations

from pyknative.api.autoscaling import PodAutoscaler
from pyknative.api.serving import Revision
from pyknative.reconciler.controller import Controller, owner_keys
from pyknative.reconciler.revision.reconciler import RevisionReconciler


def new_controller(platform) -> Controller:
    r = RevisionReconciler(
        platform.cache,
        platform.runtime,
        platform.recorder("revision-controller"),
        platform.clock,
        platform.autoscaler_config,
        publish=platform.publish_revision,
        forget=platform.forget_revision,
    )
    return Controller("revision", platform.store, Revision, r.reconcile, watches=[(PodAutoscaler, owner_keys("Revision"))])
