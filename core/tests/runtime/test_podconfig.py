"""Resolving a revision's env and volumes against Secrets and ConfigMaps as the kubelet does, and what an instance
gets of the platform's environment."""

from __future__ import annotations

import base64
import os
import stat

import pytest

from pyknative.api.core import ConfigMap, Secret
from pyknative.api.serving import Revision
from pyknative.runtime import podconfig
from pyknative.runtime.podconfig import ConfigError, Machine, Sources
from pyknative.runtime.resources import make_process_spec
from pyknative.runtime.spec import ProcessSpec, VolumeFile, Volumes
from pyknative.runtime.volumes import child_env, inherited, materialize, remove

MACHINE = Machine(host_ip="127.0.0.1", node_name="box", cpu=8.0, memory=16 * 2**30, ephemeral_storage=1e12)


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


SOURCES = Sources(
    "ns",
    secrets={"db": Secret.from_dict({"metadata": {"name": "db", "namespace": "ns"},
                                     "data": {"user": b64("admin"), "pass": b64("pw"), "bad key": b64("x")}})},
    config_maps={"app": ConfigMap.from_dict({"metadata": {"name": "app", "namespace": "ns"},
                                             "data": {"LEVEL": "debug", "user": "from-cm"},
                                             "binaryData": {"blob": b64("\x00\x01")}})},
)


def revision(container: dict, volumes: list | None = None, **spec) -> Revision:
    body = {"containers": [{"image": "x", "command": ["app", "$(USER)"], **container}], **spec}
    if volumes is not None:
        body["volumes"] = volumes
    return Revision.from_dict({
        "metadata": {"name": "r-00001", "namespace": "ns", "uid": "u-1", "labels": {"app": "shop"},
                     "annotations": {"team": "a"}},
        "spec": body,
    })


def env_of(container: dict, sources: Sources = SOURCES, **spec) -> tuple[dict, dict]:
    rev = revision(container, **spec)
    return podconfig.resolve_env(rev, rev.spec.containers[0], sources, MACHINE)


def secret_ref(key: str, name: str = "db", **kw) -> dict:
    return {"valueFrom": {"secretKeyRef": {"name": name, "key": key, **kw}}}


ENV_CASES = [
    pytest.param(
        {"envFrom": [{"configMapRef": {"name": "app"}}, {"secretRef": {"name": "db"}, "prefix": "DB_"},
                     {"secretRef": {"name": "db"}}],
         "env": [{"name": "DSN", "value": "pg://$(DB_user):$(DB_pass)@h/$(NOPE)"}, {"name": "LEVEL", "value": "info"}]},
        {"LEVEL": "info", "blob": "\x00\x01", "user": "admin", "pass": "pw", "DB_user": "admin", "DB_pass": "pw",
         "DSN": "pg://admin:pw@h/$(NOPE)"},
        id="envFrom in turn (later wins, invalid key skipped), then env, $(VAR) from what came before",
    ),
    pytest.param(
        {"env": [{"name": "A", **secret_ref("user")}, {"name": "B", **secret_ref("k", name="gone", optional=True)},
                 {"name": "C", **secret_ref("gone", optional=True)}],
         "envFrom": [{"secretRef": {"name": "gone", "optional": True}}]},
        {"A": "admin"},
        id="optional refs to what is missing leave the variable unset",
    ),
    pytest.param(
        {"env": [{"name": "NS", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}},
                 {"name": "APP", "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['app']"}}},
                 {"name": "REV", "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['serving.knative.dev/revision']"}}},
                 {"name": "TEAM", "valueFrom": {"fieldRef": {"fieldPath": "metadata.annotations['team']"}}},
                 {"name": "NODE", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}},
                 {"name": "SA", "valueFrom": {"fieldRef": {"fieldPath": "spec.serviceAccountName"}}},
                 {"name": "IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}}]},
        {"NS": "ns", "APP": "shop", "REV": "r-00001", "TEAM": "a", "NODE": "box", "SA": "default", "IP": "127.0.0.1"},
        id="fieldRef reads the instance as a pod",
    ),
    pytest.param(
        {"resources": {"limits": {"memory": "512Mi", "cpu": "1500m"}},
         "env": [{"name": "MEM_MI", "valueFrom": {"resourceFieldRef": {"resource": "limits.memory", "divisor": "1Mi"}}},
                 {"name": "CPU", "valueFrom": {"resourceFieldRef": {"resource": "limits.cpu"}}},
                 {"name": "REQ_M", "valueFrom": {"resourceFieldRef": {"resource": "requests.cpu", "divisor": "1m"}}},
                 {"name": "REQ_MEM", "valueFrom": {"resourceFieldRef": {"resource": "requests.ephemeral-storage"}}},
                 {"name": "DISK", "valueFrom": {"resourceFieldRef": {"resource": "limits.ephemeral-storage",
                                                                     "divisor": "1G"}}}]},
        {"MEM_MI": "512", "CPU": "2", "REQ_M": "1500", "REQ_MEM": "0", "DISK": "1000"},
        id="resourceFieldRef: rounded up, a request defaults to its limit, an unset limit is the machine's",
    ),
]


@pytest.mark.parametrize(("container", "want"), ENV_CASES)
def test_resolve_env(container, want):
    assert env_of(container)[0] == want


def test_pod_name_and_uid_are_filled_by_each_instance():
    env, instance = env_of({"env": [{"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                                    {"name": "UID", "valueFrom": {"fieldRef": {"fieldPath": "metadata.uid"}}}]})
    assert (env, instance) == ({}, {"POD": "name", "UID": "uid"})
    spec = ProcessSpec(key="ns/r", command=("app",), env={"A": "1"}, instance_env=instance, inherit=())
    assert child_env(spec, 8123, name="r-00001-abc", uid="u") == {
        "PYTHONUNBUFFERED": "1", "A": "1", "POD": "r-00001-abc", "UID": "u", "PORT": "8123"
    }


MISSING_CASES = [
    pytest.param({"env": [{"name": "A", **secret_ref("user", name="nope")}]}, 'secret "nope" not found', id="secret"),
    pytest.param({"env": [{"name": "A", **secret_ref("token")}]}, "couldn't find key token in Secret ns/db",
                 id="secret key"),
    pytest.param({"env": [{"name": "A", "valueFrom": {"configMapKeyRef": {"name": "app", "key": "x"}}}]},
                 "couldn't find key x in ConfigMap ns/app", id="configmap key"),
    pytest.param({"envFrom": [{"configMapRef": {"name": "cfg"}}]}, 'configmap "cfg" not found', id="envFrom"),
]


@pytest.mark.parametrize(("container", "message"), MISSING_CASES)
def test_what_is_missing_is_a_create_container_config_error(container, message):
    with pytest.raises(ConfigError, match=message) as info:
        env_of(container)
    assert info.value.reason == "CreateContainerConfigError"
    assert podconfig.problem(revision(container), SOURCES) == message


def test_missing_volume_source_and_references():
    rev = revision({"volumeMounts": [{"name": "v", "mountPath": "/v", "readOnly": True}]},
                   [{"name": "v", "secret": {"secretName": "later"}}])
    assert podconfig.problem(rev, SOURCES) == 'secret "later" not found'
    assert podconfig.references(rev) == {("Secret", "later")}
    assert podconfig.uses(rev, Secret.from_dict({"metadata": {"name": "later", "namespace": "ns"}}))
    assert not podconfig.uses(rev, Secret.from_dict({"metadata": {"name": "later", "namespace": "other"}}))


def test_volumes_are_files_with_items_modes_projections_and_mounts():
    volumes = [
        {"name": "creds", "secret": {"secretName": "db", "defaultMode": 0o640,
                                     "items": [{"key": "user", "path": "nested/u"}, {"key": "pass", "path": "p",
                                                                                     "mode": 0o400}]}},
        {"name": "all", "projected": {"sources": [{"configMap": {"name": "app", "items": [{"key": "user",
                                                                                          "path": "user"}]}},
                                                  {"secret": {"name": "db", "items": [{"key": "user", "path": "user"}]}},
                                                  {"configMap": {"name": "absent", "optional": True}}]}},
        {"name": "scratch", "emptyDir": {}},
    ]
    mounts = [{"name": "creds", "mountPath": "/etc/creds", "readOnly": True},
              {"name": "all", "mountPath": "/etc/user", "subPath": "user", "readOnly": True},
              {"name": "scratch", "mountPath": "/tmp/work"}]
    rev = revision({"volumeMounts": mounts}, volumes)
    got = podconfig.resolve_volumes(rev, rev.spec.containers[0], SOURCES)
    assert got == Volumes(
        dirs=("creds", "all", "scratch"),
        files=(VolumeFile("creds/nested/u", b"admin", 0o640), VolumeFile("creds/p", b"pw", 0o400),
               VolumeFile("all/user", b"admin", 0o644)),  # the later projected source wins
        mounts=(("/etc/creds", "creds"), ("/etc/user", "all/user"), ("/tmp/work", "scratch")),
    )


def test_instance_directory_holds_private_files_and_mount_links(tmp_path):
    home = tmp_path / "inst"
    volumes = Volumes(dirs=("creds", "scratch"), files=(VolumeFile("creds/u", b"admin", 0o644),),
                      mounts=(("/etc/creds", "creds"), ("/etc/u", "creds/u")))
    materialize(volumes, home)
    assert stat.S_IMODE(os.stat(home).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(home / "volumes/creds/u").st_mode) == 0o600  # no group or other bits
    assert (home / "root/etc/creds/u").read_text() == "admin" and (home / "root/etc/u").read_text() == "admin"
    assert list((home / "volumes/scratch").iterdir()) == []
    remove(home)
    assert not home.exists()


def test_only_the_named_platform_variables_are_inherited():
    environ = {"PATH": "/bin", "HOME": "/h", "LC_ALL": "C", "AWS_SECRET_ACCESS_KEY": "k", "UV_CACHE_DIR": "/c"}
    assert inherited(("PATH", "HOME", "LC_*"), environ) == {"PATH": "/bin", "HOME": "/h", "LC_ALL": "C"}
    assert inherited(("UV_*",), environ) == {"UV_CACHE_DIR": "/c"}


def test_process_spec_expands_the_command_from_resolved_env():
    rev = revision({"env": [{"name": "USER", **secret_ref("user")}]})
    spec = make_process_spec(rev, SOURCES, MACHINE, inherit=("PATH",))
    assert spec.command == ("app", "admin") and spec.inherit == ("PATH",) and spec.volumes is None
    assert spec.env["USER"] == "admin" and spec.env["K_REVISION"] == "r-00001"
    assert " env=" not in repr(spec)  # a log line with the spec does not print the resolved secrets


def test_instances_reach_cluster_local_addresses_through_the_gateway_as_their_http_proxy():
    machine = Machine(host_ip="127.0.0.1", node_name="box", cluster_proxy="http://127.0.0.1:8080")
    env = make_process_spec(revision({}), SOURCES, machine, inherit=()).env
    assert env["http_proxy"] == env["HTTP_PROXY"] == "http://127.0.0.1:8080"
    assert env["no_proxy"] == env["NO_PROXY"] == "localhost,127.0.0.1,::1"
    own = revision({"env": [{"name": "HTTP_PROXY", "value": "http://corp:3128"}]})
    env = make_process_spec(own, SOURCES, machine, inherit=()).env
    assert env["HTTP_PROXY"] == "http://corp:3128" and "http_proxy" not in env and "no_proxy" not in env
    assert "http_proxy" not in make_process_spec(revision({}), SOURCES, MACHINE, inherit=()).env  # no gateway
