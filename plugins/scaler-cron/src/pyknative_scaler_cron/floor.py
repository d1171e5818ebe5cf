"""The floor at one instant: the highest ``replicas`` of the schedules whose window is open then.

Pure: the wall-clock time is an argument (``ScaleInput.wall``, epoch seconds), so the rule is tested as a table.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from pyknative.scaling import ScaleFloor
from pyknative_scaler_cron import keys as k
from pyknative_scaler_cron.parse import parse_schedules
from pyknative_scaler_cron.schedule import Schedule, fire_time_text


def floor_at(schedules: Iterable[Schedule], wall: float) -> ScaleFloor | None:
    """The floor at ``wall``: the most replicas of the open windows (the first such schedule names it); None
    when no window is open."""
    best: tuple[Schedule, float] | None = None
    for schedule in schedules:
        fire = schedule.window_start(wall)
        if fire is not None and (best is None or schedule.replicas > best[0].replicas):
            best = (schedule, fire)
    if best is None:
        return None
    schedule, fire = best
    since = fire_time_text(fire, schedule.timezone)
    return ScaleFloor(schedule.replicas, f"scheduled floor {schedule.replicas} from {schedule.describe()} since {since}")


def floor_for(annotations: Mapping[str, str], wall: float) -> ScaleFloor | None:
    """The floor the ``autoscaling.pyknative.dev/schedules`` annotation sets at ``wall`` (invalid entries, which
    admission refuses, are skipped)."""
    text = annotations.get(k.SCHEDULES)
    if text is None:
        return None
    schedules, _errors = parse_schedules(text, k.SCHEDULES)
    return floor_at(schedules, wall)
