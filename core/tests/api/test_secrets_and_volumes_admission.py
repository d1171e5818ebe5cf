"""Secret and ConfigMap admission as Kubernetes' API server does it, and the webhook's checks of a revision's env
sources and volumes: every error at once, each with its field path, none quoting a secret's value."""

import base64

import pytest

from pyknative.api.core import ConfigMap, Secret
from pyknative.api.kinds import AdmissionContext, Kinds, admit
from pyknative.api.kinds_plugin import registrations
from pyknative.api.serving import Service
from pyknative.errors import ValidationError

KINDS = Kinds(registrations())


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


async def admitted(obj, old=None):
    return await admit(KINDS, obj, old, AdmissionContext())


async def errors_of(obj, old=None) -> list[str]:
    try:
        await admitted(obj, old)
    except ValidationError as e:
        return [str(x) for x in e.errors]
    return []


def secret(**body) -> Secret:
    return Secret.from_dict({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "default"},
                             **body})


async def test_string_data_merges_into_data_on_write_and_is_not_kept():
    got = await admitted(secret(data={"a": b64("old"), "b": b64("kept")}, stringData={"a": "new"}))
    assert got.to_dict()["data"] == {"a": b64("new"), "b": b64("kept")}
    assert got.string_data is None and got.type == "Opaque"


SECRET_CASES = [
    pytest.param(secret(type="kubernetes.io/basic-auth", stringData={"username": "u"}), [], id="basic-auth"),
    pytest.param(
        secret(type="kubernetes.io/basic-auth", stringData={"token": "t"}),
        ["data[username]: required: a kubernetes.io/basic-auth Secret needs username or password"],
        id="basic-auth without username or password",
    ),
    pytest.param(
        secret(type="kubernetes.io/dockerconfigjson", stringData={".dockerconfigjson": '{"auths": {}}'}), [],
        id="dockerconfigjson",
    ),
    pytest.param(
        secret(type="kubernetes.io/dockerconfigjson", stringData={".dockerconfigjson": "hunter2 {"}),
        ["data[.dockerconfigjson]: <secret contents redacted>: not valid JSON"],
        id="dockerconfigjson not JSON, value not quoted",
    ),
    pytest.param(
        secret(type="kubernetes.io/dockerconfigjson", data={}),
        ["data[.dockerconfigjson]: required by type kubernetes.io/dockerconfigjson"],
        id="dockerconfigjson without its key",
    ),
    pytest.param(
        secret(data={"bad key": b64("x"), "ok": "not base64!"}, stringData={"n": 5}),
        ["stringData[n]: must be a string",
         "data[bad key]: a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
         "data[ok]: illegal base64 data: the value must be base64 (or use stringData)"],
        id="keys, base64 and stringData types all at once",
    ),
    pytest.param(secret(stringData={"..x": "v"}), ["data[..x]: must not be '.' or '..', nor start with '..'"],
                 id="dot-dot key"),
]


@pytest.mark.parametrize(("obj", "want"), SECRET_CASES)
async def test_secret_validation(obj, want):
    assert await errors_of(obj) == want


async def test_secret_type_and_an_immutable_secrets_data_never_change():
    old = await admitted(secret(immutable=True, stringData={"a": "1"}))
    new = secret(type="kubernetes.io/basic-auth", immutable=True, stringData={"username": "2"})
    assert await errors_of(new, old) == ["type: field is immutable", "data: field is immutable when `immutable` is set"]


async def test_config_map_validation():
    cm = ConfigMap.from_dict({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "d"},
                              "data": {"a": "1", "b!": "2"}, "binaryData": {"a": b64("x"), "bin": "%%"}})
    assert await errors_of(cm) == [
        "data[b!]: a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
        "binaryData[bin]: illegal base64 data: the value must be base64 (or use stringData)",
        "binaryData[a]: duplicate of key present in data",
    ]


def service(container: dict, volumes: list | None = None) -> Service:
    spec: dict = {"containers": [{"image": "x", "command": ["app"], **container}]}
    if volumes is not None:
        spec["volumes"] = volumes
    return Service.from_dict({"apiVersion": "serving.knative.dev/v1", "kind": "Service",
                              "metadata": {"name": "s", "namespace": "default"}, "spec": {"template": {"spec": spec}}})


C = "spec.template.spec.containers[0]"
V = "spec.template.spec.volumes"
POD_CASES = [
    pytest.param(
        service({"env": [{"name": "A", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k", "optional": True}}},
                         {"name": "B", "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['app']"}}},
                         {"name": "C", "valueFrom": {"resourceFieldRef": {"resource": "limits.memory",
                                                                          "divisor": "1Mi"}}}],
                 "envFrom": [{"configMapRef": {"name": "c"}, "prefix": "X_"}],
                 "volumeMounts": [{"name": "v", "mountPath": "/etc/v", "readOnly": True},
                                  {"name": "tmp", "mountPath": "/scratch"}]},
                [{"name": "v", "projected": {"sources": [{"secret": {"name": "s"}}, {"configMap": {"name": "c"}}]}},
                 {"name": "tmp", "emptyDir": {}}]),
        [], id="valid",
    ),
    pytest.param(
        service({"env": [{"name": "A", "valueFrom": {"secretKeyRef": {"name": "s"}, "fieldRef": {"fieldPath": "x"}}},
                         {"name": "B", "valueFrom": {"configMapKeyRef": {"key": "k"}}},
                         {"name": "C", "valueFrom": {"fieldRef": {"fieldPath": "status.phase"}}},
                         {"name": "D", "valueFrom": {"resourceFieldRef": {"resource": "limits.gpu"}}}],
                 "envFrom": [{"prefix": "P"}]}),
        [f"{C}.env[0].valueFrom: expected exactly one of secretKeyRef, configMapKeyRef, fieldRef, resourceFieldRef, "
         "got secretKeyRef, fieldRef",
         f"{C}.env[1].valueFrom.configMapKeyRef.name: required",
         f"{C}.env[2].valueFrom.fieldRef.fieldPath: unsupported value 'status.phase': supported values: metadata.name, "
         "metadata.namespace, metadata.uid, spec.nodeName, spec.serviceAccountName, status.hostIP, status.hostIPs, "
         "status.podIP, status.podIPs, metadata.labels['<key>'], metadata.annotations['<key>']",
         f"{C}.env[3].valueFrom.resourceFieldRef.resource: unsupported value 'limits.gpu': supported values: "
         "limits.cpu, limits.memory, limits.ephemeral-storage, requests.cpu, requests.memory, "
         "requests.ephemeral-storage",
         f"{C}.envFrom[0]: expected exactly one of configMapRef or secretRef, got none"],
        id="env sources",
    ),
    pytest.param(
        service({"volumeMounts": [{"name": "s", "mountPath": "/etc/s"}, {"name": "nope", "mountPath": "relative"},
                                  {"name": "e", "mountPath": "/dev"}, {"name": "e", "mountPath": "/etc/s/"}]},
                [{"name": "s", "secret": {"secretName": "s", "items": [{"key": "k", "path": "../up"}]}},
                 {"name": "e", "emptyDir": {"medium": "Disk"}}, {"name": "Bad", "hostPath": {"path": "/"}},
                 {"name": "unused", "configMap": {}}]),
        [f"{V}[0].secret.items[0].path: invalid path '../up': must be relative, without '..'",
         f"{V}[1].emptyDir.medium: unsupported value 'Disk': must be empty or Memory",
         f"{V}[2].name: invalid name 'Bad': must be a DNS-1123 label",
         f"{V}[2].hostPath: not supported: a Knative volume is a secret, configMap, emptyDir or projected",
         f"{V}[2].name: volume with name 'Bad' not mounted",
         f"{V}[3].configMap.name: required",
         f"{V}[3].name: volume with name 'unused' not mounted",
         f"{C}.volumeMounts[0].readOnly: volume mount should be readOnly for this type of volume",
         f"{C}.volumeMounts[1].name: volumeMount has no matching volume",
         f"{C}.volumeMounts[1].mountPath: invalid value 'relative': must be an absolute path",
         f"{C}.volumeMounts[2].mountPath: mountPath '/dev' is a reserved path",
         f"{C}.volumeMounts[3].mountPath: '/etc/s/' must be unique"],
        id="volumes and mounts",
    ),
]


@pytest.mark.parametrize(("obj", "want"), POD_CASES)
async def test_env_sources_and_volumes_validation(obj, want):
    assert await errors_of(obj) == want
