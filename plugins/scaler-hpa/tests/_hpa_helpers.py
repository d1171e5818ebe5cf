"""Builders for HPA ScaleInputs shared by the HPA tests."""

from __future__ import annotations

from collections.abc import Mapping

from pyknative.scaling import ScaleInput

NOW = 1000.0
A = "autoscaling.knative.dev/"
MI = 1024 * 1024


def make_input(
    *,
    cpu: float | None = None,
    memory_mi: float | None = None,
    request: float | None = None,
    ready: int = 1,
    current: int | None = None,
    annotations: Mapping[str, str] | None = None,
    config: Mapping[str, str] | None = None,
    reachable: bool = True,
    now: float = NOW,
) -> ScaleInput:
    resources: dict[str, float] = {}
    if cpu is not None:
        resources["cpu_percent"] = cpu
    if memory_mi is not None:
        resources["memory_bytes"] = memory_mi * MI
    if request is not None:
        resources["cpu_request_cores"] = request
    return ScaleInput(
        key="default/hello-00001",
        annotations={A + key: value for key, value in (annotations or {}).items()},
        config=dict(config or {}),
        container_concurrency=0,
        samples=(),
        ready=ready,
        current_desired=ready if current is None else current,
        pending_requests=0,
        now=now,
        reachable=reachable,
        resources=resources,
    )
