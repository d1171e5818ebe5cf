"""ContainerSource and SinkBinding through a real in-process Platform: the SQLite store, the controllers, the
local process runtime, and a recording sink server on loopback. The ContainerSource's container is a Python
``command`` that posts one binary-mode CloudEvent to ``$K_SINK`` and exits (so the runtime starts it again)."""

from __future__ import annotations

import asyncio
import json
import sys

import aiohttp
import pytest
import yaml

from pyknative.api import conditions as cond
from pyknative.api.serving import Service
from pyknative.api.sources import ContainerSource, SinkBinding
from pyknative.errors import ValidationError
from pyknative.platform import Platform
from pyknative.testing.platform import PORTS, apply
from pyknative.testing.platform import until as _until

ADAPTER = """
import json, os, urllib.request
overrides = json.loads(os.environ.get("K_CE_OVERRIDES") or "{}").get("extensions", {})
headers = {"ce-specversion": "1.0", "ce-id": "x-" + str(os.getpid()), "ce-type": "dev.example.heartbeat",
           "ce-source": "/" + os.environ["NAMESPACE"] + "/" + os.environ["NAME"], "content-type": "application/json"}
headers.update({"ce-" + k: v for k, v in overrides.items()})
body = json.dumps({"sink": os.environ["K_SINK"], "name": os.environ["NAME"]}).encode()
urllib.request.urlopen(urllib.request.Request(os.environ["K_SINK"], data=body, headers=headers), timeout=10).read()
"""


@pytest.fixture
async def platform(tmp_path):
    p = Platform.from_config(None, overrides={**PORTS, "data-dir": str(tmp_path / "data")})
    await p.start()
    try:
        yield p
    finally:
        await p.stop()



async def until(check, timeout: float = 20.0):
    return await _until(check, timeout, 0.05)


async def ready(platform: Platform, cls, name: str, type: str = "Ready", status: str = "True"):
    async def check():
        obj = await platform.store.get(cls, "default", name)
        c = cond.get(obj.status.conditions if obj.status else None, type)
        return obj if c is not None and c.status == status else None

    return await until(check)


def container_source(name: str, sink: dict, **spec) -> dict:
    return {
        "apiVersion": "sources.knative.dev/v1",
        "kind": "ContainerSource",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "template": {
                "spec": {"containers": [{"name": "adapter", "command": [sys.executable, "-c", ADAPTER]}]}
            },
            "sink": sink,
            **spec,
        },
    }


async def test_container_source_posts_to_its_sink_and_is_restarted_on_exit(platform, sink):
    await apply(
        platform,
        container_source("heartbeat", {"uri": sink.url}, ceOverrides={"extensions": {"team": "blue"}}),
    )
    source = await ready(platform, ContainerSource, "heartbeat")
    assert source.status.sink_uri == sink.url
    assert {c.type for c in source.status.conditions if c.is_true} == {
        "Ready",
        "SinkProvided",
        "ReceiveAdapterReady",
    }

    received = await sink.wait_for(
        2, timeout=30
    )  # the adapter exits after each post: the second is a restart
    headers, body = received[0]
    assert headers["ce-type"] == "dev.example.heartbeat"
    assert headers["ce-source"] == "/default/heartbeat"
    assert headers["ce-team"] == "blue"
    assert json.loads(body) == {"sink": sink.url, "name": "heartbeat"}
    assert received[0][0]["ce-id"] != received[1][0]["ce-id"]  # two processes

    # deleting the source stops its adapter: no more events
    await platform.store.delete(ContainerSource, "default", "heartbeat")

    async def stopped():
        return platform.runtime.status("default/containersource.heartbeat").total == 0

    await until(stopped)
    count = len(sink.received)
    await asyncio.sleep(2.5)  # longer than the runtime's restart back-off would take
    assert len(sink.received) == count


async def test_container_source_without_sink_is_not_ready_and_starts_when_sink_appears(platform, sink):
    await apply(
        platform,
        container_source(
            "waiting", {"ref": {"apiVersion": "serving.knative.dev/v1", "kind": "Service", "name": "nope"}}
        ),
    )
    source = await ready(platform, ContainerSource, "waiting", status="False")
    assert cond.get(source.status.conditions, "Ready").reason == "NotFound"
    assert platform.runtime.status("default/containersource.waiting").total == 0


async def test_container_source_admission_needs_a_container(platform):
    doc = container_source("empty", {"uri": "http://example.com/"})
    doc["spec"]["template"]["spec"]["containers"] = []
    with pytest.raises(ValidationError) as e:
        await apply(platform, doc)
    assert "spec.template.spec.containers" in str(e.value)


#: a Service's app: answers every GET with the K_SINK of its environment
ECHO_K_SINK = """
import http.server, os
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = os.environ.get("K_SINK", "<unset>").encode()
        self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers()
        self.wfile.write(body)
http.server.HTTPServer(("127.0.0.1", int(os.environ["PORT"])), H).serve_forever()
"""


def service_doc(name: str, labels: dict | None = None) -> dict:
    return {
        "apiVersion": "serving.knative.dev/v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": "default", "labels": labels or {}},
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {"image": "example.com/app", "command": [sys.executable, "-c", ECHO_K_SINK]}
                    ]
                }
            }
        },
    }


def binding_doc(name: str, subject: dict, sink: dict, **spec) -> dict:
    return {
        "apiVersion": "sources.knative.dev/v1",
        "kind": "SinkBinding",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"subject": subject, "sink": sink, **spec},
    }


def env_of(obj) -> dict[str, str]:
    c = obj.spec.template.spec.containers[0]
    return {e.name: e.value for e in c.env or ()}


async def test_sink_binding_injects_k_sink_into_a_service_and_removes_it(platform, sink):
    await apply(platform, service_doc("app"))
    await apply(
        platform,
        binding_doc(
            "bind-app",
            {"apiVersion": "serving.knative.dev/v1", "kind": "Service", "name": "app"},
            {"uri": sink.url},
            ceOverrides={"extensions": {"team": "blue"}},
        ),
    )
    binding = await ready(platform, SinkBinding, "bind-app")
    assert binding.status.sink_uri == sink.url

    async def bound():
        svc = await platform.store.get(Service, "default", "app")
        return svc if env_of(svc).get("K_SINK") == sink.url else None

    svc = await until(bound)
    assert json.loads(env_of(svc)["K_CE_OVERRIDES"]) == {"extensions": {"team": "blue"}}

    # the Service's instances see it: an instance of its latest ready Revision answers with its K_SINK
    async def instance_sees_k_sink():
        svc = await platform.store.get(Service, "default", "app")
        rev = svc.status.latest_ready_revision_name if svc.status else None
        if not rev:
            return None
        endpoints = platform.instances(f"default/{rev}").endpoints
        if not endpoints:
            return None
        host, port = endpoints[0]
        async with aiohttp.ClientSession() as session, session.get(f"http://{host}:{port}/") as resp:
            text = await resp.text()
        return text if text == sink.url else None

    assert await until(instance_sees_k_sink, timeout=40) == sink.url

    # re-applying the Service without the variables: the binding puts them back
    await apply(platform, service_doc("app"))
    await until(bound)

    await platform.store.delete(SinkBinding, "default", "bind-app")

    async def unbound():
        svc = await platform.store.get(Service, "default", "app")
        return svc if "K_SINK" not in env_of(svc) and "K_CE_OVERRIDES" not in env_of(svc) else None

    await until(unbound)


async def test_sink_binding_by_selector_binds_matching_services_only(platform, sink):
    await apply(platform, service_doc("blue", {"team": "blue"}))
    await apply(platform, service_doc("red", {"team": "red"}))
    await apply(
        platform,
        binding_doc(
            "bind-blue",
            {
                "apiVersion": "serving.knative.dev/v1",
                "kind": "Service",
                "selector": {"matchLabels": {"team": "blue"}},
            },
            {"uri": sink.url},
        ),
    )
    await ready(platform, SinkBinding, "bind-blue")

    async def bound(name):
        svc = await platform.store.get(Service, "default", name)
        return env_of(svc).get("K_SINK") == sink.url

    await until(lambda: bound("blue"))
    # a Service created later that matches is bound too
    await apply(platform, service_doc("blue2", {"team": "blue"}))
    await until(lambda: bound("blue2"))
    assert not await bound("red")


async def test_sink_binding_admission_needs_name_or_selector(platform):
    doc = binding_doc(
        "bad", {"apiVersion": "serving.knative.dev/v1", "kind": "Service"}, {"uri": "http://x/"}
    )
    with pytest.raises(ValidationError) as e:
        await apply(platform, doc)
    assert "spec.subject" in str(e.value)


async def test_container_source_whose_image_cannot_run_says_why(platform, sink):
    doc = container_source("imaged", {"uri": sink.url})
    doc["spec"]["template"]["spec"]["containers"] = [{"name": "adapter", "image": "example.com/heartbeat:1"}]
    await apply(platform, doc)
    source = await ready(platform, ContainerSource, "imaged", type="ReceiveAdapterReady", status="False")
    c = cond.get(source.status.conditions, "ReceiveAdapterReady")
    assert c.reason and c.message
    assert cond.get(source.status.conditions, "Ready").status == "False"
    assert cond.get(source.status.conditions, "SinkProvided").status == "True"


KNATIVE_DOCS_CONTAINER_SOURCE = """
apiVersion: sources.knative.dev/v1
kind: ContainerSource
metadata:
  name: test-heartbeats
spec:
  template:
    spec:
      containers:
        - image: gcr.io/knative-releases/knative.dev/eventing/cmd/heartbeats:latest
          name: heartbeats
          args:
            - --period=1
          env:
            - name: POD_NAME
              value: "mypod"
            - name: POD_NAMESPACE
              value: "event-test"
  sink:
    ref:
      apiVersion: serving.knative.dev/v1
      kind: Service
      name: event-display
"""

KNATIVE_DOCS_SINK_BINDING = """
apiVersion: sources.knative.dev/v1
kind: SinkBinding
metadata:
  name: bind-heartbeat
spec:
  subject:
    apiVersion: batch/v1
    kind: Job
    selector:
      matchLabels:
        app: heartbeat-cron
  sink:
    ref:
      apiVersion: serving.knative.dev/v1
      kind: Service
      name: event-display
"""


async def test_the_knative_docs_yaml_applies(platform, sink):
    cs = await apply(
        platform,
        {
            **yaml.safe_load(KNATIVE_DOCS_CONTAINER_SOURCE),
            "metadata": {"name": "test-heartbeats", "namespace": "default"},
        },
    )
    sb = await apply(
        platform,
        {
            **yaml.safe_load(KNATIVE_DOCS_SINK_BINDING),
            "metadata": {"name": "bind-heartbeat", "namespace": "default"},
        },
    )
    assert cs.spec.template.spec.containers[0].args == ("--period=1",)
    assert sb.spec.subject.selector.match_labels == {"app": "heartbeat-cron"}
    # no event-display Service: neither is Ready, with Knative's reason
    for cls, name in ((ContainerSource, "test-heartbeats"), (SinkBinding, "bind-heartbeat")):
        obj = await ready(platform, cls, name, type="SinkProvided", status="False")
        assert cond.get(obj.status.conditions, "Ready").reason == "NotFound"


async def test_sink_binding_to_a_kind_pyknative_does_not_serve_says_so(platform, sink):
    doc = yaml.safe_load(KNATIVE_DOCS_SINK_BINDING)
    doc["metadata"] = {"name": "bind-job", "namespace": "default"}
    doc["spec"]["sink"] = {"uri": sink.url}
    await apply(platform, doc)
    obj = await ready(platform, SinkBinding, "bind-job", type="BindingAvailable", status="False")
    assert cond.get(obj.status.conditions, "BindingAvailable").reason == "SubjectKindNotServed"
    assert cond.get(obj.status.conditions, "Ready").status == "False"


async def test_sink_binding_leaves_an_excluded_subject_alone(platform, sink):
    await apply(platform, service_doc("private", {"team": "blue", "bindings.knative.dev/exclude": "true"}))
    await apply(platform, service_doc("public", {"team": "blue"}))
    await apply(
        platform,
        binding_doc(
            "bind-team",
            {
                "apiVersion": "serving.knative.dev/v1",
                "kind": "Service",
                "selector": {"matchLabels": {"team": "blue"}},
            },
            {"uri": sink.url},
        ),
    )
    await ready(platform, SinkBinding, "bind-team")

    async def bound():
        svc = await platform.store.get(Service, "default", "public")
        return env_of(svc).get("K_SINK") == sink.url

    await until(bound)
    assert "K_SINK" not in env_of(await platform.store.get(Service, "default", "private"))
