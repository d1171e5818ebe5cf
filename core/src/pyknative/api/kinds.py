"""The registry of resource kinds: wire names, short names, defaulting and validation per kind.

The core registers Serving's kinds through its own ``kinds`` plugin; plugins add theirs (KafkaChannel,
GitHubSource, ...) through the ``pyknative_kinds`` hook. There is no module-level registry: the platform
owns one :class:`Kinds`, and tests build their own.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

import attrs

from pyknative.api.meta import Resource
from pyknative.api.meta_validation import validate_object_meta
from pyknative.errors import FieldError, NotFoundError, ValidationError


@attrs.frozen
class AdmissionContext:
    """What defaulting and validation may consult: the operator config and, for reference checks, the store."""

    config: Any = None
    store: Any = None
    #: names created in the same all-or-nothing apply: ``(apiVersion, kind, namespace, name)``
    pending: frozenset[tuple[str, str, str, str]] = frozenset()
    #: ``await scalers(autoscaler_class)``: the class plugin's scaler (whose ``validate`` checks the class's
    #: annotations); raises BackendNotInstalledError when no plugin provides the class. None: no platform
    #: (the core's own annotation checks apply).
    scalers: Callable[[str], Awaitable[Any]] | None = None
    #: ``await annotation_checks(annotations, path)``: every plugin's ``pyknative_validate_annotations`` errors
    #: for a revision template's annotations (keys that belong to no class, say scheduled floors). None: none.
    annotation_checks: Callable[[Mapping[str, str], str], Awaitable[list[FieldError]]] | None = None


Defaulter = Callable[[Resource, AdmissionContext], Resource]
Validator = Callable[[Resource, "Resource | None", AdmissionContext], "Iterable[FieldError] | Awaitable[Iterable[FieldError]]"]


@attrs.frozen
class PrinterColumn:
    """One column of ``pyknative get``, as a CRD's ``additionalPrinterColumns`` entry.

    ``json_path`` is the subset of JSONPath kubectl uses there: ``.a.b``, ``['key.with.dots']``, ``[0]`` and a
    filter ``[?(@.type=='Ready')]``. ``type`` is Kubernetes' (``string``, ``integer``, ``number``, ``boolean``,
    ``date``: printed as an age); ``priority`` above 0 shows only with ``-o wide``. ``compute`` names one of the
    CLI's few computed cells instead of a path (``traffic``: a revision's share from its routes;
    ``conditions``: ``3 OK / 4``; ``last-seen`` and ``involved-object``: an Event's, as kubectl prints them;
    ``key-count``: a Secret's or ConfigMap's DATA).
    """

    name: str
    json_path: str = ""
    type: str = "string"
    priority: int = 0
    description: str = ""
    compute: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "type": self.type, "jsonPath": self.json_path}
        if self.priority:
            out["priority"] = self.priority
        if self.description:
            out["description"] = self.description
        if self.compute:
            out["compute"] = self.compute
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> PrinterColumn:
        return cls(
            name=str(d.get("name") or ""),
            json_path=str(d.get("jsonPath") or ""),
            type=str(d.get("type") or "string"),
            priority=int(d.get("priority") or 0),
            description=str(d.get("description") or ""),
            compute=d.get("compute") or None,
        )


READY_COLUMN = PrinterColumn("READY", ".status.conditions[?(@.type=='Ready')].status")
REASON_COLUMN = PrinterColumn("REASON", ".status.conditions[?(@.type=='Ready')].reason")
AGE_COLUMN = PrinterColumn("AGE", ".metadata.creationTimestamp", type="date")
#: what ``get`` prints for a kind that declares no columns (NAME always comes first)
DEFAULT_COLUMNS = (READY_COLUMN, REASON_COLUMN, AGE_COLUMN)


@attrs.frozen
class KindRegistration:
    """One kind: its model class, and optional defaulting and validation (``validate(new, old, ctx)``)."""

    cls: type[Resource]
    default: Defaulter | None = None
    validate: Validator | None = None
    #: whether an object of this kind can be a Destination ``ref`` (has ``status.address.url``)
    addressable: bool = False
    #: ``get``'s columns after NAME (a CRD's ``additionalPrinterColumns``); :data:`DEFAULT_COLUMNS` when empty
    columns: tuple[PrinterColumn, ...] = ()
    #: groupings a user may ``get`` at once (``pyknative get sources``, ``get all``), as a CRD's ``categories``
    categories: tuple[str, ...] = ()
    #: whether ``get`` prints NAME first (kubectl's Events have no NAME column)
    print_name: bool = True

    @property
    def printer_columns(self) -> tuple[PrinterColumn, ...]:
        return self.columns or DEFAULT_COLUMNS


class Kinds:
    """Lookup of kinds by apiVersion/kind, by plural and by any name a user may type (``ksvc``, ``services``)."""

    def __init__(self, registrations: Iterable[KindRegistration] = ()) -> None:
        self._by_kind: dict[tuple[str, str], KindRegistration] = {}
        self._by_name: dict[str, list[KindRegistration]] = {}
        for r in registrations:
            self.register(r)

    def register(self, reg: KindRegistration) -> None:
        info = reg.cls.KIND
        self._by_kind[(info.api_version, info.kind)] = reg
        names = {info.kind.lower(), info.plural, *info.short_names, f"{info.plural}.{info.group}"}
        for n in names:
            bucket = self._by_name.setdefault(n.lower(), [])
            if reg not in bucket:
                bucket.append(reg)

    def __iter__(self):
        return iter(self._by_kind.values())

    def get(self, api_version: str, kind: str) -> KindRegistration:
        try:
            return self._by_kind[(api_version, kind)]
        except KeyError:
            raise NotFoundError(f"no kind {kind!r} in {api_version!r} is installed") from None

    def for_class(self, cls: type[Resource]) -> KindRegistration:
        return self.get(cls.KIND.api_version, cls.KIND.kind)

    def by_plural(self, group: str, version: str, plural: str) -> KindRegistration:
        for reg in self._by_kind.values():
            info = reg.cls.KIND
            if info.group == group and info.version == version and info.plural == plural:
                return reg
        raise NotFoundError(f"the server could not find the requested resource {plural}.{group}/{version}")

    def resolve(self, name: str) -> KindRegistration:
        """A kind from what a user typed on the command line: ``ksvc``, ``service``, ``services.serving.knative.dev``."""
        found = self._by_name.get(name.lower(), [])
        if not found:
            raise NotFoundError(f"the server doesn't have a resource type {name!r}")
        # Prefer serving's Service for "service" over e.g. a core/v1 Service, as kn does.
        return sorted(found, key=lambda r: r.cls.KIND.group != "serving.knative.dev")[0]

    def from_manifest(self, doc: Mapping[str, Any], path: str = "") -> Resource:
        """Parse one manifest into its model; unknown kinds and type mismatches raise ValidationError."""
        if not isinstance(doc, Mapping):
            raise ValidationError([FieldError(path, "expected a mapping (a Kubernetes object)")])
        api_version, kind = doc.get("apiVersion"), doc.get("kind")
        missing = [FieldError(_p(path, k), "required") for k, v in (("apiVersion", api_version), ("kind", kind)) if not v]
        if missing:
            raise ValidationError(missing)
        try:
            reg = self.get(str(api_version), str(kind))
        except NotFoundError as e:
            raise ValidationError([FieldError(_p(path, "kind"), str(e))]) from None
        try:
            return reg.cls.from_dict(doc)
        except ValidationError as e:
            raise ValidationError([err.under(path) for err in e.errors], kind=str(kind), name=_name(doc)) from None


async def admit(kinds: Kinds, obj: Resource, old: Resource | None, ctx: AdmissionContext) -> Resource:
    """Default then validate ``obj`` (an update when ``old`` is given), its metadata as Kubernetes does
    (:mod:`pyknative.api.meta_validation`); raise ValidationError with every error."""
    reg = kinds.for_class(type(obj))
    errors: list[FieldError] = []
    if not obj.metadata.name and not obj.metadata.generate_name:
        errors.append(FieldError("metadata.name", "name or generateName is required"))
    if reg.default is not None:
        obj = reg.default(obj, ctx)
    if reg.validate is not None:
        found = reg.validate(obj, old, ctx)
        if inspect.isawaitable(found):
            found = await found
        errors.extend(found)
    errors.extend(validate_object_meta(obj.metadata, namespaced=obj.KIND.namespaced))
    if errors:
        raise ValidationError(errors, kind=obj.KIND.kind, name=obj.name)
    return obj


def _p(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _name(doc: Mapping[str, Any]) -> str:
    meta = doc.get("metadata")
    return str(meta.get("name", "")) if isinstance(meta, Mapping) else ""
