"""Validation of a revision's env sources and volumes, as Knative's webhook and Kubernetes check them.

``env[].valueFrom`` sets exactly one of ``secretKeyRef``, ``configMapKeyRef``, ``fieldRef``, ``resourceFieldRef``
(a key ref needs ``name`` and ``key``; ``fieldRef.fieldPath`` is one Kubernetes supports for env; a resource is a
cpu, memory or ephemeral-storage limit or request); ``envFrom`` sets exactly one of ``secretRef`` / ``configMapRef``
with a ``name``. Volumes: DNS-1123 names, unique, each mounted by some container, exactly one of ``secret``,
``configMap``, ``emptyDir``, ``projected``; ``items`` need ``key`` and a relative ``path`` without ``..``. Mounts:
a known volume, an absolute ``mountPath`` that is unique and not ``/``, ``/dev`` or ``/dev/log``, and ``readOnly``
for every volume but an emptyDir.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Sequence

from pyknative.api.podspec import Container, EnvVarSource, KeyToPath, Volume
from pyknative.errors import FieldError

_DNS1123 = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
#: the pod fields Kubernetes lets env read through ``fieldRef`` (plus ``metadata.labels['k']`` / ``annotations``)
FIELD_PATHS = (
    "metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName",
    "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs",
)
_SUBSCRIPT = re.compile(r"^metadata\.(labels|annotations)\['[^']+'\]$")
RESOURCES = tuple(f"{kind}.{r}" for kind in ("limits", "requests") for r in ("cpu", "memory", "ephemeral-storage"))
_RESERVED_PATHS = ("/", "/dev", "/dev/log")


def validate_value_from(src: EnvVarSource, path: str) -> list[FieldError]:
    set_ = [(k, v) for k, v in (("secretKeyRef", src.secret_key_ref), ("configMapKeyRef", src.config_map_key_ref),
                                ("fieldRef", src.field_ref), ("resourceFieldRef", src.resource_field_ref)) if v]
    if len(set_) != 1:
        got = ", ".join(k for k, _ in set_) or "none"
        return [FieldError(path, f"expected exactly one of secretKeyRef, configMapKeyRef, fieldRef, "
                                 f"resourceFieldRef, got {got}")]
    (key, ref), errors = set_[0], []
    p = f"{path}.{key}"
    if key in ("secretKeyRef", "configMapKeyRef"):
        errors += [FieldError(f"{p}.{f}", "required") for f in ("name", "key") if not getattr(ref, f)]
    elif key == "fieldRef":
        fp = ref.field_path
        if not fp:
            errors.append(FieldError(f"{p}.fieldPath", "required"))
        elif fp not in FIELD_PATHS and not _SUBSCRIPT.match(fp):
            errors.append(FieldError(f"{p}.fieldPath", f"unsupported value {fp!r}: supported values: "
                                                       f"{', '.join(FIELD_PATHS)}, metadata.labels['<key>'], "
                                                       "metadata.annotations['<key>']"))
        if ref.api_version not in (None, "", "v1"):
            errors.append(FieldError(f"{p}.apiVersion", f"unsupported value {ref.api_version!r}: must be v1"))
    elif ref.resource not in RESOURCES:
        what = "required" if not ref.resource else f"unsupported value {ref.resource!r}"
        errors.append(FieldError(f"{p}.resource", f"{what}: supported values: {', '.join(RESOURCES)}"))
    return errors


def validate_env_sources(c: Container, path: str) -> list[FieldError]:
    """``valueFrom`` of every env var and every ``envFrom`` entry of container ``c`` at ``path``."""
    errors: list[FieldError] = []
    for i, e in enumerate(c.env or ()):
        if e.value_from is not None:
            errors += validate_value_from(e.value_from, f"{path}.env[{i}].valueFrom")
    for i, src in enumerate(c.env_from or ()):
        p = f"{path}.envFrom[{i}]"
        if src is None:
            errors.append(FieldError(p, "must not be null"))
            continue
        refs = [(k, r) for k, r in (("secretRef", src.secret_ref), ("configMapRef", src.config_map_ref)) if r]
        if len(refs) != 1:
            got = ", ".join(k for k, _ in refs) or "none"
            errors.append(FieldError(p, f"expected exactly one of configMapRef or secretRef, got {got}"))
        errors += [FieldError(f"{p}.{k}.name", "required") for k, r in refs if not r.name]
    return errors


def _items(items: Sequence[KeyToPath] | None, path: str) -> list[FieldError]:
    errors = []
    for i, item in enumerate(items or ()):
        p = f"{path}.items[{i}]"
        if item is None:
            errors.append(FieldError(p, "must not be null"))
            continue
        if not item.key:
            errors.append(FieldError(f"{p}.key", "required"))
        if not item.path:
            errors.append(FieldError(f"{p}.path", "required"))
        elif item.path.startswith("/") or ".." in item.path.split("/"):
            errors.append(FieldError(f"{p}.path", f"invalid path {item.path!r}: must be relative, without '..'"))
        if item.mode is not None and not 0 <= item.mode <= 0o777:
            errors.append(FieldError(f"{p}.mode", f"must be a file mode between 0 and 0777 (octal), got {item.mode}"))
    return errors


def _volume(v: Volume, path: str) -> list[FieldError]:
    errors: list[FieldError] = []
    if not v.name:
        errors.append(FieldError(f"{path}.name", "required"))
    elif not _DNS1123.match(v.name) or len(v.name) > 63:
        errors.append(FieldError(f"{path}.name", f"invalid name {v.name!r}: must be a DNS-1123 label"))
    sources = v.sources
    for other in sources:
        if other not in ("secret", "configMap", "emptyDir", "projected"):
            errors.append(FieldError(f"{path}.{other}", "not supported: a Knative volume is a secret, configMap, "
                                                        "emptyDir or projected"))
    if len(sources) != 1:
        got = ", ".join(sources) or "none"
        errors.append(FieldError(path, f"expected exactly one of secret, configMap, emptyDir, projected, got {got}"))
    if v.secret is not None:
        if not v.secret.secret_name:
            errors.append(FieldError(f"{path}.secret.secretName", "required"))
        errors += _items(v.secret.items, f"{path}.secret")
    if v.config_map is not None:
        if not v.config_map.name:
            errors.append(FieldError(f"{path}.configMap.name", "required"))
        errors += _items(v.config_map.items, f"{path}.configMap")
    if v.empty_dir is not None and v.empty_dir.medium not in (None, "", "Memory"):
        errors.append(FieldError(f"{path}.emptyDir.medium", f"unsupported value {v.empty_dir.medium!r}: "
                                                             "must be empty or Memory"))
    for i, proj in enumerate(v.projected.sources or () if v.projected else ()):
        p = f"{path}.projected.sources[{i}]"
        if proj is None:
            errors.append(FieldError(p, "must not be null"))
            continue
        kinds = [k for k, x in (("secret", proj.secret), ("configMap", proj.config_map),
                                ("downwardAPI", proj.downward_api), ("serviceAccountToken",
                                                                      proj.service_account_token)) if x is not None]
        if len(kinds) != 1:
            errors.append(FieldError(p, f"expected exactly one of secret, configMap, serviceAccountToken, "
                                        f"downwardAPI, got {', '.join(kinds) or 'none'}"))
        for k, ref in (("secret", proj.secret), ("configMap", proj.config_map)):
            if ref is not None:
                if not ref.name:
                    errors.append(FieldError(f"{p}.{k}.name", "required"))
                errors += _items(ref.items, f"{p}.{k}")
    return errors


def validate_volumes(volumes: Sequence[Volume] | None, containers: Iterable[Container], path: str) -> list[FieldError]:
    """``spec.volumes`` at ``path`` (``spec.template.spec``) and every container's ``volumeMounts``."""
    errors: list[FieldError] = []
    by_name: dict[str, Volume] = {}
    containers = list(containers)
    mounted = {m.name for c in containers if c is not None for m in c.volume_mounts or () if m is not None}
    for i, v in enumerate(volumes or ()):
        p = f"{path}.volumes[{i}]"
        if v is None:
            errors.append(FieldError(p, "must not be null"))
            continue
        errors += _volume(v, p)
        if v.name in by_name:
            errors.append(FieldError(f"{p}.name", f"duplicate volume name {v.name!r}"))
        elif v.name and v.name not in mounted:
            errors.append(FieldError(f"{p}.name", f"volume with name {v.name!r} not mounted"))
        if v.name:
            by_name.setdefault(v.name, v)
    for ci, c in enumerate(containers):
        seen: set[str] = set()
        for i, m in enumerate(c.volume_mounts or () if c is not None else ()):
            p = f"{path}.containers[{ci}].volumeMounts[{i}]"
            if m is None:
                errors.append(FieldError(p, "must not be null"))
                continue
            vol = by_name.get(m.name or "")
            if vol is None:
                errors.append(FieldError(f"{p}.name", "volumeMount has no matching volume"))
            mp = m.mount_path
            clean = posixpath.normpath(mp) if mp else ""
            if not mp:
                errors.append(FieldError(f"{p}.mountPath", "required"))
            elif clean in _RESERVED_PATHS:
                errors.append(FieldError(f"{p}.mountPath", f"mountPath {clean!r} is a reserved path"))
            elif not mp.startswith("/"):
                errors.append(FieldError(f"{p}.mountPath", f"invalid value {mp!r}: must be an absolute path"))
            elif clean in seen:
                errors.append(FieldError(f"{p}.mountPath", f"{mp!r} must be unique"))
            seen.add(clean)
            if vol is not None and vol.empty_dir is None and not m.read_only:
                errors.append(FieldError(f"{p}.readOnly", "volume mount should be readOnly for this type of volume"))
            if m.sub_path and (m.sub_path.startswith("/") or ".." in m.sub_path.split("/")):
                errors.append(FieldError(f"{p}.subPath", f"invalid path {m.sub_path!r}: must be relative, without '..'"))
    return errors
