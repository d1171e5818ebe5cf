"""The Kubernetes HorizontalPodAutoscaler's rules, as pure functions (pkg/controller/podautoscaler).

* :func:`recommend`: ``replica_calculator.go``: ``ceil(ratio × ready)`` with the 10% tolerance, and the
  guard that instances still starting count as idle when scaling up, so a scale-up waits for them.
* :func:`stabilize`: ``stabilizeRecommendationWithBehaviors``: the scale moves up only to the lowest
  recommendation of the scale-up window and down only to the highest of the scale-down window.
* :func:`scale_up_limit`: ``calculateScaleUpLimitWithScalingRules`` with the default policies (+4 pods or
  +100% per 15 s, whichever is more). The default scale-down policy (100% per 15 s) limits nothing.
* :func:`cpu_sample_counts`: ``groupPods``: whether an instance's CPU sample counts, so the CPU an interpreter
  burns while it starts does not scale a revision up.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from pyknative.runtime.api import InstanceInfo
from pyknative_scaler_hpa import keys as k


def recommend(ratio: float, ready: int, current: int, tolerance: float = k.TOLERANCE) -> int:
    """The replica count for a usage ``ratio`` (observed / target) measured over ``ready`` instances.

    ``current`` is the scale asked for so far; ``current - ready`` instances are not ready yet.
    """
    unready = max(0, current - ready)
    if unready == 0 or ratio <= 1.0:
        if abs(1.0 - ratio) <= tolerance:
            return current
        return math.ceil(ratio * ready)
    # Scaling up while instances are still starting: count them as idle, as Kubernetes does.
    diluted = ratio * ready / (ready + unready)
    if abs(1.0 - diluted) <= tolerance or diluted < 1.0:
        return current
    return max(current, math.ceil(diluted * (ready + unready)))


def stabilize(
    recommendations: Iterable[tuple[float, int]],
    proposal: int,
    current: int,
    now: float,
    up_window: float,
    down_window: float,
) -> int:
    """``current`` moved towards ``proposal`` only as far as the stabilization windows allow."""
    up = down = proposal
    for when, value in recommendations:
        if when > now - up_window:
            up = min(up, value)
        if when > now - down_window:
            down = max(down, value)
    return min(max(current, up), down)


def changes_within(events: Iterable[tuple[float, int]], now: float, period: float) -> tuple[int, int]:
    """``(added, removed)`` replicas by the scale events of the last ``period`` seconds."""
    added = removed = 0
    for when, change in events:
        if when > now - period:
            if change > 0:
                added += change
            else:
                removed -= change
    return added, removed


def scale_up_limit(current: int, events: Iterable[tuple[float, int]], now: float) -> int:
    """The most replicas the default scale-up policies allow now (never below ``current``)."""
    added, removed = changes_within(events, now, k.SCALE_UP_PERIOD)
    start = current - added + removed
    by_pods = start + k.SCALE_UP_PODS
    by_percent = math.ceil(start * (1 + k.SCALE_UP_PERCENT / 100))
    return max(current, by_pods, by_percent)


def cpu_sample_counts(
    instance: InstanceInfo,
    window_start: float,
    now: float,
    initialization_period: float = k.CPU_INITIALIZATION_PERIOD,
    readiness_delay: float = k.INITIAL_READINESS_DELAY,
) -> bool:
    """Whether the CPU ``instance`` used over ``[window_start, now]`` counts (Kubernetes' ``groupPods``).

    Within ``initialization_period`` (``--horizontal-pod-autoscaler-cpu-initialization-period``, 5 min) of its
    start, only a ready instance's sample taken wholly after it turned ready counts; later, a sample counts
    unless the instance is not ready and never was (its last readiness change came within ``readiness_delay``,
    ``--horizontal-pod-autoscaler-initial-readiness-delay``, 30 s, of its start). Times are epoch seconds.
    """
    changed = instance.ready_changed_at
    if changed is None:  # no readiness change known: nothing to judge the sample by but readiness itself
        return instance.ready
    if instance.started_at + initialization_period > now:
        return instance.ready and window_start >= changed
    return instance.ready or instance.started_at + readiness_delay <= changed
