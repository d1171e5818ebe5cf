"""Pure builder of what the local runtime runs for a Revision: command, env (runtime contract), volumes, readiness.

The local runtime runs a container's ``command`` + ``args`` as a process; it cannot pull or run an image, so a
container with only an ``image`` is refused with a message saying what to add, and so is a projected volume source
it cannot fill (``serviceAccountToken``, ``downwardAPI``). The env and volumes are resolved against the revision's
Secrets and ConfigMaps by :mod:`pyknative.runtime.podconfig`; ``$(VAR)`` references in command and args expand
from the container's env, as Kubernetes does. ``PORT`` is the instance's own port (several instances of one
revision share the machine), not the container port.

Knative's addresses (``http://<service>.<namespace>.svc.cluster.local``, a sink's ``K_SINK``) do not resolve on a
laptop: an instance gets the gateway as its HTTP proxy (``http_proxy``/``HTTP_PROXY``, with loopback in
``no_proxy``/``NO_PROXY``), so the HTTP clients that honour those variables reach other Services by their Knative URL
as a pod would. A container that sets any of these itself keeps its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from pyknative.api.podspec import Container, Probe
from pyknative.api.serving import CONFIGURATION_LABEL, SERVICE_LABEL, Revision
from pyknative.runtime import ExecProbe, HTTPGetProbe, ProcessSpec, Readiness, TCPProbe
from pyknative.runtime.api import NotRunnableError
from pyknative.runtime.podconfig import Machine, Sources, expand, resolve_env, resolve_volumes
from pyknative.runtime.probes import GRPCProbe
from pyknative.runtime.spec import BASE_ENV


def serving_container(rev: Revision) -> Container:
    c = rev.spec.serving_container if rev.spec else None
    if c is None:
        raise NotRunnableError("NoContainer", "the revision has no container to run")
    return c


def check_runnable(rev: Revision) -> Container:
    c = serving_container(rev)
    if not c.command:
        what = f"image {c.image!r}" if c.image else "no command"
        raise NotRunnableError(
            "ImageNotRunnableLocally",
            f"the local runtime runs a container's command and args as a process on this machine and cannot run "
            f"an image; container {c.name or 'user-container'!r} has only {what}: add `command:` (and `args:`) "
            f"that start the app listening on $PORT, or run this Service on the Kubernetes runtime",
        )
    for v in (rev.spec.volumes if rev.spec else None) or ():
        for proj in v.projected.sources or () if v.projected else ():
            if proj.service_account_token is not None or proj.downward_api is not None:
                kind = "serviceAccountToken" if proj.service_account_token is not None else "downwardAPI"
                raise NotRunnableError(
                    "VolumeNotSupportedLocally",
                    f"volume {v.name!r}: the local runtime cannot fill a projected {kind} source; "
                    f"use secret or configMap sources, or run this Service on the Kubernetes runtime",
                )
    return c


def container_env(rev: Revision, c: Container, sources: Sources, machine: Machine) -> tuple[dict, dict]:
    """The container's env resolved (ConfigError when a Secret or ConfigMap it needs is missing), then the
    runtime contract; and the variables each instance fills at its start."""
    env, instance = resolve_env(rev, c, sources, machine)
    labels = rev.metadata.labels or {}
    env["K_REVISION"] = rev.name
    env["K_CONFIGURATION"] = labels.get(CONFIGURATION_LABEL, "")
    env["K_SERVICE"] = labels.get(SERVICE_LABEL, "")
    env.update(proxy_env(env, machine.cluster_proxy))
    return env, instance


#: what an instance reaches directly, never through the gateway
NO_PROXY = "localhost,127.0.0.1,::1"
_PROXY_NAMES = ("http_proxy", "HTTP_PROXY", "no_proxy", "NO_PROXY")


def proxy_env(env: Mapping[str, str], proxy: str | None) -> dict[str, str]:
    """The proxy variables an instance gets for ``proxy`` (the gateway's URL): none when there is no gateway or
    the container's env already names a proxy."""
    if proxy is None or any(name in env for name in _PROXY_NAMES):
        return {}
    return {"http_proxy": proxy, "HTTP_PROXY": proxy, "no_proxy": NO_PROXY, "NO_PROXY": NO_PROXY}


def readiness(probe: Probe | None, container_port: int | None) -> Readiness:
    if probe is None:
        return Readiness()
    kwargs: dict = {}
    if probe.initial_delay_seconds:
        kwargs["initial_delay_seconds"] = float(probe.initial_delay_seconds)
    if probe.timeout_seconds:
        kwargs["timeout_seconds"] = float(probe.timeout_seconds)
    if probe.failure_threshold:
        kwargs["failure_threshold"] = probe.failure_threshold
    if probe.success_threshold:
        kwargs["success_threshold"] = probe.success_threshold
    if probe.period_seconds:
        kwargs["period_seconds"] = float(probe.period_seconds)

    def port(p) -> int | None:
        # The container port is the instance's PORT locally; another numeric port is probed as given.
        return p if isinstance(p, int) and p != container_port else None

    if probe.http_get is not None:
        h = probe.http_get
        headers = {x.name: x.value or "" for x in h.http_headers or () if x.name}
        handler = HTTPGetProbe(path=h.path or "/", port=port(h.port), headers=headers, scheme=h.scheme or "HTTP")
    elif probe.exec is not None:
        handler = ExecProbe(command=tuple(probe.exec.command or ()))
    elif isinstance(probe.extra.get("grpc"), Mapping):
        grpc = probe.extra["grpc"]
        handler = GRPCProbe(port=port(grpc.get("port")), service=str(grpc.get("service") or ""))
    else:
        handler = TCPProbe(port=port(probe.tcp_socket.port) if probe.tcp_socket else None)
    return Readiness(handler=handler, **kwargs)


def make_process_spec(
    rev: Revision,
    sources: Sources | None = None,
    machine: Machine | None = None,
    inherit: Iterable[str] = BASE_ENV,
) -> ProcessSpec:
    """What to run for ``rev``; raises ConfigError when a Secret, ConfigMap or key it needs is missing."""
    c = check_runnable(rev)
    sources = sources if sources is not None else Sources(rev.namespace)
    env, instance = container_env(rev, c, sources, machine or Machine())
    command = tuple(expand(x, env) for x in (*(c.command or ()), *(c.args or ())))
    return ProcessSpec(
        key=rev.key,
        command=command,
        env=env,
        working_dir=c.working_dir,
        readiness=readiness(c.readiness_probe, c.container_port() or 8080),
        inherit=tuple(inherit),
        instance_env=instance,
        volumes=resolve_volumes(rev, c, sources),
    )
