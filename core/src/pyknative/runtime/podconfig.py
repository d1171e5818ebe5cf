"""A revision's env and volumes resolved against its namespace's Secrets and ConfigMaps, as the kubelet does.

:func:`references` names what a revision reads; :func:`fetch` reads it from a store (absent ones stay absent);
:func:`resolve_env` and :func:`resolve_volumes` are pure. A missing object or key that is not ``optional`` raises
:class:`ConfigError` with the kubelet's reason ``CreateContainerConfigError`` and message (``secret "x" not
found``, ``couldn't find key k in Secret ns/x``); :func:`problem` is the first one of every container, for the
Revision's status.

The environment, in the kubelet's order: ``envFrom`` sources in turn (``prefix`` + key; keys that are not valid
variable names are skipped), then ``env`` in turn (``value`` with ``$(VAR)`` expanded from what is defined so far,
``valueFrom`` as is), each overriding what came before. ``fieldRef`` reads the instance as a pod: ``metadata.name``
and ``metadata.uid`` are the instance's id and a uuid of its own (filled at each start: ``ProcessSpec.instance_env``),
``metadata.namespace``, ``metadata.labels['k']`` / ``annotations['k']`` the revision's (plus its
``serving.knative.dev/revision`` labels), ``spec.nodeName`` this machine's host name, ``spec.serviceAccountName``
the revision's (``default``), ``status.podIP(s)`` / ``hostIP(s)`` the address instances listen on.
``resourceFieldRef`` reads the container's limits and requests (a request defaults to its limit, an unset limit is
the machine's: its CPUs, memory, and the disk of the working directory), divided by ``divisor`` and rounded up.
"""

from __future__ import annotations

import base64
import binascii
import math
import os
import re
import shutil
import socket
from collections.abc import Iterable, Mapping
from typing import Any

import attrs
import psutil

from pyknative.api.core import ConfigMap, Secret
from pyknative.api.podspec import Container, KeyToPath, ObjectRef, Volume
from pyknative.api.serving import REVISION_LABEL, REVISION_UID_LABEL, Revision
from pyknative.config.values import parse_quantity
from pyknative.errors import NotFoundError
from pyknative.runtime.spec import VolumeFile, Volumes

REASON = "CreateContainerConfigError"
_ENV_NAME = re.compile(r"^[-._a-zA-Z][-._a-zA-Z0-9]*$")
_VAR = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)|\$\$")
_SUBSCRIPT = re.compile(r"^metadata\.(labels|annotations)\['([^']+)'\]$")
#: fieldRef paths filled per instance, and what of the instance fills them
INSTANCE_FIELDS = {"metadata.name": "name", "metadata.uid": "uid"}


class ConfigError(Exception):
    """The container's config cannot be made: a Secret, ConfigMap or key it needs is missing."""

    reason = REASON


@attrs.frozen
class Sources:
    """The Secrets and ConfigMaps (by name) of the revision's namespace that it references and that exist."""

    namespace: str = ""
    secrets: Mapping[str, Secret] = attrs.field(factory=dict)
    config_maps: Mapping[str, ConfigMap] = attrs.field(factory=dict)

    def data(self, kind: str, name: str) -> dict[str, bytes] | None:
        """The keys of Secret or ConfigMap ``name`` as bytes; None when it does not exist."""
        if kind == "Secret":
            secret = self.secrets.get(name)
            return None if secret is None else {k: _b64(v) for k, v in (secret.data or {}).items()}
        cm = self.config_maps.get(name)
        if cm is None:
            return None
        out = {k: _b64(v) for k, v in (cm.binary_data or {}).items()}
        out.update({k: str(v).encode() for k, v in (cm.data or {}).items()})
        return out

    def missing(self, kind: str, name: str) -> ConfigError:
        return ConfigError(f'{"secret" if kind == "Secret" else "configmap"} "{name}" not found')

    def missing_key(self, kind: str, name: str, key: str) -> ConfigError:
        return ConfigError(f"couldn't find key {key} in {kind} {self.namespace}/{name}")


@attrs.frozen
class Machine:
    """What an instance sees of the machine: the address it listens on, the host name, unset limits' values."""

    host_ip: str = "127.0.0.1"
    #: the gateway's URL, the HTTP proxy through which an instance reaches cluster-local addresses (None: none)
    cluster_proxy: str | None = None
    node_name: str = attrs.field(factory=socket.gethostname)
    cpu: float = attrs.field(factory=lambda: float(os.cpu_count() or 1))
    memory: float = attrs.field(factory=lambda: float(psutil.virtual_memory().total))
    ephemeral_storage: float = attrs.field(factory=lambda: float(shutil.disk_usage(".").total))


def _b64(value: Any) -> bytes:
    try:
        return base64.b64decode(str(value), validate=True)
    except (binascii.Error, ValueError):
        return b""  # admission refuses such data; an object written around it reads as empty


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")  # the child's environment gets the very bytes back


def _volume_refs(v: Volume) -> Iterable[tuple[str, str | None]]:
    if v.secret is not None:
        yield "Secret", v.secret.secret_name
    if v.config_map is not None:
        yield "ConfigMap", v.config_map.name
    for proj in v.projected.sources or () if v.projected else ():
        if proj.secret is not None:
            yield "Secret", proj.secret.name
        if proj.config_map is not None:
            yield "ConfigMap", proj.config_map.name


def references(rev: Revision) -> set[tuple[str, str]]:
    """``(kind, name)`` of every Secret and ConfigMap the revision's containers and volumes read."""
    out: set[tuple[str, str | None]] = set()
    for c in (rev.spec.containers if rev.spec else None) or ():
        for e in c.env or ():
            src = e.value_from
            if src is not None and src.secret_key_ref is not None:
                out.add(("Secret", src.secret_key_ref.name))
            if src is not None and src.config_map_key_ref is not None:
                out.add(("ConfigMap", src.config_map_key_ref.name))
        for f in c.env_from or ():
            if f.secret_ref is not None:
                out.add(("Secret", f.secret_ref.name))
            if f.config_map_ref is not None:
                out.add(("ConfigMap", f.config_map_ref.name))
    for v in (rev.spec.volumes if rev.spec else None) or ():
        out.update(_volume_refs(v))
    return {(k, n) for k, n in out if n}


def uses(rev: Revision, obj: Secret | ConfigMap) -> bool:
    """Whether ``rev`` reads ``obj`` (a controller's watch mapper asks)."""
    return rev.namespace == obj.namespace and (obj.KIND.kind, obj.name) in references(rev)


async def fetch(store: Any, rev: Revision) -> Sources:
    """The Secrets and ConfigMaps ``rev`` references, from ``store`` (None: none exist)."""
    found: dict[str, dict[str, Any]] = {"Secret": {}, "ConfigMap": {}}
    for kind, name in sorted(references(rev)):
        if store is None:
            continue
        try:
            found[kind][name] = await store.get(Secret if kind == "Secret" else ConfigMap, rev.namespace, name)
        except NotFoundError:
            pass
    return Sources(rev.namespace, found["Secret"], found["ConfigMap"])


def expand(text: str, env: Mapping[str, str]) -> str:
    """Kubernetes' ``$(VAR)`` expansion: known names are replaced, unknown ones kept, ``$$`` escapes ``$``."""

    def sub(m: re.Match) -> str:
        if m.group(0) == "$$":
            return "$"
        return env.get(m.group(1), m.group(0))

    return _VAR.sub(sub, text)


def _key_ref(kind: str, ref: Any, sources: Sources) -> str | None:
    data = sources.data(kind, ref.name)
    if data is None:
        if ref.optional:
            return None
        raise sources.missing(kind, ref.name)
    if ref.key not in data:
        if ref.optional:
            return None
        raise sources.missing_key(kind, ref.name, ref.key)
    return _text(data[ref.key])


def _field(path: str, rev: Revision, machine: Machine) -> str:
    m = _SUBSCRIPT.match(path)
    if m:
        labels = {**(rev.metadata.labels or {}), REVISION_LABEL: rev.name, REVISION_UID_LABEL: rev.metadata.uid or ""}
        values = labels if m.group(1) == "labels" else (rev.metadata.annotations or {})
        return values.get(m.group(2), "")
    return {
        "metadata.namespace": rev.namespace,
        "spec.nodeName": machine.node_name,
        "spec.serviceAccountName": (rev.spec.service_account_name if rev.spec else None) or "default",
        "status.hostIP": machine.host_ip,
        "status.hostIPs": machine.host_ip,
        "status.podIP": machine.host_ip,
        "status.podIPs": machine.host_ip,
    }.get(path, "")


def _resource(ref: Any, container: Container, rev: Revision, machine: Machine) -> str:
    target = container
    if ref.container_name:
        target = next((c for c in (rev.spec.containers or ()) if c.name == ref.container_name), container)
    kind, _, name = str(ref.resource).partition(".")
    res = target.resources
    limits, requests = (res.limits or {}) if res else {}, (res.requests or {}) if res else {}
    if kind == "requests":
        raw = requests.get(name, limits.get(name))
        value = parse_quantity(str(raw)) if raw is not None else 0.0
    else:
        raw = limits.get(name)
        value = parse_quantity(str(raw)) if raw is not None else getattr(machine, name.replace("-", "_"))
    divisor = parse_quantity(str(ref.divisor)) if ref.divisor not in (None, "", 0) else 1.0
    return str(math.ceil(round(value / divisor, 9)))


def resolve_env(
    rev: Revision, container: Container, sources: Sources, machine: Machine
) -> tuple[dict[str, str], dict[str, str]]:
    """``(env, instance_env)`` of ``container``: the variables, and those an instance fills at its start."""
    env: dict[str, str] = {}
    instance: dict[str, str] = {}
    for src in container.env_from or ():
        kind, ref = ("Secret", src.secret_ref) if src.secret_ref is not None else ("ConfigMap", src.config_map_ref)
        if ref is None:
            continue
        data = sources.data(kind, ref.name)
        if data is None:
            if ref.optional:
                continue
            raise sources.missing(kind, ref.name)
        for key in sorted(data):
            name = (src.prefix or "") + key
            if _ENV_NAME.match(name):
                env[name] = _text(data[key])
                instance.pop(name, None)
    for e in container.env or ():
        if not e.name:
            continue
        src = e.value_from
        value: str | None
        if src is None:
            value = expand(e.value or "", env)
        elif src.secret_key_ref is not None:
            value = _key_ref("Secret", src.secret_key_ref, sources)
        elif src.config_map_key_ref is not None:
            value = _key_ref("ConfigMap", src.config_map_key_ref, sources)
        elif src.field_ref is not None and src.field_ref.field_path in INSTANCE_FIELDS:
            instance[e.name] = INSTANCE_FIELDS[src.field_ref.field_path]
            env.pop(e.name, None)
            continue
        elif src.field_ref is not None:
            value = _field(src.field_ref.field_path or "", rev, machine)
        elif src.resource_field_ref is not None:
            value = _resource(src.resource_field_ref, container, rev, machine)
        else:
            value = ""
        if value is not None:
            env[e.name] = value
            instance.pop(e.name, None)
    return env, instance


def _files(kind: str, ref: ObjectRef, items: Iterable[KeyToPath] | None, mode: int | None, sources: Sources,
           into: str) -> list[VolumeFile]:
    name, optional = ref.name or "", bool(ref.optional)
    data = sources.data(kind, name)
    if data is None:
        if optional:
            return []
        raise sources.missing(kind, name)
    default = 0o644 if mode is None else mode
    if not items:
        return [VolumeFile(f"{into}/{k}", v, default) for k, v in sorted(data.items())]
    out = []
    for item in items:
        if item.key not in data:
            if optional:
                continue
            raise sources.missing_key(kind, name, item.key or "")
        out.append(VolumeFile(f"{into}/{item.path}", data[item.key], default if item.mode is None else item.mode))
    return out


def resolve_volumes(rev: Revision, container: Container, sources: Sources) -> Volumes | None:
    """The files of the volumes ``container`` mounts, and where each mount points; None without mounts."""
    mounts = container.volume_mounts or ()
    if not mounts:
        return None
    by_name = {v.name: v for v in (rev.spec.volumes if rev.spec else None) or () if v.name}
    dirs, files, links = [], [], []
    for m in mounts:
        v = by_name.get(m.name)
        if v is None or not m.mount_path:
            continue
        if v.name not in dirs:
            dirs.append(v.name)
            files += _volume_files(v, sources)
        links.append((m.mount_path, f"{v.name}/{m.sub_path}" if m.sub_path else v.name))
    return Volumes(dirs, _last_wins(files), links)


def _volume_files(v: Volume, sources: Sources) -> list[VolumeFile]:
    out: list[VolumeFile] = []
    if v.secret is not None:
        ref = ObjectRef(name=v.secret.secret_name, optional=v.secret.optional)
        out += _files("Secret", ref, v.secret.items, v.secret.default_mode, sources, v.name)
    if v.config_map is not None:
        ref = ObjectRef(name=v.config_map.name, optional=v.config_map.optional)
        out += _files("ConfigMap", ref, v.config_map.items, v.config_map.default_mode, sources, v.name)
    mode = v.projected.default_mode if v.projected else None
    for proj in v.projected.sources or () if v.projected else ():
        for kind, ref in (("Secret", proj.secret), ("ConfigMap", proj.config_map)):
            if ref is not None:
                out += _files(kind, ref, ref.items, mode, sources, v.name)
    return out


def _last_wins(files: list[VolumeFile]) -> list[VolumeFile]:
    """A projected volume's later source wins a path both write."""
    return list({f.path: f for f in files}.values())


def problem(rev: Revision, sources: Sources) -> str | None:
    """Why an instance of ``rev`` cannot be configured (a missing Secret, ConfigMap or key), or None."""
    for c in (rev.spec.containers if rev.spec else None) or ():
        try:
            resolve_env(rev, c, sources, _NO_MACHINE)
            resolve_volumes(rev, c, sources)
        except ConfigError as e:
            return str(e)
    return None


_NO_MACHINE = Machine(node_name="", cpu=1.0, memory=1.0, ephemeral_storage=1.0)
