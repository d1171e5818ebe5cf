"""Admission of the schedules annotation: every problem is an error naming its field."""

from __future__ import annotations

import json

import pytest
from _cron_helpers import KEY, PATH, WHERE
from pyknative_scaler_cron import parse_schedules, validate_annotations

from pyknative import FieldError

GOOD = {"schedule": "0 9 * * mon-fri", "timezone": "Europe/Paris", "replicas": 2, "duration": "2h"}


def one(**changes) -> str:
    entry = {**GOOD, **changes}
    return json.dumps([{k: v for k, v in entry.items() if v is not None}])


@pytest.mark.parametrize(
    ("value", "field", "fragment"),
    [
        pytest.param("{{{", "", "invalid YAML or JSON", id="not-yaml"),
        pytest.param("", "", "must be a list of schedules", id="empty"),
        pytest.param('{schedule: "* * * * *"}', "", "must be a list of schedules", id="a-mapping-not-a-list"),
        pytest.param("[3]", "[0]", "must be a mapping", id="entry-not-mapping"),
        pytest.param(one(schedule=None), "[0].schedule", "required", id="schedule-missing"),
        pytest.param(one(schedule=5), "[0].schedule", "must be a cron expression", id="schedule-not-string"),
        pytest.param(one(schedule="0 9 * *"), "[0].schedule", "want 5 fields", id="four-fields"),
        pytest.param(one(schedule="0 0 9 * * *"), "[0].schedule", "got 6", id="six-fields-seconds"),
        pytest.param(one(schedule="61 9 * * *"), "[0].schedule", "out of range", id="minute-out-of-range"),
        pytest.param(one(schedule="0 9 * * funday"), "[0].schedule", "invalid cron expression", id="bad-day-name"),
        pytest.param(one(schedule="H 9 * * *"), "[0].schedule", "hashed (H) fields are not supported", id="hash"),
        pytest.param(one(schedule="0 0 30 2 *"), "[0].schedule", "never fires", id="february-30"),
        pytest.param(one(schedule="@reboot"), "[0].schedule", "unknown cron macro", id="reboot"),
        pytest.param(one(timezone="Mars/Olympus"), "[0].timezone", "unknown time zone 'Mars/Olympus'", id="zone-unknown"),
        pytest.param(one(timezone="utc"), "[0].timezone", "unknown time zone", id="zone-case-sensitive"),
        pytest.param(one(timezone="../etc/passwd"), "[0].timezone", "unknown time zone", id="zone-path"),
        pytest.param(one(timezone=1), "[0].timezone", "must be an IANA time zone name", id="zone-not-string"),
        pytest.param(one(replicas=0), "[0].replicas", "must be at least 1, got 0", id="replicas-zero"),
        pytest.param(one(replicas=-2), "[0].replicas", "must be at least 1, got -2", id="replicas-negative"),
        pytest.param(one(replicas=1.5), "[0].replicas", "whole number", id="replicas-fraction"),
        pytest.param(one(replicas=True), "[0].replicas", "whole number", id="replicas-bool"),
        pytest.param(one(duration=None), "[0].duration", "required", id="duration-missing"),
        pytest.param(one(duration="2 hours"), "[0].duration", "invalid duration '2 hours'", id="duration-not-go"),
        pytest.param(one(duration="PT2H"), "[0].duration", "invalid duration", id="duration-iso-refused"),
        pytest.param(one(duration=3600), "[0].duration", "must be a duration string", id="duration-number"),
        pytest.param(one(duration="0s"), "[0].duration", "more than 0s", id="duration-zero"),
        pytest.param(one(duration="-1h"), "[0].duration", "more than 0s", id="duration-negative"),
        pytest.param(one(replica=3), "[0].replica", "unknown field", id="typo-field"),
    ],
)
def test_validate_rejects(value, field, fragment):
    errors = validate_annotations({KEY: value}, PATH)
    assert len(errors) == 1, errors
    assert isinstance(errors[0], FieldError)
    assert errors[0].path == WHERE + field
    assert fragment in errors[0].message, errors[0].message


@pytest.mark.parametrize(
    "value",
    [
        one(),
        "[]",
        '- {schedule: "0 9 * * mon-fri", duration: 2h}',  # YAML block list; replicas 1 and UTC by default
        one(schedule="@hourly", timezone="America/New_York", replicas="3", duration="15m"),
        one(schedule="*/15 8-18 * 1-6,9-12 1-5", duration="1h30m"),
        one(schedule="0 0 29 2 *", duration="24h"),
        one(schedule="0 9 L * *"),
    ],
)
def test_validate_accepts(value):
    assert validate_annotations({KEY: value}, PATH) == []


def test_other_annotations_are_not_this_plugins_business():
    assert validate_annotations({"autoscaling.knative.dev/max-scale": "x"}, PATH) == []


def test_every_problem_is_reported_at_once_with_its_index():
    value = json.dumps([GOOD, {"schedule": "nope", "replicas": 0}, {**GOOD, "timezone": "Nowhere"}])
    errors = [str(e) for e in validate_annotations({KEY: value}, PATH)]
    assert [e.split(":")[0] for e in errors] == [
        f"{WHERE}[1].schedule", f"{WHERE}[1].replicas", f"{WHERE}[1].duration", f"{WHERE}[2].timezone",
    ]


@pytest.mark.parametrize("key", ["autoscaling.knative.dev/max-scale", "autoscaling.knative.dev/maxScale"])
def test_replicas_above_the_templates_max_scale_are_refused(key):
    errors = validate_annotations({KEY: one(replicas=5), key: "3"}, PATH)
    assert [str(e) for e in errors] == [f"{WHERE}[0].replicas: 5 must not be greater than {key} 3"]
    assert validate_annotations({KEY: one(replicas=3), key: "3"}, PATH) == []
    assert validate_annotations({KEY: one(replicas=5), key: "0"}, PATH) == []  # 0: no bound


def test_parse_keeps_the_valid_entries():
    schedules, errors = parse_schedules(json.dumps([GOOD, {"schedule": "bad"}]), "x")
    assert [s.cron for s in schedules] == ["0 9 * * mon-fri"]
    assert schedules[0].duration == 7200.0 and schedules[0].timezone == "Europe/Paris"
    assert len(errors) == 2
