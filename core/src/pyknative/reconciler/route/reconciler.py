"""Route reconciler: resolves traffic to revisions, renders the internal Ingress, and reports URLs and readiness.

Conditions as Knative's: Ready rolls up ``AllTrafficAssigned`` and ``IngressReady``. While traffic cannot be
resolved the existing Ingress is left alone, so a broken edit does not take a serving route down. Revisions
that receive traffic are labelled ``serving.knative.dev/routingState: active``; ones that stopped receiving
it ``reserve`` (the PodAutoscaler reads that as reachability).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import attrs

from pyknative.api import conditions as cond
from pyknative.api.networking import Ingress
from pyknative.api.serving import (
    CONFIGURATION_LABEL,
    ROUTING_STATE_LABEL,
    Configuration,
    Revision,
    Route,
    RouteStatus,
)
from pyknative.errors import ConflictError, NotFoundError
from pyknative.reconciler.base import Conditions, Outcome, reconcile_status
from pyknative.reconciler.children import NotOwnedError, reconcile_child
from pyknative.reconciler.events import EventRecorder
from pyknative.reconciler.route import resources
from pyknative.reconciler.route.traffic import resolve_traffic
from pyknative.store import Store

CONDITIONS = cond.ConditionSet("Ready", ("AllTrafficAssigned", "IngressReady"))


@attrs.define(eq=False)
class RouteReconciler:
    store: Store
    recorder: EventRecorder
    clock: Callable[[], datetime]
    hosts: Callable[[Route], resources.HostConfig]
    ingress_class: Callable[[Route], str]

    async def reconcile(self, key: str) -> float | None:
        return await reconcile_status(
            key,
            store=self.store,
            cls=Route,
            clock=self.clock,
            conditions=CONDITIONS,
            step=self._step,
            skip_deleting=True,
            default_status=RouteStatus,
        )

    async def _step(self, route: Route, conditions: Conditions, now: str) -> Outcome:
        namespace = route.namespace
        hosts = self.hosts(route)
        traffic = route.spec.traffic if route.spec and route.spec.traffic else ()

        configs: dict[str, Configuration] = {}
        revisions: dict[str, Revision] = {}
        for t in traffic:
            if t.configuration_name and t.configuration_name not in configs:
                try:
                    configs[t.configuration_name] = await self.store.get(
                        Configuration, namespace, t.configuration_name
                    )
                except NotFoundError:
                    pass
            if t.revision_name and t.revision_name not in revisions:
                try:
                    revisions[t.revision_name] = await self.store.get(Revision, namespace, t.revision_name)
                except NotFoundError:
                    pass
        resolved, error = resolve_traffic(traffic, configs, revisions)
        changes: dict = {
            "url": f"http://{resources.host(route, hosts)}",
            "address": resources.address(route, hosts),
        }
        if error is not None:
            mark = CONDITIONS.mark_unknown if error.transient else CONDITIONS.mark_false
            conditions = mark(conditions, "AllTrafficAssigned", now, error.reason, error.message)
        else:
            conditions = CONDITIONS.mark_true(conditions, "AllTrafficAssigned", now)
            changes["traffic"] = resources.status_traffic(route, resolved, hosts)
            await self._label_revisions(namespace, set(configs), {t.revision_name for t in resolved})
            desired = resources.make_ingress(route, resolved, hosts, self.ingress_class(route))
            try:
                ingress = await reconcile_child(self.store, route, desired, self.recorder)
                conditions = _ingress_ready(conditions, ingress, now)
            except NotOwnedError as e:
                conditions = CONDITIONS.mark_false(conditions, "IngressReady", now, "NotOwned", str(e))
        return Outcome(conditions, changes)

    async def _label_revisions(self, namespace: str, config_names: set[str], active: set[str]) -> None:
        candidates: dict[str, Revision] = {}
        for name in config_names:
            for rev in await self.store.list(Revision, namespace, {CONFIGURATION_LABEL: name}):
                candidates[rev.name] = rev
        for name in active - set(candidates):
            try:
                candidates[name] = await self.store.get(Revision, namespace, name)
            except NotFoundError:
                pass
        for rev in candidates.values():
            state = "active" if rev.name in active else "reserve"
            current = rev.metadata.label(ROUTING_STATE_LABEL)
            if current == state or (state == "reserve" and current not in ("active",)):
                continue
            labels = dict(rev.metadata.labels or {})
            labels[ROUTING_STATE_LABEL] = state
            try:
                await self.store.update(attrs.evolve(rev, metadata=attrs.evolve(rev.metadata, labels=labels)))
            except (ConflictError, NotFoundError):
                continue  # the revision changed under us; its next event brings us back


def _ingress_ready(conditions, ingress: Ingress, now: str):
    st = ingress.status
    if st is None or st.observed_generation != ingress.metadata.generation:
        return CONDITIONS.mark_unknown(
            conditions, "IngressReady", now, "IngressNotConfigured", "Ingress has not yet been reconciled."
        )
    ready = cond.get(st.conditions, "Ready")
    if ready is not None and ready.is_true:
        return CONDITIONS.mark_true(conditions, "IngressReady", now)
    if ready is not None and ready.is_false:
        return CONDITIONS.mark_false(
            conditions, "IngressReady", now, ready.reason or "IngressFailed", ready.message or ""
        )
    return CONDITIONS.mark_unknown(
        conditions,
        "IngressReady",
        now,
        (ready.reason if ready else None) or "Uninitialized",
        (ready.message if ready else None) or "Waiting for load balancer to be ready",
    )
