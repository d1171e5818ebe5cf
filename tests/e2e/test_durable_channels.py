"""Durable channels end to end (issue 6), for KafkaChannel (on tansu) and NatsJetStreamChannel (on nats-server).

An operator config selects the durable kind for Brokers (``config-br-default-channel``) and Channels
(``default-ch-webhook``); a real `pyknative serve` runs on it; real HTTP subscribers on loopback. Shown for each kind:
nothing accepted is lost when the platform is SIGKILLed in the middle of dispatching; a subscriber that is down gets
its backlog when it returns, even across a crash of the platform; deleting a channel or a subscription removes its
topic/stream or consumer on the server; a kind whose plugin is missing is a start-up error naming the pip extra.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.e2e.durable import DurableKind, Producer
from tests.e2e.serve import BIN, ROOT, Served
from tests.e2e.subscriber import Subscriber

pytestmark = pytest.mark.slow

KINDS = {
    "kafka": ("messaging.knative.dev/v1beta1", "KafkaChannel"),
    "nats": ("messaging.knative.dev/v1alpha1", "NatsJetStreamChannel"),
}


@pytest.fixture(params=sorted(KINDS))
def durable(request) -> DurableKind:
    api_version, kind = KINDS[request.param]
    if request.param == "kafka":
        server = request.getfixturevalue("tansu_broker").bootstrap_servers
    else:
        server = request.getfixturevalue("jetstream_server").url
    return DurableKind(request.param, api_version, kind, server)


@pytest.fixture
def sub():
    s = Subscriber()
    yield s
    s.close()


def start_platform(tmp_path: Path, durable: DurableKind) -> Served:
    config = tmp_path / "ops.yaml"
    config.write_text(durable.ops_yaml())
    return Served(tmp_path / "data", config=config).start()


@pytest.fixture
def platform(tmp_path: Path, durable: DurableKind):
    s = start_platform(tmp_path, durable)
    yield s
    s.stop(signal.SIGKILL)


def apply(served: Served, text: str) -> None:
    served.ok("apply", "-f", "-", input=text)


def wait_ready(served: Served, kind: str, name: str, timeout: str = "30s") -> dict:
    served.ok("wait", kind, name, "--for", "condition=Ready", "--timeout", timeout)
    return json.loads(served.ok("get", kind, name, "-o", "json"))


def broker_and_trigger(name: str, subscriber: str, delivery: str, order: str = "unordered") -> str:
    """A Broker and its Trigger; ``order`` is the Trigger's ``kafka.eventing.knative.dev/delivery.order`` (Knative
    orders a KafkaChannel's subscriptions by default: unordered here keeps 10,000 events quick; "" = the default)."""
    annotations = f"annotations: {{kafka.eventing.knative.dev/delivery.order: {order}}}" if order else "annotations: {}"
    return (
        f"apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata: {{name: {name}}}\n---\n"
        f"apiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata: {{name: {name}-t, {annotations}}}\n"
        f"spec:\n  broker: {name}\n  subscriber: {{uri: '{subscriber}'}}\n  delivery:\n{delivery}"
    )


def restart(served: Served, broker_url: str) -> None:
    """Start ``served`` again on its data dir, config and ports (the Broker's address stays the same)."""
    eventing_port = int(broker_url.split("/")[2].rsplit(":", 1)[1])
    served.start(gateway_port=served.gateway[1], admin_port=served.admin[1], eventing_port=eventing_port)


def unique(prefix: str) -> str:
    """Names unique across the session: the Kafka and NATS servers outlive each test's platform."""
    return f"{prefix}-{time.monotonic_ns() % 10**9:09d}"


EVENTS = 10_000


async def test_no_accepted_event_is_lost_when_the_platform_is_killed_mid_dispatch(
    platform: Served, durable: DurableKind, sub: Subscriber
):
    """10,000 events POSTed to a Broker by 32 concurrent producers that send again whatever was not answered 202;
    the Trigger's subscriber always refuses ids ending in 7 (retry 1, then the dead-letter sink). The platform is
    SIGKILLed while it dispatches, with deliveries in flight and thousands of accepted events not yet delivered,
    and started again on the same data dir and config: every accepted event reaches the subscriber, and every
    refused one the dead-letter sink, at least once."""
    name = unique("noloss")
    delivery = f"    retry: 1\n    backoffPolicy: linear\n    backoffDelay: PT0.01S\n    timeout: PT2S\n    deadLetterSink: {{uri: '{sub.url('ok/dls')}'}}\n"
    apply(platform, broker_and_trigger(name, sub.url("failid/7/main"), delivery))
    url = wait_ready(platform, "broker", name)["status"]["address"]["url"]
    wait_ready(platform, "trigger", f"{name}-t")
    ids = [f"e{i:05d}" for i in range(EVENTS)]
    producer = Producer(url)
    started = time.monotonic()
    sending = asyncio.create_task(producer.send(ids, deadline=started + 120))

    def arrived() -> set[str]:
        return sub.ids("main") | sub.ids("dls")

    async def until(condition) -> None:
        while not condition():
            assert not sending.done() or sending.exception() is None, sending.exception()
            await asyncio.sleep(0.01)

    # Dispatching is under way; then the subscriber stalls, so deliveries hang in flight and a backlog of
    # accepted events builds up in the channel; the platform is killed in the middle of that.
    # (The stall stays well under the 2 s delivery timeout, so no delivery gives up because of it.)
    await until(lambda: len(arrived()) >= EVENTS // 10)
    sub.gate.clear()
    stalled = time.monotonic()
    await until(lambda: len(producer.accepted) - len(arrived()) >= EVENTS // 5 or time.monotonic() - stalled > 1.0)
    platform.stop(signal.SIGKILL)
    sub.gate.set()
    accepted_at_kill = set(producer.accepted)
    backlog = accepted_at_kill - arrived()
    killed_at = time.monotonic() - started
    await asyncio.to_thread(restart, platform, url)
    await sending
    accepted = set(producer.accepted)
    assert accepted == set(ids)

    failing = {i for i in ids if i.endswith("7")}
    deadline = time.monotonic() + 60
    while not (accepted <= sub.ids("main") and failing <= sub.ids("dls")) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    missing = accepted - arrived()
    print(f"{durable.kind}: killed at {killed_at:.1f}s with {len(accepted_at_kill)} accepted, {len(backlog)} of them "
          f"not yet delivered; {producer.refused} refused sends; all arrived after {time.monotonic() - started:.1f}s")
    assert not missing, f"{len(missing)} accepted events never arrived, e.g. {sorted(missing)[:10]}"
    assert backlog, "the kill should have left accepted events undelivered (else this shows nothing)"
    assert len(accepted_at_kill) < EVENTS // 2, "the kill should come well before every event was accepted"
    assert sub.ids("dls") == failing, "events the subscriber always refuses are dead-lettered, the others are not"
    assert sub.ids("main") == set(ids)


async def test_a_subscriber_that_was_down_gets_the_backlog_even_across_a_platform_crash(
    platform: Served, durable: DurableKind, sub: Subscriber
):
    """The subscriber is down (connection refused) while events are accepted; the platform is SIGKILLed with
    the events still being retried, and started again while the subscriber is still down; when the subscriber
    comes back it gets every event. Retries outlast the downtime (Knative's exponential backoff), so nothing is
    dead-lettered: the backlog was kept by the channel, not by the platform's memory."""
    name = unique("backlog")
    down = Subscriber()
    port = down.port
    down.close()  # nothing listens there now: deliveries are refused
    delivery = ("    retry: 12\n    backoffPolicy: exponential\n    backoffDelay: PT0.1S\n    timeout: PT2S\n"
                f"    deadLetterSink: {{uri: '{sub.url('ok/backlog-dls')}'}}\n")
    apply(platform, broker_and_trigger(name, f"http://127.0.0.1:{port}/ok/backlog", delivery))
    url = wait_ready(platform, "broker", name)["status"]["address"]["url"]
    wait_ready(platform, "trigger", f"{name}-t")
    ids = [f"b{i:04d}" for i in range(300)]
    producer = Producer(url, concurrency=16)
    await producer.send(ids, deadline=time.monotonic() + 30)
    assert producer.refused == 0 and set(producer.accepted) == set(ids)

    await asyncio.sleep(1.0)  # deliveries are tried and refused, and backed off
    platform.stop(signal.SIGKILL)
    await asyncio.to_thread(restart, platform, url)
    await asyncio.sleep(1.0)  # the platform is back, the subscriber is still down
    back = Subscriber(port)
    try:
        got = await asyncio.to_thread(lambda: back.wait_for("backlog", len(ids), timeout=45))
        assert {r.ce("id") for r in got} >= set(ids), f"missing {sorted(set(ids) - {r.ce('id') for r in got})[:10]}"
        assert sub.at("backlog-dls") == [], "retries outlast the downtime: nothing is dead-lettered"
    finally:
        back.close()


def kind_resource(durable: DurableKind) -> str:
    return durable.kind.lower()


async def wait_until(condition, what: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not await condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        await asyncio.sleep(0.2)


CHANNEL_AND_SUBSCRIPTION = """
apiVersion: %(api)s
kind: %(kind)s
metadata: {name: %(name)s}
---
apiVersion: messaging.knative.dev/v1
kind: Subscription
metadata: {name: %(name)s-s}
spec:
  channel: {apiVersion: %(api)s, kind: %(kind)s, name: %(name)s}
  subscriber: {uri: '%(uri)s'}
"""
GENERIC_CHANNEL = {"api": "messaging.knative.dev/v1", "kind": "Channel"}


async def test_deleting_subscriptions_and_channels_removes_consumers_topics_and_streams(
    platform: Served, durable: DurableKind, sub: Subscriber
):
    ns = "default"
    # A generic Channel gets its backing channel from default-ch-webhook: the durable kind.
    ch = unique("chan")
    apply(platform, CHANNEL_AND_SUBSCRIPTION % {**GENERIC_CHANNEL, "name": ch, "uri": sub.url(f"ok/{ch}")})
    address = wait_ready(platform, "channel", ch)["status"]["address"]["url"]
    backing = json.loads(platform.ok("get", kind_resource(durable), ch, "-o", "json"))
    assert backing["apiVersion"] == durable.api_version
    sub_uid = wait_ready(platform, "subscription", f"{ch}-s")["metadata"]["uid"]
    producer = Producer(address, concurrency=1)
    await producer.send(["c-1"], deadline=time.monotonic() + 10)
    assert [r.ce("id") for r in await asyncio.to_thread(sub.wait_for, ch, 1)] == ["c-1"]
    assert await durable.backing_exists(ns, ch)
    assert await durable.consumer_exists(ns, ch, sub_uid)

    platform.ok("delete", "subscription", f"{ch}-s")
    await wait_until(lambda: _not(durable.consumer_exists(ns, ch, sub_uid)), "the subscription's consumer is gone")
    assert await durable.backing_exists(ns, ch), "deleting a subscription keeps the channel"
    platform.ok("delete", "channel", ch)
    await wait_until(lambda: _not(durable.backing_exists(ns, ch)), "the channel's topic/stream is gone")

    # A Broker's trigger channel: deleting the Trigger removes its consumer, deleting the Broker its topic/stream.
    br = unique("gone")
    apply(platform, broker_and_trigger(br, sub.url(f"ok/{br}"), "    retry: 0\n"))
    wait_ready(platform, "broker", br)
    trigger_uid = wait_ready(platform, "trigger", f"{br}-t")["metadata"]["uid"]
    trigger_channel = f"{br}-kne-trigger"
    assert await durable.backing_exists(ns, trigger_channel)
    assert await durable.consumer_exists(ns, trigger_channel, trigger_uid)
    platform.ok("delete", "trigger", f"{br}-t")
    await wait_until(lambda: _not(durable.consumer_exists(ns, trigger_channel, trigger_uid)), "the trigger's consumer is gone")
    platform.ok("delete", "broker", br)
    await wait_until(lambda: _not(durable.backing_exists(ns, trigger_channel)), "the broker's topic/stream is gone")


async def _not(check) -> bool:
    return not await check


async def test_a_subscription_on_a_kafka_channel_is_delivered_in_order(tmp_path: Path, tansu_broker, sub: Subscriber):
    """Knative's KafkaChannel delivers every subscription in order (one event at a time per partition), however
    long each delivery takes; the subscriber here answers after a random wait."""
    api_version, kind = KINDS["kafka"]
    served = start_platform(tmp_path, DurableKind("kafka", api_version, kind, tansu_broker.bootstrap_servers))
    try:
        name = unique("ordered")
        apply(served, CHANNEL_AND_SUBSCRIPTION % {"api": api_version, "kind": kind, "name": name,
                                                    "uri": sub.url(f"jitter/{name}")})
        address = wait_ready(served, "kafkachannel", name)["status"]["address"]["url"]
        wait_ready(served, "subscription", f"{name}-s")
        ids = [f"o{i:03d}" for i in range(300)]
        producer = Producer(address, concurrency=1)  # one at a time: the channel holds them in this order
        await producer.send(ids, deadline=time.monotonic() + 30)
        got = await asyncio.to_thread(sub.wait_for, name, len(ids))
        assert [r.ce("id") for r in got] == ids
    finally:
        served.stop(signal.SIGKILL)


async def test_a_trigger_on_a_kafka_channel_broker_is_delivered_in_order_by_default(tmp_path: Path, tansu_broker,
                                                                                  sub: Subscriber):
    """A channel-based Broker over a KafkaChannel: its Triggers' subscriptions are on a KafkaChannel, which Knative
    delivers in order."""
    api_version, kind = KINDS["kafka"]
    served = start_platform(tmp_path, DurableKind("kafka", api_version, kind, tansu_broker.bootstrap_servers))
    try:
        name = unique("tordered")
        apply(served, broker_and_trigger(name, sub.url(f"jitter/{name}"), "    retry: 1\n", order=""))
        address = wait_ready(served, "broker", name)["status"]["address"]["url"]
        wait_ready(served, "trigger", f"{name}-t")
        ids = [f"t{i:03d}" for i in range(200)]
        await Producer(address, concurrency=1).send(ids, deadline=time.monotonic() + 30)
        got = await asyncio.to_thread(sub.wait_for, name, len(ids))
        assert [r.ce("id") for r in got] == ids
    finally:
        served.stop(signal.SIGKILL)


def _pyknative(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "pyknative"), *args], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={**os.environ, **(env or {})})


def test_plugins_lists_both_durable_channel_plugins_with_their_kinds():
    out = _pyknative("plugins")
    assert out.returncode == 0, out.stderr
    rows = {cells[0]: cells for cells in (line.split() for line in out.stdout.splitlines()[1:]) if cells}
    assert rows["kafka"] == ["kafka", "channel", "pyknative-channel-kafka", "loaded", "KafkaChannel", "KafkaChannel"]
    assert rows["nats"] == ["nats", "channel", "pyknative-channel-nats", "loaded", "NatsJetStreamChannel",
                            "NatsJetStreamChannel"]


@pytest.mark.parametrize(("extra", "sdk"), [("kafka", "aiokafka"), ("nats", "nats")])
def test_a_durable_channel_whose_plugin_is_not_installed_fails_start_up_naming_the_extra(tmp_path, extra, sdk):
    """The plugin's client library cannot be imported (as after `pip install pyknative` without the extra): the
    plugin is listed as failed with the extra that fixes it, and a config that selects its kind does not start."""
    fake = tmp_path / "site" / sdk
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text(f"raise ModuleNotFoundError('No module named {sdk}', name={sdk!r})\n")
    env = {"PYTHONPATH": str(tmp_path / "site")}
    api_version, kind = KINDS[extra]
    durable = DurableKind(extra, api_version, kind, "127.0.0.1:9" if extra == "kafka" else "nats://127.0.0.1:9")

    listed = _pyknative("plugins", env=env)
    assert listed.returncode == 0, listed.stderr
    assert f"channel/{extra} failed to load: ModuleNotFoundError" in listed.stdout
    assert f"fix: pip install 'pyknative[{extra}]'" in listed.stdout

    def serve(ops: str) -> subprocess.CompletedProcess:
        config = tmp_path / "ops.yaml"
        config.write_text(ops)
        return _pyknative("serve", "--config", str(config), "--data-dir", str(tmp_path / "data"),
                          "--gateway-port", "0", "--admin-port", "0", "--eventing-port", "0", env=env)

    # the operator config selects the kind and configures its plugin's section
    res = serve(durable.ops_yaml())
    assert res.returncode == 2, res.stdout + res.stderr
    section = "config-kafka" if extra == "kafka" else "config-nats"
    assert (f"error: {section}: unknown section: it configures a plugin that is not installed; "
            f"install it with: pip install 'pyknative[{extra}]'") in res.stderr
    # only the kind: the Broker default channel names it
    res = serve(durable.ops_yaml().split(f"{section}:")[0])
    assert res.returncode == 2, res.stdout + res.stderr
    assert (f"error: config-br-default-channel.channel-template-spec: {kind!r} is not provided by any installed "
            f"plugin; install it with: pip install 'pyknative[{extra}]'") in res.stderr
