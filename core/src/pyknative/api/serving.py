"""serving.knative.dev/v1: Service, Configuration, Revision, Route, and their spec and status types.

Field names and shapes follow knative.dev/serving/pkg/apis/serving/v1. A Revision's spec is a PodSpec plus
``containerConcurrency``, ``timeoutSeconds`` and friends; a Service's spec is a Configuration spec (``template``)
plus a Route spec (``traffic``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import attrs

from pyknative.api._serde import extra_field, wire
from pyknative.api.meta import Addressable, Condition, KindInfo, ObjectMeta, Resource
from pyknative.api.podspec import Container, Volume

GROUP = "serving.knative.dev"

# Labels and annotations Knative puts on children (knative.dev/serving/pkg/apis/serving/register.go).
SERVICE_LABEL = f"{GROUP}/service"
SERVICE_UID_LABEL = f"{GROUP}/serviceUID"
CONFIGURATION_LABEL = f"{GROUP}/configuration"
CONFIGURATION_UID_LABEL = f"{GROUP}/configurationUID"
CONFIGURATION_GENERATION_LABEL = f"{GROUP}/configurationGeneration"
REVISION_LABEL = f"{GROUP}/revision"
REVISION_UID_LABEL = f"{GROUP}/revisionUID"
ROUTE_LABEL = f"{GROUP}/route"
ROUTING_STATE_LABEL = f"{GROUP}/routingState"
ROUTES_ANNOTATION = f"{GROUP}/routes"
CREATOR_ANNOTATION = f"{GROUP}/creator"
VISIBILITY_LABEL = "networking.knative.dev/visibility"


@attrs.frozen
class RevisionSpec:
    containers: tuple[Container, ...] | None = wire()
    container_concurrency: int | None = wire()
    timeout_seconds: int | None = wire()
    response_start_timeout_seconds: int | None = wire()
    idle_timeout_seconds: int | None = wire()
    service_account_name: str | None = wire()
    volumes: tuple[Volume, ...] | None = wire()
    extra: Mapping[str, Any] = extra_field()

    @property
    def serving_container(self) -> Container | None:
        """The container that receives traffic: the one with a port, or the only one."""
        containers = self.containers or ()
        for c in containers:
            if c.ports:
                return c
        return containers[0] if containers else None

    @property
    def protocol(self) -> str:
        """What the revision's app speaks: ``h2c`` when its port is named so (Knative's rule), else ``http1``."""
        container = self.serving_container
        for p in (container.ports or ()) if container is not None else ():
            if p.name == "h2c":
                return "h2c"
        return "http1"


@attrs.frozen
class RevisionTemplateSpec:
    metadata: ObjectMeta | None = wire()
    spec: RevisionSpec | None = wire()
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class ConfigurationSpec:
    template: RevisionTemplateSpec | None = wire()
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class TrafficTarget:
    tag: str | None = wire()
    revision_name: str | None = wire()
    configuration_name: str | None = wire()
    latest_revision: bool | None = wire()
    percent: int | None = wire()
    url: str | None = wire(key="url")
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class RouteSpec:
    traffic: tuple[TrafficTarget, ...] | None = wire()
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class ServiceSpec:
    template: RevisionTemplateSpec | None = wire()
    traffic: tuple[TrafficTarget, ...] | None = wire()
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class ContainerStatus:
    name: str | None = wire()
    image_digest: str | None = wire()
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class Status:
    """Knative's duck Status, shared by every kind."""

    observed_generation: int | None = wire()
    conditions: tuple[Condition, ...] | None = wire()
    annotations: Mapping[str, str] | None = wire()
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class ConfigurationStatus(Status):
    latest_ready_revision_name: str | None = wire()
    latest_created_revision_name: str | None = wire()


@attrs.frozen
class RouteStatus(Status):
    url: str | None = wire(key="url")
    address: Addressable | None = wire()
    traffic: tuple[TrafficTarget, ...] | None = wire()


@attrs.frozen
class ServiceStatus(Status):
    latest_ready_revision_name: str | None = wire()
    latest_created_revision_name: str | None = wire()
    url: str | None = wire(key="url")
    address: Addressable | None = wire()
    traffic: tuple[TrafficTarget, ...] | None = wire()


@attrs.frozen
class RevisionStatus(Status):
    log_url: str | None = wire(key="logUrl")
    container_statuses: tuple[ContainerStatus, ...] | None = wire()
    actual_replicas: int | None = wire()
    desired_replicas: int | None = wire()


@attrs.frozen
class Service(Resource):
    KIND: ClassVar[KindInfo] = KindInfo(GROUP, "v1", "Service", "services", ("ksvc", "kservice"))

    spec: ServiceSpec | None = wire(factory=ServiceSpec)
    status: ServiceStatus | None = wire(factory=ServiceStatus)


@attrs.frozen
class Configuration(Resource):
    KIND: ClassVar[KindInfo] = KindInfo(GROUP, "v1", "Configuration", "configurations", ("config", "cfg"))

    spec: ConfigurationSpec | None = wire(factory=ConfigurationSpec)
    status: ConfigurationStatus | None = wire(factory=ConfigurationStatus)


@attrs.frozen
class Revision(Resource):
    KIND: ClassVar[KindInfo] = KindInfo(GROUP, "v1", "Revision", "revisions", ("rev",))

    spec: RevisionSpec | None = wire(factory=RevisionSpec)
    status: RevisionStatus | None = wire(factory=RevisionStatus)


@attrs.frozen
class Route(Resource):
    KIND: ClassVar[KindInfo] = KindInfo(GROUP, "v1", "Route", "routes", ("rt",))

    spec: RouteSpec | None = wire(factory=RouteSpec)
    status: RouteStatus | None = wire(factory=RouteStatus)
