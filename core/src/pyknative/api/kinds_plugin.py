"""The core's ``kinds`` plugin: Serving's kinds, the internal Ingress and PodAutoscaler, core/v1 Event, and Eventing's kinds."""

from __future__ import annotations

from pyknative.api import eventing_kinds
from pyknative.api import serving_defaults as d
from pyknative.api import serving_validation as v
from pyknative.api.autoscaling import PodAutoscaler
from pyknative.api.core import Event
from pyknative.api.kinds import KindRegistration
from pyknative.api.networking import Ingress
from pyknative.api.serving import Configuration, Revision, Route, Service
from pyknative.hookspecs import hookimpl


def registrations() -> list[KindRegistration]:
    return [
        KindRegistration(Service, d.default_service, v.validate_service, addressable=True),
        KindRegistration(Configuration, d.default_configuration, v.validate_configuration),
        KindRegistration(Revision, d.default_revision, v.validate_revision),
        KindRegistration(Route, d.default_route, v.validate_route, addressable=True),
        KindRegistration(Ingress),
        KindRegistration(PodAutoscaler),
        *eventing_kinds.registrations(),
        KindRegistration(Event),
    ]


class _ServingKinds:
    @hookimpl
    def pyknative_kinds(self) -> list[KindRegistration]:
        return registrations()


plugin = _ServingKinds()
