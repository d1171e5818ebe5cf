"""Eventing end to end, after Knative's rekt conformance: routing, replies, the delivery matrix, dead letters.

A real `pyknative serve`, Brokers and Triggers applied through the real CLI, real HTTP subscribers on loopback,
events POSTed to the Broker's address as producers do.
"""

from __future__ import annotations

import base64
import http.client
import json
import threading
import time
import uuid
from urllib.parse import urlsplit

import pytest

from tests.e2e.serve import Served
from tests.e2e.subscriber import Subscriber

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sub():
    s = Subscriber()
    yield s
    s.close()


def post(url: str, *, type: str = "com.example.A", id: str | None = None, data: bytes = b'{"x": 1}',
         headers: dict[str, str] | None = None, method: str = "POST") -> tuple[int, str]:
    u = urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    h = {"ce-specversion": "1.0", "ce-id": id or str(uuid.uuid4()), "ce-source": "/e2e", "ce-type": type,
         "Content-Type": "application/json"}
    if headers is not None:
        h = headers
    try:
        conn.request(method, u.path, body=data if method == "POST" else None, headers=h)
        resp = conn.getresponse()
        return resp.status, resp.read().decode(errors="replace")
    finally:
        conn.close()


def apply(served: Served, text: str) -> None:
    served.ok("apply", "-f", "-", input=text)


def wait_ready(served: Served, kind: str, name: str, timeout: str = "30s") -> dict:
    served.ok("wait", kind, name, "--for", "condition=Ready", "--timeout", timeout)
    return json.loads(served.ok("get", kind, name, "-o", "json"))


def broker(name: str, delivery: str = "") -> str:
    return f"apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata: {{name: {name}}}\n" + (f"spec:\n  delivery:\n{delivery}" if delivery else "")


def trigger(name: str, broker_name: str, uri: str, filter_type: str | None = None, delivery: str = "") -> str:
    out = f"---\napiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata: {{name: {name}}}\nspec:\n  broker: {broker_name}\n"
    if filter_type:
        out += f"  filter:\n    attributes:\n      type: {filter_type}\n"
    out += f"  subscriber:\n    uri: {uri}\n"
    if delivery:
        out += f"  delivery:\n{delivery}"
    return out


def test_routing_and_reply_conformance(served: Served, sub: Subscriber):
    apply(served, broker("routing") + "".join([
        trigger("t-all", "routing", sub.url("ok/all")),
        trigger("t-match", "routing", sub.url("ok/match"), "com.example.A"),
        trigger("t-nomatch", "routing", sub.url("ok/nomatch"), "com.example.Z"),
        trigger("t-reply", "routing", sub.url("reply/com.example.ReplyEvent/replier"), "com.example.A"),
        trigger("t-replyrx", "routing", sub.url("ok/replyrx"), "com.example.ReplyEvent"),
    ]))
    b = wait_ready(served, "broker", "routing")
    for t in ("t-all", "t-match", "t-nomatch", "t-reply", "t-replyrx"):
        tr = wait_ready(served, "trigger", t)
        assert tr["status"]["subscriberUri"].startswith("http://127.0.0.1:")
    url = b["status"]["address"]["url"]
    status, _ = post(url, id="evt-1")
    assert status == 202
    # t-all gets the event and t-reply's reply to it; the two paths race (Knative orders neither)
    assert sorted(r.ce("id") for r in sub.wait_for("all", 2)) == ["evt-1", "reply-evt-1"]
    match = sub.wait_for("match", 1)
    assert [r.ce("id") for r in match] == ["evt-1"]
    assert match[0].headers["prefer"] == "reply"
    assert match[0].headers["kn-namespace"] == "default"
    assert match[0].ce("knativebrokerttl") is None, "the TTL is removed before the subscriber"
    assert match[0].ce("knativearrivaltime")
    rx = sub.wait_for("replyrx", 1)
    assert [(r.ce("type"), r.ce("id")) for r in rx] == [("com.example.ReplyEvent", "reply-evt-1")]
    time.sleep(0.5)
    assert sub.at("nomatch") == []


def test_ingress_answers_as_knative(served: Served):
    apply(served, broker("edge"))
    url = wait_ready(served, "broker", "edge")["status"]["address"]["url"]
    base = url.rsplit("/", 2)[0]
    assert post(url, method="GET")[0] == 405
    assert post(url, method="OPTIONS")[0] == 200
    assert post(url, headers={"ce-id": "1", "ce-source": "/x", "ce-type": "t", "Content-Type": "text/plain"})[0] == 400
    assert post(base + "/default/no-such-broker")[0] == 404
    assert post(url, headers={"ce-specversion": "0.3", "ce-id": "1", "ce-source": "/x", "ce-type": "t"})[0] == 202


DELIVERY = "    retry: 3\n    backoffPolicy: linear\n    backoffDelay: PT0.05S\n"


def test_delivery_matrix_and_dead_letters(served: Served, sub: Subscriber):
    dls = f"    deadLetterSink:\n      uri: {sub.url('ok/broker-dls')}\n"
    trig_dls = f"    retry: 0\n    deadLetterSink:\n      uri: {sub.url('ok/trigger-dls')}\n"
    apply(served, broker("delivery", DELIVERY + dls) + "".join([
        trigger("fail3", "delivery", sub.url("fail/3/fail3"), "com.example.F3"),
        trigger("fail4", "delivery", sub.url("fail/4/fail4"), "com.example.F4"),
        trigger("override", "delivery", sub.url("fail/1/override"), "com.example.OV", delivery=trig_dls),
        trigger("unprocessable", "delivery", sub.url("status/422/unprocessable"), "com.example.U"),
        trigger("own-no-dls", "delivery", sub.url("fail/1/own-no-dls"), "com.example.ND", delivery="    retry: 0\n"),
    ]))
    b = wait_ready(served, "broker", "delivery")
    url = b["status"]["address"]["url"]
    for t in ("fail3", "fail4", "override", "unprocessable"):
        wait_ready(served, "trigger", t)
    # A Trigger with a delivery of its own but no dead-letter sink falls back to the Broker's sink.
    assert wait_ready(served, "trigger", "own-no-dls")["status"]["deadLetterSinkUri"] == b["status"]["deadLetterSinkUri"]
    for typ in ("com.example.F3", "com.example.F4", "com.example.OV", "com.example.U", "com.example.ND"):
        assert post(url, type=typ, id=f"id-{typ}")[0] == 202

    assert len(sub.wait_for("fail3", 4)) == 4  # 3 failures, then delivered
    dead = sub.wait_for("broker-dls", 3)
    by_id = {r.ce("id"): r for r in dead}
    assert set(by_id) == {"id-com.example.F4", "id-com.example.U", "id-com.example.ND"}
    assert len(sub.at("own-no-dls")) == 1  # the Trigger's retry: 0, then the Broker's sink
    f4 = by_id["id-com.example.F4"]
    assert len(sub.at("fail4")) == 4  # retry 3 → 4 attempts, then the dead-letter sink
    assert f4.ce("knativeerrordest") == sub.url("fail/4/fail4")
    assert f4.ce("knativeerrorcode") == "500"
    u = by_id["id-com.example.U"]
    assert len(sub.at("unprocessable")) == 1, "a 422 is not retried"
    assert u.ce("knativeerrorcode") == "422"
    assert base64.b64decode(u.ce("knativeerrordata")) == b"nope, not this one"
    ov = sub.wait_for("trigger-dls", 1)
    assert [r.ce("id") for r in ov] == ["id-com.example.OV"], "the trigger's delivery replaces the broker's"
    assert len(sub.at("override")) == 1


def test_large_event_is_delivered_once(served: Served, sub: Subscriber):
    apply(served, broker("large") + trigger("big", "large", sub.url("ok/big")))
    url = wait_ready(served, "broker", "large")["status"]["address"]["url"]
    wait_ready(served, "trigger", "big")
    data = b'{"d": "' + b"x" * 36_864 + b'"}'
    assert post(url, id="big-1", data=data)[0] == 202
    got = sub.wait_for("big", 1)
    time.sleep(0.3)
    assert [r.body for r in sub.at("big")] == [data]
    assert len(got) == 1


def test_trigger_before_broker_becomes_ready(served: Served, sub: Subscriber):
    apply(served, trigger("early", "late-broker", sub.url("ok/early")).lstrip("-\n"))
    res = served.cli("wait", "trigger", "early", "--for", "condition=Ready", "--timeout", "1s")
    assert res.returncode != 0
    apply(served, broker("late-broker"))
    wait_ready(served, "trigger", "early")


CHANNELS = """
apiVersion: messaging.knative.dev/v1
kind: Channel
metadata: {name: first}
---
apiVersion: messaging.knative.dev/v1
kind: Channel
metadata: {name: second}
---
apiVersion: messaging.knative.dev/v1
kind: Subscription
metadata: {name: to-a}
spec:
  channel: {apiVersion: messaging.knative.dev/v1, kind: Channel, name: first}
  subscriber: {uri: %(a)s}
---
apiVersion: messaging.knative.dev/v1
kind: Subscription
metadata: {name: to-replier}
spec:
  channel: {apiVersion: messaging.knative.dev/v1, kind: Channel, name: first}
  subscriber: {uri: %(replier)s}
  reply: {ref: {apiVersion: messaging.knative.dev/v1, kind: Channel, name: second}}
---
apiVersion: messaging.knative.dev/v1
kind: Subscription
metadata: {name: to-b}
spec:
  channel: {apiVersion: messaging.knative.dev/v1, kind: Channel, name: second}
  subscriber: {uri: %(b)s}
"""


def test_channel_with_two_subscriptions_and_a_reply_chain(served: Served, sub: Subscriber):
    apply(served, CHANNELS % {"a": sub.url("ok/chan-a"), "replier": sub.url("reply/com.example.Chained/chan-replier"),
                              "b": sub.url("ok/chan-b")})
    first = wait_ready(served, "channel", "first")
    for s in ("to-a", "to-replier", "to-b"):
        wait_ready(served, "subscription", s)
    assert post(first["status"]["address"]["url"], id="c-1")[0] == 202
    assert [r.ce("id") for r in sub.wait_for("chan-a", 1)] == ["c-1"]
    assert [(r.ce("id"), r.ce("type")) for r in sub.wait_for("chan-b", 1)] == [("reply-c-1", "com.example.Chained")]


def test_a_channels_delivery_reaches_its_backing_channel_status_and_subscriptions(served: Served, sub: Subscriber):
    dls = sub.url("ok/chan-dls")
    apply(served, f"""
apiVersion: messaging.knative.dev/v1
kind: Channel
metadata: {{name: with-dls}}
spec:
  delivery: {{retry: 0, deadLetterSink: {{uri: "{dls}"}}}}
---
apiVersion: messaging.knative.dev/v1
kind: Subscription
metadata: {{name: to-failing}}
spec:
  channel: {{apiVersion: messaging.knative.dev/v1, kind: Channel, name: with-dls}}
  subscriber: {{uri: "{sub.url('status/500/chan-fail')}"}}
""")
    ch = wait_ready(served, "channel", "with-dls")
    assert ch["status"]["deadLetterSinkUri"] == dls
    imc = json.loads(served.ok("get", "imc", "with-dls", "-o", "json"))
    assert imc["spec"]["delivery"]["deadLetterSink"]["uri"] == dls
    assert imc["status"]["deadLetterSinkUri"] == dls
    wait_ready(served, "subscription", "to-failing")
    assert post(ch["status"]["address"]["url"], id="chan-dl-1")[0] == 202
    assert [r.ce("id") for r in sub.wait_for("chan-dls", 1)] == ["chan-dl-1"]
    assert sub.wait_for("chan-dls", 1)[0].ce("knativeerrorcode") == "500"
    assert len(sub.at("chan-fail")) == 1  # retry 0


def test_trigger_to_a_knative_service_by_ref_with_a_cesql_filter(served: Served):
    served.ok("apply", "-f", "examples/eventing/broker.yaml")
    served.ok("wait", "ksvc", "event-display", "--for", "condition=Ready", "--timeout", "60s")
    tr = wait_ready(served, "trigger", "samples")
    assert tr["status"]["subscriberUri"] == "http://event-display.default.svc.cluster.local"
    url = wait_ready(served, "broker", "default")["status"]["address"]["url"]
    assert post(url, type="dev.knative.samples.hello", id="sample-1", data=b'{"msg": "hi"}')[0] == 202
    assert post(url, type="com.other", id="other-1")[0] == 202
    deadline = time.monotonic() + 20
    while True:
        logs = served.ok("logs", "ksvc", "event-display")
        if "id: sample-1" in logs:
            break
        assert time.monotonic() < deadline, logs
        time.sleep(0.2)
    assert '{"msg": "hi"}' in logs
    assert "other-1" not in logs


def test_get_broker_and_trigger_tables(served: Served):
    apply(served, broker("tables"))
    wait_ready(served, "broker", "tables")
    lines = served.ok("get", "broker", "tables").splitlines()
    assert lines[0].split() == ["NAME", "URL", "AGE", "READY", "REASON"]
    assert lines[1].split()[1].endswith("/default/tables") and lines[1].split()[3] == "True"


def test_a_stopping_platform_delivers_what_its_in_memory_channel_accepted(tmp_path):
    """An asynchronous InMemoryChannel (``messaging.knative.dev/async-handler``: 202 once queued) holds undelivered
    events at SIGTERM: the ingress stops taking events, the channel delivers what it accepted (the subscriber
    answers again half a second later), then the platform exits."""
    stalled = Subscriber()
    served = Served(tmp_path / "data").start()
    try:
        apply(served, f"""
apiVersion: messaging.knative.dev/v1
kind: InMemoryChannel
metadata: {{name: drain, annotations: {{messaging.knative.dev/async-handler: "true"}}}}
---
apiVersion: messaging.knative.dev/v1
kind: Subscription
metadata: {{name: drain-s}}
spec:
  channel: {{apiVersion: messaging.knative.dev/v1, kind: InMemoryChannel, name: drain}}
  subscriber: {{uri: "{stalled.url('ok/drain')}"}}
""")
        url = wait_ready(served, "imc", "drain")["status"]["address"]["url"]
        wait_ready(served, "subscription", "drain-s")
        stalled.gate.clear()  # the subscriber takes requests but does not answer: events pile up in the channel
        ids = [f"d{i}" for i in range(300)]
        for event_id in ids:
            assert post(url, id=event_id)[0] == 202
        stopped = threading.Thread(target=served.stop)
        stopped.start()
        time.sleep(0.5)
        assert stopped.is_alive()  # still draining
        stalled.gate.set()
        stopped.join(30)
        assert served.proc.returncode == 0
        assert stalled.ids("drain") == set(ids)
    finally:
        stalled.gate.set()
        served.stop()
        stalled.close()


def test_a_broker_answers_202_once_its_triggers_handled_the_event(served: Served, sub: Subscriber):
    """Knative's in-memory channel fans out before it answers: the 202 means delivered (or dead-lettered), and a
    delivery that fails for good is a 5xx the producer can retry."""
    sub.gate.clear()
    try:
        apply(served, broker("sync") + trigger("sync-ok", "sync", sub.url("ok/sync-ok"))
              + trigger("sync-bad", "sync", sub.url("status/400/sync-bad"), "com.example.Bad"))
        url = wait_ready(served, "broker", "sync")["status"]["address"]["url"]
        wait_ready(served, "trigger", "sync-ok")
        wait_ready(served, "trigger", "sync-bad")
        answers: list[int] = []
        producer = threading.Thread(target=lambda: answers.append(post(url, id="sync-1")[0]))
        producer.start()
        sub.wait_for("sync-ok", 1)
        time.sleep(0.3)
        assert answers == []  # the subscriber has the event but has not answered: neither has the broker
        sub.gate.set()
        producer.join(10)
        assert answers == [202]
        status, body = post(url, id="sync-2", type="com.example.Bad")  # 400 from the subscriber, no sink
        assert status == 503 and "could not be delivered" in body
    finally:
        sub.gate.set()
