"""The core's ``kinds`` plugin: Serving's kinds, the internal Ingress and PodAutoscaler, core/v1 Event, Secret and
ConfigMap, Eventing's kinds and the core's source kinds (PingSource)."""

from __future__ import annotations

from pyknative.api import columns as c
from pyknative.api import core_admission as ca
from pyknative.api import eventing_kinds, sources_kinds
from pyknative.api import serving_defaults as d
from pyknative.api import serving_validation as v
from pyknative.api.autoscaling import PodAutoscaler
from pyknative.api.core import ConfigMap, Event, Secret
from pyknative.api.kinds import KindRegistration
from pyknative.api.networking import Ingress
from pyknative.api.serving import Configuration, Revision, Route, Service
from pyknative.hookspecs import hookimpl

#: the ``categories`` of Knative Serving's CRDs (knative/serving config/core/300-resources/*.yaml; the Ingress
#: CRD from knative/networking config/ingress.yaml)
SERVING = ("all", "knative", "serving")
INTERNAL_NETWORKING = ("knative-internal", "networking")
INTERNAL_AUTOSCALING = ("knative-internal", "autoscaling")


def registrations() -> list[KindRegistration]:
    return [
        KindRegistration(
            Service,
            d.default_service,
            v.validate_service,
            addressable=True,
            columns=c.SERVICE,
            categories=SERVING,
        ),
        KindRegistration(
            Configuration,
            d.default_configuration,
            v.validate_configuration,
            columns=c.CONFIGURATION,
            categories=SERVING,
        ),
        KindRegistration(
            Revision, d.default_revision, v.validate_revision, columns=c.REVISION, categories=SERVING
        ),
        KindRegistration(
            Route, d.default_route, v.validate_route, addressable=True, columns=c.ROUTE, categories=SERVING
        ),
        KindRegistration(Ingress, categories=INTERNAL_NETWORKING),
        KindRegistration(PodAutoscaler, columns=c.POD_AUTOSCALER, categories=INTERNAL_AUTOSCALING),
        *eventing_kinds.registrations(),
        *sources_kinds.registrations(),
        KindRegistration(Event, columns=c.EVENT, print_name=False),
        KindRegistration(Secret, ca.default_secret, ca.validate_secret, columns=c.SECRET),
        KindRegistration(ConfigMap, validate=ca.validate_config_map, columns=c.CONFIG_MAP),
    ]


class _ServingKinds:
    @hookimpl
    def pyknative_kinds(self) -> list[KindRegistration]:
        return registrations()


plugin = _ServingKinds()
