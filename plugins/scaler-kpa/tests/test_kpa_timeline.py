"""Tick-by-tick runs of the KPA against a toy world where instances become ready one tick after asked for."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
from pyknative_scaler_kpa import KPAScaler

from pyknative.scaling import MetricSample, ScaleInput

A = "autoscaling.knative.dev/"


def _run(
    load: Callable[[int], float],
    seconds: int,
    annotations: dict[str, str] | None = None,
    pending: Callable[[int, int], int] = lambda t, ready: 0,
) -> list[tuple[int, int, str]]:
    """``(t, desired, mode)`` per second; ``load(t)`` is the in-flight concurrency during second ``t``."""
    scaler, state, ready, desired = KPAScaler(), None, 0, 0
    samples: list[MetricSample] = []
    out = []
    for t in range(seconds):
        inp = ScaleInput(
            key="default/app-00001", annotations={A + k: v for k, v in (annotations or {}).items()}, config={},
            container_concurrency=0, samples=tuple(samples[-120:]), ready=ready, current_desired=desired,
            pending_requests=pending(t, ready), now=float(t),
        )
        decision = scaler.decide(inp, state)
        state, desired = decision.state, decision.desired
        out.append((t, desired, decision.mode))
        ready = desired  # the next tick sees what was asked for
        samples.append(MetricSample(time=float(t), concurrency=load(t) if ready else 0.0, requests=load(t)))
    return out


def _first(trace: list[tuple[int, int, str]], pred: Callable[[tuple[int, int, str]], bool]) -> int:
    return next(t for t, d, m in trace if pred((t, d, m)))


def test_idle_revision_scales_to_zero_after_stable_window_then_grace():
    trace = _run(lambda t: 100.0 if t < 120 else 0.0, 400, {"target-burst-capacity": "0"})
    assert max(d for t, d, _ in trace if 60 <= t < 120) == 2  # ceil(100 / 70)
    zero_at = _first(trace, lambda r: r[1] == 0 and r[0] > 120)
    # the last busy second is 119: a stable window (60s) without traffic deactivates the revision, and the
    # grace period (30s) must pass after that
    assert zero_at == 119 + 60 + 30
    assert all(d >= 1 for t, d, _ in trace if 120 <= t < zero_at)
    assert all(d == 0 for t, d, _ in trace if t >= zero_at)


def test_burst_panics_and_never_scales_down_until_a_stable_window_passes():
    trace = _run(lambda t: 70.0 if t < 100 or t >= 110 else 1400.0, 300)
    panic_start = _first(trace, lambda r: r[2] == "panic" and r[0] >= 100)
    assert panic_start <= 102
    peak = max(d for _, d, _ in trace)
    assert peak >= 10
    panic_ticks = [(t, d) for t, d, m in trace if m == "panic" and t >= panic_start]
    desired = [d for _, d in panic_ticks]
    assert desired == sorted(desired)  # monotone while panicking
    panic_end = max(t for t, _ in panic_ticks)
    assert panic_end >= panic_start + 60  # panic lasts at least a stable window
    assert trace[panic_end + 1][1] < trace[panic_end][1]  # scaling down resumes once it ends
    assert trace[-1][1] == 1 and trace[-1][2] == "stable"  # then back down to what 70 needs


def test_request_at_zero_wakes_the_revision_immediately():
    trace = _run(lambda t: 0.0 if t < 300 else 5.0, 320, {"activation-scale": "2"},
                 pending=lambda t, ready: 3 if t >= 300 and ready == 0 else 0)
    assert trace[299][1] == 0
    assert trace[300][1] == 2  # the activator's poke: at least activation-scale at once


def _run_quiet(load: Callable[[int], float], seconds: int, annotations: dict[str, str] | None = None) -> list[int]:
    """The desired scale per second when decisions are made as the core makes them with ``quiet_until``: every
    second, except that after a quiet decision the next comes at its promise (at most 10 s on), or at once when
    traffic arrives; between decisions the last one holds."""
    scaler, state, ready, desired = KPAScaler(), None, 0, 0
    samples: list[MetricSample] = []
    out, next_at, quiet = [], 0, False
    for t in range(seconds):
        if t >= next_at or (quiet and samples and samples[-1].concurrency > 0):
            inp = ScaleInput(
                key="default/app-00001", annotations={A + k: v for k, v in (annotations or {}).items()},
                config={}, container_concurrency=0, samples=tuple(samples[-120:]), ready=ready,
                current_desired=desired, pending_requests=0, now=float(t),
            )
            decision = scaler.decide(inp, state)
            quiet = decision.quiet_until is not None and decision.desired == desired
            next_at = t + 1 if not quiet else max(t + 1, math.ceil(min(decision.quiet_until, t + 10)))
            state, desired = decision.state, decision.desired
        out.append(desired)
        ready = desired
        samples.append(MetricSample(time=float(t), concurrency=load(t) if ready else 0.0, requests=load(t)))
    return out


@pytest.mark.parametrize(
    "annotations",
    [
        {},  # Knative's defaults: initial scale 1, burst capacity 200 (the activator stays in the path)
        {"target-burst-capacity": "0"},
        {"min-scale": "1"},
        {"initial-scale": "3"},
        {"scale-to-zero-pod-retention-period": "45s"},
        {"window": "20s"},
    ],
)
@pytest.mark.parametrize("load", [lambda t: 0.0, lambda t: 100.0 if 30 <= t < 50 else 0.0,
                                  lambda t: 150.0 if t in (100, 101, 250) else 0.0])
def test_deciding_less_often_while_quiet_gives_the_same_scale_every_second(annotations, load):
    every_second = [d for _, d, _ in _run(load, 400, annotations)]
    assert _run_quiet(load, 400, annotations) == every_second
