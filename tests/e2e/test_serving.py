"""Serving end to end: a real `pyknative serve`, real Knative YAML through the real CLI, real requests."""

from __future__ import annotations

import http.client
import json
import time
from collections import Counter

import psutil
import pytest

from tests.e2e.serve import ROOT, Served, get

pytestmark = pytest.mark.slow

HOST = "hello.default.svc.cluster.local"


def _wait_ready(served: Served, name: str, timeout: str = "90s") -> dict:
    served.ok("wait", "ksvc", name, "--for", "condition=Ready", "--timeout", timeout)
    return json.loads(served.ok("get", "ksvc", name, "-o", "json"))


def _revision_counts(gateway, host: str, n: int) -> Counter:
    counts: Counter = Counter()
    conn = http.client.HTTPConnection(*gateway, timeout=30)
    try:
        for _ in range(n):
            conn.request("GET", "/", headers={"Host": host})
            resp = conn.getresponse()
            body = resp.read().decode()
            assert resp.status == 200, body
            counts[body.rsplit("(revision ", 1)[1].rstrip(")\n")] += 1
    finally:
        conn.close()
    return counts


def test_hello_revisions_split_and_tag(served: Served):
    out = served.ok("apply", "-f", "examples/hello/service.yaml")
    assert "service.serving.knative.dev/hello created" in out
    svc = _wait_ready(served, "hello")
    assert svc["status"]["url"] == f"http://{HOST}"
    assert svc["status"]["latestReadyRevisionName"] == "hello-00001"
    table = served.ok("get", "ksvc")
    assert table.split("\n")[0].split()[:4] == ["NAME", "URL", "LATEST", "READY"]
    assert f"hello   http://{HOST}   hello-00001   True".split() == table.split("\n")[1].split()[:4]
    assert get(served.gateway, HOST) == (200, "Hello World! (revision hello-00001)\n")

    served.ok("apply", "-f", "examples/hello/split.yaml")
    deadline = time.monotonic() + 90
    while True:
        svc = _wait_ready(served, "hello")
        if svc["status"].get("latestReadyRevisionName") == "hello-00002" and svc["status"]["observedGeneration"] == 2:
            break
        assert time.monotonic() < deadline, svc["status"]
        time.sleep(0.2)
    traffic = {(t.get("tag"), t["revisionName"], t["percent"]) for t in svc["status"]["traffic"]}
    assert traffic == {(None, "hello-00002", 80), ("old", "hello-00001", 20)}
    old_url = next(t["url"] for t in svc["status"]["traffic"] if t.get("tag") == "old")
    assert old_url == "http://old-hello.default.svc.cluster.local"

    counts = _revision_counts(served.gateway, HOST, 2000)
    share = 100 * counts["hello-00002"] / 2000
    assert set(counts) == {"hello-00001", "hello-00002"}
    assert 77 <= share <= 83, counts
    assert _revision_counts(served.gateway, "old-hello.default.svc.cluster.local", 200) == Counter({"hello-00001": 200})
    assert get(served.gateway, HOST)[1].startswith(("Hello Knative!", "Hello World!"))

    revs = served.ok("get", "rev")
    assert "hello-00001" in revs and "hello-00002" in revs
    logs = served.ok("logs", "ksvc", "hello", "--revision", "hello-00002")
    assert "hello listening on" in logs


def test_unknown_host_is_404_with_a_body(served: Served):
    status, body = get(served.gateway, "nope.default.svc.cluster.local")
    assert status == 404 and "nope.default.svc.cluster.local" in body


INVALID = """
apiVersion: serving.knative.dev/v1
kind: Service
metadata: {name: fine}
spec:
  template:
    spec:
      containers: [{image: x, command: [python3, app.py]}]
---
apiVersion: serving.knative.dev/v1
kind: Service
metadata: {name: broken}
spec:
  template:
    spec:
      containerConcurrency: -1
      containers: [{command: [x]}]
  traffic:
    - latestRevision: true
      percent: 70
    - latestRevision: true
      percent: 150
      tag: a
"""


def test_invalid_apply_shows_every_error_and_stores_nothing(served: Served):
    res = served.cli("apply", "-f", "-", input=INVALID)
    assert res.returncode != 0
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    for want in (
        "spec.template.spec.containerConcurrency: must be in [0, 1000], got -1",
        "spec.template.spec.containers[0].image: required",
        "spec.traffic[1].percent: must be in [0, 100], got 150",
        "spec.traffic: percents sum to 70, want 100",
    ):
        assert any(want in line for line in lines), (want, lines)
    assert len([line for line in lines if "broken" in line]) >= 4, lines
    missing = served.cli("get", "ksvc", "fine")
    assert missing.returncode != 0 and "not found" in (missing.stderr + missing.stdout).lower()


IMAGE_ONLY = """
apiVersion: serving.knative.dev/v1
kind: Service
metadata: {name: imageonly}
spec:
  template:
    spec:
      containers: [{image: ghcr.io/knative/helloworld-go:latest}]
"""

CRASHING = """
apiVersion: serving.knative.dev/v1
kind: Service
metadata: {name: crasher}
spec:
  template:
    spec:
      containers:
        - image: x
          command: [python3, -c, "import sys; print('bad config', flush=True); sys.exit(3)"]
"""


def _revision_condition(served: Served, rev: str, ctype: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        res = served.cli("get", "rev", rev, "-o", "json")
        if res.returncode == 0:
            conds = {c["type"]: c for c in json.loads(res.stdout).get("status", {}).get("conditions", [])}
            c = conds.get(ctype)
            if c and c["status"] == "False":
                return c
        assert time.monotonic() < deadline, res.stdout
        time.sleep(0.2)


def test_image_only_container_without_an_engine_says_how_to_get_one(tmp_path):
    # No engine answers at DOCKER_HOST: the container runtime (installed in this workspace) cannot run the image.
    served = Served(tmp_path, env={"DOCKER_HOST": f"unix://{tmp_path}/no-engine.sock"}).start()
    try:
        served.ok("apply", "-f", "-", input=IMAGE_ONLY)
        c = _revision_condition(served, "imageonly-00001", "ResourcesAvailable")
        assert c["reason"] == "ContainerEngineUnavailable"
        assert "ghcr.io/knative/helloworld-go:latest" in c["message"]
        assert "apt install podman" in c["message"] and "command:" in c["message"]
        res = served.cli("wait", "ksvc", "imageonly", "--for", "condition=Ready", "--timeout", "2s")
        assert res.returncode != 0
    finally:
        served.stop()


def test_crashing_container_reports_its_exit_code(served: Served):
    served.ok("apply", "-f", "-", input=CRASHING)
    c = _revision_condition(served, "crasher-00001", "ContainerHealthy")
    assert c["reason"] == "ExitCode3"
    assert "3" in c["message"]


def test_restart_keeps_resources_and_serves_again(tmp_path):
    first = Served(tmp_path).start()
    try:
        first.ok("apply", "-f", str(ROOT / "examples/hello/service.yaml"))
        first.ok("wait", "ksvc", "hello", "--for", "condition=Ready", "--timeout", "90s")
        assert get(first.gateway, HOST)[0] == 200
        uid = json.loads(first.ok("get", "ksvc", "hello", "-o", "json"))["metadata"]["uid"]
        children = psutil.Process(first.proc.pid).children(recursive=True)
        assert children, "the revision's instance should be a child process of pyknative serve"
    finally:
        assert first.stop() == 0
    gone, alive = psutil.wait_procs(children, timeout=5)
    assert not alive, f"instances outlived pyknative serve: {alive}"
    assert not any("Traceback" in line for line in first.output), "\n".join(first.output)

    second = Served(tmp_path).start()
    try:
        svc = json.loads(second.ok("get", "ksvc", "hello", "-o", "json"))
        assert svc["metadata"]["uid"] == uid
        deadline = time.monotonic() + 60
        while True:
            status, body = get(second.gateway, HOST)
            if status == 200:
                break
            assert time.monotonic() < deadline, (status, body)
            time.sleep(0.2)
        assert body == "Hello World! (revision hello-00001)\n"
        second.ok("wait", "ksvc", "hello", "--for", "condition=Ready", "--timeout", "60s")
    finally:
        second.stop()
