"""All-or-nothing multi-document apply: ``POST /apis/pyknative.dev/v1/apply`` with ``{"items": [manifest, ...]}``.

Every document is parsed and admitted first (created when absent; otherwise its labels, annotations and spec
replace the stored ones, and uid, status and the rest of the metadata are kept), with every name in the batch
visible to validation as ``AdmissionContext.pending``. When any document has any error, nothing is stored and
the answer is a 422 Status with one cause per error; each cause names its document in a ``document`` key
(``index``, ``apiVersion``, ``kind``, ``namespace``, ``name``) and keeps its field path as it is. Otherwise every
object is written and reported as ``created``, ``configured`` or ``unchanged``, kubectl-style.

The writes are one store transaction (:func:`pyknative.store.write_batch`): when one fails (a name taken since
the plan, the store refusing a body), nothing of the batch is stored or changed, and the Status (the failed
write's code) names that document the same way. A conflict with a write made since the plan (a controller
writing status) re-plans the batch on the newest versions and tries again. On a store without transactions the
writes go one by one and the answer also says what was applied before the failed one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import attrs
from aiohttp import web

from pyknative.admin.requests import read_body
from pyknative.admin.state import ADMISSION, KINDS, STORE
from pyknative.admin.status import BadRequestError, cause, status_body
from pyknative.api.kinds import AdmissionContext, Kinds, admit
from pyknative.api.meta import Resource
from pyknative.errors import ConflictError, FieldError, NotFoundError, PyknativeError, ValidationError
from pyknative.store import BatchWrite, BatchWriteError, Store, is_atomic, write_batch

APPLY_PATH = "/apis/pyknative.dev/v1/apply"
Action = Literal["created", "configured", "unchanged"]
_UPDATE_TRIES = 3


@attrs.frozen
class DocumentRef:
    """Which document of an apply a problem belongs to (as far as the document says)."""

    index: int
    api_version: str = ""
    kind: str = ""
    namespace: str = ""
    name: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "apiVersion": self.api_version,
            "kind": self.kind,
            "namespace": self.namespace,
            "name": self.name,
        }

    def __str__(self) -> str:
        if self.kind and self.name:
            return f'{self.kind} "{self.name}"'
        return f"document {self.index + 1}" + (f" ({self.kind})" if self.kind else "")


class ApplyError(PyknativeError):
    """An apply that stored nothing (or, on a store without transactions, only what it says)."""

    def status(self) -> dict[str, Any]:
        raise NotImplementedError


class ApplyInvalidError(ApplyError):
    """At least one document of an apply was refused; ``problems`` holds every error of every document."""

    status_code = 422
    reason = "Invalid"

    def __init__(self, problems: Sequence[tuple[DocumentRef, FieldError]], total: int) -> None:
        self.problems = list(problems)
        self.total = total
        bad = len({ref.index for ref, _ in self.problems})
        listed = "; ".join(f"{ref}: {err}" for ref, err in self.problems)
        super().__init__(f"{bad} of {total} documents are invalid, nothing was applied: {listed}")

    def status(self) -> dict[str, Any]:
        causes = [cause(err, document=ref.to_dict()) for ref, err in self.problems]
        return status_body(str(self), code=self.status_code, reason=self.reason, causes=causes)


class ApplyWriteError(ApplyError):
    """Writing document ``ref`` failed with ``error``; ``before`` is what a store without transactions had
    already applied (empty when the batch was one transaction, which then stored nothing)."""

    def __init__(self, ref: DocumentRef, error: PyknativeError, before: Sequence[Applied], atomic: bool) -> None:
        self.ref, self.error = ref, error
        self.status_code, self.reason = error.status_code, error.reason
        if atomic:
            outcome = "nothing was applied"
        else:
            outcome = "applied before it: " + (", ".join(f"{_label(a.object)} {a.action}" for a in before) or "nothing")
        super().__init__(f"applying document {ref.index + 1} ({ref}) failed: {error} ({outcome})")

    def status(self) -> dict[str, Any]:
        errors = self.error.errors if isinstance(self.error, ValidationError) else [FieldError("", str(self.error))]
        causes = [cause(err, document=self.ref.to_dict()) for err in errors]
        return status_body(str(self), code=self.status_code, reason=self.reason, causes=causes)


@attrs.frozen
class Applied:
    action: Action
    object: Resource


@attrs.frozen
class _Plan:
    ref: DocumentRef
    manifest: Resource  # as parsed, placed in its namespace
    admitted: Resource  # what will be written
    old: Resource | None
    action: Action
    ctx: AdmissionContext  # with every name in the batch pending, for a re-admission after a conflict


async def handle_apply(request: web.Request) -> web.Response:
    body = await read_body(request, multi=True)
    docs = body.get("items") if isinstance(body, Mapping) else body
    if not isinstance(docs, list):
        raise BadRequestError('the apply body must be {"items": [manifest, ...]}')
    namespace = request.query.get("namespace") or "default"
    kinds, store = request.app[KINDS], request.app[STORE]
    try:
        plans = await plan_apply(kinds, store, request.app[ADMISSION](), docs, namespace)
        applied = await execute_apply(kinds, store, plans)
    except ApplyError as e:
        return web.json_response(e.status(), status=e.status_code)
    return web.json_response(
        {
            "apiVersion": "pyknative.dev/v1",
            "kind": "ApplyResult",
            "items": [{"action": a.action, "object": a.object.to_dict()} for a in applied],
        }
    )


async def plan_apply(
    kinds: Kinds, store: Store, ctx: AdmissionContext, docs: Sequence[Any], namespace: str
) -> list[_Plan]:
    """Parse and admit every document; raise ApplyInvalidError with every problem of every document."""
    problems: list[tuple[DocumentRef, FieldError]] = []
    parsed: list[tuple[DocumentRef, Resource]] = []
    for i, doc in enumerate(docs):
        try:
            obj = _place(kinds.from_manifest(doc), namespace)
        except ValidationError as e:
            problems.extend((_ref(i, doc, namespace), err) for err in e.errors)
            continue
        info = obj.KIND
        parsed.append((DocumentRef(i, info.api_version, info.kind, obj.namespace, obj.name), obj))

    # Names of documents that failed to parse count as pending too: a reference to one is not a second error.
    broken = {(r.api_version, r.kind, r.namespace, r.name) for r, _ in problems if r.name and r.kind}
    seen: dict[tuple[str, str, str, str], int] = {}
    for ref, _obj in parsed:
        if not ref.name:
            continue
        key = (ref.api_version, ref.kind, ref.namespace, ref.name)
        if key in seen:
            problems.append(
                (
                    ref,
                    FieldError("metadata.name", f"also in document {seen[key] + 1}: apply each object once"),
                )
            )
        else:
            seen[key] = ref.index
    ctx = attrs.evolve(ctx, pending=frozenset(ctx.pending | seen.keys() | broken))

    plans: list[_Plan] = []
    for ref, obj in parsed:
        try:
            plans.append(await _prepare(kinds, ctx, ref, obj, await _get_or_none(store, obj)))
        except ValidationError as e:
            problems.extend((ref, err) for err in e.errors)
    if problems:
        raise ApplyInvalidError(sorted(problems, key=lambda p: p[0].index), len(docs))
    return plans


async def execute_apply(kinds: Kinds, store: Store, plans: Sequence[_Plan]) -> list[Applied]:
    """Write every planned object in one store transaction (see the module docstring); ApplyError otherwise."""
    results: dict[int, Applied] = {}
    todo = list(plans)
    for attempt in range(_UPDATE_TRIES):
        for plan in todo:
            if plan.action == "unchanged":
                assert plan.old is not None
                results[plan.ref.index] = Applied("unchanged", plan.old)
        writing = [p for p in todo if p.action != "unchanged"]
        try:
            written = await write_batch(store, [BatchWrite(_OPS[p.action], p.admitted) for p in writing])
        except BatchWriteError as e:
            for plan, obj in zip(writing, e.written, strict=False):
                results[plan.ref.index] = Applied(plan.action, obj)
            failed = writing[e.index]
            if not isinstance(e.error, ConflictError) or attempt == _UPDATE_TRIES - 1:
                before = [results[i] for i in sorted(results) if i < failed.ref.index]
                raise ApplyWriteError(failed.ref, e.error, before, is_atomic(store)) from e
            # Someone (a controller writing status) got in between: redo the merges on the newest versions.
            todo = [await _refresh(kinds, store, p, len(plans)) for p in writing[len(e.written) :]]
            continue
        for plan, obj in zip(writing, written, strict=True):
            results[plan.ref.index] = Applied(plan.action, obj)
        return [results[p.ref.index] for p in plans]
    raise AssertionError("unreachable")


_OPS: dict[Action, Literal["create", "update"]] = {"created": "create", "configured": "update"}


async def _refresh(kinds: Kinds, store: Store, plan: _Plan, total: int) -> _Plan:
    try:
        return await _prepare(kinds, plan.ctx, plan.ref, plan.manifest, await _get_or_none(store, plan.manifest))
    except ValidationError as e:
        raise ApplyInvalidError([(plan.ref, err) for err in e.errors], total) from None


async def _prepare(
    kinds: Kinds, ctx: AdmissionContext, ref: DocumentRef, obj: Resource, old: Resource | None
) -> _Plan:
    if old is None:
        return _Plan(ref, obj, await admit(kinds, obj, None, ctx), None, "created", ctx)
    admitted = await admit(kinds, _merge(old, obj), old, ctx)
    action: Action = "unchanged" if admitted.to_dict() == old.to_dict() else "configured"
    return _Plan(ref, obj, admitted, old, action, ctx)


def _merge(old: Resource, new: Resource) -> Resource:
    """``new``'s labels, annotations, spec (and other top-level fields) over ``old``'s metadata and status."""
    meta = attrs.evolve(old.metadata, labels=new.metadata.labels, annotations=new.metadata.annotations)
    changes: dict[str, Any] = {"metadata": meta}
    if "status" in attrs.fields_dict(type(new)):
        changes["status"] = getattr(old, "status")  # noqa: B009 - not every kind has a status field
    return attrs.evolve(new, **changes)


async def _get_or_none(store: Store, obj: Resource) -> Resource | None:
    if not obj.name:  # generateName: always a new object
        return None
    try:
        return await store.get(type(obj), obj.namespace, obj.name)
    except NotFoundError:
        return None


def _place(obj: Resource, namespace: str) -> Resource:
    if not obj.KIND.namespaced:
        return attrs.evolve(obj, metadata=attrs.evolve(obj.metadata, namespace=None))
    if obj.metadata.namespace:
        return obj
    return attrs.evolve(obj, metadata=attrs.evolve(obj.metadata, namespace=namespace))


def _ref(index: int, doc: Any, namespace: str) -> DocumentRef:
    if not isinstance(doc, Mapping):
        return DocumentRef(index)
    meta = doc.get("metadata") if isinstance(doc.get("metadata"), Mapping) else {}
    return DocumentRef(
        index,
        api_version=str(doc.get("apiVersion") or ""),
        kind=str(doc.get("kind") or ""),
        namespace=str(meta.get("namespace") or namespace),
        name=str(meta.get("name") or ""),
    )


def _label(obj: Resource) -> str:
    info = obj.KIND
    return f"{info.kind.lower()}.{info.group}/{obj.name}" if info.group else f"{info.kind.lower()}/{obj.name}"
