"""The ApiServerSource controller: the source duck's reconcile (:func:`pyknative.sources.source_controller`)
with Knative's conditions ``SinkProvided`` and ``Deployed`` (the adapter runs) rolled up into ``Ready`` and
``ceAttributes`` the three event types of the source's mode, each with the API server's URL as ``source``."""

from __future__ import annotations

from collections.abc import Callable

from pyknative.api.conditions import ConditionSet
from pyknative.sources import SINK_PROVIDED, source_controller
from pyknative_source_k8s.api import ApiServerSource
from pyknative_source_k8s.events import ce_attributes

DEPLOYED = "Deployed"
CONDITIONS = ConditionSet("Ready", (SINK_PROVIDED, DEPLOYED))


def new_controller(platform, api_server_url: Callable[[], str]):
    return source_controller(
        platform,
        ApiServerSource,
        name="apiserversource",
        ce_attributes=lambda source: ce_attributes(source, api_server_url()),
        conditions=CONDITIONS,
        adapter_condition=DEPLOYED,
    )
