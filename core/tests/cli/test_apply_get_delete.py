"""``apply``, ``get`` and ``delete`` against a real admin server."""

from __future__ import annotations

import json
import textwrap

import attrs
import yaml
from click.testing import CliRunner

HELLO = """\
apiVersion: serving.knative.dev/v1
kind: Service
metadata:
  name: hello
  labels: {app: hello}
spec:
  template:
    spec:
      containers: [{image: "hello:1"}]
---
apiVersion: test.pyknative.dev/v1
kind: Widget
metadata: {name: w1}
spec: {size: 1}
"""


def write(tmp_path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return str(path)


def test_apply_prints_one_line_per_object(pk, tmp_path):
    f = write(tmp_path, "hello.yaml", HELLO)
    r = pk("apply", "-f", f)
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines() == [
        "service.serving.knative.dev/hello created",
        "widget.test.pyknative.dev/w1 created",
    ]
    r = pk("apply", "-f", f)
    assert r.stdout.splitlines() == [
        "service.serving.knative.dev/hello unchanged",
        "widget.test.pyknative.dev/w1 unchanged",
    ]
    r = pk("apply", "-f", write(tmp_path, "v2.yaml", HELLO.replace("hello:1", "hello:2")))
    assert r.stdout.splitlines() == [
        "service.serving.knative.dev/hello configured",
        "widget.test.pyknative.dev/w1 unchanged",
    ]


def test_apply_from_stdin_and_several_files_into_a_namespace(pk, tmp_path, server, support):
    extra = write(
        tmp_path,
        "w2.yaml",
        "apiVersion: test.pyknative.dev/v1\nkind: Widget\nmetadata: {name: w2}\nspec: {ref: w1}\n",
    )
    r = pk("apply", "-n", "team", "-f", "-", "-f", extra, input=HELLO)
    assert r.exit_code == 0, r.output
    assert len(r.stdout.splitlines()) == 3
    stored = server.call(server.store.get(support.Widget, "team", "w2"))
    assert stored.spec.ref == "w1"


def test_apply_with_errors_prints_every_error_and_stores_nothing(pk, tmp_path, server, support):
    bad = HELLO.replace("spec: {size: 1}", "spec: {size: -3, ref: ghost}") + textwrap.dedent(
        """\
        ---
        apiVersion: serving.knative.dev/v1
        kind: Service
        metadata: {name: split}
        spec:
          template: {spec: {}}
          traffic: [{percent: 150}]
        ---
        apiVersion: nowhere/v1
        kind: Mystery
        metadata: {name: m}
        """
    )
    r = pk("apply", "-f", write(tmp_path, "bad.yaml", bad))
    assert r.exit_code == 1
    assert r.stdout == ""
    assert r.stderr.splitlines() == [
        'error: Widget "w1": spec.size: must not be negative, got -3',
        "error: Widget \"w1\": spec.ref: no Widget 'ghost' in namespace 'default'",
        'error: Service "split": spec.traffic[0].percent: must be between 0 and 100, got 150',
        'error: Service "split": spec.traffic: traffic percents must sum to 100, got 150',
        "error: Mystery \"m\": kind: no kind 'Mystery' in 'nowhere/v1' is installed",
    ]
    assert server.call(server.store.list(support.Service)) == []


def test_apply_names_the_document_when_it_has_no_name(pk, tmp_path):
    r = pk(
        "apply",
        "-f",
        write(tmp_path, "x.yaml", "apiVersion: test.pyknative.dev/v1\nkind: Widget\nspec: {size: 1}\n"),
    )
    assert r.exit_code == 1
    assert (
        r.stderr.strip()
        == f"error: {tmp_path / 'x.yaml'}: document 1 (line 1): metadata.name: name or generateName is required"
    )


def test_yaml_errors_name_file_and_line(pk, tmp_path):
    f = write(tmp_path, "broken.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: [unclosed\n")
    r = pk("apply", "-f", f)
    assert r.exit_code == 1
    assert r.stderr.startswith(f"error: error parsing {f}:5:1:")
    r = pk("apply", "-f", str(tmp_path / "missing.yaml"))
    assert r.exit_code == 1 and "does not exist" in r.stderr


def _seed(server, support):
    """A ready service with two revisions splitting traffic, a route and a configuration."""
    store = server.store

    async def seed():
        svc = await store.create(
            support.Service(metadata=_meta("hello", app="hello"), spec=support.ServiceSpec(template={"a": 1}))
        )
        await store.update_status(
            attrs.evolve(
                svc,
                status=support.ready_status(
                    url="http://hello.default.example.com",
                    latest_ready_revision_name="hello-00002",
                    observed_generation=1,
                ),
            )
        )
        await store.create(
            support.Service(metadata=_meta("broken", app="other"), spec=support.ServiceSpec(template={}))
        )
        b = await store.get(support.Service, "default", "broken")
        await store.update_status(
            attrs.evolve(b, status=support.ready_status("False", "RevisionFailed", "image pull failed"))
        )
        for gen in (1, 2):
            labels = {
                "serving.knative.dev/service": "hello",
                "serving.knative.dev/configurationGeneration": str(gen),
            }
            rev = await store.create(support.Revision(metadata=_meta(f"hello-0000{gen}", **labels)))
            runtime = {"pyknative.dev/runtime": "local" if gen == 1 else "container"}
            await store.update_status(attrs.evolve(rev, status=support.ready_status(extra={"annotations": runtime})))
        route = await store.create(support.Route(metadata=_meta("hello")))
        traffic = (
            support.TrafficTarget(revision_name="hello-00001", percent=20),
            support.TrafficTarget(revision_name="hello-00002", percent=70),
            support.TrafficTarget(revision_name="hello-00002", percent=10, tag="canary"),
        )
        await store.update_status(
            attrs.evolve(
                route, status=support.ready_status(url="http://hello.default.example.com", traffic=traffic)
            )
        )
        cfg = await store.create(support.Configuration(metadata=_meta("hello")))
        await store.update_status(
            attrs.evolve(
                cfg,
                status=support.ready_status(
                    latest_created_revision_name="hello-00002", latest_ready_revision_name="hello-00002"
                ),
            )
        )
        await store.create(support.Widget(metadata=_meta("w1")))

    server.call(seed())


def _meta(name: str, namespace: str = "default", **labels: str):
    from pyknative.api.meta import ObjectMeta

    return ObjectMeta(name=name, namespace=namespace, labels=labels or None)


def _rows(text: str) -> list[list[str]]:
    import re

    return [re.split(r" {3,}", line.strip()) for line in text.strip().splitlines()]


def test_get_services_table(pk, server, support):
    _seed(server, support)
    r = pk("get", "ksvc")
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["NAME", "URL", "LATEST", "READY", "REASON"]
    assert lines[1].split() == ["broken", "False", "RevisionFailed"]
    assert lines[2].split() == ["hello", "http://hello.default.example.com", "hello-00002", "True"]
    # columns line up under their headers
    assert lines[2].index("hello-00002") == lines[0].index("LATEST")
    # any name for the kind works
    for name in ("services", "service", "kservice", "services.serving.knative.dev"):
        assert pk("get", name).stdout == r.stdout


def test_get_revisions_routes_configurations_and_other_kinds(pk, server, support):
    _seed(server, support)
    assert _rows(pk("get", "rev").stdout) == [
        ["NAME", "SERVICE", "TRAFFIC", "GENERATION", "RUNTIME", "READY", "REASON"],
        ["hello-00001", "hello", "20%", "1", "local", "True"],
        ["hello-00002", "hello", "80%", "2", "container", "True"],
    ]
    assert _rows(pk("get", "route").stdout) == [
        ["NAME", "URL", "READY"],
        ["hello", "http://hello.default.example.com", "True"],
    ]
    assert _rows(pk("get", "config").stdout) == [
        ["NAME", "LATEST CREATED", "LATEST READY", "READY", "REASON"],
        ["hello", "hello-00002", "hello-00002", "True"],
    ]
    rows = _rows(pk("get", "widgets").stdout)
    assert rows[0] == ["NAME", "READY", "REASON", "AGE"]
    assert rows[1][0] == "w1" and rows[1][-1].endswith("s")
    wide = _rows(pk("get", "ksvc", "hello", "-o", "wide").stdout)
    assert wide[0] == ["NAME", "URL", "LATEST", "AGE", "CONDITIONS", "READY", "REASON"]
    assert wide[1][4] == "1 OK / 1"


def test_get_yaml_json_name_selector_and_all_namespaces(pk, server, support):
    _seed(server, support)
    one = yaml.safe_load(pk("get", "ksvc", "hello", "-o", "yaml").stdout)
    assert one["kind"] == "Service" and one["status"]["url"] == "http://hello.default.example.com"
    many = json.loads(pk("get", "ksvc", "-o", "json").stdout)
    assert many["kind"] == "List" and [i["metadata"]["name"] for i in many["items"]] == ["broken", "hello"]
    assert pk("get", "ksvc", "-l", "app=hello", "-o", "name").stdout == "service.serving.knative.dev/hello\n"

    server.call(
        server.store.create(
            support.Service(metadata=_meta("far", "other"), spec=support.ServiceSpec(template={}))
        )
    )
    r = pk("get", "ksvc", "-A")
    assert [row[:2] for row in _rows(r.stdout)] == [
        ["NAMESPACE", "NAME"],
        ["default", "broken"],
        ["default", "hello"],
        ["other", "far"],
    ]
    assert _rows(pk("get", "ksvc", "-n", "other").stdout)[1][0] == "far"
    assert _rows(pk("-n", "other", "get", "ksvc").stdout)[1][0] == "far"

    r = pk("get", "ksvc", "-n", "empty")
    assert r.exit_code == 0 and r.stdout == "" and r.stderr == "No resources found in empty namespace.\n"


def test_get_errors(pk, server, support):
    r = pk("get", "nosuchkind")
    assert r.exit_code == 1
    assert r.stderr.startswith('error: the server doesn\'t have a resource type "nosuchkind" (it has: ')
    r = pk("get", "ksvc", "ghost")
    assert r.exit_code == 1
    assert r.stderr == 'Error from server (NotFound): services.serving.knative.dev "ghost" not found\n'


def test_delete_by_name_and_by_file(pk, server, support, tmp_path):
    f = write(tmp_path, "hello.yaml", HELLO)
    pk("apply", "-f", f)
    r = pk("delete", "ksvc", "hello")
    assert r.exit_code == 0, r.output
    assert r.stdout == 'service.serving.knative.dev "hello" deleted\n'
    r = pk("delete", "ksvc", "hello")
    assert r.exit_code == 1 and "NotFound" in r.stderr
    assert pk("delete", "ksvc", "hello", "--ignore-not-found").exit_code == 0

    pk("apply", "-f", f)
    r = pk("delete", "-f", f)
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines() == [
        'service.serving.knative.dev "hello" deleted',
        'widget.test.pyknative.dev "w1" deleted',
    ]
    assert server.call(server.store.list(support.Widget)) == []
    assert pk("delete").exit_code == 2


def test_unreachable_server_is_one_clear_line(tmp_path):
    import socket

    from pyknative.cli import cli

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    r = CliRunner().invoke(cli, ["get", "ksvc"], env={"PYKNATIVE_SERVER": url})
    assert r.exit_code == 1
    assert r.stderr.splitlines() == [
        f"error: cannot reach the pyknative server at {url}: is `pyknative serve` running? (Connection refused)"
    ]
