"""Measuring a revision's instances for the HPA class: average CPU and memory per instance, with psutil.

The core calls :func:`measure` once per tick with the process ids of the revision's ready instances, every
running instance with its start and readiness times (``instances``, from the runtime), and the state the
previous call returned; it puts the resources answered in ``ScaleInput.resources``:

* ``cpu_percent``: average CPU per instance over the time since the previous call, in percent of one core
  (100 = one core busy), over the instances whose sample counts (:func:`~.rules.cpu_sample_counts`, Kubernetes'
  rule: within the CPU initialization period of its start, an instance's sample counts only once it was taken
  wholly after the instance turned ready, so the CPU an interpreter burns while starting is left out).
  An instance counts with its whole process tree: its children, and the children it already waited for
  (``children_user``/``children_system``). An instance not seen before (or a pid reused by a new process)
  counts with its average over its lifetime so far, a sample that starts when its process started.
* ``cpu_instances``: how many instances ``cpu_percent`` is over; ``cpu_ignored``: how many were left out
  (only when some were).
* ``memory_bytes``: average resident set size (RSS) per ready instance, its process tree summed.

Without ``instances`` every ready instance's CPU counts. Processes that have gone are skipped; with none
left the answer is ``{}`` (the scaler then keeps its scale). This is the one impure part of the plugin: it
reads ``/proc`` and the clock.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence

import attrs
import psutil

from pyknative.runtime.api import InstanceInfo
from pyknative_scaler_hpa import keys as k
from pyknative_scaler_hpa.rules import cpu_sample_counts

CPU_PERCENT = "cpu_percent"
CPU_INSTANCES = "cpu_instances"
CPU_IGNORED = "cpu_ignored"
MEMORY_BYTES = "memory_bytes"


@attrs.frozen
class MeasureState:
    #: ``(pid, create_time)`` → ``(cpu seconds of its tree, monotonic time, wall time of the reading)``
    readings: Mapping[tuple[int, float], tuple[float, float, float]] = attrs.field(factory=dict)


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


def measure(
    pids: Sequence[int],
    previous: MeasureState | None = None,
    instances: Sequence[InstanceInfo] = (),
    *,
    initialization_period: float = k.CPU_INITIALIZATION_PERIOD,
    readiness_delay: float = k.INITIAL_READINESS_DELAY,
) -> tuple[dict[str, float], MeasureState]:
    """``(resources, state)`` for the ready instances ``pids`` (and the running ``instances``, whose CPU counts
    as Kubernetes' rule says); pass ``state`` next time."""
    before = previous.readings if previous is not None else {}
    known = {i.pid: i for i in instances}
    ready = set(pids)
    readings: dict[tuple[int, float], tuple[float, float, float]] = {}
    cpu_rates: list[float] = []
    rss_values: list[int] = []
    ignored = 0
    for pid in dict.fromkeys([*known, *pids]):
        try:
            proc = psutil.Process(pid)
            created = proc.create_time()
            cpu, rss = _tree_usage(proc)
        except psutil.Error:
            continue  # gone, or not ours to read
        now, wall = time.monotonic(), time.time()
        key = (pid, created)
        info = known.get(pid)
        if key in before and now > before[key][1]:
            old_cpu, then, since = before[key]
            rate = max(0.0, cpu - old_cpu) / (now - then)
        else:
            rate = cpu / max(wall - created, 1e-3)
            # the sample starts with the process: on the runtime's clock, which its readiness times share
            # (psutil's create_time derives from the boot time and may be off by a second)
            since = info.started_at if info is not None else created
        readings[key] = (cpu, now, wall)
        if info is None:
            counts = pid in ready
        else:
            counts = cpu_sample_counts(info, since, wall, initialization_period, readiness_delay)
        if counts:
            cpu_rates.append(rate * 100.0)
        else:
            ignored += 1
        if pid in ready:
            rss_values.append(rss)
    if not readings:
        return {}, MeasureState(readings)
    resources: dict[str, float] = {CPU_IGNORED: float(ignored)} if ignored else {}
    if cpu_rates:
        resources[CPU_PERCENT] = sum(cpu_rates) / len(cpu_rates)
        resources[CPU_INSTANCES] = float(len(cpu_rates))
    if rss_values:
        resources[MEMORY_BYTES] = float(sum(rss_values)) / len(rss_values)
    return resources, MeasureState(readings)
