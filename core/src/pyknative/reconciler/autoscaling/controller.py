"""Wiring of the PodAutoscaler reconciler: PodAutoscalers are primary; Revisions map to their PodAutoscaler."""

from __future__ import annotations

from pyknative.api.autoscaling import PodAutoscaler
from pyknative.api.serving import Revision
from pyknative.reconciler.autoscaling.reconciler import PodAutoscalerReconciler
from pyknative.reconciler.controller import Controller, key_of


def new_controller(platform) -> Controller:
    r = PodAutoscalerReconciler(
        platform.cache,
        platform.runtime,
        platform.recorder("autoscaler"),
        platform.clock,
        platform.metrics,
        platform.scaler,
        platform.autoscaler_config,
        waiting=platform.waiting_requests,
        tick=platform.autoscaler_tick,
        floors=platform.scale_floors,
    )
    return Controller("podautoscaler", platform.store, PodAutoscaler, r.reconcile, watches=[(Revision, key_of)])
