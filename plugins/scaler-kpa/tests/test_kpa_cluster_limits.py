"""config-autoscaler on a real, started platform with the KPA: the cluster's limits refused through the admin API
(422 Status naming each annotation, next to the KPA's own checks), and ``activation-scale`` reaching the KPA."""

from __future__ import annotations

import aiohttp
import pytest
from pyknative_scaler_kpa import KPAScaler

from pyknative.api.kinds import admit
from pyknative.api.serving import Service
from pyknative.platform import Platform
from pyknative.scaling import ScaleInput

A = "autoscaling.knative.dev/"
ANN = "spec.template.metadata.annotations"
SERVICES = "/apis/serving.knative.dev/v1/namespaces/default/services"


def _ops(data_dir) -> str:
    return f"""\
config-autoscaler:
  max-scale-limit: "10"
  max-scale: "5"
  activation-scale: "3"
pyknative:
  data-dir: {data_dir}
  gateway-port: "0"
  admin-port: "0"
  eventing-port: "0"
"""


def _service(annotations: dict[str, str]) -> dict:
    return {
        "apiVersion": "serving.knative.dev/v1", "kind": "Service", "metadata": {"name": "hello", "namespace": "default"},
        "spec": {"template": {"metadata": {"annotations": {A + k: v for k, v in annotations.items()}},
                              "spec": {"containers": [{"image": "x", "command": ["app"]}]}}},
    }


@pytest.fixture
async def platform(tmp_path):
    ops = tmp_path / "ops.yaml"
    ops.write_text(_ops(tmp_path / "data"))
    p = Platform.from_config(ops)
    await p.start()
    try:
        yield p
    finally:
        await p.stop()


async def test_cluster_limits_are_a_422_from_the_admin_api_and_activation_scale_reaches_the_kpa(platform):
    host, port = platform.admin_address
    bad = _service({"max-scale": "50", "initial-scale": "0", "window": "5s"})
    async with aiohttp.ClientSession() as session:
        async with session.post(f"http://{host}:{port}{SERVICES}", json=bad) as r:
            assert r.status == 422
            body = await r.json()
        assert body["kind"] == "Status" and body["reason"] == "Invalid"
        causes = {c["field"]: c["message"] for c in body["details"]["causes"]}
        assert causes == {
            f"{ANN}[{A}window]": "value 5s is out of bounds: must be between 6s and 3600s",  # the KPA's check
            f"{ANN}[{A}max-scale]": "value 50 is out of bounds: must be in [1, 10] (config-autoscaler max-scale-limit)",
            f"{ANN}[{A}initial-scale]": "invalid value '0': initial-scale=0 is not allowed by the cluster "
                                        "(config-autoscaler allow-zero-initial-scale is false)",
        }
        unlimited = _service({"max-scale": "0"})
        async with session.post(f"http://{host}:{port}{SERVICES}", json=unlimited) as r:
            assert r.status == 422
            assert [c["field"] for c in (await r.json())["details"]["causes"]] == [f"{ANN}[{A}max-scale]"]
        async with session.get(f"http://{host}:{port}{SERVICES}") as r:
            assert (await r.json())["items"] == []

    # within the limit the same admission passes
    ok = Service.from_dict(_service({"max-scale": "10", "initial-scale": "2"}))
    assert (await admit(platform.kinds, ok, None, platform.admission())).name == "hello"

    # config-autoscaler's activation-scale is what the KPA uses when the revision has no annotation
    def spec(annotations):
        return KPAScaler().spec(ScaleInput(
            key="default/hello-00001", annotations=annotations, config=platform.autoscaler_config(),
            container_concurrency=0, samples=(), ready=0, current_desired=0, pending_requests=0, now=0.0,
        ))

    assert spec({}).activation_scale == 3
    assert spec({A + "activation-scale": "2"}).activation_scale == 2
