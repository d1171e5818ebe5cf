"""A real Podman (``podman system service`` on a temporary socket, its own storage) for the whole session, with
the helloworld-go stand-in built in it. A missing podman or busybox-static skips here and fails in CI."""

from __future__ import annotations

import pytest
from pyknative_runtime_container.testing import podman_for_tests


@pytest.fixture(scope="session")
def podman(tmp_path_factory):
    with podman_for_tests(tmp_path_factory.mktemp("podman")) as service:
        yield service
