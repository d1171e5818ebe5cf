"""Helpers for plugin authors' tests (they import pytest; nothing else in the core does).

The project's rule for tests that need a real server (nats-server, the Kafka broker, Redis): a missing binary
skips them on a developer's machine and FAILS them in CI (``CI=true``), so a broken install never passes.
"""

from __future__ import annotations

import os


def require_binary(path: str | None, message: str) -> str:
    """``path`` when the server binary was found; else skip the test here, or fail it in CI, with ``message``."""
    if path is not None:
        return path
    import pytest

    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)
