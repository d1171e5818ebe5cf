"""The ApiServerSource kind (``sources.knative.dev/v1``): its model, defaulting, validation and registration.

Fields follow ``knative.dev/eventing/pkg/apis/sources/v1/apiserver_types.go``: ``resources[]`` (``apiVersion``,
``kind``, ``selector``: a LabelSelector), ``owner`` (``apiVersion``, ``kind``), ``mode`` (``Reference``, the
default, or ``Resource``, compared case-sensitively), ``serviceAccountName`` (default ``default``),
``namespaceSelector``, ``filters`` (kept, not applied), plus the source duck (``sink``, ``ceOverrides``).
Status: the duck's plus ``namespaces``. Validation as ``apiserver_validation.go``: every error at once, each with
its field path.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import attrs

from pyknative.api import extra_field, wire
from pyknative.api.kinds import (
    AGE_COLUMN,
    READY_COLUMN,
    REASON_COLUMN,
    AdmissionContext,
    KindRegistration,
    PrinterColumn,
)
from pyknative.api.meta import KindInfo, Resource
from pyknative.api.sources import SOURCES, SourceSpec, SourceStatus
from pyknative.errors import FieldError
from pyknative.sources import validate_source_spec

GROUP = "sources.knative.dev"
API_VERSION = f"{GROUP}/v1"
KIND = "ApiServerSource"

REFERENCE_MODE = "Reference"
RESOURCE_MODE = "Resource"
MODES = (REFERENCE_MODE, RESOURCE_MODE)
DEFAULT_SERVICE_ACCOUNT = "default"

_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


@attrs.frozen
class LabelSelectorRequirement:
    key: str | None = wire()
    operator: str | None = wire()
    values: tuple[str, ...] | None = wire()
    extra: Mapping[str, Any] = extra_field()

    def matches(self, labels: Mapping[str, str]) -> bool:
        present = self.key in labels
        if self.operator == "Exists":
            return present
        if self.operator == "DoesNotExist":
            return not present
        if self.operator == "In":
            return present and labels[self.key] in (self.values or ())
        return not present or labels[self.key] not in (self.values or ())  # NotIn


@attrs.frozen
class LabelSelector:
    """A Kubernetes ``metav1.LabelSelector``; an empty one matches everything."""

    match_labels: Mapping[str, str] | None = wire()
    match_expressions: tuple[LabelSelectorRequirement, ...] | None = wire()
    extra: Mapping[str, Any] = extra_field()

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        labels = labels or {}
        if any(labels.get(k) != v for k, v in (self.match_labels or {}).items()):
            return False
        return all(r.matches(labels) for r in self.match_expressions or ())


@attrs.frozen
class APIVersionKindSelector:
    """One ``spec.resources[]`` entry: a kind to watch, optionally narrowed by labels."""

    api_version: str | None = wire()
    kind: str | None = wire()
    selector: LabelSelector | None = wire()
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class APIVersionKind:
    """``spec.owner``: only objects owned by an object of this apiVersion and kind."""

    api_version: str | None = wire()
    kind: str | None = wire()
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class ApiServerSourceSpec(SourceSpec):
    resources: tuple[APIVersionKindSelector, ...] | None = wire()
    owner: APIVersionKind | None = wire()
    mode: str | None = wire()
    service_account_name: str | None = wire()
    namespace_selector: LabelSelector | None = wire()
    filters: tuple[Mapping[str, Any], ...] | None = wire()


@attrs.frozen
class ApiServerSourceStatus(SourceStatus):
    #: the namespaces the source watches
    namespaces: tuple[str, ...] | None = wire()


@attrs.frozen
class ApiServerSource(Resource):
    KIND: ClassVar[KindInfo] = KindInfo(GROUP, "v1", KIND, "apiserversources")

    spec: ApiServerSourceSpec | None = wire(factory=ApiServerSourceSpec)
    status: ApiServerSourceStatus | None = wire(factory=ApiServerSourceStatus)


# ------------------------------------------------------------------------------------- defaulting, validation


def default_api_server_source(source: ApiServerSource, ctx: AdmissionContext) -> ApiServerSource:
    """``mode`` defaults to ``Reference``, ``serviceAccountName`` to ``default`` (Knative's SetDefaults)."""
    spec = source.spec or ApiServerSourceSpec()
    changes: dict[str, Any] = {}
    if not spec.mode:
        changes["mode"] = REFERENCE_MODE
    if not spec.service_account_name:
        changes["service_account_name"] = DEFAULT_SERVICE_ACCOUNT
    return attrs.evolve(source, spec=attrs.evolve(spec, **changes)) if changes else source


def validate_api_server_source(source: ApiServerSource, old: ApiServerSource | None, ctx: AdmissionContext) -> list[FieldError]:
    spec = source.spec or ApiServerSourceSpec()
    errors: list[FieldError] = []
    if spec.sink is None:
        errors.append(FieldError("spec.sink", "missing field(s)"))
    errors += validate_source_spec(spec, ctx, source.namespace)
    if spec.mode not in (None, "", *MODES):
        errors.append(FieldError("spec.mode", f"invalid value: {spec.mode} (expected Reference or Resource)"))
    if not spec.resources:
        errors.append(FieldError("spec.resources", "missing field(s)"))
    for i, res in enumerate(spec.resources or ()):
        path = f"spec.resources[{i}]"
        errors += _api_version_kind(res.api_version, res.kind, path)
        errors += validate_label_selector(res.selector, f"{path}.selector")
    if spec.owner is not None:
        errors += _api_version_kind(spec.owner.api_version, spec.owner.kind, "spec.owner")
    errors += validate_label_selector(spec.namespace_selector, "spec.namespaceSelector")
    return errors


def _api_version_kind(api_version: str | None, kind: str | None, path: str) -> list[FieldError]:
    errors = []
    if not api_version:
        errors.append(FieldError(f"{path}.apiVersion", "missing field(s)"))
    elif api_version.count("/") > 1 or api_version.startswith("/") or api_version.endswith("/"):
        errors.append(FieldError(f"{path}.apiVersion", f"invalid value: {api_version} (expected [group/]version)"))
    if not kind:
        errors.append(FieldError(f"{path}.kind", "missing field(s)"))
    return errors


def validate_label_selector(selector: LabelSelector | None, path: str) -> list[FieldError]:
    if selector is None:
        return []
    errors = []
    for i, r in enumerate(selector.match_expressions or ()):
        p = f"{path}.matchExpressions[{i}]"
        if not r.key:
            errors.append(FieldError(f"{p}.key", "missing field(s)"))
        if r.operator not in _OPERATORS:
            errors.append(FieldError(f"{p}.operator", f"invalid value: {r.operator} (expected one of {', '.join(_OPERATORS)})"))
        elif r.operator in ("In", "NotIn") and not r.values:
            errors.append(FieldError(f"{p}.values", f"must be non-empty for operator {r.operator}"))
        elif r.operator in ("Exists", "DoesNotExist") and r.values:
            errors.append(FieldError(f"{p}.values", f"must be empty for operator {r.operator}"))
    return errors


SINK_COLUMN = PrinterColumn("SINK", ".status.sinkUri")
COLUMNS = (SINK_COLUMN, AGE_COLUMN, READY_COLUMN, REASON_COLUMN)


def registration() -> KindRegistration:
    return KindRegistration(
        ApiServerSource, default_api_server_source, validate_api_server_source, columns=COLUMNS, categories=SOURCES
    )
