"""``pyknative.testing.require_binary``: a missing server skips a test locally and fails it in CI."""

from __future__ import annotations

import pytest

from pyknative.testing import require_binary


def test_a_found_binary_is_returned():
    assert require_binary("/usr/bin/nats-server", "missing") == "/usr/bin/nats-server"


@pytest.mark.parametrize(("ci", "outcome"), [("true", pytest.fail.Exception), ("TRUE", pytest.fail.Exception),
                                             (None, pytest.skip.Exception), ("false", pytest.skip.Exception)])
def test_a_missing_binary_fails_in_ci_and_skips_elsewhere(monkeypatch, ci, outcome):
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match="nats-server is missing"):
        require_binary(None, "nats-server is missing")
