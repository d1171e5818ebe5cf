"""Event sources end to end, through a real `pyknative serve`: a PingSource on a seconds schedule delivers to a
Knative Service (Knative's event-display, in examples/eventing) directly and through a Broker and a Trigger,
with Knative's attributes; a source whose sink is missing is not Ready until it appears; deleting a source stops
its events."""

from __future__ import annotations

import json
import time

import pytest

from tests.e2e.scaling import OPS
from tests.e2e.serve import Served

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """`pyknative serve` with Knative's autoscaling windows shortened: a Revision that no route targets any more
    (a SinkBinding's bound one, once it goes) is scaled away within seconds."""
    tmp = tmp_path_factory.mktemp("sources")
    (tmp / "ops.yaml").write_text(OPS)
    s = Served(tmp / "data", config=tmp / "ops.yaml").start()
    yield s
    s.stop()


def eventing_example(name: str, command: str) -> str:
    """A Knative Service that runs ``command`` from examples/eventing, always one instance up."""
    return f"""
apiVersion: serving.knative.dev/v1
kind: Service
metadata: {{name: {name}}}
spec:
  template:
    metadata:
      annotations: {{autoscaling.knative.dev/min-scale: "1"}}
    spec:
      containers:
        - image: {name}
          command: {command}
          workingDir: examples/eventing
"""


EVENT_DISPLAY = eventing_example("event-display", "[python3, event_display.py]")


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


HEARTBEATS = """
apiVersion: sources.knative.dev/v1
kind: ContainerSource
metadata: {name: test-heartbeats}
spec:
  template:
    spec:
      containers:
        - image: gcr.io/knative-nightly/knative.dev/eventing/cmd/heartbeats
          name: heartbeats
          command: [python3, heartbeats.py]
          workingDir: examples/eventing
          args: [--period=1, --label=contained]
          env:
            - {name: POD_NAME, value: mypod}
            - {name: POD_NAMESPACE, value: event-test}
  ceOverrides:
    extensions: {origin: contained}
  sink:
    ref: {apiVersion: serving.knative.dev/v1, kind: Service, name: event-display}
"""


def settled(served: Served, origin: str, quiet: float = 3.0, timeout: float = 45.0) -> int:
    """How many events from ``origin`` event-display printed once none arrived for ``quiet`` seconds."""
    deadline = time.monotonic() + timeout
    count = len(events(served, origin))
    while True:
        time.sleep(quiet)
        now = len(events(served, origin))
        if now == count:
            return count
        assert time.monotonic() < deadline, f"events from {origin} did not stop: {count} then {now}"
        count = now


def test_a_container_source_runs_its_template_and_delivers_until_deleted(display: Served):
    served = display
    served.apply(HEARTBEATS)  # Knative's docs' heartbeats ContainerSource, with a command to run it from source
    source = served.wait_ready("containersource", "test-heartbeats")
    assert source["status"]["sinkUri"] == "http://event-display.default.svc.cluster.local"
    got = wait_events(served, "contained", 2)
    assert got[0]["type"] == "dev.knative.eventing.samples.heartbeat"
    assert got[0]["source"] == "https://knative.dev/eventing/cmd/heartbeats/#event-test/mypod"
    assert [json.loads(e["data"])["id"] for e in got[:2]] == [1, 2]
    assert json.loads(got[0]["data"])["label"] == "contained"
    assert "test-heartbeats" in served.ok("get", "sources")

    served.ok("delete", "containersource", "test-heartbeats")
    stopped = settled(served, "contained")
    time.sleep(2.5)
    assert len(events(served, "contained")) == stopped


BOUND_SERVICE = eventing_example("heartbeat-app", "[python3, heartbeats.py, --period=1, --label=bound]")

BINDING = """
apiVersion: sources.knative.dev/v1
kind: SinkBinding
metadata: {name: bind-heartbeat}
spec:
  subject:
    apiVersion: serving.knative.dev/v1
    kind: Service
    name: heartbeat-app
  ceOverrides:
    extensions: {origin: bound}
  sink:
    ref: {apiVersion: serving.knative.dev/v1, kind: Service, name: event-display}
"""


def test_a_sink_binding_makes_its_subject_deliver_and_unbinding_stops_it(display: Served):
    served = display
    served.apply(BOUND_SERVICE)
    served.wait_ready("ksvc", "heartbeat-app")
    time.sleep(2)
    assert events(served, "bound") == []  # no K_SINK yet: the app sends nothing

    served.apply(BINDING)
    binding = served.wait_ready("sinkbinding", "bind-heartbeat")
    assert binding["status"]["sinkUri"] == "http://event-display.default.svc.cluster.local"
    got = wait_events(served, "bound", 2)  # the Service's new Revision runs with K_SINK and K_CE_OVERRIDES
    assert got[0]["type"] == "dev.knative.eventing.samples.heartbeat"
    assert json.loads(got[0]["data"])["label"] == "bound"

    served.ok("delete", "sinkbinding", "bind-heartbeat")
    stopped = settled(served, "bound")  # a Revision without K_SINK replaces the bound one
    time.sleep(2.5)
    assert len(events(served, "bound")) == stopped
    svc = json.loads(served.ok("get", "ksvc", "heartbeat-app", "-o", "json"))
    env = svc["spec"]["template"]["spec"]["containers"][0].get("env", [])
    assert not [e for e in env if e["name"] in ("K_SINK", "K_CE_OVERRIDES")]
    served.ok("delete", "ksvc", "heartbeat-app")
