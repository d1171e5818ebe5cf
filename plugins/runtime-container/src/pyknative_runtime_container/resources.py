"""Pure builders: a Revision → the pod its container instances run (:class:`PodSpec`), and one container of one
instance → the Docker Engine API's create body (:func:`create_body`).

What maps to what (docs/runtime.md has the table): ``image`` → the digest resolved when the revision was created
(``status.containerStatuses``), else the image as written; ``command``/``args`` → ``Entrypoint``/``Cmd`` with
``$(VAR)`` expanded from the container's env (a ``command`` without ``args`` drops the image's ``CMD``, as
Kubernetes does); ``env``/``envFrom`` resolved against the revision's Secrets and ConfigMaps, then the runtime
contract (``PORT`` = the container port, ``K_SERVICE``, ``K_CONFIGURATION``, ``K_REVISION``); volumes written
on this machine and bind-mounted at their ``mountPath``; ``workingDir``; ``securityContext`` (``runAsUser``,
``runAsGroup``, ``readOnlyRootFilesystem``, ``capabilities``, ``allowPrivilegeEscalation: false``, ``privileged``);
``resources.limits`` cpu and memory when the engine can apply them. The serving container publishes its port on
a loopback port the gateway routes to; the others (sidecars) join its network, as containers of one pod do.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from pyknative.api.podspec import Container
from pyknative.api.serving import (
    CONFIGURATION_LABEL,
    REVISION_LABEL,
    REVISION_UID_LABEL,
    SERVICE_LABEL,
    Revision,
)
from pyknative.config.values import parse_quantity
from pyknative.roles.runtime import (
    Machine,
    NotRunnableError,
    Readiness,
    Sources,
    Volumes,
    container_env,
    expand,
    readiness_of,
    resolve_volumes,
)

#: labels every container of the platform carries (found by them at start-up, see :mod:`.sweep`)
PLATFORM_LABEL = "pyknative.dev/platform"
INSTANCE_LABEL = "pyknative.dev/instance"
CONTAINER_LABEL = "pyknative.dev/container"
#: Kubernetes' default terminationGracePeriodSeconds
DEFAULT_GRACE_SECONDS = 30.0
DEFAULT_PORT = 8080
PULL_POLICIES = ("Always", "IfNotPresent", "Never")


@attrs.frozen
class ContainerTemplate:
    """One container of the pod, as every instance runs it."""

    name: str
    #: the image as written, and the reference to run (its digest once resolved)
    image: str
    run_image: str
    entrypoint: tuple[str, ...] | None = None
    cmd: tuple[str, ...] | None = None
    env: Mapping[str, str] = attrs.field(factory=dict, converter=dict, hash=False, repr=False)
    #: variables each instance fills at its start (``fieldRef: metadata.name|uid``)
    instance_env: Mapping[str, str] = attrs.field(factory=dict, converter=dict, hash=False)
    working_dir: str | None = None
    user: str | None = None
    read_only_rootfs: bool = False
    privileged: bool = False
    no_new_privileges: bool = False
    cap_add: tuple[str, ...] = ()
    cap_drop: tuple[str, ...] = ()
    memory_bytes: int | None = None
    nano_cpus: int | None = None
    volumes: Volumes | None = None
    #: mountPaths mounted read-only
    read_only_mounts: frozenset[str] = frozenset()
    #: the container port published to the gateway (the serving container's), None for a sidecar
    port: int | None = None


@attrs.frozen
class PodSpec:
    """A Revision's instance as the container runtime runs it: its containers (the serving one first), its
    readiness and liveness, its labels and its stop grace. Equal specs mean "unchanged"."""

    key: str
    containers: tuple[ContainerTemplate, ...]
    readiness: Readiness = attrs.field(factory=Readiness)
    liveness: Readiness | None = None
    labels: Mapping[str, str] = attrs.field(factory=dict, converter=dict, hash=False)
    grace_seconds: float = DEFAULT_GRACE_SECONDS

    @property
    def serving(self) -> ContainerTemplate:
        return self.containers[0]


def platform_key(data_dir: Path | str) -> str:
    """The label value that marks this platform's containers (one per data directory)."""
    return hashlib.sha256(str(Path(data_dir).resolve()).encode()).hexdigest()[:16]


def _extra(obj: Any, key: str, default: Any = None) -> Any:
    return (getattr(obj, "extra", None) or {}).get(key, default)


def pull_policy(c: Container) -> str:
    """The container's ``imagePullPolicy`` as written, else Kubernetes' default (``Always`` for ``:latest`` or no
    tag, ``IfNotPresent`` otherwise; a digest never needs a pull)."""
    policy = _extra(c, "imagePullPolicy")
    if policy:
        return str(policy)
    image = c.image or ""
    if "@" in image:
        return "IfNotPresent"
    last = image.rsplit("/", 1)[-1]
    return "Always" if ":" not in last or last.endswith(":latest") else "IfNotPresent"


def _limits(c: Container) -> tuple[int | None, int | None]:
    limits = (c.resources.limits if c.resources else None) or {}
    memory = cpu = None
    if limits.get("memory") is not None:
        memory = int(parse_quantity(str(limits["memory"])))
    if limits.get("cpu") is not None:
        cpu = math.ceil(parse_quantity(str(limits["cpu"])) * 1e9)
    return memory, cpu


def _security(c: Container) -> dict[str, Any]:
    sc = _extra(c, "securityContext") or {}
    out: dict[str, Any] = {}
    uid, gid = sc.get("runAsUser"), sc.get("runAsGroup")
    if uid is not None:
        out["user"] = f"{uid}:{gid}" if gid is not None else str(uid)
    elif gid is not None:
        out["user"] = f"0:{gid}"
    out["read_only_rootfs"] = bool(sc.get("readOnlyRootFilesystem"))
    out["privileged"] = bool(sc.get("privileged"))
    out["no_new_privileges"] = sc.get("allowPrivilegeEscalation") is False
    caps = sc.get("capabilities") or {}
    out["cap_add"] = tuple(str(x) for x in caps.get("add") or ())
    out["cap_drop"] = tuple(str(x) for x in caps.get("drop") or ())
    return out


def _template(
    rev: Revision, c: Container, sources: Sources, machine: Machine, digests: Mapping[str, str], serving: bool
) -> ContainerTemplate:
    if not c.image:
        raise NotRunnableError("InvalidImageName", f"container {c.name or 'user-container'!r} has no image")
    env, instance = container_env(rev, c, sources, machine)
    port = (c.container_port() or DEFAULT_PORT) if serving else None
    if port is not None:
        env["PORT"] = str(port)
    entrypoint = tuple(expand(x, env) for x in c.command) if c.command else None
    cmd = tuple(expand(x, env) for x in c.args) if c.args else (() if c.command else None)
    name = c.name or "user-container"
    memory, cpu = _limits(c)
    return ContainerTemplate(
        name=name,
        image=c.image,
        run_image=digests.get(name) or c.image,
        entrypoint=entrypoint,
        cmd=cmd,
        env=env,
        instance_env=instance,
        working_dir=c.working_dir,
        memory_bytes=memory,
        nano_cpus=cpu,
        volumes=resolve_volumes(rev, c, sources),
        read_only_mounts=frozenset(m.mount_path for m in c.volume_mounts or () if m.read_only and m.mount_path),
        port=port,
        **_security(c),
    )


def digests_of(rev: Revision) -> dict[str, str]:
    """Container name → the digest recorded in ``status.containerStatuses``."""
    statuses = (rev.status.container_statuses if rev.status else None) or ()
    return {s.name: s.image_digest for s in statuses if s.name and s.image_digest}


def build_pod(rev: Revision, sources: Sources, machine: Machine, inherit: tuple[str, ...] = ()) -> PodSpec:
    """What to run for ``rev`` (``inherit`` is the local runtime's: a container gets nothing of the platform's
    environment). Raises ConfigError when a Secret or ConfigMap it needs is missing."""
    containers = (rev.spec.containers if rev.spec else None) or ()
    if not containers:
        raise NotRunnableError("NoContainer", "the revision has no container to run")
    serving = rev.spec.serving_container
    ordered = [serving, *(c for c in containers if c is not serving)]
    digests = digests_of(rev)
    templates = tuple(_template(rev, c, sources, machine, digests, c is serving) for c in ordered)
    assert serving is not None
    readiness = readiness_of(serving.readiness_probe, templates[0].port)
    liveness = readiness_of(serving.liveness_probe, templates[0].port) if serving.liveness_probe else None
    labels = rev.metadata.labels or {}
    grace = _extra(rev.spec, "terminationGracePeriodSeconds")
    return PodSpec(
        key=rev.key,
        containers=templates,
        readiness=readiness,
        liveness=liveness,
        labels={
            SERVICE_LABEL: labels.get(SERVICE_LABEL, ""),
            CONFIGURATION_LABEL: labels.get(CONFIGURATION_LABEL, ""),
            REVISION_LABEL: rev.name,
            REVISION_UID_LABEL: rev.metadata.uid or "",
            "serving.knative.dev/namespace": rev.namespace,
        },
        grace_seconds=float(grace) if grace is not None else DEFAULT_GRACE_SECONDS,
    )


def container_name(instance_id: str, namespace: str, container: str) -> str:
    """The engine's name of one container of one instance (unique: the instance id has a random part)."""
    return f"pyknative-{namespace}-{instance_id}-{container}"


def create_body(
    pod: PodSpec,
    c: ContainerTemplate,
    *,
    platform: str,
    instance_id: str,
    fields: Mapping[str, str],
    host: str = "127.0.0.1",
    host_port: int | None = None,
    network_of: str | None = None,
    volumes_dir: Path | None = None,
    limits: tuple[bool, bool] = (True, True),
) -> dict[str, Any]:
    """The create body of container ``c`` of one instance. ``fields`` fill ``instance_env`` (``name``, ``uid``);
    the serving container publishes its port on ``host``:``host_port``; a sidecar joins ``network_of`` (the
    serving container's id); ``volumes_dir`` holds the container's volumes as files; ``limits`` says whether the
    engine applies (memory, cpu) limits."""
    env = {**c.env, **{var: fields.get(field, "") for var, field in c.instance_env.items()}}
    host_config: dict[str, Any] = {}
    body: dict[str, Any] = {
        "Image": c.run_image,
        "Env": [f"{k}={v}" for k, v in env.items()],
        "Labels": {
            **{k: v for k, v in pod.labels.items() if v},
            PLATFORM_LABEL: platform,
            INSTANCE_LABEL: instance_id,
            CONTAINER_LABEL: c.name,
        },
        "StopTimeout": math.ceil(pod.grace_seconds),
        "HostConfig": host_config,
    }
    if c.entrypoint is not None:
        body["Entrypoint"] = list(c.entrypoint)
        body["Cmd"] = list(c.cmd or ())
    elif c.cmd is not None:
        body["Cmd"] = list(c.cmd)
    if c.working_dir:
        body["WorkingDir"] = c.working_dir
    if c.user:
        body["User"] = c.user
    if c.port is not None and host_port is not None:
        body["ExposedPorts"] = {f"{c.port}/tcp": {}}
        host_config["PortBindings"] = {f"{c.port}/tcp": [{"HostIp": host, "HostPort": str(host_port)}]}
    if network_of is not None:
        host_config["NetworkMode"] = f"container:{network_of}"
    if c.read_only_rootfs:
        host_config["ReadonlyRootfs"] = True
    if c.privileged:
        host_config["Privileged"] = True
    if c.cap_add:
        host_config["CapAdd"] = list(c.cap_add)
    if c.cap_drop:
        host_config["CapDrop"] = list(c.cap_drop)
    if c.no_new_privileges:
        host_config["SecurityOpt"] = ["no-new-privileges"]
    if c.memory_bytes is not None and limits[0]:
        host_config["Memory"] = c.memory_bytes
    if c.nano_cpus is not None and limits[1]:
        host_config["NanoCpus"] = c.nano_cpus
    if c.volumes is not None and volumes_dir is not None:
        host_config["Binds"] = [
            f"{volumes_dir / 'volumes' / target}:{mount}" + (":ro" if mount in c.read_only_mounts else "")
            for mount, target in c.volumes.mounts
        ]
    return body
