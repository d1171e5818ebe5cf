"""Image-only Knative YAML end to end on a real Podman: Knative's hello-world Service unmodified (its image a
locally built stand-in), an 80/20 split with a tag, scale to zero and back, a missing image, and `kill -9` of the
platform followed by a restart."""

from __future__ import annotations

import json
import signal
import time
from collections import Counter

import pytest
from pyknative_runtime_container.resources import INSTANCE_LABEL, PLATFORM_LABEL, platform_key

from tests.e2e.scaling import OPS
from tests.e2e.serve import Served, get

pytestmark = pytest.mark.slow

HOST = "hello.default.svc.cluster.local"
OLD = "old-hello.default.svc.cluster.local"

#: Knative's docs' first Service, as written there
HELLO = """
apiVersion: serving.knative.dev/v1
kind: Service
metadata:
  name: hello
spec:
  template:
    spec:
      containers:
        - image: ghcr.io/knative/helloworld-go
          ports:
            - containerPort: 8080
          env:
            - name: TARGET
              value: "World"
"""

#: a new revision with a new TARGET, 80/20 with the first, which gets the tag `old`
SPLIT = HELLO.replace('value: "World"', 'value: "Knative"') + """\
  traffic:
    - latestRevision: true
      percent: 80
    - revisionName: hello-00001
      percent: 20
      tag: old
"""

MISSING = """
apiVersion: serving.knative.dev/v1
kind: Service
metadata:
  name: missing
spec:
  template:
    spec:
      containers:
        - image: localhost/no-such-image:1
"""


def _containers(podman, served: Served, *labels: str) -> list[str]:
    return podman.containers(f"{PLATFORM_LABEL}={platform_key(served.data_dir)}", *labels)


def _instances(podman, served: Served) -> set[str]:
    names = _containers(podman, served)
    if not names:
        return set()
    out = podman.run("inspect", "--format", f'{{{{index .Config.Labels "{INSTANCE_LABEL}"}}}}', *names).stdout
    return set(out.split())


def _until(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def _condition(served: Served, kind: str, name: str, type_: str) -> dict:
    obj = json.loads(served.ok("get", kind, name, "-o", "json"))
    return next((c for c in (obj.get("status") or {}).get("conditions") or () if c["type"] == type_), {})


@pytest.fixture
def platform(podman, tmp_path):
    (tmp_path / "ops.yaml").write_text(OPS + f"config-container:\n  engine-host: {podman.url}\n")
    served = Served(tmp_path / "data", config=tmp_path / "ops.yaml").start()
    yield served
    served.stop()
    assert _containers(podman, served) == [], "containers outlived the platform"


def test_hello_world_image_split_tag_scale_to_zero_missing_image_and_crash(platform: Served, podman, tmp_path):
    served = platform
    served.apply(HELLO)
    served.ok("wait", "ksvc", "hello", "--for", "condition=Ready", "--timeout", "90s")
    assert get(served.gateway, HOST) == (200, "Hello World!\n")
    rev = json.loads(served.ok("get", "rev", "hello-00001", "-o", "json"))
    assert rev["status"]["containerStatuses"][0]["imageDigest"].startswith("ghcr.io/knative/helloworld-go@sha256:")
    assert "container" in served.ok("get", "rev", "hello-00001").split("\n")[1].split()
    # the container's own output, through `pyknative logs`
    _until(lambda: "helloworld: answered GET / for World" in served.ok("logs", "ksvc", "hello"), 30, "logs")

    served.apply(SPLIT)
    _until(lambda: json.loads(served.ok("get", "ksvc", "hello", "-o", "json"))["status"].get(
        "latestReadyRevisionName") == "hello-00002", 90, "hello-00002 ready")
    served.ok("wait", "ksvc", "hello", "--for", "condition=Ready", "--timeout", "90s")
    counts = Counter(get(served.gateway, HOST)[1] for _ in range(200))
    assert set(counts) == {"Hello Knative!\n", "Hello World!\n"}
    assert 120 <= counts["Hello Knative!\n"] <= 190, counts  # 80% of 200, loosely
    assert get(served.gateway, OLD) == (200, "Hello World!\n")

    # A missing image: ErrImagePull on the Revision, and hello keeps answering.
    served.apply(MISSING)
    cond = _until(lambda: (c := _condition(served, "rev", "missing-00001", "ContainerHealthy")).get(
        "reason") in ("ErrImagePull", "ImagePullBackOff") and c, 60, "ErrImagePull")
    assert cond["status"] == "False" and "localhost/no-such-image:1" in cond["message"]
    assert get(served.gateway, HOST)[0] == 200

    # Scale to zero: the old revision's containers go; a request at zero starts one and is answered.
    _until(lambda: not _containers(podman, served, "serving.knative.dev/revision=hello-00001"), 60, "zero")
    assert get(served.gateway, OLD, timeout=60) == (200, "Hello World!\n")
    assert _containers(podman, served, "serving.knative.dev/revision=hello-00001")

    # kill -9: the containers stay behind until the next start, which removes them and starts what it needs.
    before = _instances(podman, served)
    assert before
    served.stop(signal.SIGKILL)
    assert _instances(podman, served) == before
    served.start()
    assert get(served.gateway, HOST, timeout=60)[0] == 200
    after = _instances(podman, served)
    assert after and not (after & before), (before, after)
    names = _containers(podman, served)
    assert len(names) == len(after)  # one container per instance, nothing else
