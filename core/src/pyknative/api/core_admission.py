"""Defaulting and validation of core/v1 Secret and ConfigMap, with the checks Kubernetes' API server makes.

Defaulting a Secret sets ``type: Opaque`` and merges ``stringData`` into ``data`` (base64-encoded, a ``stringData``
key winning over the same ``data`` key), then drops ``stringData``, as the API server does on every write.
Validation: keys are config keys (``[-._a-zA-Z0-9]+``, at most 253 characters, not ``.``/``..``, no leading ``..``),
``data``/``binaryData`` values are base64, the whole payload is at most 1 MiB, the built-in types' required keys are
there (``kubernetes.io/basic-auth``: ``username`` or ``password``; ``kubernetes.io/dockerconfigjson``: a JSON
``.dockerconfigjson``; ``kubernetes.io/dockercfg``, ``ssh-auth``, ``tls``, ``service-account-token``), ``type`` never
changes, and an ``immutable`` object keeps its data. No error quotes a value: it may be a secret.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping

import attrs

from pyknative.api.core import ConfigMap, Secret
from pyknative.api.kinds import AdmissionContext
from pyknative.errors import FieldError

OPAQUE = "Opaque"
BASIC_AUTH = "kubernetes.io/basic-auth"
DOCKER_CONFIG_JSON = "kubernetes.io/dockerconfigjson"
DOCKER_CFG = "kubernetes.io/dockercfg"
SSH_AUTH = "kubernetes.io/ssh-auth"
TLS = "kubernetes.io/tls"
SERVICE_ACCOUNT_TOKEN = "kubernetes.io/service-account-token"
MAX_BYTES = 1024 * 1024
_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")
#: the keys a built-in type requires (every one of them)
_REQUIRED = {DOCKER_CONFIG_JSON: (".dockerconfigjson",), DOCKER_CFG: (".dockercfg",), SSH_AUTH: ("ssh-privatekey",),
             TLS: ("tls.crt", "tls.key")}
_JSON_KEYS = {DOCKER_CONFIG_JSON: ".dockerconfigjson", DOCKER_CFG: ".dockercfg"}


def decode(value: str) -> bytes | None:
    """The bytes of a base64 ``data`` value; None when it is not base64."""
    try:
        return base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return None


def default_secret(secret: Secret, _ctx: AdmissionContext) -> Secret:
    string_data = secret.string_data or {}
    if not all(isinstance(v, str) for v in string_data.values()):
        return attrs.evolve(secret, type=secret.type or OPAQUE)  # validation names the bad entries
    data = dict(secret.data or {})
    for key, value in string_data.items():
        data[key] = base64.b64encode(value.encode()).decode("ascii")
    return attrs.evolve(secret, type=secret.type or OPAQUE, data=data or None, string_data=None)


def validate_key(key: str, path: str) -> list[FieldError]:
    if len(key) > 253:
        return [FieldError(path, f"must be no more than 253 characters, got {len(key)}")]
    if not _KEY.match(key):
        return [FieldError(path, "a valid config key must consist of alphanumeric characters, '-', '_' or '.'")]
    if key in (".", "..") or key.startswith(".."):
        return [FieldError(path, "must not be '.' or '..', nor start with '..'")]
    return []


def _decoded(values: Mapping[str, str] | None, field: str, errors: list[FieldError]) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for key, value in (values or {}).items():
        path = f"{field}[{key}]"
        errors += validate_key(key, path)
        raw = decode(value) if isinstance(value, str) else None
        if raw is None:
            errors.append(FieldError(path, "illegal base64 data: the value must be base64 (or use stringData)"))
        else:
            out[key] = raw
    return out


def _immutable(new_immutable: bool | None, old_immutable: bool | None, same_data: bool) -> list[FieldError]:
    if not old_immutable:
        return []
    errors = []
    if not new_immutable:
        errors.append(FieldError("immutable", "field is immutable when `immutable` is set"))
    if not same_data:
        errors.append(FieldError("data", "field is immutable when `immutable` is set"))
    return errors


def validate_secret(secret: Secret, old: Secret | None, _ctx: AdmissionContext) -> list[FieldError]:
    errors: list[FieldError] = []
    for key, value in (secret.string_data or {}).items():
        if not isinstance(value, str):
            errors.append(FieldError(f"stringData[{key}]", "must be a string"))
    data = _decoded(secret.data, "data", errors)
    if sum(len(k) + len(v) for k, v in data.items()) > MAX_BYTES:
        errors.append(FieldError("data", f"Too long: must have at most {MAX_BYTES} bytes"))
    kind = secret.type or OPAQUE
    if kind == BASIC_AUTH and "username" not in data and "password" not in data:
        errors.append(FieldError("data[username]", f"required: a {BASIC_AUTH} Secret needs username or password"))
    for key in _REQUIRED.get(kind, ()):
        if key not in data:
            errors.append(FieldError(f"data[{key}]", f"required by type {kind}"))
    json_key = _JSON_KEYS.get(kind)
    if json_key in data:
        try:
            json.loads(data[json_key])
        except ValueError:
            errors.append(FieldError(f"data[{json_key}]", "<secret contents redacted>: not valid JSON"))
    if kind == SERVICE_ACCOUNT_TOKEN and not secret.metadata.annotation("kubernetes.io/service-account.name"):
        errors.append(FieldError("metadata.annotations[kubernetes.io/service-account.name]", "required"))
    if old is not None:
        if (old.type or OPAQUE) != kind:
            errors.append(FieldError("type", "field is immutable"))
        errors += _immutable(secret.immutable, old.immutable, dict(secret.data or {}) == dict(old.data or {}))
    return errors


def validate_config_map(cm: ConfigMap, old: ConfigMap | None, _ctx: AdmissionContext) -> list[FieldError]:
    errors: list[FieldError] = []
    size = 0
    for key, value in (cm.data or {}).items():
        errors += validate_key(key, f"data[{key}]")
        if not isinstance(value, str):
            errors.append(FieldError(f"data[{key}]", "must be a string"))
            continue
        size += len(key) + len(value.encode())
    binary = _decoded(cm.binary_data, "binaryData", errors)
    size += sum(len(k) + len(v) for k, v in binary.items())
    for key in sorted(set(binary) & set(cm.data or {})):
        errors.append(FieldError(f"binaryData[{key}]", "duplicate of key present in data"))
    if size > MAX_BYTES:
        errors.append(FieldError("data", f"Too long: must have at most {MAX_BYTES} bytes"))
    if old is not None:
        same = (dict(cm.data or {}), dict(cm.binary_data or {})) == (dict(old.data or {}), dict(old.binary_data or {}))
        errors += _immutable(cm.immutable, old.immutable, same)
    return errors
