"""``GET /metrics``: per-revision figures in Prometheus text format, collected at scrape time."""

from __future__ import annotations

import aiohttp
from aiohttp import web
from prometheus_client.parser import text_string_to_metric_families

from pyknative.admin.app import start_api_server
from pyknative.admin.metrics import RevisionMetrics, add_metrics_route
from pyknative.dataplane.queue import LATENCY_BUCKETS

LABELS = {"namespace_name": "default", "service_name": "hello", "configuration_name": "hello", "revision_name": "hello-00001"}


async def _scrape(source) -> tuple[str, dict]:
    app = web.Application()
    add_metrics_route(app, source)
    runner, (host, port) = await start_api_server(app)
    try:
        async with aiohttp.ClientSession() as s, s.get(f"http://{host}:{port}/metrics") as r:
            assert r.status == 200
            return r.headers["Content-Type"], _samples(await r.text())
    finally:
        await runner.cleanup()


def _samples(text: str) -> dict:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def _key(name: str, **extra: str) -> tuple:
    return (name, tuple(sorted({**LABELS, **extra}.items())))


async def test_metrics_export_each_revision_at_scrape_time():
    latency = [0] * (len(LATENCY_BUCKETS) + 1)
    latency[LATENCY_BUCKETS.index(0.01)] = 7
    latency[-1] = 1
    scrapes = []

    def source():
        scrapes.append(1)
        return [
            RevisionMetrics(
                namespace="default", revision="hello-00001", service="hello", configuration="hello",
                desired=3, actual=2, stable_concurrency=4.5, panic_concurrency=9.0, stable_rps=20.0, panic_rps=41.5,
                panic_mode=True, metric="concurrency", target=7.0, excess_burst_capacity=-200.0, in_flight=5, held=1,
                responses=(0, 0, 6, 0, 1, 1), latency_counts=tuple(latency), latency_sum=400.5,
            )
        ]

    content_type, got = await _scrape(source)
    assert content_type.startswith("text/plain")
    assert scrapes == [1]
    assert got[_key("autoscaler_desired_pods")] == 3 and got[_key("autoscaler_actual_pods")] == 2
    assert got[_key("autoscaler_stable_request_concurrency")] == 4.5
    assert got[_key("autoscaler_panic_request_concurrency")] == 9.0
    assert got[_key("autoscaler_stable_requests_per_second")] == 20.0
    assert got[_key("autoscaler_panic_requests_per_second")] == 41.5
    assert got[_key("autoscaler_panic_mode")] == 1.0
    assert got[_key("autoscaler_target_concurrency_per_pod")] == 7.0
    assert _key("autoscaler_target_requests_per_second") not in got
    assert got[_key("autoscaler_excess_burst_capacity")] == -200.0
    assert got[_key("revision_request_concurrency")] == 5 and got[_key("revision_queue_depth")] == 1
    assert got[_key("revision_request_count_total", response_code_class="2xx")] == 6
    assert got[_key("revision_request_count_total", response_code_class="5xx")] == 1
    assert got[_key("revision_request_latency_seconds_bucket", le="0.005")] == 0
    assert got[_key("revision_request_latency_seconds_bucket", le="0.01")] == 7
    assert got[_key("revision_request_latency_seconds_bucket", le="300.0")] == 7
    assert got[_key("revision_request_latency_seconds_bucket", le="+Inf")] == 8
    assert got[_key("revision_request_latency_seconds_count")] == 8
    assert got[_key("revision_request_latency_seconds_sum")] == 400.5


async def test_a_revision_before_its_first_decision_has_no_decision_series():
    _, got = await _scrape(lambda: [RevisionMetrics(namespace="default", revision="hello-00001", service="hello", configuration="hello")])
    assert got[_key("autoscaler_actual_pods")] == 0
    assert _key("autoscaler_desired_pods") not in got and _key("autoscaler_panic_mode") not in got
