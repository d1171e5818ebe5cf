"""Wiring of the ContainerSource controller: the source duck's reconciler with Knative's conditions
(``SinkProvided``, ``ReceiveAdapterReady``); its adapters come from ``pyknative_make_source``."""

from __future__ import annotations

from pyknative.api.sources import ContainerSource
from pyknative.reconciler.containersource import resources
from pyknative.reconciler.controller import Controller
from pyknative.sources.reconciler import source_controller


def new_controller(platform) -> Controller:
    return source_controller(
        platform,
        ContainerSource,
        name="containersource",
        conditions=resources.CONDITIONS,
        adapter_condition=resources.RECEIVE_ADAPTER_READY,
    )
