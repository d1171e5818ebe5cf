"""A plugin distribution from outside the workspace brings a whole kind: model, controller, columns, an HTTP route
and a CLI verb, all through the core's public API, all driven through a real `pyknative serve`.

The distribution is ``examples/kind-plugin`` (docs/plugins.md walks through it), installed with ``uv pip install
--target`` into a directory that only the `pyknative serve` process and the CLI see on their ``PYTHONPATH``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from tests.e2e.serve import ROOT, Served

pytestmark = pytest.mark.slow

INBOX = """
apiVersion: inbox.example.pyknative.dev/v1alpha1
kind: Inbox
metadata: {name: letters}
spec: {capacity: 2}
"""


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    site = tmp_path_factory.mktemp("site")
    uv = shutil.which("uv")
    cmd = (
        [uv, "pip", "install", "--python", sys.executable] if uv else [sys.executable, "-m", "pip", "install"]
    )
    subprocess.run(
        [*cmd, "--quiet", "--no-deps", "--target", str(site), str(ROOT / "examples" / "kind-plugin")],
        check=True,
        timeout=300,
    )
    env = {
        "PYTHONPATH": str(site),
        "XDG_CACHE_HOME": str(site / "cache"),
    }  # stevedore caches entry points there
    s = Served(tmp_path_factory.mktemp("data"), env=env).start()
    yield s
    s.stop()


def _row(served: Served, name: str) -> dict[str, str]:
    """One row of `get inboxes`, cut at the header's column starts (a cell may be empty)."""
    lines = served.ok("get", "inboxes").splitlines()
    header = lines[0]
    starts = [i for i, ch in enumerate(header) if ch != " " and (i == 0 or header[i - 1] == " ")]
    names = header.split()
    for line in lines[1:]:
        cells = [line[a:b].strip() for a, b in zip(starts, [*starts[1:], None], strict=True)]
        if cells[0] == name:
            return dict(zip(names, cells, strict=True))
    raise AssertionError(lines)


def _wait_row(served: Served, name: str, **want: str) -> dict[str, str]:
    deadline = time.monotonic() + 20
    while True:
        row = _row(served, name)
        if all(row.get(k) == v for k, v in want.items()):
            return row
        assert time.monotonic() < deadline, (row, want)
        time.sleep(0.2)


def test_the_plugin_kind_is_admitted_with_its_own_defaulting_and_validation(served: Served):
    bad = served.cli(
        "apply", "-f", "-", input=INBOX.replace("letters", "big").replace("capacity: 2", "capacity: 5000")
    )
    assert bad.returncode != 0
    assert "spec.capacity: must be between 1 and 1000, got 5000" in bad.stderr
    served.ok("apply", "-f", "-", input=INBOX.replace("letters", "plain").replace("spec: {capacity: 2}", ""))
    obj = json.loads(served.ok("get", "ibx", "plain", "-o", "json"))
    assert obj["spec"]["capacity"] == 10


def test_its_controller_columns_route_and_cli_verb_work_together(served: Served):
    served.ok("apply", "-f", "-", input=INBOX)
    # The controller reconciled it: Ready, with the URL of the route the plugin mounted on the event listener.
    row = _wait_row(served, "letters", READY="True")
    assert list(row) == ["NAME", "URL", "RECEIVED", "LAST", "READY", "AGE"]
    assert row["RECEIVED"] == "0" and row["LAST"] == ""
    url = row["URL"]
    assert url.endswith("/inbox.example.pyknative.dev/default/letters")

    # The CLI verb posts through the route; the controller counts it; the columns show it.
    assert served.ok("inbox", "post", "letters", "hello").strip() == "inbox/letters: message 1 received"
    served.ok("inbox", "post", "letters", "second")
    served.ok("inbox", "post", "letters", "third")
    row = _wait_row(served, "letters", RECEIVED="3", LAST="third")
    assert served.ok("inbox", "messages", "letters").splitlines() == ["second", "third"]  # capacity 2

    # The route answers with the platform's rules: unknown objects 404, wrong methods 405, bodies over the limit 413.
    def call(target: str, method: str = "POST", data: bytes | None = b"x") -> int:
        try:
            with urllib.request.urlopen(
                urllib.request.Request(target, data=data, method=method), timeout=10
            ) as r:
                return r.status
        except urllib.error.HTTPError as e:
            return e.code

    assert call(url.replace("/letters", "/nobody")) == 404
    assert call(url, method="DELETE", data=None) == 405
    assert call(url, data=b"x" * (5 * 1024 * 1024)) == 413
    # The broker paths of the same listener are untouched by the plugin's route.
    assert (
        call(url.split("/inbox.example.pyknative.dev/")[0] + "/default/nobroker") == 400
    )  # not a CloudEvent

    # `pyknative plugins` lists the kind and the verb.
    report = served.ok("plugins")
    assert any(line.split()[:2] == ["inbox", "cli"] for line in report.splitlines()), report
    assert any(line.split()[:2] == ["inbox", "kinds"] and "Inbox" in line for line in report.splitlines()), (
        report
    )


def test_deleting_the_object_ends_it_for_the_route(served: Served):
    served.ok("apply", "-f", "-", input=INBOX.replace("letters", "gone"))
    url = _wait_row(served, "gone", READY="True")["URL"]
    served.ok("delete", "inbox", "gone")
    deadline = time.monotonic() + 10
    while True:
        try:
            urllib.request.urlopen(urllib.request.Request(url, data=b"x", method="POST"), timeout=10)
        except urllib.error.HTTPError as e:
            if e.code == 404:
                break
        assert time.monotonic() < deadline
        time.sleep(0.2)
