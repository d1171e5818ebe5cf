"""Secrets, ConfigMaps and the environment end to end: a real `pyknative serve` whose own environment holds a
variable instances must not see, a Service that echoes what its Secrets and ConfigMaps gave it."""

from __future__ import annotations

import json
import time

import pytest

from tests.e2e.serve import Served, get

pytestmark = pytest.mark.slow

#: echoes its environment and the files named in $FILES (under $PYKNATIVE_ROOT), with their modes
ECHO = """
import http.server, json, os, pathlib
root = os.environ.get("PYKNATIVE_ROOT", "")
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        files = {}
        for name in filter(None, os.environ.get("FILES", "").split(",")):
            p = pathlib.Path(root + name)
            files[name] = [p.read_text(), oct(p.stat().st_mode & 0o777)] if p.exists() else None
        body = json.dumps({"env": dict(os.environ), "files": files}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
http.server.HTTPServer(("127.0.0.1", int(os.environ["PORT"])), H).serve_forever()
"""

CONFIG = """\
apiVersion: v1
kind: Secret
metadata: {name: db}
type: kubernetes.io/basic-auth
stringData: {username: admin, password: s3cr3t}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: app}
data: {LOG_LEVEL: debug, app.yaml: "greeting: hi"}
"""


def _service(name: str, env: list, *, env_from: list | None = None, volumes: list | None = None,
             mounts: list | None = None) -> str:
    container = {"image": "echo", "command": ["python3", "-c", ECHO], "env": env}
    if env_from:
        container["envFrom"] = env_from
    if mounts:
        container["volumeMounts"] = mounts
    spec: dict = {"containers": [container]}
    if volumes:
        spec["volumes"] = volumes
    return json.dumps({"apiVersion": "serving.knative.dev/v1", "kind": "Service", "metadata": {"name": name},
                       "spec": {"template": {"spec": spec}}})


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    d = tmp_path_factory.mktemp("pyknative")
    config = d / "config.yaml"
    config.write_text("pyknative:\n  instance-env-passthrough: PYKNATIVE_E2E_PASS*\n")
    env = {"PYKNATIVE_E2E_LEAK": "operator-secret", "PYKNATIVE_E2E_PASSED": "yes"}
    s = Served(d / "data", config=config, env=env).start()
    yield s
    s.stop()


def _echo(served: Served, name: str) -> dict:
    status, body = get(served.gateway, f"{name}.default.svc.cluster.local")
    assert status == 200, body
    return json.loads(body)


def _ready(served: Served, name: str) -> None:
    served.ok("wait", "ksvc", name, "--for", "condition=Ready", "--timeout", "90s")


def test_secret_and_config_map_reach_env_env_from_and_volumes(served: Served):
    served.ok("apply", "-f", "-", input=CONFIG)
    env = [
        {"name": "DB_USER", "valueFrom": {"secretKeyRef": {"name": "db", "key": "username"}}},
        {"name": "LEVEL", "valueFrom": {"configMapKeyRef": {"name": "app", "key": "LOG_LEVEL"}}},
        {"name": "DSN", "value": "pg://$(DB_USER)@db"},
        {"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
        {"name": "NS", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}},
        {"name": "NOPE", "valueFrom": {"secretKeyRef": {"name": "absent", "key": "k", "optional": True}}},
        {"name": "FILES", "value": "/etc/creds/user,/etc/creds/password,/etc/app/app.yaml"},
    ]
    volumes = [
        {"name": "creds", "secret": {"secretName": "db", "items": [{"key": "username", "path": "user"}]}},
        {"name": "app", "configMap": {"name": "app"}},
    ]
    mounts = [{"name": "creds", "mountPath": "/etc/creds", "readOnly": True},
              {"name": "app", "mountPath": "/etc/app", "readOnly": True}]
    served.ok("apply", "-f", "-", input=_service("echo", env, env_from=[{"secretRef": {"name": "db"}, "prefix": "DB_"}],
                                                   volumes=volumes, mounts=mounts))
    _ready(served, "echo")
    seen = _echo(served, "echo")
    got = seen["env"]
    assert (got["DB_USER"], got["DB_password"], got["LEVEL"], got["DSN"]) == ("admin", "s3cr3t", "debug", "pg://admin@db")
    assert got["POD"].startswith("echo-00001-") and got["NS"] == "default" and "NOPE" not in got
    assert seen["files"] == {
        "/etc/creds/user": ["admin", "0o600"],
        "/etc/creds/password": None,  # items list only username
        "/etc/app/app.yaml": ["greeting: hi", "0o600"],
    }
    assert sorted(p.name for p in (served.data_dir / "run").rglob("volumes/*")) == ["app", "creds"]

    table = served.ok("get", "secrets")
    assert table.split("\n")[0].split() == ["NAME", "TYPE", "DATA", "AGE"]
    assert table.split("\n")[1].split()[:3] == ["db", "kubernetes.io/basic-auth", "2"]
    assert "s3cr3t" not in table and "czNjcjN0" not in table
    assert served.ok("get", "cm", "app").split("\n")[1].split()[:2] == ["app", "2"]
    stored = json.loads(served.ok("get", "secret", "db", "-o", "json"))
    assert stored["data"] == {"username": "YWRtaW4=", "password": "czNjcjN0"} and "stringData" not in stored


def test_platform_environment_does_not_leak_but_passthrough_does(served: Served):
    served.ok("apply", "-f", "-", input=_service("plain", [{"name": "MINE", "value": "1"}]))
    _ready(served, "plain")
    got = _echo(served, "plain")["env"]
    assert "PYKNATIVE_E2E_LEAK" not in got
    assert got["PYKNATIVE_E2E_PASSED"] == "yes" and got["MINE"] == "1" and got["K_SERVICE"] == "plain"
    assert {"PATH", "PORT", "K_REVISION", "K_CONFIGURATION"} <= set(got)


def _ready_condition(served: Served, name: str) -> dict:
    rev = json.loads(served.ok("get", "rev", f"{name}-00001", "-o", "json"))
    return next((c for c in rev.get("status", {}).get("conditions", ()) if c["type"] == "Ready"), {})


def test_missing_secret_is_create_container_config_error_until_it_is_applied(served: Served):
    env = [{"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "later", "key": "token"}}}]
    served.ok("apply", "-f", "-", input=_service("waits", env))
    deadline = time.monotonic() + 60
    while (ready := _ready_condition(served, "waits")).get("reason") != "CreateContainerConfigError":
        assert time.monotonic() < deadline, ready
        time.sleep(0.2)
    assert ready["status"] == "False" and ready["message"] == 'secret "later" not found'

    served.ok("apply", "-f", "-", input='{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "later"},'
                                        ' "stringData": {"other": "x"}}')
    deadline = time.monotonic() + 60
    while (ready := _ready_condition(served, "waits")).get("message") != "couldn't find key token in Secret default/later":
        assert time.monotonic() < deadline, ready
        time.sleep(0.2)

    served.ok("apply", "-f", "-", input='{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "later"},'
                                        ' "stringData": {"token": "one"}}')
    _ready(served, "waits")
    assert _echo(served, "waits")["env"]["TOKEN"] == "one"

    # A changed Secret reaches new instances: the running ones are replaced by ones that read it.
    served.ok("apply", "-f", "-", input='{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "later"},'
                                        ' "stringData": {"token": "two"}}')
    deadline = time.monotonic() + 60
    while _echo(served, "waits")["env"]["TOKEN"] != "two":
        assert time.monotonic() < deadline
        time.sleep(0.2)


def test_broker_config_names_a_config_map_applied_after_it(served: Served):
    broker = ('{"apiVersion": "eventing.knative.dev/v1", "kind": "Broker", "metadata": {"name": "custom"},'
              ' "spec": {"config": {"apiVersion": "v1", "kind": "ConfigMap", "name": "br-channel"}}}')
    served.ok("apply", "-f", "-", input=broker)
    deadline = time.monotonic() + 30
    while True:
        b = json.loads(served.ok("get", "broker", "custom", "-o", "json"))
        chan = next((c for c in b.get("status", {}).get("conditions", ()) if c["type"] == "TriggerChannelReady"), {})
        if chan.get("reason") == "ChannelTemplateFailed":
            break
        assert time.monotonic() < deadline, b.get("status")
        time.sleep(0.2)
    assert 'configmap "br-channel" not found' in chan["message"]

    config_map = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "br-channel"},
                  "data": {"channel-template-spec": "apiVersion: messaging.knative.dev/v1\nkind: InMemoryChannel\n"}}
    served.ok("apply", "-f", "-", input=json.dumps(config_map))
    served.ok("wait", "broker", "custom", "--for", "condition=Ready", "--timeout", "30s")
    assert "custom-kne-trigger" in served.ok("get", "imc")
