"""Cron schedules as Knative's PingSource reads them (robfig/cron v3 with an optional seconds field).

Pure. :func:`parse` accepts what the PingSource adapter's parser does: five fields (minute hour day-of-month
month day-of-week), or six with a leading seconds field; lists (``1,5``), ranges (``1-5``), steps (``*/15``,
``10/5`` meaning ``10-max/5``), ``*`` and ``?``, month and weekday names (``JAN``, ``mon``; weekdays 0-6 from
Sunday); the descriptors ``@yearly``/``@annually``, ``@monthly``, ``@weekly``, ``@daily``/``@midnight``,
``@hourly`` (``@every`` is refused, as Knative's webhook refuses it); and a ``CRON_TZ=<zone>`` (or ``TZ=``)
prefix. As in cron, when both day fields are restricted a day matching either fires; when one is ``*`` or ``?``
both must match.

:meth:`Schedule.next_after` is robfig's ``SpecSchedule.Next``: the first fire time strictly after an instant,
searched in the schedule's zone, hours and smaller units stepped in absolute time (so a wall time the clocks
skip on a spring-forward night fires not at all that night, and a wall time that happens twice on a fall-back
night fires twice). A schedule without a zone runs in UTC: the zone of the adapter container in a Knative
cluster, and the same on every machine.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

DESCRIPTORS = {
    "@yearly": "0 0 0 1 1 *",
    "@annually": "0 0 0 1 1 *",
    "@monthly": "0 0 0 1 * *",
    "@weekly": "0 0 0 * * 0",
    "@daily": "0 0 0 * * *",
    "@midnight": "0 0 0 * * *",
    "@hourly": "0 0 * * * *",
}
_MONTHS = {m: i for i, m in enumerate("JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split(), start=1)}
_DAYS = {d: i for i, d in enumerate("SUN MON TUE WED THU FRI SAT".split())}
#: (name, minimum, maximum, names) of the six fields, seconds first
_FIELDS = (
    ("second", 0, 59, {}),
    ("minute", 0, 59, {}),
    ("hour", 0, 23, {}),
    ("day of month", 1, 31, {}),
    ("month", 1, 12, _MONTHS),
    ("day of week", 0, 6, _DAYS),
)
#: how far ahead a schedule that never fires (``0 0 30 2 *``) is searched, as robfig does
_YEARS_AHEAD = 5


class ScheduleError(ValueError):
    """An unparseable schedule; ``field`` is ``schedule`` or ``timezone`` (a zone that does not exist)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@attrs.frozen
class Schedule:
    """A parsed schedule: the allowed values of each field, and the zone it is read in."""

    seconds: frozenset[int]
    minutes: frozenset[int]
    hours: frozenset[int]
    days_of_month: frozenset[int]
    months: frozenset[int]
    days_of_week: frozenset[int]
    #: whether the day-of-month / day-of-week field was ``*`` or ``?`` (both must then match)
    dom_star: bool
    dow_star: bool
    zone: tzinfo = UTC
    text: str = ""

    def next_after(self, after: datetime) -> datetime | None:
        """The first fire time strictly after ``after`` (aware), in the schedule's zone; None when there is
        none within five years (a day that never comes, such as February 30th)."""
        zone = self.zone
        t = after.astimezone(zone).replace(microsecond=0)
        t = _norm(t.astimezone(UTC) + timedelta(seconds=1), zone)
        added = False
        year_limit = t.year + _YEARS_AHEAD
        while True:  # robfig's WRAP label
            if t.year > year_limit:
                return None
            wrapped = False
            while t.month not in self.months:
                if not added:
                    added = True
                    t = _wall(t.year, t.month, 1, 0, 0, 0, zone)
                year, month = (t.year + 1, 1) if t.month == 12 else (t.year, t.month + 1)
                t = _wall(year, month, 1, 0, 0, 0, zone)
                if t.month == 1:
                    wrapped = True
                    break
            if wrapped:
                continue
            while not self._day_matches(t):
                if not added:
                    added = True
                    t = _wall(t.year, t.month, t.day, 0, 0, 0, zone)
                day = t.date() + timedelta(days=1)
                t = _wall(day.year, day.month, day.day, 0, 0, 0, zone)
                if t.hour != 0:  # midnight did not exist that day: robfig moves to the nearest hour
                    shift = 24 - t.hour if t.hour > 12 else -t.hour
                    t = _norm(t.astimezone(UTC) + timedelta(hours=shift), zone)
                if t.day == 1:
                    wrapped = True
                    break
            if wrapped:
                continue
            for unit, allowed, attr in (
                (timedelta(hours=1), self.hours, "hour"),
                (timedelta(minutes=1), self.minutes, "minute"),
                (timedelta(seconds=1), self.seconds, "second"),
            ):
                while getattr(t, attr) not in allowed:
                    if not added:
                        added = True
                        t = _truncate(t, attr, zone)
                    t = _norm(t.astimezone(UTC) + unit, zone)
                    if getattr(t, attr) == 0:
                        wrapped = True
                        break
                if wrapped:
                    break
            if wrapped:
                continue
            return t

    def _day_matches(self, t: datetime) -> bool:
        dom = t.day in self.days_of_month
        dow = (t.isoweekday() % 7) in self.days_of_week
        if self.dom_star or self.dow_star:
            return dom and dow
        return dom or dow


def parse(text: str, timezone: str | None = None) -> Schedule:
    """The schedule ``text``, with ``timezone`` applied as a ``CRON_TZ=`` prefix (as Knative's adapter does).

    Raises :class:`ScheduleError` naming the field at fault."""
    spec = text.strip() if isinstance(text, str) else ""
    if timezone:
        spec = f"CRON_TZ={timezone} {spec}"
    if not spec:
        raise ScheduleError("schedule", "empty spec string")
    zone: tzinfo = UTC
    if spec.startswith(("TZ=", "CRON_TZ=")):
        head, _, spec = spec.partition(" ")
        name = head.split("=", 1)[1]
        try:
            zone = ZoneInfo(name) if name not in ("UTC", "") else UTC
        except (ZoneInfoNotFoundError, ValueError) as e:
            field = "timezone" if timezone else "schedule"
            raise ScheduleError(field, f"provided bad location {name}: unknown time zone {name}") from e
        spec = spec.strip()
    if spec.startswith("@"):
        if spec.startswith("@every"):
            raise ScheduleError("schedule", "unsupported descriptor @every")
        expanded = DESCRIPTORS.get(spec.lower())
        if expanded is None:
            raise ScheduleError("schedule", f"unrecognized descriptor: {spec}")
        fields = expanded.split()
    else:
        fields = spec.split()
        if len(fields) not in (5, 6):
            raise ScheduleError("schedule", f"expected 5 to 6 fields, found {len(fields)}: [{' '.join(fields)}]")
        if len(fields) == 5:
            fields = ["0", *fields]
    values = []
    stars = []
    for expr, (name, low, high, names) in zip(fields, _FIELDS, strict=True):
        allowed, star = _field(expr, name, low, high, names)
        values.append(allowed)
        stars.append(star)
    return Schedule(*values, dom_star=stars[3], dow_star=stars[5], zone=zone, text=text)


def _field(expr: str, name: str, low: int, high: int, names: dict[str, int]) -> tuple[frozenset[int], bool]:
    out: set[int] = set()
    star = False
    for part in expr.split(","):
        values, is_star = _range(part, name, low, high, names)
        out |= values
        star = star or is_star
    return frozenset(out), star


def _range(expr: str, name: str, low: int, high: int, names: dict[str, int]) -> tuple[set[int], bool]:
    range_part, slash, step_part = expr.partition("/")
    bounds = range_part.split("-")
    star = False
    if bounds[0] in ("*", "?"):
        if len(bounds) > 1:
            raise ScheduleError("schedule", f"too many hyphens: {expr}")
        start, end, star = low, high, True
    else:
        start = _number(bounds[0], names, expr)
        if len(bounds) == 1:
            end = start
        elif len(bounds) == 2:
            end = _number(bounds[1], names, expr)
        else:
            raise ScheduleError("schedule", f"too many hyphens: {expr}")
    step = 1
    if slash:
        if "/" in step_part:
            raise ScheduleError("schedule", f"too many slashes: {expr}")
        step = _number(step_part, {}, expr)
        if len(bounds) == 1 and not star:  # "N/step" means "N-max/step"
            end = high
        if step > 1:
            star = False
    if start < low:
        raise ScheduleError("schedule", f"beginning of range ({start}) below minimum ({low}): {expr} ({name})")
    if end > high:
        raise ScheduleError("schedule", f"end of range ({end}) above maximum ({high}): {expr} ({name})")
    if start > end:
        raise ScheduleError("schedule", f"beginning of range ({start}) beyond end of range ({end}): {expr}")
    if step <= 0:
        raise ScheduleError("schedule", f"step of range should be a positive number: {expr}")
    return set(range(start, end + 1, step)), star


def _number(text: str, names: dict[str, int], expr: str) -> int:
    upper = text.upper()
    if upper in names:
        return names[upper]
    if not text.isdigit():
        raise ScheduleError("schedule", f"failed to parse int from {text}: {expr}")
    return int(text)


def _wall(year: int, month: int, day: int, hour: int, minute: int, second: int, zone: tzinfo) -> datetime:
    """A wall time in ``zone``, moved past a gap the clocks skip (as Go's ``time.Date`` normalises it)."""
    return _norm(datetime(year, month, day, hour, minute, second, tzinfo=zone), zone)


def _norm(t: datetime, zone: tzinfo) -> datetime:
    return t.astimezone(UTC).astimezone(zone)


def _truncate(t: datetime, unit: str, zone: tzinfo) -> datetime:
    if unit == "hour":
        return _wall(t.year, t.month, t.day, t.hour, 0, 0, zone)
    if unit == "minute":
        return _norm(t.replace(second=0), zone)
    return t
