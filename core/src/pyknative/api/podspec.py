"""The part of Kubernetes' PodSpec a Knative Revision uses: containers, env (``value``, ``valueFrom``, ``envFrom``),
ports, probes, resources, volumes (secret, configMap, emptyDir, projected) and their mounts.

Only fields pyknative reads are typed; every other field of a container or pod survives in ``extra``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from pyknative.api._serde import extra_field, wire


@attrs.frozen
class KeySelector:
    """A ``secretKeyRef`` or ``configMapKeyRef``: one key of a Secret or ConfigMap in the revision's namespace."""

    name: str | None = wire()
    key: str | None = wire()
    optional: bool | None = wire()
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class ObjectFieldSelector:
    api_version: str | None = wire()
    field_path: str | None = wire()
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class ResourceFieldSelector:
    container_name: str | None = wire()
    resource: str | None = wire()
    divisor: str | int | float | None = wire()
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class EnvVarSource:
    secret_key_ref: KeySelector | None = wire()
    config_map_key_ref: KeySelector | None = wire()
    field_ref: ObjectFieldSelector | None = wire()
    resource_field_ref: ResourceFieldSelector | None = wire()
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class EnvVar:
    name: str | None = wire()
    value: str | None = wire()
    value_from: EnvVarSource | None = wire()
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class ObjectRef:
    """``envFrom``'s ``secretRef`` / ``configMapRef``, a projected source's ``secret`` / ``configMap``."""

    name: str | None = wire()
    optional: bool | None = wire()
    items: tuple[KeyToPath, ...] | None = wire()
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class EnvFromSource:
    prefix: str | None = wire()
    secret_ref: ObjectRef | None = wire()
    config_map_ref: ObjectRef | None = wire()
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class VolumeMount:
    name: str | None = wire()
    mount_path: str | None = wire()
    read_only: bool | None = wire()
    sub_path: str | None = wire()
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class KeyToPath:
    key: str | None = wire()
    path: str | None = wire()
    mode: int | None = wire()
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class SecretVolumeSource:
    secret_name: str | None = wire()
    items: tuple[KeyToPath, ...] | None = wire()
    default_mode: int | None = wire()
    optional: bool | None = wire()
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class ConfigMapVolumeSource:
    name: str | None = wire()
    items: tuple[KeyToPath, ...] | None = wire()
    default_mode: int | None = wire()
    optional: bool | None = wire()
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class EmptyDirVolumeSource:
    medium: str | None = wire()
    size_limit: str | int | None = wire()
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class VolumeProjection:
    secret: ObjectRef | None = wire()
    config_map: ObjectRef | None = wire()
    downward_api: Mapping[str, Any] | None = wire(key="downwardAPI")
    service_account_token: Mapping[str, Any] | None = wire()
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class ProjectedVolumeSource:
    sources: tuple[VolumeProjection, ...] | None = wire()
    default_mode: int | None = wire()
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class Volume:
    name: str | None = wire()
    secret: SecretVolumeSource | None = wire()
    config_map: ConfigMapVolumeSource | None = wire()
    empty_dir: EmptyDirVolumeSource | None = wire()
    projected: ProjectedVolumeSource | None = wire()
    extra: Mapping[str, Any] = extra_field()

    @property
    def sources(self) -> list[str]:
        """The wire names of the sources this volume sets (exactly one is valid)."""
        known = [("secret", self.secret), ("configMap", self.config_map), ("emptyDir", self.empty_dir),
                 ("projected", self.projected)]
        return [k for k, v in known if v is not None] + [k for k in self.extra if k not in ("name",)]


@attrs.frozen
class ContainerPort:
    name: str | None = wire()
    container_port: int | None = wire()
    protocol: str | None = wire()
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class HTTPHeader:
    name: str | None = wire()
    value: str | None = wire()
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class HTTPGetAction:
    path: str | None = wire()
    port: int | str | None = wire()
    host: str | None = wire()
    scheme: str | None = wire()
    http_headers: tuple[HTTPHeader, ...] | None = wire()
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class TCPSocketAction:
    port: int | str | None = wire()
    host: str | None = wire()
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class ExecAction:
    command: tuple[str, ...] | None = wire()
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class Probe:
    http_get: HTTPGetAction | None = wire()
    tcp_socket: TCPSocketAction | None = wire()
    exec: ExecAction | None = wire()
    initial_delay_seconds: int | None = wire()
    timeout_seconds: int | None = wire()
    period_seconds: int | None = wire()
    success_threshold: int | None = wire()
    failure_threshold: int | None = wire()
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class ResourceRequirements:
    limits: Mapping[str, Any] | None = wire()
    requests: Mapping[str, Any] | None = wire()
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class Container:
    name: str | None = wire()
    image: str | None = wire()
    command: tuple[str, ...] | None = wire()
    args: tuple[str, ...] | None = wire()
    working_dir: str | None = wire()
    ports: tuple[ContainerPort, ...] | None = wire()
    env: tuple[EnvVar, ...] | None = wire()
    env_from: tuple[EnvFromSource, ...] | None = wire()
    volume_mounts: tuple[VolumeMount, ...] | None = wire()
    resources: ResourceRequirements | None = wire()
    readiness_probe: Probe | None = wire()
    liveness_probe: Probe | None = wire()
    startup_probe: Probe | None = wire()
    extra: Mapping[str, Any] = extra_field()

    def container_port(self) -> int | None:
        for p in self.ports or ():
            if p.container_port:
                return p.container_port
        return None
