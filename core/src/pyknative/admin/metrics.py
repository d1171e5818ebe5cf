"""``GET /metrics`` on the admin server: per-revision autoscaling and request metrics in Prometheus text format.

Nothing here runs per request: the gateway counts with plain ints (:class:`pyknative.dataplane.queue.
RevisionCounters`) and the platform hands a snapshot of every revision (:class:`RevisionMetrics`) to
:class:`RevisionCollector`, a custom ``prometheus_client`` collector called only at scrape time. Names follow
Knative's autoscaler (``autoscaler_*``) and request (``revision_request_*``) metrics; every series carries
``namespace_name``, ``service_name``, ``configuration_name`` and ``revision_name``.

Event sources' sends are counted by their senders (:class:`pyknative.sources.sender.SourceCounters`) and
published by :class:`SourceCollector` as ``source_events_total`` with ``namespace_name``, ``name``,
``resource_group`` (``pingsources.sources.knative.dev``, as Knative's adapters tag theirs) and ``result``
(``delivered``, ``dead-lettered``, ``failed``: dropped after the last retry).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import attrs
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.utils import floatToGoString

from pyknative.dataplane.queue import LATENCY_BUCKETS

LABELS = ("namespace_name", "service_name", "configuration_name", "revision_name")
_CODE_CLASSES = ("", "1xx", "2xx", "3xx", "4xx", "5xx")


@attrs.frozen
class RevisionMetrics:
    """One revision's figures at scrape time (windows as its autoscaler sees them)."""

    namespace: str
    revision: str
    service: str = ""
    configuration: str = ""
    #: scale the autoscaler asked for (None before its first decision) and ready instances
    desired: int | None = None
    actual: int = 0
    stable_window: float = 60.0
    panic_window: float = 6.0
    stable_concurrency: float = 0.0
    panic_concurrency: float = 0.0
    stable_rps: float = 0.0
    panic_rps: float = 0.0
    #: from the scaler's last decision (None before the first)
    panic_mode: bool | None = None
    metric: str = ""
    target: float | None = None
    excess_burst_capacity: float | None = None
    #: requests in the gateway now (held ones included) and the held part of them
    in_flight: int = 0
    held: int = 0
    #: finished requests by status class, index 1 (1xx) to 5 (5xx)
    responses: tuple[int, ...] = (0,) * 6
    #: finished requests per LATENCY_BUCKETS bucket (+Inf last), not cumulative, and their total seconds
    latency_counts: tuple[int, ...] = (0,) * (len(LATENCY_BUCKETS) + 1)
    latency_sum: float = 0.0

    @property
    def labels(self) -> list[str]:
        return [self.namespace, self.service, self.configuration, self.revision]


@attrs.define(eq=False)
class RevisionCollector:
    """A ``prometheus_client`` collector over ``source()``, which is called once per scrape."""

    source: Callable[[], Iterable[RevisionMetrics]]

    def collect(self) -> Iterator[Metric]:
        revisions = list(self.source())

        def gauge(name: str, doc: str, value: Callable[[RevisionMetrics], float | None]) -> GaugeMetricFamily:
            family = GaugeMetricFamily(name, doc, labels=LABELS)
            for r in revisions:
                v = value(r)
                if v is not None:
                    family.add_metric(r.labels, float(v))
            return family

        yield gauge("autoscaler_desired_pods", "Instances the autoscaler asked for", lambda r: r.desired)
        yield gauge("autoscaler_actual_pods", "Instances ready to serve", lambda r: r.actual)
        yield gauge(
            "autoscaler_stable_request_concurrency",
            "Average requests in flight over the stable window",
            lambda r: r.stable_concurrency,
        )
        yield gauge(
            "autoscaler_panic_request_concurrency",
            "Average requests in flight over the panic window",
            lambda r: r.panic_concurrency,
        )
        yield gauge(
            "autoscaler_stable_requests_per_second", "Requests per second over the stable window", lambda r: r.stable_rps
        )
        yield gauge(
            "autoscaler_panic_requests_per_second", "Requests per second over the panic window", lambda r: r.panic_rps
        )
        yield gauge("autoscaler_stable_window_seconds", "Length of the stable window", lambda r: r.stable_window)
        yield gauge("autoscaler_panic_window_seconds", "Length of the panic window", lambda r: r.panic_window)
        yield gauge(
            "autoscaler_panic_mode",
            "1 while the autoscaler is in panic mode",
            lambda r: None if r.panic_mode is None else float(r.panic_mode),
        )
        yield gauge(
            "autoscaler_target_concurrency_per_pod",
            "The concurrency target per instance",
            lambda r: r.target if r.metric == "concurrency" else None,
        )
        yield gauge(
            "autoscaler_target_requests_per_second",
            "The requests-per-second target per instance",
            lambda r: r.target if r.metric == "rps" else None,
        )
        yield gauge(
            "autoscaler_excess_burst_capacity",
            "Spare capacity beyond the target burst capacity; negative keeps the activator in the request path",
            lambda r: r.excess_burst_capacity,
        )
        yield gauge("revision_request_concurrency", "Requests in the gateway now, held ones included", lambda r: r.in_flight)
        yield gauge("revision_queue_depth", "Requests held: waiting for an instance or a free slot", lambda r: r.held)

        counts = CounterMetricFamily(
            "revision_request_count", "Requests answered, by status class", labels=(*LABELS, "response_code_class")
        )
        for r in revisions:
            for i in range(1, 6):
                counts.add_metric([*r.labels, _CODE_CLASSES[i]], float(r.responses[i]))
        yield counts

        latencies = HistogramMetricFamily(
            "revision_request_latency_seconds", "Time from request arrival to the end of its response", labels=LABELS
        )
        for r in revisions:
            cumulative, buckets = 0, []
            for bound, n in zip((*LATENCY_BUCKETS, float("inf")), r.latency_counts, strict=True):
                cumulative += n
                buckets.append((_bound(bound), float(cumulative)))
            latencies.add_metric(r.labels, buckets, sum_value=r.latency_sum)
        yield latencies


@attrs.define(eq=False)
class SourceCollector:
    """``source_events_total`` from the sources' counters, read at scrape time."""

    counters: Any

    def collect(self) -> Iterator[Metric]:
        from pyknative.eventing.channel import Outcome

        results = ((Outcome.DELIVERED, "delivered"), (Outcome.DEAD_LETTERED, "dead-lettered"), (Outcome.DROPPED, "failed"))
        family = CounterMetricFamily(
            "source_events",
            "Events event sources sent to their sinks, by final result",
            labels=("namespace_name", "name", "resource_group", "result"),
        )
        for source, counts in self.counters.items():
            for outcome, result in results:
                family.add_metric(
                    [source.namespace, source.name, source.resource_group, result], float(counts.get(outcome, 0))
                )
        yield family


def add_metrics_route(
    app: web.Application, source: Callable[[], Iterable[RevisionMetrics]], sources: Any = None
) -> None:
    """Serve ``GET /metrics`` on ``app`` from ``source()`` and the sources' counters ``sources`` (a
    :class:`pyknative.sources.sender.SourceCounters`, optional); register before the app starts."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(RevisionCollector(source))  # type: ignore[arg-type]
    if sources is not None:
        registry.register(SourceCollector(sources))  # type: ignore[arg-type]

    async def metrics(_request: web.Request) -> web.Response:
        return web.Response(body=generate_latest(registry), headers={"Content-Type": CONTENT_TYPE_LATEST})

    app.router.add_get("/metrics", metrics)


def _bound(value: float) -> str:
    return floatToGoString(value)  # the client library's own rendering: 0.005, 300.0, +Inf
