"""A scaler plugin installed as its own distribution, selected by ``autoscaling.knative.dev/class``.

The plugin is the one docs/plugins.md shows: a distribution (a ``.dist-info`` with an entry point in
``pyknative.scaler``) and a module, put on the ``PYTHONPATH`` of a real `pyknative serve`.
"""

from __future__ import annotations

import json
import textwrap
import time

import pytest

from tests.e2e.serve import Served

pytestmark = pytest.mark.slow

PLUGIN = '''
from pyknative import FieldError, hookimpl
from pyknative.scaling import ScaleDecision, ScaleInput

REPLICAS = "example.com/replicas"


class FixedScaler:
    autoscaler_class = "fixed.example.com"

    def decide(self, inp: ScaleInput, state) -> ScaleDecision:
        n = int(inp.annotations.get(REPLICAS, "1"))
        return ScaleDecision(desired=n, mode="fixed", metric="none", reason=f"{REPLICAS} is {n}")

    def validate(self, annotations, path):
        value = annotations.get(REPLICAS, "1")
        if not value.isdigit():
            return [FieldError(f"{path}[{REPLICAS}]", f"must be a whole number, got {value!r}")]
        return []


class _Plugin:
    @hookimpl
    def pyknative_provides(self):
        return {"scaler": [FixedScaler.autoscaler_class]}

    @hookimpl
    def pyknative_make_scaler(self, autoscaler_class):
        return FixedScaler() if autoscaler_class == FixedScaler.autoscaler_class else None


plugin = _Plugin()
'''


def service(replicas: str, cls: str = "fixed.example.com") -> str:
    return textwrap.dedent(f"""
        apiVersion: serving.knative.dev/v1
        kind: Service
        metadata: {{name: fixed}}
        spec:
          template:
            metadata:
              annotations:
                autoscaling.knative.dev/class: {cls}
                example.com/replicas: "{replicas}"
            spec:
              containers:
                - image: sleepy
                  command: [python3, app.py]
                  workingDir: examples/sleepy
        """)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    site = tmp_path_factory.mktemp("site")
    dist = site / "pyknative_scaler_fixed-0.1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: pyknative-scaler-fixed\nVersion: 0.1.0\n")
    (dist / "entry_points.txt").write_text("[pyknative.scaler]\nfixed = pyknative_scaler_fixed:plugin\n")
    (site / "pyknative_scaler_fixed.py").write_text(PLUGIN)
    env = {"PYTHONPATH": str(site), "XDG_CACHE_HOME": str(site / "cache")}  # stevedore caches entry points there
    s = Served(tmp_path_factory.mktemp("data"), env=env).start()
    yield s
    s.stop()


def test_a_custom_scaler_plugin_scales_the_revisions_of_its_class(served: Served):
    served.ok("apply", "-f", "-", input=service("3"))
    served.ok("wait", "ksvc", "fixed", "--for", "condition=Ready", "--timeout", "60s")
    deadline = time.monotonic() + 30
    while True:
        rows = [line.split() for line in served.ok("get", "kpa").splitlines()[1:]]
        row = next(r for r in rows if r[0] == "fixed-00001")
        if row[1:5] == ["3", "3", "none", "fixed"]:
            break
        assert time.monotonic() < deadline, row
        time.sleep(0.3)
    pa = json.loads(served.ok("get", "kpa", "fixed-00001", "-o", "json"))
    assert pa["metadata"]["annotations"]["autoscaling.knative.dev/class"] == "fixed.example.com"
    assert "desired scale 0 -> 3: example.com/replicas is 3" in served.ok("get", "events")


def test_the_class_plugin_validates_its_annotations_at_admission(served: Served):
    res = served.cli("apply", "-f", "-", input=service("three").replace("name: fixed", "name: bad"))
    assert res.returncode != 0
    assert "spec.template.metadata.annotations[example.com/replicas]: must be a whole number, got 'three'" in res.stderr
    res = served.cli("apply", "-f", "-", input=service("1", cls="nobody.example.com").replace("name: fixed", "name: bad"))
    assert res.returncode != 0
    assert ("spec.template.metadata.annotations[autoscaling.knative.dev/class]: autoscaler class "
            "'nobody.example.com' is not provided by any installed plugin") in res.stderr
    assert served.cli("get", "ksvc", "bad").returncode != 0
