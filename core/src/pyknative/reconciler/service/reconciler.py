"""Service reconciler: keeps the Service's Configuration and Route as its spec says, and rolls their status up.

Status as Knative's: ``ConfigurationsReady`` from the Configuration's Ready, ``RoutesReady`` from the Route's Ready
(only once each has observed its latest generation), ``latestCreatedRevisionName``/``latestReadyRevisionName``,
``url``, ``address`` and ``traffic`` from the children.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import attrs

from pyknative.api import conditions as cond
from pyknative.api.serving import Configuration, Route, Service, ServiceStatus
from pyknative.reconciler.base import Conditions, Outcome, reconcile_status
from pyknative.reconciler.children import NotOwnedError, reconcile_child
from pyknative.reconciler.events import EventRecorder
from pyknative.reconciler.service import resources
from pyknative.store import Store

CONDITIONS = cond.ConditionSet("Ready", ("ConfigurationsReady", "RoutesReady"))


@attrs.define(eq=False)
class ServiceReconciler:
    store: Store
    recorder: EventRecorder
    clock: Callable[[], datetime]

    async def reconcile(self, key: str) -> float | None:
        # a deleted Service's children go with it (ownerReferences)
        return await reconcile_status(
            key,
            store=self.store,
            cls=Service,
            clock=self.clock,
            conditions=CONDITIONS,
            step=self._step,
            skip_deleting=True,
            default_status=ServiceStatus,
        )

    async def _step(self, svc: Service, conditions: Conditions, now: str) -> Outcome:
        try:
            config = await reconcile_child(self.store, svc, resources.make_configuration(svc), self.recorder)
        except NotOwnedError as e:
            config = None
            conditions = CONDITIONS.mark_false(conditions, "ConfigurationsReady", now, "NotOwned", str(e))
        try:
            route = await reconcile_child(self.store, svc, resources.make_route(svc), self.recorder)
        except NotOwnedError as e:
            route = None
            conditions = CONDITIONS.mark_false(conditions, "RoutesReady", now, "NotOwned", str(e))

        changes: dict = {}
        if config is not None:
            conditions, fields = _from_configuration(conditions, config, now)
            changes.update(fields)
        if route is not None:
            conditions, fields = _from_route(conditions, route, now)
            changes.update(fields)
        return Outcome(conditions, changes)


def _from_configuration(conditions, config: Configuration, now: str):
    cs = config.status
    fields = {}
    if cs is not None:
        fields = {
            "latest_created_revision_name": cs.latest_created_revision_name,
            "latest_ready_revision_name": cs.latest_ready_revision_name,
        }
    return _propagate(
        conditions, "ConfigurationsReady", config, now, "ConfigurationFailed"
    ), fields if _observed(config) else {}


def _from_route(conditions, route: Route, now: str):
    rs = route.status
    fields = {"url": rs.url, "address": rs.address, "traffic": rs.traffic} if rs is not None else {}
    return _propagate(conditions, "RoutesReady", route, now, "RouteFailed"), fields if _observed(
        route
    ) else {}


def _observed(child) -> bool:
    return child.status is not None and child.status.observed_generation == child.metadata.generation


def _propagate(conditions, ctype: str, child, now: str, failed_reason: str):
    """Mirror a child's Ready into ``ctype``, once the child has observed its latest spec."""
    if not _observed(child):
        msg = f"{child.KIND.kind} {child.name!r} has not yet observed its latest spec"
        return CONDITIONS.mark_unknown(conditions, ctype, now, "OutOfDate", msg)
    ready = cond.get(child.status.conditions, "Ready")
    if ready is not None and ready.is_true:
        return CONDITIONS.mark_true(conditions, ctype, now)
    if ready is not None and ready.is_false:
        return CONDITIONS.mark_false(
            conditions, ctype, now, ready.reason or failed_reason, ready.message or ""
        )
    reason = (ready.reason if ready else None) or "Deploying"
    return CONDITIONS.mark_unknown(conditions, ctype, now, reason, (ready.message if ready else None) or "")
