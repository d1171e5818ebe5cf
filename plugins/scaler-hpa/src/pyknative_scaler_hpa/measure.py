"""Measuring a revision's instances for the HPA class: average CPU and memory per instance, with psutil.

The core calls :func:`measure` once per tick with the process ids of the revision's ready instances and the
state the previous call returned, and puts the resources it answers in ``ScaleInput.resources``:

* ``cpu_percent``: average CPU per instance over the time since the previous call, in percent of one core
  (100 = one core busy). An instance counts with its whole process tree: its children, and the children it
  already waited for (``children_user``/``children_system``). An instance not seen before (or a pid reused by a
  new process) counts with its average over its lifetime so far.
* ``memory_bytes``: average resident set size (RSS) per instance, its process tree summed.

Processes that have gone are skipped; with none left the answer is ``{}`` (the scaler then keeps its scale).
This is the one impure part of the plugin: it reads ``/proc`` and the clock.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence

import attrs
import psutil


@attrs.frozen
class MeasureState:
    #: ``(pid, create_time)`` → ``(cpu seconds of its tree, monotonic time of the reading)``
    readings: Mapping[tuple[int, float], tuple[float, float]] = attrs.field(factory=dict)


def _tree_usage(proc: psutil.Process) -> tuple[float, int]:
    """``(cpu seconds, rss bytes)`` of a process and its live descendants."""
    members = [proc]
    try:
        members += proc.children(recursive=True)
    except psutil.Error:
        pass
    cpu, rss = 0.0, 0
    for member in members:
        try:
            with member.oneshot():
                t = member.cpu_times()
                mem = member.memory_info()
        except psutil.Error:
            if member is proc:
                raise
            continue  # a child that ended meanwhile: its time is in its parent's children_* once waited for
        cpu += t.user + t.system + t.children_user + t.children_system
        rss += mem.rss
    return cpu, rss


def measure(pids: Sequence[int], previous: MeasureState | None = None) -> tuple[dict[str, float], MeasureState]:
    """``({"cpu_percent": ..., "memory_bytes": ...}, state)`` for the instances ``pids``; pass ``state`` next time."""
    before = previous.readings if previous is not None else {}
    readings: dict[tuple[int, float], tuple[float, float]] = {}
    cpu_rates: list[float] = []
    rss_values: list[int] = []
    for pid in pids:
        try:
            proc = psutil.Process(pid)
            created = proc.create_time()
            cpu, rss = _tree_usage(proc)
        except psutil.Error:
            continue  # gone, or not ours to read
        now, wall = time.monotonic(), time.time()
        key = (pid, created)
        if key in before and now > before[key][1]:
            old_cpu, then = before[key]
            rate = max(0.0, cpu - old_cpu) / (now - then)
        else:
            rate = cpu / max(wall - created, 1e-3)
        readings[key] = (cpu, now)
        cpu_rates.append(rate * 100.0)
        rss_values.append(rss)
    if not rss_values:
        return {}, MeasureState(readings)
    resources = {
        "cpu_percent": sum(cpu_rates) / len(cpu_rates),
        "memory_bytes": float(sum(rss_values)) / len(rss_values),
    }
    return resources, MeasureState(readings)
