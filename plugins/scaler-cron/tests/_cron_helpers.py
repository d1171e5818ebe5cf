"""Test helpers: wall-clock instants from readable local times, and schedules from short rows."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from pyknative_scaler_cron import Schedule

from pyknative.config import parse_duration

PATH = "spec.template.metadata.annotations"
KEY = "autoscaling.pyknative.dev/schedules"
WHERE = f"{PATH}[{KEY}]"


def at(text: str, zone: str = "UTC") -> float:
    """Epoch seconds of ``2024-06-03T09:00:00`` (local time in ``zone``; an explicit offset wins)."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(zone))
    return moment.timestamp()


def sched(cron: str, duration: str = "1h", replicas: int = 2, timezone: str = "UTC") -> Schedule:
    return Schedule(cron, timezone, replicas, parse_duration(duration), duration)
