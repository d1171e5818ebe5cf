"""floor_at: which windows are open at an instant, as a table (time zones, DST, overlaps, boundaries)."""

from __future__ import annotations

import pytest
from _cron_helpers import at, sched
from pyknative_scaler_cron import floor_at, floor_for

WEEKDAYS_9_PARIS = sched("0 9 * * mon-fri", "2h", 3, "Europe/Paris")


@pytest.mark.parametrize(
    ("schedules", "wall", "want"),
    [
        # 2024-06-03 is a Monday; Paris is UTC+2 in summer
        pytest.param([WEEKDAYS_9_PARIS], at("2024-06-03T09:00:00+02:00"), 3, id="at-the-fire-time"),
        pytest.param([WEEKDAYS_9_PARIS], at("2024-06-03T10:30:00+02:00"), 3, id="inside"),
        pytest.param([WEEKDAYS_9_PARIS], at("2024-06-03T10:59:59+02:00"), 3, id="last-second"),
        pytest.param([WEEKDAYS_9_PARIS], at("2024-06-03T11:00:00+02:00"), None, id="at-the-end-closed"),
        pytest.param([WEEKDAYS_9_PARIS], at("2024-06-03T08:59:59+02:00"), None, id="one-second-before"),
        pytest.param([WEEKDAYS_9_PARIS], at("2024-06-03T09:30:00"), None, id="9-30-utc-is-11-30-paris"),
        pytest.param([WEEKDAYS_9_PARIS], at("2024-06-03T07:30:00"), 3, id="7-30-utc-is-9-30-paris"),
        pytest.param([WEEKDAYS_9_PARIS], at("2024-06-08T09:30:00+02:00"), None, id="saturday"),
        pytest.param([WEEKDAYS_9_PARIS], at("2024-01-08T08:30:00"), 3, id="winter-utc+1"),
        pytest.param([WEEKDAYS_9_PARIS], at("2024-06-03T09:30:00", "Asia/Tokyo"), None, id="other-zone-wall"),
        pytest.param([sched("0 22 * * *", "4h")], at("2024-06-04T01:59:00"), 2, id="across-midnight"),
        pytest.param([sched("0 22 * * *", "4h")], at("2024-06-04T02:00:00"), None, id="across-midnight-ended"),
        pytest.param([sched("0 * * * *", "2h")], at("2024-06-03T13:17:00"), 2, id="longer-than-its-period"),
        pytest.param([sched("@daily", "30m")], at("2024-06-03T00:10:00"), 2, id="macro"),
        pytest.param([sched("0 9 * * *", "1h", 2), sched("30 9 * * *", "1h", 5)], at("2024-06-03T09:45:00"), 5,
                     id="overlap-takes-the-max"),
        pytest.param([sched("0 9 * * *", "1h", 2), sched("30 9 * * *", "1h", 5)], at("2024-06-03T10:15:00"), 5,
                     id="overlap-first-ended"),
        pytest.param([sched("0 9 * * *", "1h", 2), sched("30 9 * * *", "1h", 5)], at("2024-06-03T09:15:00"), 2,
                     id="overlap-second-not-yet"),
        pytest.param([sched("0 9 * * *", "1h", 4), sched("0 8 * * *", "3h", 1)], at("2024-06-03T09:30:00"), 4,
                     id="max-not-latest"),
        pytest.param([], at("2024-06-03T09:30:00"), None, id="no-schedules"),
        # Paris springs forward on 2024-03-31 at 02:00 (CET+1 -> CEST+2)
        pytest.param([sched("0 9 * * *", "1h", 2, "Europe/Paris")], at("2024-03-31T07:30:00"), 2, id="dst-day-9am-is-7utc"),
        pytest.param([sched("0 9 * * *", "1h", 2, "Europe/Paris")], at("2024-03-30T07:30:00"), None, id="day-before-9am-is-8utc"),
        pytest.param([sched("30 1 * * *", "2h", 2, "Europe/Paris")], at("2024-03-31T04:29:00+02:00"), 2,
                     id="duration-is-elapsed-time-over-spring-forward"),
        pytest.param([sched("30 1 * * *", "2h", 2, "Europe/Paris")], at("2024-03-31T04:30:00+02:00"), None,
                     id="elapsed-2h-ends-at-04-30-local"),
        pytest.param([sched("30 2 * * *", "10m", 2, "Europe/Paris")], at("2024-03-31T03:05:00+02:00"), 2,
                     id="skipped-local-time-fires-when-clocks-resume"),
        # Paris falls back on 2024-10-27 at 03:00 CEST -> 02:00 CET: 02:30 happens twice and fires twice
        pytest.param([sched("30 2 * * *", "10m", 2, "Europe/Paris")], at("2024-10-27T02:35:00+02:00"), 2, id="fall-back-first"),
        pytest.param([sched("30 2 * * *", "10m", 2, "Europe/Paris")], at("2024-10-27T02:35:00+01:00"), 2, id="fall-back-second"),
        pytest.param([sched("30 2 * * *", "10m", 2, "Europe/Paris")], at("2024-10-27T02:50:00+02:00"), None, id="fall-back-between"),
        pytest.param([sched("0 0 29 2 *", "24h")], at("2028-02-29T12:00:00"), 2, id="leap-day"),
        pytest.param([sched("0 0 29 2 *", "24h")], at("2027-03-01T12:00:00"), None, id="not-a-leap-year"),
    ],
)
def test_floor_at(schedules, wall, want):
    floor = floor_at(schedules, wall)
    assert (floor.replicas if floor else None) == want


def test_the_reason_names_the_schedule_and_when_its_window_opened_in_its_zone():
    floor = floor_at([WEEKDAYS_9_PARIS], at("2024-06-03T10:00:00+02:00"))
    assert floor.reason == 'scheduled floor 3 from "0 9 * * mon-fri" Europe/Paris for 2h since 2024-06-03T09:00:00+02:00'


def test_floor_for_reads_the_annotation_and_skips_invalid_entries():
    text = '[{schedule: "0 9 * * *", replicas: 2, duration: 1h}, {schedule: "not cron", replicas: 9, duration: 1h}]'
    floor = floor_for({"autoscaling.pyknative.dev/schedules": text}, at("2024-06-03T09:10:00"))
    assert floor.replicas == 2
    assert floor_for({}, at("2024-06-03T09:10:00")) is None
    assert floor_for({"autoscaling.pyknative.dev/schedules": "{{{"}, at("2024-06-03T09:10:00")) is None


def test_json_and_string_replicas_read_the_same():
    json_text = '[{"schedule": "0 9 * * *", "timezone": "UTC", "replicas": "4", "duration": "90m"}]'
    floor = floor_for({"autoscaling.pyknative.dev/schedules": json_text}, at("2024-06-03T10:29:00"))
    assert floor.replicas == 4
    assert floor_for({"autoscaling.pyknative.dev/schedules": json_text}, at("2024-06-03T10:30:00")) is None
