"""Ingress reconciler: hands each Ingress to its ingress-class plugin and reports Knative's conditions.

Ready rolls up ``NetworkConfigured`` and ``LoadBalancerReady``. A class with no installed plugin is a condition
naming the pip extra, not a crash.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

import attrs

from pyknative.api import conditions as cond
from pyknative.api.networking import INGRESS_CLASS_ANNOTATION, Ingress, IngressStatus
from pyknative.errors import BackendNotInstalledError
from pyknative.ingress import IngressBackend
from pyknative.reconciler.base import Conditions, Outcome, reconcile_status
from pyknative.store import Store

CONDITIONS = cond.ConditionSet("Ready", ("NetworkConfigured", "LoadBalancerReady"))


@attrs.define(eq=False)
class IngressReconciler:
    store: Store
    clock: Callable[[], datetime]
    default_class: Callable[[], str]
    backend_for: Callable[[str], Awaitable[IngressBackend]]
    _programmed: dict[str, str] = attrs.field(factory=dict, init=False)

    async def reconcile(self, key: str) -> float | None:
        return await reconcile_status(
            key,
            store=self.store,
            cls=Ingress,
            clock=self.clock,
            conditions=CONDITIONS,
            step=self._step,
            on_missing=self._deleted,
            default_status=IngressStatus,
        )

    async def _deleted(self, key: str) -> None:
        cls = self._programmed.pop(key, None)
        if cls is not None:
            namespace, name = key.split("/", 1)
            await (await self.backend_for(cls)).remove(namespace, name)

    async def _step(self, ing: Ingress, conditions: Conditions, now: str) -> Outcome:
        key = ing.key
        cls = ing.metadata.annotation(INGRESS_CLASS_ANNOTATION) or self.default_class()
        changes: dict = {}
        try:
            backend = await self.backend_for(cls)
        except BackendNotInstalledError as e:
            conditions = CONDITIONS.mark_false(
                conditions, "NetworkConfigured", now, "IngressClassNotInstalled", str(e)
            )
        else:
            previous = self._programmed.get(key)
            if previous is not None and previous != cls:
                await (await self.backend_for(previous)).remove(ing.namespace, ing.name)
            lb = await backend.program(ing)
            self._programmed[key] = cls
            conditions = CONDITIONS.mark_true(conditions, "NetworkConfigured", now)
            conditions = CONDITIONS.mark_true(conditions, "LoadBalancerReady", now)
            changes = {"public_load_balancer": lb, "private_load_balancer": lb}
        return Outcome(conditions, changes)
