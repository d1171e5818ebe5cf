"""Tables for PodAutoscalers (``get kpa``) and Events (``get events``)."""

from __future__ import annotations

import datetime

from pyknative.api import columns
from pyknative.cli import printers

PA = [c.to_dict() for c in columns.POD_AUTOSCALER]
EVENT = [c.to_dict() for c in columns.EVENT]

NOW = datetime.datetime(2026, 1, 1, 12, 0, 0, tzinfo=datetime.UTC)


def _pa(name: str, desired: int, actual: int, mode: str, ready: str) -> dict:
    return {
        "metadata": {"name": name, "creationTimestamp": "2026-01-01T11:00:00Z"},
        "status": {
            "desiredScale": desired,
            "actualScale": actual,
            "annotations": {
                "autoscaling.pyknative.dev/mode": mode,
                "autoscaling.pyknative.dev/metric": "concurrency",
                "autoscaling.pyknative.dev/observed": "12.50",
                "autoscaling.pyknative.dev/target": "70.00",
            },
            "conditions": [{"type": "Ready", "status": ready, "reason": "" if ready == "True" else "NoTraffic"}],
        },
    }


def test_podautoscaler_table_shows_desired_actual_metric_mode_ready():
    out = printers.table(
        [_pa("hello-00001", 3, 2, "panic", "True"), _pa("hello-00002", 0, 0, "stable", "False")],
        PA,
        ctx=printers.PrintContext(now=NOW),
    )
    assert [line.split() for line in out.splitlines()] == [
        ["NAME", "DESIRED", "ACTUAL", "METRIC", "MODE", "READY"],
        ["hello-00001", "3", "2", "concurrency", "panic", "True"],
        ["hello-00002", "0", "0", "concurrency", "stable", "False"],
    ]
    wide = printers.table([_pa("hello-00001", 3, 2, "panic", "True")], PA, wide=True,
                          ctx=printers.PrintContext(now=NOW))
    header, row = (line.split() for line in wide.splitlines())
    assert header == ["NAME", "DESIRED", "ACTUAL", "METRIC", "OBSERVED", "TARGET", "MODE", "AGE", "READY", "REASON"]
    assert row[4:8] == ["12.50", "70.00", "panic", "60m"]


def test_events_table_lists_oldest_first_with_the_object_they_are_about():
    def event(reason: str, when: str, message: str) -> dict:
        return {
            "metadata": {"name": f"hello-00001.{reason}"},
            "type": "Normal",
            "reason": reason,
            "message": message,
            "lastTimestamp": when,
            "involvedObject": {"kind": "PodAutoscaler", "name": "hello-00001"},
        }

    out = printers.table(
        [event("Later", "2026-01-01T11:59:50Z", "desired scale 1 -> 0"),
         event("ScaleTargetChanged", "2026-01-01T11:58:00Z", "desired scale 0 -> 1: 1 request waiting")],
        EVENT,
        print_name=False,
        ctx=printers.PrintContext(now=NOW),
    )
    lines = out.splitlines()
    assert lines[0].split() == ["LAST", "SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    assert lines[1].split()[:4] == ["2m", "Normal", "ScaleTargetChanged", "podautoscaler/hello-00001"]
    assert lines[1].endswith("desired scale 0 -> 1: 1 request waiting")
    assert lines[2].split()[:3] == ["10s", "Normal", "Later"]
