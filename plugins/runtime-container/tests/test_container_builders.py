"""The pure parts: Revision → pod → the engine's create bodies, image references, pull policies, registry
credentials from Secrets, and where the engine is looked for."""

from __future__ import annotations

import base64
import json

import pytest
from pyknative_runtime_container import engine
from pyknative_runtime_container.images import credentials, pinned, registry_of, split_reference
from pyknative_runtime_container.resources import (
    CONTAINER_LABEL,
    INSTANCE_LABEL,
    PLATFORM_LABEL,
    build_pod,
    create_body,
    pull_policy,
)

from pyknative.api.core import ConfigMap, Secret
from pyknative.api.serving import Revision
from pyknative.roles.runtime import (
    ConfigError,
    ExecProbe,
    GRPCProbe,
    HTTPGetProbe,
    Machine,
    Sources,
    TCPProbe,
)


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


SOURCES = Sources(
    "ns",
    secrets={"db": Secret.from_dict({"metadata": {"name": "db", "namespace": "ns"}, "data": {"pass": b64("pw")}})},
    config_maps={"app": ConfigMap.from_dict({"metadata": {"name": "app", "namespace": "ns"},
                                             "data": {"LEVEL": "debug", "conf.ini": "x=1"}})},
)


def revision(*containers: dict, status: dict | None = None, **spec) -> Revision:
    doc = {
        "metadata": {"name": "r-00001", "namespace": "ns", "uid": "u-1",
                     "labels": {"serving.knative.dev/service": "svc", "serving.knative.dev/configuration": "svc"}},
        "spec": {"containers": list(containers) or [{"image": "example.com/app:1"}], **spec},
    }
    if status:
        doc["status"] = status
    return Revision.from_dict(doc)


def body(rev: Revision, index: int = 0, **kw) -> dict:
    pod = build_pod(rev, SOURCES, Machine())
    defaults = dict(platform="p1", instance_id="r-00001-abc123", fields={"name": "r-00001-abc123", "uid": "u"},
                    host_port=40001 if index == 0 else None)
    return create_body(pod, pod.containers[index], **{**defaults, **kw})


def env(b: dict) -> dict:
    return dict(e.split("=", 1) for e in b["Env"])


def test_image_env_port_and_labels():
    b = body(revision({"image": "example.com/app:1", "ports": [{"containerPort": 9000}],
                       "env": [{"name": "A", "value": "1"}, {"name": "POD", "valueFrom": {"fieldRef": {
                           "fieldPath": "metadata.name"}}}],
                       "envFrom": [{"configMapRef": {"name": "app"}}]}))
    assert b["Image"] == "example.com/app:1"
    expected = {"A": "1", "LEVEL": "debug", "PORT": "9000", "K_REVISION": "r-00001", "K_SERVICE": "svc",
                "K_CONFIGURATION": "svc", "POD": "r-00001-abc123"}
    assert {k: env(b).get(k) for k in expected} == expected
    assert "PATH" not in env(b)  # nothing of the platform's environment
    assert b["ExposedPorts"] == {"9000/tcp": {}}
    assert b["HostConfig"]["PortBindings"] == {"9000/tcp": [{"HostIp": "127.0.0.1", "HostPort": "40001"}]}
    labels = b["Labels"]
    assert labels["serving.knative.dev/revision"] == "r-00001" and labels["serving.knative.dev/service"] == "svc"
    assert labels["serving.knative.dev/revisionUID"] == "u-1"
    assert (labels[PLATFORM_LABEL], labels[INSTANCE_LABEL], labels[CONTAINER_LABEL]) == (
        "p1", "r-00001-abc123", "user-container")
    assert "Entrypoint" not in b and "Cmd" not in b  # the image's own
    assert b["StopTimeout"] == 30  # Kubernetes' default grace


def test_default_port_is_8080():
    assert env(body(revision()))["PORT"] == "8080"


def test_resolved_digest_runs_instead_of_the_tag():
    rev = revision(status={"containerStatuses": [{"name": "user-container",
                                                  "imageDigest": "example.com/app@sha256:abc"}]})
    assert body(rev)["Image"] == "example.com/app@sha256:abc"


@pytest.mark.parametrize(
    ("container", "entrypoint", "cmd"),
    [
        ({"command": ["/app", "$(A)"]}, ["/app", "1"], []),  # command alone drops the image's CMD
        ({"args": ["--port", "$(PORT)"]}, None, ["--port", "8080"]),  # args alone keep the ENTRYPOINT
        ({"command": ["/app"], "args": ["$(MISSING)", "$$(A)"]}, ["/app"], ["$(MISSING)", "$(A)"]),
    ],
)
def test_command_and_args_as_kubernetes(container, entrypoint, cmd):
    b = body(revision({"image": "x:1", "env": [{"name": "A", "value": "1"}], **container}))
    assert b.get("Entrypoint") == entrypoint
    assert b.get("Cmd") == cmd


def test_security_context_resources_and_working_dir():
    rev = revision({"image": "x:1", "workingDir": "/srv",
                    "resources": {"limits": {"cpu": "500m", "memory": "128Mi"}},
                    "securityContext": {"runAsUser": 1000, "runAsGroup": 2000, "readOnlyRootFilesystem": True,
                                        "allowPrivilegeEscalation": False,
                                        "capabilities": {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]}}},
                   terminationGracePeriodSeconds=7)
    b = body(rev)
    hc = b["HostConfig"]
    assert (b["WorkingDir"], b["User"], b["StopTimeout"]) == ("/srv", "1000:2000", 7)
    assert hc["ReadonlyRootfs"] is True and hc["CapDrop"] == ["ALL"] and hc["CapAdd"] == ["NET_BIND_SERVICE"]
    assert hc["SecurityOpt"] == ["no-new-privileges"]
    assert (hc["Memory"], hc["NanoCpus"]) == (128 * 1024 * 1024, 500_000_000)
    # an engine that cannot apply limits gets none (the docs name them)
    hc = body(rev, limits=(False, False))["HostConfig"]
    assert "Memory" not in hc and "NanoCpus" not in hc


def test_volumes_bind_their_files_read_only_where_asked(tmp_path):
    rev = revision({"image": "x:1", "volumeMounts": [{"name": "cfg", "mountPath": "/etc/app", "readOnly": True},
                                                      {"name": "scratch", "mountPath": "/tmp/s"}]},
                   volumes=[{"name": "cfg", "configMap": {"name": "app"}}, {"name": "scratch", "emptyDir": {}}])
    pod = build_pod(rev, SOURCES, Machine())
    assert {f.path for f in pod.serving.volumes.files} == {"cfg/LEVEL", "cfg/conf.ini"}
    b = create_body(pod, pod.serving, platform="p", instance_id="i", fields={}, volumes_dir=tmp_path)
    assert b["HostConfig"]["Binds"] == [f"{tmp_path}/volumes/cfg:/etc/app:ro", f"{tmp_path}/volumes/scratch:/tmp/s"]


def test_missing_secret_is_a_config_error():
    rev = revision({"image": "x:1", "env": [{"name": "P", "valueFrom": {"secretKeyRef": {"name": "nope",
                                                                                         "key": "k"}}}]})
    with pytest.raises(ConfigError, match='secret "nope" not found'):
        build_pod(rev, SOURCES, Machine())


def test_sidecar_joins_the_serving_containers_network():
    rev = revision({"name": "side", "image": "side:1"}, {"name": "app", "image": "app:1",
                                                         "ports": [{"containerPort": 8080}]})
    pod = build_pod(rev, SOURCES, Machine())
    assert [c.name for c in pod.containers] == ["app", "side"]  # the serving container first
    side = create_body(pod, pod.containers[1], platform="p", instance_id="i", fields={}, network_of="abc")
    assert side["HostConfig"]["NetworkMode"] == "container:abc" and "PortBindings" not in side["HostConfig"]
    assert "PORT" not in env(side)


@pytest.mark.parametrize(
    ("probe", "handler"),
    [
        ({"httpGet": {"path": "/healthz", "port": 8080}}, HTTPGetProbe(path="/healthz")),
        ({"tcpSocket": {"port": 8080}}, TCPProbe()),
        ({"exec": {"command": ["cat", "/ready"]}}, ExecProbe(command=("cat", "/ready"))),
        ({"grpc": {"port": 8080, "service": "s"}}, GRPCProbe(service="s")),
    ],
)
def test_probes(probe, handler):
    pod = build_pod(revision({"image": "x:1", "readinessProbe": {**probe, "periodSeconds": 2},
                              "livenessProbe": probe}), SOURCES, Machine())
    assert pod.readiness.handler == handler and pod.readiness.period_seconds == 2
    assert pod.liveness is not None and pod.liveness.handler == handler


@pytest.mark.parametrize(
    ("container", "policy"),
    [
        ({"image": "ghcr.io/knative/helloworld-go"}, "Always"),
        ({"image": "app:latest"}, "Always"),
        ({"image": "localhost:5000/app:1"}, "IfNotPresent"),
        ({"image": "app@sha256:abc"}, "IfNotPresent"),
        ({"image": "app", "imagePullPolicy": "Never"}, "Never"),
    ],
)
def test_pull_policy_defaults_as_kubernetes(container, policy):
    assert pull_policy(revision(container).spec.containers[0]) == policy


@pytest.mark.parametrize(
    ("image", "parts", "registry"),
    [
        ("nginx", ("nginx", None, None), "docker.io"),
        ("library/nginx:1.25", ("library/nginx", "1.25", None), "docker.io"),
        ("localhost:5000/a/b:2", ("localhost:5000/a/b", "2", None), "localhost:5000"),
        ("ghcr.io/knative/helloworld-go@sha256:ab", ("ghcr.io/knative/helloworld-go", None, "sha256:ab"), "ghcr.io"),
    ],
)
def test_image_references(image, parts, registry):
    assert split_reference(image) == parts
    assert registry_of(image) == registry


def test_pinned_prefers_the_repository_digest_then_the_id():
    details = {"Id": "sha256:id", "RepoDigests": ["other/x@sha256:o", "ghcr.io/a/b@sha256:d"]}
    assert pinned("ghcr.io/a/b:latest", details) == "ghcr.io/a/b@sha256:d"
    assert pinned("c/d:1", details) == "c/d@sha256:o"
    assert pinned("c/d:1", {"Id": "sha256:id"}) == "sha256:id"


def _docker_secret(auths: dict, kind: str = ".dockerconfigjson") -> Secret:
    raw = json.dumps({"auths": auths} if kind == ".dockerconfigjson" else auths)
    return Secret.from_dict({"metadata": {"name": "s", "namespace": "ns"},
                             "type": "kubernetes.io/dockerconfigjson", "data": {kind: b64(raw)}})


def test_credentials_from_docker_config_secrets():
    secrets = [
        _docker_secret({"https://index.docker.io/v1/": {"auth": b64("hub:pw1")}}),
        _docker_secret({"ghcr.io": {"username": "me", "password": "tok"}}, kind=".dockercfg"),
    ]
    assert credentials(secrets, "docker.io") == {"username": "hub", "password": "pw1",
                                                 "serveraddress": "https://index.docker.io/v1/"}
    assert credentials(secrets, "ghcr.io")["password"] == "tok"
    assert credentials(secrets, "quay.io") is None


def test_engine_candidates_in_order():
    assert engine.candidates("/run/x.sock", {"DOCKER_HOST": "tcp://h:1"}) == ["unix:///run/x.sock"]
    assert engine.candidates("", {"DOCKER_HOST": "tcp://h:1"}) == ["tcp://h:1"]
    assert engine.candidates("", {"CONTAINER_HOST": "unix:///p.sock"}) == ["unix:///p.sock"]
    assert engine.candidates("", {"HOME": "/home/u", "XDG_RUNTIME_DIR": "/run/user/7"}) == [
        "unix:///var/run/docker.sock", "unix:///home/u/.docker/run/docker.sock",
        "unix:///run/user/7/podman/podman.sock", "unix:///run/podman/podman.sock",
    ]
