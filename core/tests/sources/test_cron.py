"""PingSource schedules as Knative's adapter reads them (robfig/cron v3, optional seconds field): fire times,
time zones, descriptors, and the errors a bad schedule gets."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pyknative.sources import cron

T0 = datetime(2026, 3, 7, 12, 0, 30, tzinfo=UTC)  # a Saturday


def fires(spec: str, after: datetime = T0, n: int = 3, timezone: str | None = None) -> list[str]:
    schedule = cron.parse(spec, timezone)
    out = []
    for _ in range(n):
        after = schedule.next_after(after)
        if after is None:
            break
        out.append(after.isoformat())
    return out


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("* * * * *", ["2026-03-07T12:01:00+00:00", "2026-03-07T12:02:00+00:00", "2026-03-07T12:03:00+00:00"]),
        ("*/10 * * * * *", ["2026-03-07T12:00:40+00:00", "2026-03-07T12:00:50+00:00", "2026-03-07T12:01:00+00:00"]),
        ("0 9 * * MON-FRI", ["2026-03-09T09:00:00+00:00", "2026-03-10T09:00:00+00:00", "2026-03-11T09:00:00+00:00"]),
        ("15/20 * * * *", ["2026-03-07T12:15:00+00:00", "2026-03-07T12:35:00+00:00", "2026-03-07T12:55:00+00:00"]),
        ("0 0 1 jan,jul ?", ["2026-07-01T00:00:00+00:00", "2027-01-01T00:00:00+00:00", "2027-07-01T00:00:00+00:00"]),
        ("@hourly", ["2026-03-07T13:00:00+00:00", "2026-03-07T14:00:00+00:00", "2026-03-07T15:00:00+00:00"]),
        ("@weekly", ["2026-03-08T00:00:00+00:00", "2026-03-15T00:00:00+00:00", "2026-03-22T00:00:00+00:00"]),
        ("@yearly", ["2027-01-01T00:00:00+00:00", "2028-01-01T00:00:00+00:00", "2029-01-01T00:00:00+00:00"]),
        # both day fields restricted: either matches (1st, 15th, and Wednesdays)
        ("0 0 1,15 * 3", ["2026-03-11T00:00:00+00:00", "2026-03-15T00:00:00+00:00", "2026-03-18T00:00:00+00:00"]),
        # a day that never comes
        ("0 0 30 2 *", []),
    ],
)
def test_fire_times(spec, expected):
    assert fires(spec) == expected


def test_a_fire_time_is_strictly_after_the_instant():
    at = datetime(2026, 3, 7, 12, 1, 0, tzinfo=UTC)
    assert fires("* * * * *", at, 1) == ["2026-03-07T12:02:00+00:00"]


def test_time_zones_from_the_timezone_field_and_the_cron_tz_prefix():
    assert fires("0 0 1 * *", timezone="Europe/Paris", n=2) == [
        "2026-04-01T00:00:00+02:00",
        "2026-05-01T00:00:00+02:00",
    ]
    assert fires("CRON_TZ=Europe/Paris 0 0 1 * *", n=1) == fires("0 0 1 * *", timezone="Europe/Paris", n=1)
    assert fires("TZ=Asia/Tokyo 0 9 * * *", n=1) == ["2026-03-08T09:00:00+09:00"]


def test_daylight_saving_as_robfig_cron():
    # 2026-03-08 02:30 does not exist in New York: that night does not fire; midnight moves from -05:00 to -04:00
    assert fires("30 2 * * *", timezone="America/New_York") == [
        "2026-03-09T02:30:00-04:00",
        "2026-03-10T02:30:00-04:00",
        "2026-03-11T02:30:00-04:00",
    ]
    assert fires("@daily", timezone="America/New_York", n=2) == [
        "2026-03-08T00:00:00-05:00",
        "2026-03-09T00:00:00-04:00",
    ]
    # 2026-11-01 01:30 happens twice: both fire, as in robfig/cron (it steps in absolute time)
    after = datetime(2026, 10, 31, 12, tzinfo=UTC)
    assert fires("30 1 * * *", after, 3, timezone="America/New_York") == [
        "2026-11-01T01:30:00-04:00",
        "2026-11-01T01:30:00-05:00",
        "2026-11-02T01:30:00-05:00",
    ]


@pytest.mark.parametrize(
    ("spec", "field", "message"),
    [
        ("@every 1m", "schedule", "unsupported descriptor @every"),
        ("@often", "schedule", "unrecognized descriptor: @often"),
        ("* * *", "schedule", "expected 5 to 6 fields, found 3: [* * *]"),
        ("* * * * * * *", "schedule", "expected 5 to 6 fields, found 7"),
        ("61 * * * *", "schedule", "end of range (61) above maximum (59): 61 (minute)"),
        ("* * 0 * *", "schedule", "beginning of range (0) below minimum (1): 0 (day of month)"),
        ("5-1 * * * *", "schedule", "beginning of range (5) beyond end of range (1)"),
        ("*/0 * * * *", "schedule", "step of range should be a positive number"),
        ("x * * * *", "schedule", "failed to parse int from x"),
        ("CRON_TZ=Mars/Base * * * * *", "schedule", "provided bad location Mars/Base"),
    ],
)
def test_errors_name_what_is_wrong(spec, field, message):
    with pytest.raises(cron.ScheduleError) as e:
        cron.parse(spec)
    assert e.value.field == field
    assert message in str(e.value)


def test_a_bad_timezone_field_is_the_timezone_s_fault():
    with pytest.raises(cron.ScheduleError) as e:
        cron.parse("* * * * *", "Mars/Base")
    assert e.value.field == "timezone"
    assert "provided bad location Mars/Base" in str(e.value)
