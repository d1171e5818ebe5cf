"""Scheduled floors end to end: the cron plugin on a real `pyknative serve`, composed with the KPA.

A Service whose ``autoscaling.pyknative.dev/schedules`` window is open now keeps its floor of instances with no
traffic (where the KPA alone would go to zero), still scales above it under load, and comes back to it; a Service
whose window has closed goes to zero as usual; a bad schedule is refused at apply time naming its field. Knative's
windows are shortened by the operator config as in test_autoscaling.py.
"""

from __future__ import annotations

import datetime
import http.client
import json
import re
import threading
import time

import pytest

from tests.e2e.scaling import pa_status, sleepy_service, start_with_services, wait_pa
from tests.e2e.serve import Served

pytestmark = pytest.mark.slow

KEY = "autoscaling.pyknative.dev/schedules"


def service(name: str, schedules: list[dict]) -> str:
    return sleepy_service(name, {"autoscaling.knative.dev/target": "2", KEY: json.dumps(schedules)})


def _closed_an_hour_ago() -> dict:
    """A daily window that opened two hours ago and lasted one hour."""
    opened = datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=2)
    return {"schedule": f"{opened.minute} {opened.hour} * * *", "replicas": 3, "duration": "1h"}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    always_open = {"schedule": "* * * * *", "timezone": "Europe/Paris", "replicas": 2, "duration": "1h"}
    s = start_with_services(tmp_path_factory.mktemp("floor"), {
        "warm": service("warm", [always_open]),
        "past": service("past", [_closed_an_hour_ago()]),
    })
    yield s
    s.stop()


_pa, _wait = pa_status, wait_pa


def _scale(status: dict) -> tuple:
    return status.get("desiredScale"), status.get("actualScale")


def test_an_open_window_keeps_the_floor_while_idle_and_a_closed_one_lets_it_go_to_zero(served: Served):
    _wait(served, "past-00001", lambda s: _scale(s) == (0, 0), timeout=30)
    # idle past the stable window and the grace period: the KPA alone would have gone to zero by now
    time.sleep(3.0)
    status = _wait(served, "warm-00001", lambda s: _scale(s) == (2, 2), timeout=30)
    assert status["annotations"]["autoscaling.pyknative.dev/mode"] == "stable+floor"
    assert _scale(_pa(served, "past-00001")) == (0, 0)
    table = served.ok("get", "kpa")
    assert re.search(r"^warm-00001\s+2\s+2\s+concurrency\s+stable\+floor\s+True", table, re.M), table
    events = served.ok("get", "events")
    assert re.search(r'podautoscaler/warm-00001\s+desired scale \d -> 2: .*scheduled floor 2 from "\* \* \* \* \*" '
                     r"Europe/Paris for 1h since", events), events
    assert "scheduled floor" not in "\n".join(line for line in events.splitlines() if "past-00001" in line)


def test_load_inside_the_window_scales_above_the_floor_then_back_to_it(served: Served):
    results: list[int] = []
    stop = threading.Event()

    def client(i: int) -> None:
        conn = http.client.HTTPConnection(*served.gateway, timeout=30)
        while not stop.is_set():
            conn.request("GET", f"/?sleep=0.3&n=w{i}", headers={"Host": "warm.default.svc.cluster.local"})
            resp = conn.getresponse()
            resp.read()
            results.append(resp.status)
        conn.close()

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(10)]
    for t in threads:
        t.start()
    try:
        peak = _wait(served, "warm-00001", lambda s: (s.get("actualScale") or 0) >= 3, timeout=20)
    finally:
        stop.set()
        for t in threads:
            t.join(30)
    assert peak["desiredScale"] >= 3
    assert results and set(results) == {200}
    # load gone: down to the floor, not to zero, and it stays there
    _wait(served, "warm-00001", lambda s: _scale(s) == (2, 2), timeout=30)
    time.sleep(2.0)
    assert _scale(_pa(served, "warm-00001")) == (2, 2)


def test_a_bad_schedule_is_refused_at_apply_naming_the_field(served: Served):
    bad = service("broken", [{"schedule": "0 9 * *", "replicas": 2, "duration": "2h"}])
    res = served.cli("apply", "-f", "-", input=bad)
    assert res.returncode != 0
    out = res.stdout + res.stderr
    assert f"spec.template.metadata.annotations[{KEY}][0].schedule: invalid cron expression '0 9 * *'" in out, out
    assert "broken" not in served.ok("get", "ksvc")
