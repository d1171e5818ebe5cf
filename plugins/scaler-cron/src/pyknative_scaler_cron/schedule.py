"""One scheduled floor: from each fire time of a cron expression (in a time zone) for a duration, at least
``replicas`` instances.

:meth:`Schedule.window_start` is pure: it takes the wall-clock time as epoch seconds. A window is half-open,
``[fire, fire + duration)``, and its duration is elapsed time (a 2h window opened at 01:30 on a night the clocks
go forward still lasts two real hours). Fire times are croniter's in the schedule's time zone: a local time the
clocks skip fires when the clocks resume (02:30 on a spring-forward night fires at 03:00); a local time that
happens twice on a fall-back night fires both times.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import attrs
from croniter import CroniterError, croniter


@attrs.frozen
class Schedule:
    #: a five-field cron expression (minute hour day-of-month month day-of-week) or a macro such as ``@daily``
    cron: str
    #: an IANA time zone name the cron expression is read in
    timezone: str
    #: the floor while a window is open (at least 1)
    replicas: int
    #: how long each window stays open, in seconds (more than 0)
    duration: float
    #: the duration as written, for reasons
    duration_text: str = ""

    def window_start(self, wall: float) -> float | None:
        """The fire time (epoch seconds) of a window open at ``wall`` (epoch seconds), else None.

        A window is open at ``wall`` when the expression fires in ``(wall - duration, wall]``; the first such
        fire is answered (any later one opened a window that is open too).
        """
        zone = ZoneInfo(self.timezone)
        start = datetime.fromtimestamp(wall - self.duration, zone)
        try:
            fire = croniter(self.cron, start).get_next(datetime).timestamp()
        except CroniterError:
            return None  # never fires (refused at admission)
        return fire if fire <= wall else None

    def describe(self) -> str:
        return f'"{self.cron}" {self.timezone} for {self.duration_text or f"{self.duration:g}s"}'


def fire_time_text(fire: float, timezone: str) -> str:
    """A fire time as local ISO-8601 with its offset, e.g. ``2024-06-03T09:00:00+02:00``."""
    return datetime.fromtimestamp(fire, ZoneInfo(timezone)).isoformat(timespec="seconds")
