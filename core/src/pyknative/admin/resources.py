"""Kubernetes-style REST handlers for stored resources: list, watch, get, create, update, status, delete.

Paths are ``/apis/{group}/{version}/namespaces/{ns}/{plural}[/{name}[/status]]`` for namespaced kinds,
``/apis/{group}/{version}/{plural}[/{name}[/status]]`` for cluster-scoped ones (and, without a name, for a
namespaced kind across every namespace); kinds without a group live under ``/api/{version}/...``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs
from aiohttp import web

from pyknative.admin.requests import is_true, object_body, object_filter, read_body
from pyknative.admin.state import ADMISSION, KINDS, STORE
from pyknative.admin.status import BadRequestError, status_body
from pyknative.admin.watch import stream_watch
from pyknative.api.kinds import KindRegistration, Kinds, admit
from pyknative.api.meta import Resource
from pyknative.errors import FieldError, NotFoundError, ValidationError


def add_routes(app: web.Application) -> None:
    """Register the resource routes (after any more specific ``/apis/...`` routes)."""
    r = app.router
    for prefix in ("/apis/{group}/{version}", "/api/{version}"):
        r.add_get(prefix + "/namespaces/{ns}/{plural}", list_or_watch)
        r.add_post(prefix + "/namespaces/{ns}/{plural}", create)
        item = prefix + "/namespaces/{ns}/{plural}/{name}"
        r.add_get(item, get)
        r.add_put(item, update)
        r.add_delete(item, delete)
        r.add_get(item + "/status", get)
        r.add_put(item + "/status", update_status)
        r.add_get(prefix + "/{plural}", list_or_watch)
        r.add_post(prefix + "/{plural}", create)
        item = prefix + "/{plural}/{name}"
        r.add_get(item, get)
        r.add_put(item, update)
        r.add_delete(item, delete)
        r.add_get(item + "/status", get)
        r.add_put(item + "/status", update_status)


@attrs.frozen
class _Target:
    """What a path names: a kind, a namespace (None: every namespace, or cluster-scoped) and maybe a name."""

    reg: KindRegistration
    namespace: str | None
    name: str | None

    @property
    def cls(self) -> type[Resource]:
        return self.reg.cls

    @property
    def resource(self) -> str:
        info = self.cls.KIND
        return f"{info.plural}.{info.group}" if info.group else info.plural


def _target(request: web.Request) -> _Target:
    m = request.match_info
    reg = request.app[KINDS].by_plural(m.get("group", ""), m["version"], m["plural"])
    ns = m.get("ns")
    name = m.get("name")
    namespaced = reg.cls.KIND.namespaced
    if ns is not None and not namespaced:
        raise NotFoundError(f"{reg.cls.KIND.plural} are cluster-scoped: they have no namespace")
    if ns is None and name is not None and namespaced:
        raise NotFoundError(
            f"{reg.cls.KIND.plural} are namespaced: use .../namespaces/{{namespace}}/{m['plural']}/{name}"
        )
    return _Target(reg, ns, name)


async def list_or_watch(request: web.Request) -> web.StreamResponse:
    target = _target(request)
    keep = object_filter(request.query)
    if is_true(request.query, "watch"):
        return await stream_watch(request, target.cls, target.namespace, keep)
    items = await request.app[STORE].list(
        target.cls, target.namespace, request.query.get("labelSelector") or None
    )
    items = sorted((o for o in items if keep(o)), key=lambda o: (o.namespace, o.name))
    info = target.cls.KIND
    return web.json_response(
        {
            "apiVersion": info.api_version,
            "kind": f"{info.kind}List",
            "metadata": {"resourceVersion": _latest_version(items)},
            "items": [o.to_dict() for o in items],
        }
    )


async def get(request: web.Request) -> web.Response:
    t = _target(request)
    obj = await request.app[STORE].get(t.cls, t.namespace or "", t.name or "")
    return web.json_response(obj.to_dict())


async def create(request: web.Request) -> web.Response:
    t = _target(request)
    if t.namespace is None and t.cls.KIND.namespaced:
        raise BadRequestError(
            f"{t.cls.KIND.plural} are namespaced: POST to .../namespaces/{{namespace}}/{t.cls.KIND.plural}"
        )
    kinds = request.app[KINDS]
    obj = _parse(kinds, object_body(await read_body(request)), t)
    obj = await admit(kinds, obj, None, request.app[ADMISSION]())
    created = await request.app[STORE].create(obj)
    return web.json_response(created.to_dict(), status=201)


async def update(request: web.Request) -> web.Response:
    t = _target(request)
    kinds, store = request.app[KINDS], request.app[STORE]
    obj = _versioned(_parse(kinds, object_body(await read_body(request)), t))
    old = await store.get(t.cls, t.namespace or "", obj.name)
    obj = await admit(kinds, obj, old, request.app[ADMISSION]())
    return web.json_response((await store.update(obj)).to_dict())


async def update_status(request: web.Request) -> web.Response:
    t = _target(request)
    obj = _versioned(_parse(request.app[KINDS], object_body(await read_body(request)), t))
    return web.json_response((await request.app[STORE].update_status(obj)).to_dict())


async def delete(request: web.Request) -> web.Response:
    t = _target(request)
    gone = await request.app[STORE].delete(t.cls, t.namespace or "", t.name or "")
    if gone is not None:
        return web.json_response(gone.to_dict())
    body = status_body(
        f'{t.resource} "{t.name}" deleted',
        code=200,
        reason="",
        kind=t.cls.KIND.plural,
        name=t.name or "",
        success=True,
    )
    return web.json_response(body)


def _parse(kinds: Kinds, doc: Mapping[str, Any], t: _Target) -> Resource:
    """The body as the URL's kind, placed in the URL's namespace and (for an item URL) carrying its name."""
    info = t.cls.KIND
    doc = dict(doc)
    doc.setdefault("apiVersion", info.api_version)
    doc.setdefault("kind", info.kind)
    if (doc["apiVersion"], doc["kind"]) != (info.api_version, info.kind):
        raise BadRequestError(
            f"the object is a {doc['kind']} ({doc['apiVersion']}) but the URL names {info.kind} ({info.api_version})"
        )
    obj = kinds.from_manifest(doc)
    meta = obj.metadata
    if t.name is not None:
        if meta.name and meta.name != t.name:
            raise BadRequestError(
                f"the name of the object ({meta.name}) does not match the name in the URL ({t.name})"
            )
        meta = attrs.evolve(meta, name=t.name)
    if info.namespaced:
        if meta.namespace and meta.namespace != t.namespace:
            raise BadRequestError(
                f"the namespace of the object ({meta.namespace}) does not match the namespace in the URL ({t.namespace})"
            )
        meta = attrs.evolve(meta, namespace=t.namespace)
    else:
        meta = attrs.evolve(meta, namespace=None)
    return attrs.evolve(obj, metadata=meta)


def _versioned(obj: Resource) -> Resource:
    """``obj``, which a PUT replaces the stored one with: as for a custom resource in Kubernetes, it must say
    which version it replaces (no unconditional update, which would silently overwrite another's write)."""
    if not obj.metadata.resource_version:
        raise ValidationError(
            [FieldError("metadata.resourceVersion", "Invalid value: 0x0: must be specified for an update")],
            kind=obj.KIND.kind,
            name=obj.name,
        )
    return obj


def _latest_version(items: list[Resource]) -> str:
    """The newest resourceVersion among ``items`` (numeric when every version is a number)."""
    versions = [o.metadata.resource_version for o in items if o.metadata.resource_version]
    if not versions:
        return ""
    if all(v.isdigit() for v in versions):
        return max(versions, key=int)
    return max(versions)
