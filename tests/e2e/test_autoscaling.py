"""Autoscaling end to end: a real `pyknative serve` with short windows, a real app that sleeps, real load.

The operator config shortens Knative's windows (stable window 6 s, grace period 1 s, a 0.5 s autoscaler tick) so
that scaling up, down and to zero happens within seconds. Every request a test sends must succeed exactly once:
through a scale-up, a scale-down (instances drain before they stop), scale to zero, a cold start and a
revision switch.
"""

from __future__ import annotations

import datetime
import http.client
import json
import re
import threading
import time
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.e2e.scaling import pa_status, start_with_services
from tests.e2e.scaling import sleepy_service as service
from tests.e2e.serve import Served

pytestmark = pytest.mark.slow

HOST = "sleepy.default.svc.cluster.local"
@pytest.fixture(scope="module")
def served(tmp_path_factory):
    s = start_with_services(tmp_path_factory.mktemp("autoscaling"), {
        "sleepy": service("sleepy", {"autoscaling.knative.dev/target": "2"}),
        "steady": service("steady", {"autoscaling.knative.dev/min-scale": "2"}),
    })
    yield s
    s.stop()


_pa = pa_status


def _wait_scale(served: Served, revision: str, check, timeout: float) -> float:
    """Poll the PodAutoscaler's actual scale until ``check(actual)``; returns when (monotonic)."""
    deadline = time.monotonic() + timeout
    while True:
        actual = _pa(served, revision).get("actualScale")
        if actual is not None and check(actual):
            return time.monotonic()
        assert time.monotonic() < deadline, f"{revision}: actual scale {actual} after {timeout}s"
        time.sleep(0.1)


def _metric(served: Served, name: str, **labels: str) -> float:
    with urllib.request.urlopen(served.server + "/metrics", timeout=10) as r:
        text = r.read().decode()
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


class Load:
    """``clients`` threads, each sending ``GET /?sleep=S&n=<unique>`` on its own keep-alive connection."""

    def __init__(self, gateway, name: str, clients: int, sleep: float, host: str = HOST, burn: float = 0.0) -> None:
        self.gateway, self.name, self.sleep, self.host, self.burn = gateway, name, sleep, host, burn
        self.results: list[tuple[str, int, str]] = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._client, args=(i,), daemon=True) for i in range(clients)]

    def __enter__(self) -> Load:
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(30)

    def _client(self, index: int) -> None:
        conn = http.client.HTTPConnection(*self.gateway, timeout=30)
        i = 0
        while not self._stop.is_set():
            n = f"{self.name}-{index}-{i}"
            i += 1
            try:
                conn.request("GET", f"/?sleep={self.sleep}&burn={self.burn}&n={n}", headers={"Host": self.host})
                resp = conn.getresponse()
                self.results.append((n, resp.status, resp.read().decode()))
            except (OSError, http.client.HTTPException) as e:
                self.results.append((n, 0, repr(e)))
                conn.close()
                conn = http.client.HTTPConnection(*self.gateway, timeout=30)
        conn.close()

    def failures(self) -> list[tuple[str, int, str]]:
        return [r for r in self.results if r[1] != 200 or not r[2].rstrip().endswith(" " + r[0])]


def _served_counts(served: Served, name: str) -> Counter:
    """How many times the app logged each request id (``served n=...``), over every revision."""
    logs = served.ok("logs", "ksvc", name)
    return Counter(m.group(1) for m in re.finditer(r"served n=(\S+)", logs))


def test_load_scales_up_then_down_to_zero_without_failing_a_request(served: Served):
    rev = "sleepy-00001"
    with Load(served.gateway, "heavy", clients=10, sleep=0.3) as heavy:
        _wait_scale(served, rev, lambda n: n >= 3, timeout=20)
        peak = _pa(served, rev)
        time.sleep(1.0)
    assert peak["desiredScale"] >= 3
    table = served.ok("get", "kpa")
    header, *rows = (line.split() for line in table.splitlines())
    assert header == ["NAME", "DESIRED", "ACTUAL", "METRIC", "MODE", "READY"]
    assert any(row[0] == rev and row[3] == "concurrency" for row in rows), table

    # Lighter load while the revision scales back down: the instances that go must drain, not cut requests.
    with Load(served.gateway, "light", clients=2, sleep=0.3) as light:
        _wait_scale(served, rev, lambda n: n <= 2, timeout=30)
        time.sleep(1.0)
    idle_since = time.monotonic()
    zero_at = _wait_scale(served, rev, lambda n: n == 0, timeout=30)
    assert zero_at - idle_since >= 1.0  # not before the grace period (and the stable window) passed

    for load in (heavy, light):
        assert load.results and not load.failures(), load.failures()[:5]
    sent = [r[0] for r in heavy.results + light.results]
    served_counts = _served_counts(served, "sleepy")
    assert all(served_counts[n] == 1 for n in sent), [(n, served_counts[n]) for n in sent if served_counts[n] != 1][:5]
    events = served.ok("get", "events")
    assert re.search(rf"ScaleTargetChanged\s+podautoscaler/{rev}\s+desired scale 1 -> \d+", events), events
    assert re.search(rf"ScaleTargetChanged\s+podautoscaler/{rev}\s+desired scale \d+ -> 0", events), events
    assert _metric(served, "revision_request_count_total", revision_name=rev, response_code_class="2xx") >= len(sent)
    assert _metric(served, "revision_request_count_total", revision_name=rev, response_code_class="5xx") == 0


def test_a_cold_start_serves_every_concurrent_request_exactly_once(served: Served):
    rev = "sleepy-00001"
    _wait_scale(served, rev, lambda n: n == 0, timeout=30)
    before = _metric(served, "revision_request_count_total", revision_name=rev, response_code_class="2xx")

    def one(i: int) -> tuple[int, str]:
        conn = http.client.HTTPConnection(*served.gateway, timeout=30)
        try:
            conn.request("GET", f"/?sleep=0.2&n=cold-{i}", headers={"Host": HOST})
            resp = conn.getresponse()
            return resp.status, resp.read().decode()
        finally:
            conn.close()

    started = time.monotonic()
    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(one, range(20)))
    assert time.monotonic() - started < 10
    assert [status for status, _ in results] == [200] * 20
    assert [body.split()[2] for _, body in results] == [f"cold-{i}" for i in range(20)]
    counts = _served_counts(served, "sleepy")
    assert all(counts[f"cold-{i}"] == 1 for i in range(20)), counts
    after = _metric(served, "revision_request_count_total", revision_name=rev, response_code_class="2xx")
    assert after - before == 20
    assert _metric(served, "autoscaler_actual_pods", revision_name=rev) >= 1


def test_a_revision_switch_under_load_loses_nothing(served: Served):
    with Load(served.gateway, "switch", clients=3, sleep=0.1) as load:
        time.sleep(0.5)
        served.ok("apply", "-f", "-", input=service("sleepy", {"autoscaling.knative.dev/target": "2"}, env="2"))
        deadline = time.monotonic() + 60
        while not any(r[2].startswith("sleepy-00002") for r in load.results[-5:]):
            assert time.monotonic() < deadline, load.results[-5:]
            time.sleep(0.1)
        time.sleep(0.5)
    assert not load.failures(), load.failures()[:5]
    revisions = Counter(r[2].split()[0] for r in load.results)
    assert set(revisions) == {"sleepy-00001", "sleepy-00002"}, revisions
    counts = _served_counts(served, "sleepy")
    assert all(counts[r[0]] == 1 for r in load.results)


def test_requests_past_the_target_burst_capacity_get_503_and_the_rest_are_served(served: Served):
    ann = {"autoscaling.knative.dev/target-burst-capacity": "2", "autoscaling.knative.dev/min-scale": "1",
           "autoscaling.knative.dev/max-scale": "1"}
    served.ok("apply", "-f", "-", input=service("narrow", ann).replace("containerConcurrency: 4", "containerConcurrency: 1"))
    served.ok("wait", "ksvc", "narrow", "--for", "condition=Ready", "--timeout", "60s")
    host = "narrow.default.svc.cluster.local"

    def one(i: int) -> tuple[int, str]:
        time.sleep(0.3 * (i > 0))  # the first takes the only slot; the next two are held, the last is one too many
        conn = http.client.HTTPConnection(*served.gateway, timeout=30)
        try:
            conn.request("GET", f"/?sleep={1.5 if i == 0 else 0}&n=narrow-{i}", headers={"Host": host})
            resp = conn.getresponse()
            return resp.status, resp.read().decode()
        finally:
            conn.close()

    with ThreadPoolExecutor(4) as pool:
        first = pool.submit(one, 0)
        held = [pool.submit(one, i) for i in (1, 2)]
        time.sleep(0.6)
        status, body = one(3)
        assert status == 503, body
        assert "target-burst-capacity (2)" in body
        assert [f.result()[0] for f in (first, *held)] == [200, 200, 200]


def test_min_scale_keeps_instances_up_while_idle(served: Served):
    svc = json.loads(served.ok("get", "ksvc", "steady", "-o", "json"))
    created = svc["metadata"]["creationTimestamp"]
    # Idle well past the stable window and the grace period (usually already true after the tests above).
    age = time.time() - datetime.datetime.fromisoformat(created.replace("Z", "+00:00")).timestamp()
    time.sleep(max(0.0, 9.0 - age))
    status = _pa(served, "steady-00001")
    assert (status["desiredScale"], status["actualScale"]) == (2, 2)
    assert _metric(served, "autoscaler_actual_pods", revision_name="steady-00001") == 2


def test_hpa_class_scales_on_the_cpu_the_instances_burn_and_never_to_zero(served: Served):
    name = "burner"
    served.ok("apply", "-f", "-", input=service(name, {
        "autoscaling.knative.dev/class": "hpa.autoscaling.knative.dev",
        "autoscaling.knative.dev/metric": "cpu",
        "autoscaling.knative.dev/target": "30",
        "autoscaling.knative.dev/max-scale": "4",
    }))
    served.ok("wait", "ksvc", name, "--for", "condition=Ready", "--timeout", "60s")
    rev = f"{name}-00001"
    idle = _pa(served, rev)
    assert idle["desiredScale"] == 1  # the HPA class starts at one and never goes below

    host = f"{name}.default.svc.cluster.local"
    with Load(served.gateway, "burn", clients=3, sleep=0, host=host, burn=0.05) as load:
        _wait_scale(served, rev, lambda n: n >= 2, timeout=30)
        pa = _pa(served, rev)
    assert not load.failures(), load.failures()[:5]
    assert pa["desiredScale"] >= 2
    assert pa["annotations"]["autoscaling.pyknative.dev/metric"] == "cpu"
    events = served.ok("get", "events")
    assert re.search(rf"ScaleTargetChanged\s+podautoscaler/{rev}\s+desired scale [123] -> [234]: cpu [\d.]+% per instance", events), events

    # Idle: the scale-down stabilization keeps the scale for a while, and the class never goes to zero.
    time.sleep(3)
    assert _pa(served, rev)["desiredScale"] >= 1
    served.ok("delete", "ksvc", name)


def test_hpa_class_does_not_count_the_cpu_an_instance_burns_while_starting(served: Served):
    """Kubernetes' CPU initialization period: an idle revision whose interpreter burns CPU while it starts stays
    at one instance (before, its start-up CPU, counted, scaled it to two, whose start-up scaled it further)."""
    name = "slowstart"
    manifest = service(name, {
        "autoscaling.knative.dev/class": "hpa.autoscaling.knative.dev",
        "autoscaling.knative.dev/metric": "cpu",
        "autoscaling.knative.dev/target": "10",
        "autoscaling.knative.dev/max-scale": "4",
    }).replace('env: [{name: VERSION, value: "1"}]', 'env: [{name: VERSION, value: "1"}, {name: STARTUP_BURN, value: "0.5"}]')
    assert "STARTUP_BURN" in manifest
    served.ok("apply", "-f", "-", input=manifest)
    served.ok("wait", "ksvc", name, "--for", "condition=Ready", "--timeout", "60s")
    rev = f"{name}-00001"
    time.sleep(3)  # six autoscaler ticks, each measuring the new instance
    assert _pa(served, rev)["desiredScale"] == 1
    events = served.ok("get", "events")
    assert not re.search(rf"ScaleTargetChanged\s+podautoscaler/{rev}\s+desired scale 1 -> [2-9]", events), events
    served.ok("delete", "ksvc", name)
