"""Shared pieces of the autoscaling end-to-end tests: short windows, examples/sleepy as a Service, PodAutoscalers."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from tests.e2e.serve import Served

#: Knative's windows shortened so that scaling up, down and to zero happens within seconds
OPS = """\
config-autoscaler:
  stable-window: 6s
  scale-to-zero-grace-period: 1s
pyknative:
  autoscaler-tick: 0.5s
"""


def sleepy_service(name: str, annotations: dict[str, str], env: str = "1") -> str:
    """examples/sleepy as a Knative Service (containerConcurrency 4) with these template annotations."""
    ann = "".join(f"\n        {k}: {json.dumps(v)}" for k, v in annotations.items())
    return f"""
apiVersion: serving.knative.dev/v1
kind: Service
metadata: {{name: {name}}}
spec:
  template:
    metadata:
      annotations:{ann or " {}"}
    spec:
      containerConcurrency: 4
      containers:
        - image: sleepy
          command: [python3, app.py]
          workingDir: examples/sleepy
          env: [{{name: VERSION, value: "{env}"}}]
"""


def start_with_services(tmp: Path, services: dict[str, str], ops: str = OPS) -> Served:
    """`pyknative serve` with ``ops`` (:data:`OPS` by default), the ``services`` (name -> manifest) applied and
    Ready."""
    (tmp / "ops.yaml").write_text(ops)
    s = Served(tmp / "data", config=tmp / "ops.yaml").start()
    try:
        for manifest in services.values():
            s.ok("apply", "-f", "-", input=manifest)
        for name in services:
            s.ok("wait", "ksvc", name, "--for", "condition=Ready", "--timeout", "60s")
    except BaseException:
        s.stop()
        raise
    return s


def pa_status(served: Served, revision: str) -> dict:
    """The status of a revision's PodAutoscaler, from the admin API."""
    url = f"{served.server}/apis/autoscaling.internal.knative.dev/v1alpha1/namespaces/default/podautoscalers/{revision}"
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.loads(r.read()).get("status") or {}


def wait_pa(served: Served, revision: str, check: Callable[[dict], bool], timeout: float) -> dict:
    """Poll the PodAutoscaler's status until ``check(status)``; returns that status."""
    deadline = time.monotonic() + timeout
    while True:
        status = pa_status(served, revision)
        if check(status):
            return status
        assert time.monotonic() < deadline, f"{revision}: {status} after {timeout}s"
        time.sleep(0.1)
