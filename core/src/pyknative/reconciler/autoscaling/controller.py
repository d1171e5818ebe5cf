"""Wiring of the PodAutoscaler reconciler: PodAutoscalers are primary; Revisions map to their PodAutoscaler, and
so do the Secrets and ConfigMaps a revision reads."""

from __future__ import annotations

from pyknative.api.autoscaling import PodAutoscaler
from pyknative.api.core import ConfigMap, Secret
from pyknative.api.serving import Revision
from pyknative.reconciler.autoscaling.reconciler import PodAutoscalerReconciler
from pyknative.reconciler.controller import Controller, key_of
from pyknative.reconciler.revision.controller import config_readers


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
    # A changed Secret or ConfigMap a revision reads replaces its instances at the next scale: decide it now
    # (a quiet revision would wait up to 10 s).
    readers = config_readers(platform)
    watches = [(Revision, key_of), (Secret, readers), (ConfigMap, readers)]
    return Controller("podautoscaler", platform.store, PodAutoscaler, r.reconcile, watches=watches)
