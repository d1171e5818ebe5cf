"""Reading the ``autoscaling.pyknative.dev/schedules`` annotation: a YAML (or JSON) list of schedules.

:func:`parse_schedules` answers the schedules that are valid and a :class:`~pyknative.FieldError` for every
problem, each naming its field (``<annotations>[autoscaling.pyknative.dev/schedules][0].schedule``). Admission
refuses a template with any error; the floor at run time uses the valid schedules only.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from croniter import CroniterError, croniter

from pyknative import FieldError
from pyknative.config import parse_duration
from pyknative_scaler_cron import keys as k
from pyknative_scaler_cron.schedule import Schedule

#: a cron expression must fire at least once after this instant (croniter looks up to 50 years ahead)
_REFERENCE = datetime(2000, 1, 1, tzinfo=UTC)


def parse_schedules(text: str, path: str) -> tuple[tuple[Schedule, ...], list[FieldError]]:
    """``(valid schedules, errors)`` for the annotation's value; ``path`` names the annotation itself."""
    try:
        entries = yaml.safe_load(text)
    except yaml.YAMLError as e:
        return (), [FieldError(path, f"invalid YAML or JSON: {' '.join(str(e).split())}")]
    if not isinstance(entries, list):
        got = "nothing" if entries is None else type(entries).__name__
        return (), [FieldError(path, f"must be a list of schedules ({', '.join(k.FIELDS)}), got {got}")]
    schedules: list[Schedule] = []
    errors: list[FieldError] = []
    for i, entry in enumerate(entries):
        schedule, found = _entry(entry, f"{path}[{i}]")
        errors += found
        if schedule is not None:
            schedules.append(schedule)
    return tuple(schedules), errors


def _entry(entry: Any, path: str) -> tuple[Schedule | None, list[FieldError]]:
    if not isinstance(entry, Mapping):
        return None, [FieldError(path, f"must be a mapping with {', '.join(k.FIELDS)}, got {type(entry).__name__}")]
    errors = [
        FieldError(f"{path}.{key}", f"unknown field: a schedule has {', '.join(k.FIELDS)}")
        for key in entry
        if key not in k.FIELDS
    ]
    cron = _cron(entry.get(k.SCHEDULE), f"{path}.{k.SCHEDULE}", errors)
    zone = _timezone(entry.get(k.TIMEZONE, k.DEFAULT_TIMEZONE), f"{path}.{k.TIMEZONE}", errors)
    replicas = _replicas(entry.get(k.REPLICAS, k.DEFAULT_REPLICAS), f"{path}.{k.REPLICAS}", errors)
    duration = _duration(entry.get(k.DURATION), f"{path}.{k.DURATION}", errors)
    if errors or cron is None or zone is None or replicas is None or duration is None:
        return None, errors
    return Schedule(cron, zone, replicas, duration, str(entry[k.DURATION]).strip()), []


def _cron(value: Any, path: str, errors: list[FieldError]) -> str | None:
    if value is None:
        errors.append(FieldError(path, 'required: a five-field cron expression such as "0 9 * * mon-fri"'))
        return None
    if not isinstance(value, str):
        errors.append(FieldError(path, f"must be a cron expression (a string), got {type(value).__name__}"))
        return None
    expr = " ".join(value.split())
    if expr.startswith("@"):
        if expr.lower() not in k.MACROS:
            errors.append(FieldError(path, f"unknown cron macro {expr!r}: use five fields or one of {', '.join(k.MACROS)}"))
            return None
        expr = expr.lower()
    elif len(expr.split()) != 5:
        errors.append(
            FieldError(path, f"invalid cron expression {expr!r}: want 5 fields (minute hour day-of-month month "
                             f"day-of-week), got {len(expr.split())}")
        )
        return None
    try:
        croniter(expr, _REFERENCE).get_next(datetime)
    except CroniterError as e:
        why = "hashed (H) fields are not supported" if "hash" in str(e).lower() else str(e)
        if "find next date" in why:
            why = "it never fires"
        errors.append(FieldError(path, f"invalid cron expression {expr!r}: {why}"))
        return None
    return expr


def _timezone(value: Any, path: str, errors: list[FieldError]) -> str | None:
    if not isinstance(value, str):
        errors.append(FieldError(path, f"must be an IANA time zone name (a string), got {type(value).__name__}"))
        return None
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        errors.append(FieldError(path, f"unknown time zone {value!r}: want an IANA name such as Europe/Paris or UTC"))
        return None
    return value


def _replicas(value: Any, path: str, errors: list[FieldError]) -> int | None:
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    if number is None:
        errors.append(FieldError(path, f"must be a whole number of instances, got {value!r}"))
        return None
    if number < 1:
        errors.append(FieldError(path, f"must be at least 1, got {number}"))
        return None
    return number


def _duration(value: Any, path: str, errors: list[FieldError]) -> float | None:
    if value is None:
        errors.append(FieldError(path, 'required: how long each window lasts, a duration such as "90m" or "2h"'))
        return None
    if not isinstance(value, str):
        errors.append(FieldError(path, f'must be a duration string such as "90m" or "2h", got {value!r}'))
        return None
    try:
        seconds = parse_duration(value)
    except ValueError as e:
        errors.append(FieldError(path, str(e)))
        return None
    if seconds <= 0:
        errors.append(FieldError(path, f"must be more than 0s, got {value!r}"))
        return None
    return seconds
