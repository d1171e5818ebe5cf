"""Output formats for ``get``: kn/kubectl-style tables (one column set per kind), YAML, JSON and names.

Columns are declared in one table, ``(group, kind) -> columns``, each with a small getter over the object's
wire dict; kinds without an entry get ``NAME READY REASON AGE``.
"""

from __future__ import annotations

import datetime
import json
import types
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

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


def label(key: str) -> Getter:
    def get(obj: Obj, _ctx: PrintContext) -> str:
        return str(((obj.get("metadata") or {}).get("labels") or {}).get(key, ""))

    return get


def _condition(obj: Obj, type_: str) -> Mapping[str, Any] | None:
    for c in (obj.get("status") or {}).get("conditions") or ():
        if isinstance(c, Mapping) and c.get("type") == type_:
            return c
    return None


def _happy(obj: Obj) -> Mapping[str, Any] | None:
    return _condition(obj, "Ready") or _condition(obj, "Succeeded")


def ready(obj: Obj, _ctx: PrintContext) -> str:
    c = _happy(obj)
    return str(c.get("status") or "") if c else ""


def reason(obj: Obj, _ctx: PrintContext) -> str:
    c = _happy(obj)
    return str(c.get("reason") or "") if c else ""


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


def status_annotation(key: str) -> Getter:
    """One of ``status.annotations`` (keys have dots, so :func:`field` cannot reach them)."""

    def get(obj: Obj, _ctx: PrintContext) -> str:
        annotations = (obj.get("status") or {}).get("annotations") or {}
        return str(annotations.get(key, "")) if isinstance(annotations, Mapping) else ""

    return get


def last_seen(obj: Obj, ctx: PrintContext) -> str:
    """An Event's age since it last happened (kubectl's LAST SEEN)."""
    when = obj.get("lastTimestamp") or obj.get("firstTimestamp") or (obj.get("metadata") or {}).get("creationTimestamp")
    return age({"metadata": {"creationTimestamp": when}}, ctx) if when else ""


def involved_object(obj: Obj, _ctx: PrintContext) -> str:
    """``kind/name`` of what an Event is about, as kubectl's OBJECT column (lower-case kind)."""
    ref = obj.get("involvedObject") or {}
    kind, name = str(ref.get("kind") or "").lower(), str(ref.get("name") or "")
    return f"{kind}/{name}" if kind else name


def traffic(obj: Obj, ctx: PrintContext) -> str:
    meta = obj.get("metadata") or {}
    return ctx.traffic.get((str(meta.get("namespace") or ""), str(meta.get("name") or "")), "")


_NAME = Column("NAME", field("metadata.name"))
_SERVING = "serving.knative.dev"
_AUTOSCALING = "autoscaling.internal.knative.dev"
_PA = "autoscaling.pyknative.dev/"  # what the PodAutoscaler reconciler writes in status.annotations

PRINTERS: Mapping[tuple[str, str], tuple[Column, ...]] = types.MappingProxyType(
    {
        (_SERVING, "Service"): (
            _NAME,
            Column("URL", field("status.url")),
            Column("LATEST", field("status.latestReadyRevisionName")),
            Column("AGE", age, wide_only=True),
            Column("CONDITIONS", conditions_summary, wide_only=True),
            Column("READY", ready),
            Column("REASON", reason),
        ),
        (_SERVING, "Revision"): (
            _NAME,
            Column("SERVICE", label("serving.knative.dev/service")),
            Column("TRAFFIC", traffic),
            Column("GENERATION", label("serving.knative.dev/configurationGeneration")),
            Column("AGE", age, wide_only=True),
            Column("CONDITIONS", conditions_summary, wide_only=True),
            Column("READY", ready),
            Column("REASON", reason),
        ),
        (_SERVING, "Route"): (
            _NAME,
            Column("URL", field("status.url")),
            Column("AGE", age, wide_only=True),
            Column("CONDITIONS", conditions_summary, wide_only=True),
            Column("READY", ready),
            Column("REASON", reason, wide_only=True),
        ),
        (_AUTOSCALING, "PodAutoscaler"): (
            _NAME,
            Column("DESIRED", field("status.desiredScale")),
            Column("ACTUAL", field("status.actualScale")),
            Column("METRIC", status_annotation(_PA + "metric")),
            Column("OBSERVED", status_annotation(_PA + "observed"), wide_only=True),
            Column("TARGET", status_annotation(_PA + "target"), wide_only=True),
            Column("MODE", status_annotation(_PA + "mode")),
            Column("AGE", age, wide_only=True),
            Column("READY", ready),
            Column("REASON", reason, wide_only=True),
        ),
        ("", "Event"): (
            Column("LAST SEEN", last_seen),
            Column("TYPE", field("type")),
            Column("REASON", field("reason")),
            Column("OBJECT", involved_object),
            Column("COUNT", field("count"), wide_only=True),
            Column("MESSAGE", field("message")),
        ),
        (_SERVING, "Configuration"): (
            _NAME,
            Column("LATEST CREATED", field("status.latestCreatedRevisionName")),
            Column("LATEST READY", field("status.latestReadyRevisionName")),
            Column("AGE", age, wide_only=True),
            Column("READY", ready),
            Column("REASON", reason),
        ),
        # As `kubectl get` prints Knative Eventing's CRDs (their additionalPrinterColumns).
        ("eventing.knative.dev", "Broker"): (
            _NAME,
            Column("URL", field("status.address.url")),
            Column("AGE", age),
            Column("READY", ready),
            Column("REASON", reason),
        ),
        ("eventing.knative.dev", "Trigger"): (
            _NAME,
            Column("BROKER", field("spec.broker")),
            Column("SUBSCRIBER_URI", field("status.subscriberUri")),
            Column("AGE", age),
            Column("READY", ready),
            Column("REASON", reason),
        ),
        ("messaging.knative.dev", "Channel"): (
            _NAME,
            Column("URL", field("status.address.url")),
            Column("AGE", age),
            Column("READY", ready),
            Column("REASON", reason),
        ),
        ("messaging.knative.dev", "InMemoryChannel"): (
            _NAME,
            Column("URL", field("status.address.url")),
            Column("AGE", age),
            Column("READY", ready),
            Column("REASON", reason),
        ),
        ("messaging.knative.dev", "Subscription"): (
            _NAME,
            Column("AGE", age),
            Column("READY", ready),
            Column("REASON", reason),
        ),
    }
)
_DEFAULT = (_NAME, Column("READY", ready), Column("REASON", reason), Column("AGE", age))


def columns_for(group: str, kind: str, *, wide: bool = False) -> tuple[Column, ...]:
    cols = PRINTERS.get((group, kind), _DEFAULT)
    return tuple(c for c in cols if wide or not c.wide_only)


def table(
    objects: Sequence[Obj],
    group: str,
    kind: str,
    *,
    wide: bool = False,
    namespaces: bool = False,
    ctx: PrintContext | None = None,
) -> str:
    """The objects as an aligned table (kubectl's three-space gutters), NAMESPACE first when ``namespaces``."""
    ctx = ctx or PrintContext()
    cols = columns_for(group, kind, wide=wide)
    if (group, kind) == ("", "Event"):  # oldest first, as they happened
        objects = sorted(objects, key=lambda o: str(o.get("lastTimestamp") or o.get("firstTimestamp") or ""))
    if namespaces:
        cols = (Column("NAMESPACE", field("metadata.namespace")), *cols)
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
