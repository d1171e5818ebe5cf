"""Wiring of the SinkBinding controller: the source duck's reconciler (``SinkProvided``, ``BindingAvailable``,
``Ready``) whose adapter is the :class:`~pyknative.reconciler.sinkbinding.binder.SinkBinder`; Services and
Configurations are watched, so a subject created or written after its binding is bound at once."""

from __future__ import annotations

from pyknative.api.conditions import ConditionSet
from pyknative.api.serving import Configuration, Service
from pyknative.api.sources import SinkBinding
from pyknative.reconciler.controller import Controller
from pyknative.reconciler.sinkbinding.binder import BINDING_AVAILABLE
from pyknative.sources.reconciler import SINK_PROVIDED, source_controller


def new_controller(platform) -> Controller:
    ctl = source_controller(
        platform,
        SinkBinding,
        name="sinkbinding",
        conditions=ConditionSet("Ready", (SINK_PROVIDED, BINDING_AVAILABLE)),
        adapter_condition=BINDING_AVAILABLE,
    )
    seen: dict[str, set[str]] = {}
    reconcile = ctl.reconcile

    async def remembering(key: str) -> float | None:
        seen.setdefault(key.partition("/")[0], set()).add(key)
        return await reconcile(key)

    def bindings_in_namespace(obj) -> tuple[str, ...]:
        return tuple(seen.get(obj.namespace, ()))

    ctl.reconcile = remembering
    ctl.watches.extend([(Service, bindings_in_namespace), (Configuration, bindings_in_namespace)])
    return ctl
