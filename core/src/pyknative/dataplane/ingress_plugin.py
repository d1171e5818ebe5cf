"""The core's ``ingress`` plugin: the embedded data plane (``pyknative: data-plane: embedded``, the gateway in this
process) and its ingress class ``embedded.ingress.networking.knative.dev`` (the default ``config-network:
ingress-class``), which programs that gateway's host table."""

from __future__ import annotations

import attrs

from pyknative.api.networking import Ingress, LoadBalancerIngressStatus, LoadBalancerStatus
from pyknative.dataplane.routing import RevisionKey, RouteRule, Split
from pyknative.hookspecs import hookimpl
from pyknative.ingress import EMBEDDED_CLASS


@attrs.define(eq=False)
class EmbeddedIngress:
    """Merges every programmed Ingress into the gateway's one host table, incrementally: programming one
    Ingress touches only its own hosts (a host two Ingresses claim goes to the older one, as
    :func:`routing_table` decides)."""

    gateway: object
    _ingresses: dict[str, Ingress] = attrs.field(factory=dict)
    #: each Ingress's own host table, and which Ingresses claim each host
    _hosts: dict[str, dict[str, RouteRule]] = attrs.field(factory=dict)
    _claims: dict[str, set[str]] = attrs.field(factory=dict)

    async def program(self, ingress: Ingress) -> LoadBalancerStatus:
        self._ingresses[ingress.key] = ingress
        self._update(ingress.key, routing_table((ingress,)))
        host, port = self.gateway.address
        return LoadBalancerStatus(ingress=(LoadBalancerIngressStatus(domain_internal=f"{host}:{port}"),))

    async def remove(self, namespace: str, name: str) -> None:
        key = f"{namespace}/{name}"
        if self._ingresses.pop(key, None) is not None:
            self._update(key, {})

    def _update(self, key: str, table: dict[str, RouteRule]) -> None:
        old = self._hosts.pop(key, {})
        if table:
            self._hosts[key] = table
        for host in old.keys() - table.keys():
            claims = self._claims.get(host, set())
            claims.discard(key)
            if not claims:
                self._claims.pop(host, None)
        for host in table:
            self._claims.setdefault(host, set()).add(key)
        changes: dict[str, RouteRule | None] = {}
        for host in old.keys() | table.keys():
            claimants = self._claims.get(host)
            if not claimants:
                changes[host] = None
                continue
            winner = min(claimants, key=self._order)
            changes[host] = self._hosts[winner][host]
        self.gateway.update_routes(changes)

    def _order(self, key: str) -> tuple[str, str]:
        return (self._ingresses[key].metadata.creation_timestamp or "", key)


def routing_table(ingresses) -> dict[str, RouteRule]:
    """Host → weighted revisions, from Ingress rules (pure)."""
    table: dict[str, RouteRule] = {}
    for ing in sorted(ingresses, key=lambda i: (i.metadata.creation_timestamp or "", i.key)):
        for rule in ing.spec.rules or () if ing.spec else ():
            paths = rule.http.paths if rule.http and rule.http.paths else ()
            if not paths:
                continue
            splits = tuple(
                Split(RevisionKey(s.service_namespace or ing.namespace, s.service_name or ""), s.percent or 0)
                for s in paths[0].splits or ()
                if s.service_name
            )
            if not splits:
                continue
            for host in rule.hosts or ():
                table.setdefault(host.lower(), RouteRule(splits=splits))
    return table


class _EmbeddedIngressPlugin:
    @hookimpl
    def pyknative_provides(self):
        return {"ingress": [EMBEDDED_CLASS], "data-plane": ["embedded"]}

    @hookimpl
    def pyknative_make_data_plane(self, name, platform):
        if name != "embedded":
            return None
        from pyknative.dataplane.embedded import EmbeddedDataPlane

        return EmbeddedDataPlane(
            host=platform.config.get("pyknative", "gateway-address"),
            port=int(platform.config.get("pyknative", "gateway-port")),
            instances=platform.instances,
            metrics=platform.metrics,
            autoscaler_config=platform.config.autoscaler,
        )

    @hookimpl
    def pyknative_make_ingress(self, ingress_class, platform):
        gateway = getattr(platform.data_plane, "gateway", None)
        if ingress_class != EMBEDDED_CLASS or gateway is None:
            return None
        return EmbeddedIngress(gateway)


plugin = _EmbeddedIngressPlugin()
