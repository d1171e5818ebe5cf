"""The HPA's memory between decisions: one frozen value, returned in every decision and handed back next tick.

It holds what the Kubernetes HPA controller keeps per HorizontalPodAutoscaler: the recent unstabilized
recommendations (for the stabilization windows) and the recent scale changes (for the scale-up rate policies).
"""

from __future__ import annotations

import attrs


@attrs.frozen
class HPAState:
    #: ``(time, recommendation)`` of recent metric-based recommendations, before stabilization and bounds
    recommendations: tuple[tuple[float, int], ...] = ()
    #: ``(time, change)`` of recent scale-ups (positive) and scale-downs (negative) this scaler asked for
    scale_events: tuple[tuple[float, int], ...] = ()
