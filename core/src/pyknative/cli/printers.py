"""Output formats for ``get``: kn/kubectl-style tables (one column set per kind), YAML, JSON and names.

Columns come from the server's discovery: each kind's ``additionalPrinterColumns`` (declared with the kind's
registration, a plugin's kinds included), evaluated here over the object's wire dict with a JSONPath subset;
kinds without any get ``NAME READY REASON AGE``.
"""

from __future__ import annotations

import datetime
import json
import types
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from pyknative.cli import jsonpath
from pyknative.cli.discovery import object_label

Obj = Mapping[str, Any]


@attrs.frozen
class PrintContext:
    """What cells may need beyond the object: the time now and, for revisions, their share of traffic."""

    now: datetime.datetime = attrs.field(factory=lambda: datetime.datetime.now(datetime.UTC))
    #: ``(namespace, revision name) -> "50%"`` from the routes' status.traffic
    traffic: Mapping[tuple[str, str], str] = attrs.field(factory=dict)


Getter = Callable[[Obj, PrintContext], str]


@attrs.frozen
class Column:
    header: str
    get: Getter
    wide_only: bool = False


def field(path: str) -> Getter:
    """A dotted path into the object (``status.latestReadyRevisionName``); empty when absent."""
    keys = path.split(".")

    def get(obj: Obj, _ctx: PrintContext) -> str:
        value: Any = obj
        for k in keys:
            if not isinstance(value, Mapping):
                return ""
            value = value.get(k)
        return "" if value is None else str(value)

    return get


def conditions_summary(obj: Obj, _ctx: PrintContext) -> str:
    """kn's ``3 OK / 4``: how many conditions are True, of how many."""
    conds = [c for c in (obj.get("status") or {}).get("conditions") or () if isinstance(c, Mapping)]
    if not conds:
        return ""
    ok = sum(1 for c in conds if c.get("status") == "True")
    return f"{ok} OK / {len(conds)}"


def age(obj: Obj, ctx: PrintContext) -> str:
    created = (obj.get("metadata") or {}).get("creationTimestamp")
    if not created:
        return ""
    try:
        when = datetime.datetime.fromisoformat(str(created).replace("Z", "+00:00"))
    except ValueError:
        return ""
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.UTC)
    return human_duration((ctx.now - when).total_seconds())


def human_duration(seconds: float) -> str:
    """kubectl's short ages: ``45s``, ``3m20s``, ``25m``, ``5h10m``, ``30h``, ``6d4h``, ``40d``, ``3y``."""
    s = max(int(seconds), 0)
    m, h, d = s // 60, s // 3600, s // 86400
    if s < 120:
        return f"{s}s"
    if m < 10:
        return f"{m}m{s % 60}s" if s % 60 else f"{m}m"
    if h < 3:
        return f"{m}m"
    if h < 8:
        return f"{h}h{m % 60}m" if m % 60 else f"{h}h"
    if h < 48:
        return f"{h}h"
    if d < 8:
        return f"{d}d{h % 24}h" if h % 24 else f"{d}d"
    if d < 365 * 2:
        return f"{d}d"
    return f"{d // 365}y"


def last_seen(obj: Obj, ctx: PrintContext) -> str:
    """An Event's age since it last happened (kubectl's LAST SEEN)."""
    when = (
        obj.get("lastTimestamp")
        or obj.get("firstTimestamp")
        or (obj.get("metadata") or {}).get("creationTimestamp")
    )
    return age({"metadata": {"creationTimestamp": when}}, ctx) if when else ""


def involved_object(obj: Obj, _ctx: PrintContext) -> str:
    """``kind/name`` of what an Event is about, as kubectl's OBJECT column (lower-case kind)."""
    ref = obj.get("involvedObject") or {}
    kind, name = str(ref.get("kind") or "").lower(), str(ref.get("name") or "")
    return f"{kind}/{name}" if kind else name


def key_count(obj: Obj, _ctx: PrintContext) -> str:
    """kubectl's DATA of a Secret or ConfigMap: how many keys ``data`` and ``binaryData`` hold (never a value)."""
    return str(sum(len(obj.get(f) or {}) for f in ("data", "binaryData") if isinstance(obj.get(f) or {}, Mapping)))


def traffic(obj: Obj, ctx: PrintContext) -> str:
    meta = obj.get("metadata") or {}
    return ctx.traffic.get((str(meta.get("namespace") or ""), str(meta.get("name") or "")), "")


_NAME = Column("NAME", field("metadata.name"))
_NAMESPACE = Column("NAMESPACE", field("metadata.namespace"))

#: the cells a column may compute instead of following a path (``PrinterColumn.compute``)
COMPUTED: Mapping[str, Getter] = types.MappingProxyType(
    {
        "traffic": traffic,
        "conditions": conditions_summary,
        "last-seen": last_seen,
        "involved-object": involved_object,
        "key-count": key_count,
    }
)
#: ``get``'s columns for a kind whose discovery entry has none (the server always sends them)
DEFAULT_COLUMNS: tuple[Mapping[str, Any], ...] = (
    {"name": "READY", "jsonPath": ".status.conditions[?(@.type=='Ready')].status"},
    {"name": "REASON", "jsonPath": ".status.conditions[?(@.type=='Ready')].reason"},
    {"name": "AGE", "jsonPath": ".metadata.creationTimestamp", "type": "date"},
)


def column(spec: Mapping[str, Any]) -> Column:
    """A column from its ``additionalPrinterColumns`` entry (see :class:`pyknative.api.kinds.PrinterColumn`)."""
    header = str(spec.get("name") or "").upper()
    wide_only = int(spec.get("priority") or 0) > 0
    compute = spec.get("compute")
    if compute:
        getter = COMPUTED.get(str(compute))
        if getter is None:
            return Column(header, lambda _o, _c: "", wide_only)
        return Column(header, getter, wide_only)
    path = str(spec.get("jsonPath") or "")
    if str(spec.get("type") or "") == "date":

        def date_cell(obj: Obj, ctx: PrintContext) -> str:
            when = jsonpath.cell(path, obj)
            return age({"metadata": {"creationTimestamp": when}}, ctx) if when else ""

        return Column(header, date_cell, wide_only)
    try:
        jsonpath.compile_path(path)
    except jsonpath.JsonPathError:
        return Column(header, lambda _o, _c: "<bad jsonPath>", wide_only)
    return Column(header, lambda obj, _ctx: jsonpath.cell(path, obj), wide_only)


def columns_for(
    specs: Sequence[Mapping[str, Any]] | None,
    *,
    wide: bool = False,
    print_name: bool = True,
    kind_prefix: str = "",
) -> tuple[Column, ...]:
    cols = tuple(column(s) for s in (specs or DEFAULT_COLUMNS))
    if print_name:
        cols = (_prefixed_name(kind_prefix) if kind_prefix else _NAME, *cols)
    return tuple(c for c in cols if wide or not c.wide_only)


def _prefixed_name(prefix: str) -> Column:
    """NAME as kubectl prints it when a listing holds several kinds: ``service.serving.knative.dev/hello``."""
    name = _NAME.get
    return Column("NAME", lambda obj, ctx: f"{prefix}/{name(obj, ctx)}")


def table(
    objects: Sequence[Obj],
    specs: Sequence[Mapping[str, Any]] | None = None,
    *,
    wide: bool = False,
    namespaces: bool = False,
    print_name: bool = True,
    kind_prefix: str = "",
    ctx: PrintContext | None = None,
) -> str:
    """The objects as an aligned table (kubectl's three-space gutters), NAMESPACE first when ``namespaces``.

    ``specs`` are the kind's ``additionalPrinterColumns`` from discovery; a kind without NAME (``print_name``
    False, as Events) is listed oldest first, as things happened. ``kind_prefix`` (``service.serving.knative.dev``)
    goes before each NAME, as kubectl marks the rows of a listing of several kinds."""
    ctx = ctx or PrintContext()
    cols = columns_for(specs, wide=wide, print_name=print_name, kind_prefix=kind_prefix)
    if not print_name:
        objects = sorted(objects, key=lambda o: str(o.get("lastTimestamp") or o.get("firstTimestamp") or ""))
    if namespaces:
        cols = (_NAMESPACE, *cols)
    rows = [[c.header for c in cols]] + [[c.get(o, ctx) for c in cols] for o in objects]
    return render_rows(rows)


def render_rows(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["   ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    return "\n".join(lines)


def as_json(data: Any) -> str:
    return json.dumps(data, indent=4)


def as_yaml(data: Any) -> str:
    import yaml  # lazily: only these outputs need it

    return yaml.safe_dump(data, sort_keys=False, default_flow_style=False, allow_unicode=True).rstrip("\n")


def as_list(objects: Sequence[Obj]) -> dict[str, Any]:
    """Several objects the way kubectl prints them: a ``v1`` ``List``."""
    return {"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": list(objects)}


def names(objects: Sequence[Obj]) -> str:
    return "\n".join(object_label(o) for o in objects)
