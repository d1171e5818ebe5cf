"""Wiring of the PingSource controller: the source duck's reconciler (:mod:`pyknative.sources.reconciler`) with
PingSource's conditions and ``ceAttributes``; its adapters come from ``pyknative_make_source``."""

from __future__ import annotations

from pyknative.api.sources import PingSource
from pyknative.reconciler.controller import Controller
from pyknative.reconciler.pingsource import resources
from pyknative.sources.reconciler import source_controller


def new_controller(platform) -> Controller:
    return source_controller(
        platform,
        PingSource,
        name="pingsource",
        ce_attributes=resources.ce_attributes,
        conditions=resources.CONDITIONS,
        adapter_condition=resources.DEPLOYED,
    )
