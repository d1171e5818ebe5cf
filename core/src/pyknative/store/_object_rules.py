"""API-server rules over wire dicts: what create fills in, what update and update_status may change.

Pure functions on the ``to_dict`` form of an object, shared by store backends. They never mutate their
arguments; each returns a new top-level dict (and a new ``metadata``) that shares the other nested values with its
arguments: they run on every write, callers pass bodies they just decoded or built, and nothing mutates a body
below its top level (a write replaces ``metadata`` to stamp it).
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

#: metadata a client cannot set: the server owns it (name and namespace are the object's key)
_SERVER_OWNED = ("uid", "creationTimestamp", "generation", "deletionTimestamp", "deletionGracePeriodSeconds")
_NAME_ALPHABET = string.ascii_lowercase + string.digits
_GENERATED_SUFFIX_LEN = 5


def rfc3339(moment: datetime) -> str:
    """``2024-05-01T12:00:00Z``: UTC, whole seconds (a naive datetime is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def generated_name(prefix: str) -> str:
    """``prefix`` plus five random lowercase alphanumerics, as for ``metadata.generateName``."""
    return prefix + "".join(secrets.choice(_NAME_ALPHABET) for _ in range(_GENERATED_SUFFIX_LEN))


def spec_part(body: Mapping[str, Any]) -> dict[str, Any]:
    """Everything but metadata and status: a change here bumps ``metadata.generation``."""
    return {k: v for k, v in body.items() if k not in ("metadata", "status")}


def same_content(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Whether two bodies are equal ignoring ``metadata.resourceVersion``."""
    return _without_rv(a) == _without_rv(b)


def finalizers(body: Mapping[str, Any]) -> list[str]:
    return list(body.get("metadata", {}).get("finalizers") or [])


def owner_uids(body: Mapping[str, Any]) -> list[str]:
    refs = body.get("metadata", {}).get("ownerReferences") or []
    return [r["uid"] for r in refs if isinstance(r, Mapping) and r.get("uid")]


def is_deleting(body: Mapping[str, Any]) -> bool:
    return bool(body.get("metadata", {}).get("deletionTimestamp"))


def merge_update(stored: Mapping[str, Any], given: Mapping[str, Any]) -> dict[str, Any]:
    """The result of ``update``: the given metadata and spec, the stored status and server-owned metadata.

    ``metadata.generation`` is bumped when the spec part changed.
    """
    out = {k: v for k, v in given.items() if k != "status"}
    meta = dict(out.get("metadata") or {})
    old_meta = stored.get("metadata", {})
    for key in (*_SERVER_OWNED, "name", "namespace", "resourceVersion"):
        if key in old_meta:
            meta[key] = old_meta[key]
        else:
            meta.pop(key, None)
    out["metadata"] = meta
    if "status" in stored:
        out["status"] = stored["status"]
    if spec_part(out) != spec_part(stored):
        meta["generation"] = int(old_meta.get("generation") or 0) + 1
    return out


def merge_status(stored: Mapping[str, Any], given: Mapping[str, Any]) -> dict[str, Any]:
    """The result of ``update_status``: the stored object with the given status."""
    out = {k: v for k, v in stored.items() if k != "status"}
    out["metadata"] = dict(out.get("metadata") or {})
    if "status" in given:
        out["status"] = given["status"]
    return out


def prepare_create(
    given: Mapping[str, Any], *, name: str, namespace: str, uid: str, now: str
) -> dict[str, Any]:
    """The body ``create`` stores (before its resourceVersion): server-owned metadata replaced."""
    out = dict(given)
    meta = dict(out.get("metadata") or {})
    for key in (*_SERVER_OWNED, "resourceVersion"):
        meta.pop(key, None)
    meta["name"] = name
    if namespace:
        meta["namespace"] = namespace
    else:
        meta.pop("namespace", None)
    meta["uid"] = uid
    meta["creationTimestamp"] = now
    meta["generation"] = 1
    out["metadata"] = meta
    return out


def _without_rv(body: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(body)
    meta = dict(out.get("metadata") or {})
    meta.pop("resourceVersion", None)
    out["metadata"] = meta
    return out
