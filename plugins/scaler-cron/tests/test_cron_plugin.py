"""The entry point: discovered by the core's loader, answering the floor and admission hooks; a bad schedule
refused by the core's admission with its field path, on the real platform."""

from __future__ import annotations

import json

from _cron_helpers import KEY, at

from pyknative import plugins
from pyknative.api.kinds import admit
from pyknative.api.serving import Service
from pyknative.errors import ValidationError
from pyknative.platform import Platform
from pyknative.scaling import ScaleFloor, ScaleInput

SCHEDULES = json.dumps([{"schedule": "0 9 * * *", "timezone": "Europe/Paris", "replicas": 2, "duration": "2h"}])


def scale_input(annotations, wall) -> ScaleInput:
    return ScaleInput(key="default/hello-00001", annotations=annotations, config={}, container_concurrency=0,
                      samples=(), ready=0, current_desired=0, pending_requests=0, now=0.0, wall=wall)


def test_entry_point_is_discovered_in_the_scaler_group():
    records = [r for r in plugins.report(plugins.load()) if r["role"] == "scaler" and r["name"] == "cron"]
    assert len(records) == 1, records
    assert records[0]["status"] == "loaded", records[0]["error"]
    assert records[0]["distribution"] == "pyknative-scaler-cron"
    assert records[0]["provides"] == []  # it serves no class: `pod-autoscaler-class: cron` stays an error


async def test_the_platform_gathers_the_floor_from_the_hook():
    platform = Platform.from_config(None)
    inside = await platform.scale_floors(scale_input({KEY: SCHEDULES}, at("2024-06-03T09:30:00+02:00")))
    assert [f for f in inside if f is not None] == [
        ScaleFloor(2, 'scheduled floor 2 from "0 9 * * *" Europe/Paris for 2h since 2024-06-03T09:00:00+02:00')
    ]
    outside = await platform.scale_floors(scale_input({KEY: SCHEDULES}, at("2024-06-03T11:30:00+02:00")))
    assert [f for f in outside if f is not None] == []


def _service(annotations) -> Service:
    return Service.from_dict({
        "apiVersion": "serving.knative.dev/v1", "kind": "Service", "metadata": {"name": "hello", "namespace": "default"},
        "spec": {"template": {"metadata": {"annotations": annotations},
                              "spec": {"containers": [{"image": "x", "command": ["app"]}]}}},
    })


async def test_a_bad_schedule_is_an_admission_error_naming_the_field_with_kpa_and_hpa():
    platform = Platform.from_config(None)
    bad = json.dumps([{"schedule": "0 9 * *", "replicas": 2, "duration": "2h"}])
    for cls in ("kpa.autoscaling.knative.dev", "hpa.autoscaling.knative.dev"):
        ann = {"autoscaling.knative.dev/class": cls, KEY: bad}
        try:
            await admit(platform.kinds, _service(ann), None, platform.admission())
        except ValidationError as e:
            assert [str(x) for x in e.errors] == [
                f"spec.template.metadata.annotations[{KEY}][0].schedule: invalid cron expression '0 9 * *': "
                "want 5 fields (minute hour day-of-month month day-of-week), got 4"
            ]
        else:
            raise AssertionError(f"{cls}: a bad schedule was admitted")
    good = {KEY: SCHEDULES}
    assert (await admit(platform.kinds, _service(good), None, platform.admission())).name == "hello"
