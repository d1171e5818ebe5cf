"""A rollout under load: 64 keep-alive connections keep sending requests while a Service's traffic moves 0 → 100%
to a new revision (whose instance is up but has had no request yet) and back. No request may fail or take a
second (an overflowed accept queue at the new instance costs a TCP retransmit: 1 s or more)."""

from __future__ import annotations

import asyncio
import time

import attrs
import pytest

from tests.e2e.serve import Served

pytestmark = pytest.mark.slow

HOST = "rollout.default.svc.cluster.local"
CONNECTIONS = 64
#: how long a connection pauses between requests (keeps 64 connections from taking every CPU of a small machine)
PAUSE = 0.005
#: a switch counts as done once this many responses in a row came from the revision switched to
SETTLED = 3 * CONNECTIONS


def _service(traffic: str) -> str:
    return f"""
apiVersion: serving.knative.dev/v1
kind: Service
metadata: {{name: rollout, namespace: default}}
spec:
  template:
    metadata:
      name: {{name}}
      annotations: {{autoscaling.knative.dev/min-scale: "1"}}
    spec:
      containers:
        - image: hello
          command: ["python3", "app.py"]
          workingDir: examples/hello
          env: [{{name: TARGET, value: {{target}}}}]
  traffic: {traffic}
"""


def _manifest(name: str, target: str, traffic: str) -> str:
    return _service(traffic).replace("{name}", name).replace("{target}", target)


@attrs.define
class Load:
    """Requests sent by ``CONNECTIONS`` keep-alive connections until stopped: (started, seconds, status, revision)."""

    gateway: tuple[str, int]
    results: list[tuple[float, float, int, str]] = attrs.field(factory=list)
    errors: list[str] = attrs.field(factory=list)
    stopping: bool = False

    async def connection(self) -> None:
        reader, writer = await asyncio.open_connection(*self.gateway)
        request = f"GET / HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode()
        try:
            while not self.stopping:
                started = time.monotonic()
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                status = int(head.split(b" ", 2)[1])
                length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                              if line.lower().startswith(b"content-length:"))
                body = (await reader.readexactly(length)).decode()
                took = time.monotonic() - started
                self.results.append((started, took, status, body.rsplit("(revision ", 1)[-1].rstrip(")\n")))
                if status != 200:
                    self.errors.append(f"{status}: {body.strip()}")
                await asyncio.sleep(PAUSE)
        except (OSError, asyncio.IncompleteReadError) as exc:
            self.errors.append(f"connection failed: {exc!r}")
        finally:
            writer.close()

    async def settled_on(self, revision: str, timeout: float) -> float:
        """Wait until the last ``SETTLED`` responses all came from ``revision``; returns how long it took."""
        started = time.monotonic()
        while True:
            recent = [r for _, _, _, r in self.results[-SETTLED:]]
            seen_after = [r for t, _, _, r in self.results if t > started]
            if len(seen_after) >= SETTLED and set(recent) == {revision}:
                return time.monotonic() - started
            assert time.monotonic() - started < timeout, f"traffic did not move to {revision} in {timeout}s"
            assert not self.errors, self.errors[:5]
            await asyncio.sleep(0.05)


async def test_moving_traffic_to_a_new_revision_and_back_under_load_stalls_nothing(served: Served):
    served.apply(_manifest("rollout-one", "one", "[{latestRevision: true, percent: 100}]"))
    await asyncio.to_thread(served.wait_ready, "ksvc", "rollout")
    # The new revision comes up beside the old one but gets no traffic yet.
    both = "[{{revisionName: rollout-one, percent: {one}}}, {{revisionName: rollout-two, percent: {two}}}]"
    served.apply(_manifest("rollout-two", "two", both.format(one=100, two=0)))
    await asyncio.to_thread(served.wait_ready, "revision", "rollout-two")

    load = Load(served.gateway)
    tasks = [asyncio.create_task(load.connection()) for _ in range(CONNECTIONS)]
    try:
        await load.settled_on("rollout-one", timeout=20)
        await asyncio.to_thread(served.apply, _manifest("rollout-two", "two", both.format(one=0, two=100)))
        to_new = await load.settled_on("rollout-two", timeout=20)
        await asyncio.to_thread(served.apply, _manifest("rollout-two", "two", both.format(one=100, two=0)))
        back = await load.settled_on("rollout-one", timeout=20)
    finally:
        load.stopping = True
        await asyncio.gather(*tasks, return_exceptions=True)
    slowest = max(took for _, took, _, _ in load.results)
    print(f"{len(load.results)} requests, slowest {slowest:.3f}s; moved in {to_new:.2f}s and back in {back:.2f}s")
    assert not load.errors, load.errors[:5]
    assert {r for _, _, _, r in load.results} == {"rollout-one", "rollout-two"}
    assert slowest < 1.0, f"a request took {slowest:.2f}s"
