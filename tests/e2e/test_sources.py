"""Event sources end to end, through a real `pyknative serve`: a PingSource on a seconds schedule delivers to a
Knative Service (Knative's event-display, in examples/eventing) directly and through a Broker and a Trigger,
with Knative's attributes; a source whose sink is missing is not Ready until it appears; deleting a source stops
its events."""

from __future__ import annotations

import json
import time

import pytest

from tests.e2e.serve import Served

pytestmark = pytest.mark.slow

EVENT_DISPLAY = """
apiVersion: serving.knative.dev/v1
kind: Service
metadata: {name: event-display}
spec:
  template:
    spec:
      containers:
        - image: event-display
          command: [python3, event_display.py]
          workingDir: examples/eventing
"""


def ping(name: str, sink: str, extra: str = "") -> str:
    return f"""
apiVersion: sources.knative.dev/v1
kind: PingSource
metadata: {{name: {name}}}
spec:
  schedule: "*/1 * * * * *"
  contentType: application/json
  data: '{{"message": "Hello from {name}"}}'
  ceOverrides:
    extensions: {{origin: {name}}}
  sink:
{sink}{extra}"""


SERVICE_SINK = "    ref: {apiVersion: serving.knative.dev/v1, kind: Service, name: event-display}\n"
BROKER_SINK = "    ref: {apiVersion: eventing.knative.dev/v1, kind: Broker, name: default}\n"


def events(served: Served, origin: str) -> list[dict[str, str]]:
    """The events event-display printed whose ``origin`` extension is ``origin``: attributes and ``data``."""
    out, current = [], None
    lines = served.ok("logs", "ksvc", "event-display").splitlines()
    for i, line in enumerate(lines):
        if "cloudevents.Event" in line:
            current = {}
            out.append(current)
        elif current is not None and line.startswith("  ") and ": " in line:
            key, _, value = line.strip().partition(": ")
            current[key] = value
        elif current is not None and line.startswith("Data,") and i + 1 < len(lines):
            current["data"] = lines[i + 1].strip()
            current = None
    return [e for e in out if e.get("origin") == origin]


def wait_events(served: Served, origin: str, count: int, timeout: float = 60.0) -> list[dict[str, str]]:
    deadline = time.monotonic() + timeout
    while True:
        got = events(served, origin)
        if len(got) >= count:
            return got
        assert time.monotonic() < deadline, f"expected {count} events from {origin}, got {len(got)}"
        time.sleep(0.5)


@pytest.fixture(scope="module")
def display(served: Served) -> Served:
    served.apply(EVENT_DISPLAY)
    served.wait_ready("ksvc", "event-display")
    return served


def test_a_ping_source_delivers_to_a_service_and_stops_when_deleted(display: Served):
    served = display
    served.apply(ping("direct", SERVICE_SINK))
    source = served.wait_ready("pingsource", "direct")
    assert source["status"]["sinkUri"] == "http://event-display.default.svc.cluster.local"
    assert source["status"]["ceAttributes"] == [
        {"type": "dev.knative.sources.ping", "source": "/apis/v1/namespaces/default/pingsources/direct"}
    ]
    got = wait_events(served, "direct", 2)
    first = got[0]
    assert first["type"] == "dev.knative.sources.ping"
    assert first["source"] == "/apis/v1/namespaces/default/pingsources/direct"
    assert first["specversion"] == "1.0"
    assert first["time"].endswith("Z")
    assert json.loads(first["data"]) == {"message": "Hello from direct"}
    assert len({e["id"] for e in got}) == len(got)
    table = served.ok("get", "pingsources")
    assert "direct" in table and "*/1 * * * * *" in table and "event-display" in table
    assert "direct" in served.ok("get", "sources")

    served.ok("delete", "pingsource", "direct")
    time.sleep(1.5)  # a send already under way may still land
    settled = len(events(served, "direct"))
    time.sleep(2.5)
    assert len(events(served, "direct")) == settled


def test_a_ping_source_waits_for_its_broker_then_delivers_through_a_trigger(display: Served):
    served = display
    served.apply(ping("via-broker", BROKER_SINK))
    res = served.cli("wait", "pingsource", "via-broker", "--for", "condition=Ready", "--timeout", "2s")
    assert res.returncode != 0
    source = json.loads(served.ok("get", "pingsource", "via-broker", "-o", "json"))
    ready = next(c for c in source["status"]["conditions"] if c["type"] == "Ready")
    assert (ready["status"], ready["reason"]) == ("False", "NotFound")

    served.apply("""
apiVersion: eventing.knative.dev/v1
kind: Broker
metadata: {name: default}
---
apiVersion: eventing.knative.dev/v1
kind: Trigger
metadata: {name: pings}
spec:
  broker: default
  filter: {attributes: {type: dev.knative.sources.ping}}
  subscriber:
    ref: {apiVersion: serving.knative.dev/v1, kind: Service, name: event-display}
""")
    broker = served.wait_ready("broker", "default")
    served.wait_ready("trigger", "pings")
    source = served.wait_ready("pingsource", "via-broker")
    assert source["status"]["sinkUri"] == broker["status"]["address"]["url"]
    got = wait_events(served, "via-broker", 2)
    assert got[0]["source"] == "/apis/v1/namespaces/default/pingsources/via-broker"
    assert "knativearrivaltime" in got[0]  # it came through the Broker
    served.ok("delete", "pingsource", "via-broker")
