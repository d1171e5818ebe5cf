"""``initial-scale: "0"`` end to end: with ``allow-zero-initial-scale`` the Service becomes Ready without starting
an instance, its Revision inactive (``Active=False NoTraffic``) as in Knative, and the first request starts one.
"""

from __future__ import annotations

import json

import pytest

from tests.e2e.scaling import OPS, pa_status, sleepy_service, start_with_services, wait_pa
from tests.e2e.serve import Served, get

pytestmark = pytest.mark.slow

ZERO_OPS = OPS.replace("config-autoscaler:\n", 'config-autoscaler:\n  allow-zero-initial-scale: "true"\n')


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    s = start_with_services(
        tmp_path_factory.mktemp("initial-scale"),
        {"lazy": sleepy_service("lazy", {"autoscaling.knative.dev/initial-scale": "0"})},
        ops=ZERO_OPS,
    )
    yield s
    s.stop()


def _condition(obj: dict, type_: str) -> tuple[str, str | None]:
    c = next(c for c in obj["status"]["conditions"] if c["type"] == type_)
    return c["status"], c.get("reason")


def test_initial_scale_zero_is_ready_without_an_instance_and_the_first_request_starts_one(served: Served):
    # `start_with_services` waited for the Service to be Ready: no instance was ever started for it
    rev = json.loads(served.ok("get", "revision", "lazy-00001", "-o", "json"))
    assert _condition(rev, "Ready") == ("True", None)
    assert _condition(rev, "Active") == ("False", "NoTraffic")
    status = pa_status(served, "lazy-00001")
    assert (status.get("desiredScale"), status.get("actualScale")) == (0, 0)
    assert "served n=" not in served.ok("logs", "ksvc", "lazy")

    code, body = get(served.gateway, "lazy.default.svc.cluster.local", "/?sleep=0&n=first")
    assert code == 200 and body.rstrip().endswith(" first"), body
    wait_pa(served, "lazy-00001", lambda s: (s.get("actualScale") or 0) >= 1, timeout=30)
    rev = json.loads(served.ok("get", "revision", "lazy-00001", "-o", "json"))
    assert _condition(rev, "Active") == ("True", None)
