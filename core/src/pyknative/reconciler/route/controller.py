"""Wiring of the Route reconciler: Routes are primary; Ingresses map to their Route; Configurations and Revisions
map to every Route in their namespace that names them (latest-ready changes move traffic)."""

from __future__ import annotations

from collections.abc import Iterable

from pyknative.api.meta import Resource
from pyknative.api.networking import Ingress
from pyknative.api.serving import CONFIGURATION_LABEL, Configuration, Revision, Route
from pyknative.reconciler.controller import Controller, owner_keys
from pyknative.reconciler.route.reconciler import RouteReconciler


def new_controller(platform) -> Controller:
    r = RouteReconciler(
        platform.cache,
        platform.recorder("route-controller"),
        platform.clock,
        hosts=platform.host_config,
        ingress_class=platform.ingress_class_for,
    )
    ctl = Controller("route", platform.store, Route, r.reconcile, watches=[(Ingress, owner_keys("Route"))])
    routes_by_target = _RouteIndex()

    async def reconcile(key: str) -> float | None:
        routes_by_target.forget(key)
        try:
            route = await platform.cache.get(Route, *key.split("/", 1))
            routes_by_target.remember(route)
        except Exception:
            pass
        return await r.reconcile(key)

    ctl.reconcile = reconcile
    ctl.watches.append((Configuration, lambda obj: routes_by_target.routes_for_config(obj)))
    ctl.watches.append((Revision, lambda obj: routes_by_target.routes_for_revision(obj)))
    return ctl


class _RouteIndex:
    """Which routes name which configurations and revisions (an in-memory index, rebuilt as routes reconcile).

    Forgetting a route touches only the entries it made (a full sweep per reconcile made N routes cost N^2)."""

    def __init__(self) -> None:
        self._configs: dict[str, set[str]] = {}
        self._revisions: dict[str, set[str]] = {}
        self._named_by: dict[str, tuple[set[str], set[str]]] = {}

    def remember(self, route: Route) -> None:
        configs, revisions = self._named_by.setdefault(route.key, (set(), set()))
        for t in route.spec.traffic or () if route.spec else ():
            if t.configuration_name:
                key = f"{route.namespace}/{t.configuration_name}"
                self._configs.setdefault(key, set()).add(route.key)
                configs.add(key)
            if t.revision_name:
                key = f"{route.namespace}/{t.revision_name}"
                self._revisions.setdefault(key, set()).add(route.key)
                revisions.add(key)

    def forget(self, route_key: str) -> None:
        configs, revisions = self._named_by.pop(route_key, ((), ()))
        for index, keys in ((self._configs, configs), (self._revisions, revisions)):
            for key in keys:
                routes = index.get(key)
                if routes is not None:
                    routes.discard(route_key)
                    if not routes:
                        del index[key]

    def routes_for_config(self, obj: Resource) -> Iterable[str]:
        return sorted(self._configs.get(obj.key, ()))

    def routes_for_revision(self, obj: Resource) -> Iterable[str]:
        keys = set(self._revisions.get(obj.key, ()))
        config = obj.metadata.label(CONFIGURATION_LABEL)
        if config:
            keys |= self._configs.get(f"{obj.namespace}/{config}", set())
        return sorted(keys)
