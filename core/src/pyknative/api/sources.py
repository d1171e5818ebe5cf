"""sources.knative.dev: the source duck type (SourceSpec, SourceStatus) and the core's PingSource.

Field names and shapes follow knative.dev/pkg/apis/duck/v1 (``SourceSpec``, ``SourceStatus``,
``CloudEventOverrides``, ``CloudEventAttributes``) and knative.dev/eventing/pkg/apis/sources/v1 (PingSource). A
source kind of any plugin is a :class:`~pyknative.api.meta.Resource` whose spec subclasses :class:`SourceSpec`
(``sink``, ``ceOverrides``) and whose status subclasses :class:`SourceStatus` (``sinkUri``, ``ceAttributes``,
conditions); :mod:`pyknative.sources` reconciles that part for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import attrs

from pyknative.api._serde import extra_field, wire
from pyknative.api.duck import Destination
from pyknative.api.meta import KindInfo, Resource
from pyknative.api.serving import RevisionTemplateSpec, Status

GROUP = "sources.knative.dev"
API_VERSION = f"{GROUP}/v1"

#: the CRD label every source kind carries in Knative (``docs/spec/sources.md``)
SOURCE_DUCK_LABEL = "duck.knative.dev/source"
#: the ``categories`` of Knative's source CRDs
SOURCES = ("all", "knative", "sources")

PING_EVENT_TYPE = "dev.knative.sources.ping"
PING_DEFAULT_SCHEDULE = "* * * * *"


@attrs.frozen
class CloudEventOverrides:
    """``spec.ceOverrides``: attributes set on (or overriding) every event the source sends."""

    extensions: Mapping[str, str] | None = wire()
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class CloudEventAttributes:
    """One ``status.ceAttributes[]`` entry: a type and source of the events the source emits."""

    type: str | None = wire()
    source: str | None = wire()
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class SourceSpec:
    """Knative's duck ``SourceSpec``: where events go and what is added to each."""

    sink: Destination | None = wire()
    ce_overrides: CloudEventOverrides | None = wire()
    extra: Mapping[str, Any] = extra_field()

    @property
    def extensions(self) -> dict[str, str]:
        """``ceOverrides.extensions``, empty when unset."""
        overrides = self.ce_overrides
        return dict(overrides.extensions or {}) if overrides is not None else {}


@attrs.frozen
class SourceStatus(Status):
    """Knative's duck ``SourceStatus``: the resolved sink and what the source emits."""

    sink_uri: str | None = wire()
    sink_ca_certs: str | None = wire(key="sinkCACerts")
    sink_audience: str | None = wire()
    ce_attributes: tuple[CloudEventAttributes, ...] | None = wire()


# ------------------------------------------------------------------------------------------ PingSource


@attrs.frozen
class PingSourceSpec(SourceSpec):
    #: a cron schedule: 5 fields, or 6 with a leading seconds field; descriptors (``@hourly``, ...) but not
    #: ``@every``; an optional ``CRON_TZ=<zone>`` prefix
    schedule: str | None = wire()
    #: an IANA time zone, applied as a ``CRON_TZ=`` prefix
    timezone: str | None = wire()
    content_type: str | None = wire()
    data: str | None = wire()
    data_base64: str | None = wire(key="dataBase64")


@attrs.frozen
class PingSourceStatus(SourceStatus):
    pass


@attrs.frozen
class PingSource(Resource):
    KIND: ClassVar[KindInfo] = KindInfo(GROUP, "v1", "PingSource", "pingsources")

    spec: PingSourceSpec | None = wire(factory=PingSourceSpec)
    status: PingSourceStatus | None = wire(factory=PingSourceStatus)


def ping_source_attribute(namespace: str, name: str) -> str:
    """The CloudEvent ``source`` of a PingSource's events (Knative's ``PingSourceSource``)."""
    return f"/apis/v1/namespaces/{namespace}/pingsources/{name}"


# ------------------------------------------------------------------------------------------ ContainerSource

CONTAINER_SOURCE_RESOURCE_GROUP = "containersources.sources.knative.dev"
SINK_BINDING_RESOURCE_GROUP = "sinkbindings.sources.knative.dev"


@attrs.frozen
class ContainerSourceSpec(SourceSpec):
    #: the pod template of the receive adapter (``containers`` with ``command``/``args``, or ``image``)
    template: RevisionTemplateSpec | None = wire()


@attrs.frozen
class ContainerSourceStatus(SourceStatus):
    pass


@attrs.frozen
class ContainerSource(Resource):
    KIND: ClassVar[KindInfo] = KindInfo(GROUP, "v1", "ContainerSource", "containersources")

    spec: ContainerSourceSpec | None = wire(factory=ContainerSourceSpec)
    status: ContainerSourceStatus | None = wire(factory=ContainerSourceStatus)


# ------------------------------------------------------------------------------------------ SinkBinding


@attrs.frozen
class LabelSelector:
    """A Kubernetes ``LabelSelector``: ``matchLabels`` (all must match) and ``matchExpressions``."""

    match_labels: Mapping[str, str] | None = wire()
    match_expressions: tuple[Mapping[str, Any], ...] | None = wire()
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class BindingSubject:
    """``spec.subject`` (knative.dev/pkg ``tracker.Reference``): a kind and either a ``name`` or a ``selector``."""

    api_version: str | None = wire()
    kind: str | None = wire()
    namespace: str | None = wire()
    name: str | None = wire()
    selector: LabelSelector | None = wire()
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class SinkBindingSpec(SourceSpec):
    subject: BindingSubject | None = wire()


@attrs.frozen
class SinkBindingStatus(SourceStatus):
    pass


@attrs.frozen
class SinkBinding(Resource):
    KIND: ClassVar[KindInfo] = KindInfo(GROUP, "v1", "SinkBinding", "sinkbindings")

    spec: SinkBindingSpec | None = wire(factory=SinkBindingSpec)
    status: SinkBindingStatus | None = wire(factory=SinkBindingStatus)
