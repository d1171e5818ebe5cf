"""Pure builders for a Route: host names, ``status.traffic`` with tag URLs, and the internal Ingress.

Hosts follow ``config-network``'s ``domain-template`` (``{{.Name}}.{{.Namespace}}.{{.Domain}}``) and
``tag-template`` (``{{.Tag}}-{{.Name}}``); a route labelled ``networking.knative.dev/visibility: cluster-local``
gets only its cluster-local hosts. The cluster-local rule of the Ingress carries the short forms too,
``<name>.<ns>`` and ``<name>.<ns>.svc`` beside ``<name>.<ns>.svc.<cluster-domain>``, as Knative's
``ExpandedHosts`` does (what a pod's DNS search path resolves).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import attrs

from pyknative.api.meta import Addressable, ObjectMeta
from pyknative.api.networking import (
    INGRESS_CLASS_ANNOTATION,
    VISIBILITY_CLUSTER_LOCAL,
    VISIBILITY_EXTERNAL,
    HTTPIngressPath,
    HTTPIngressRuleValue,
    Ingress,
    IngressBackendSplit,
    IngressRule,
    IngressSpec,
)
from pyknative.api.serving import ROUTE_LABEL, SERVICE_LABEL, VISIBILITY_LABEL, Route, TrafficTarget
from pyknative.reconciler.route.traffic import ResolvedTarget

DEFAULT_DOMAIN_TEMPLATE = "{{.Name}}.{{.Namespace}}.{{.Domain}}"
DEFAULT_TAG_TEMPLATE = "{{.Tag}}-{{.Name}}"
_FIELD = re.compile(r"\{\{\s*\.(\w+)\s*\}\}")


@attrs.frozen
class HostConfig:
    domain: str
    domain_template: str = DEFAULT_DOMAIN_TEMPLATE
    tag_template: str = DEFAULT_TAG_TEMPLATE
    cluster_domain: str = "cluster.local"


def _render(template: str, values: Mapping[str, str]) -> str:
    return _FIELD.sub(lambda m: values.get(m.group(1), ""), template)


def cluster_local(route: Route, hosts: HostConfig) -> bool:
    return route.metadata.label(VISIBILITY_LABEL) == "cluster-local" or hosts.domain == f"svc.{hosts.cluster_domain}"


def local_host(route: Route, hosts: HostConfig, tag: str | None = None) -> str:
    name = _render(hosts.tag_template, {"Tag": tag, "Name": route.name}) if tag else route.name
    return f"{name}.{route.namespace}.svc.{hosts.cluster_domain}"


def expanded_hosts(local: str, hosts: HostConfig) -> tuple[str, ...]:
    """A cluster-local host and its short forms, sorted (``<n>.<ns>``, ``<n>.<ns>.svc``, ``<n>.<ns>.svc.<cd>``)."""
    out = {local}
    suffix = f".svc.{hosts.cluster_domain}"
    if local.endswith(suffix):
        out.add(local.removesuffix(f".{hosts.cluster_domain}"))
        out.add(local.removesuffix(suffix))
    return tuple(sorted(out))


def host(route: Route, hosts: HostConfig, tag: str | None = None) -> str:
    """The route's public host, or its tag's (``<tag>-<name>.<ns>.<domain>``)."""
    if cluster_local(route, hosts):
        return local_host(route, hosts, tag)
    name = _render(hosts.tag_template, {"Tag": tag, "Name": route.name}) if tag else route.name
    return _render(hosts.domain_template, {"Name": name, "Namespace": route.namespace, "Domain": hosts.domain}).lower()


def status_traffic(route: Route, resolved: tuple[ResolvedTarget, ...], hosts: HostConfig) -> tuple[TrafficTarget, ...]:
    return tuple(
        TrafficTarget(
            tag=t.tag,
            revision_name=t.revision_name,
            configuration_name=None,
            latest_revision=t.latest_revision,
            percent=t.percent,
            url=f"http://{host(route, hosts, t.tag)}" if t.tag else None,
        )
        for t in resolved
    )


def address(route: Route, hosts: HostConfig) -> Addressable:
    return Addressable(url=f"http://{local_host(route, hosts)}")


def _splits(route: Route, targets: list[tuple[str, int]]) -> tuple[IngressBackendSplit, ...]:
    merged: dict[str, int] = {}
    for rev, pct in targets:
        merged[rev] = merged.get(rev, 0) + pct
    return tuple(
        IngressBackendSplit(
            service_name=rev,
            service_namespace=route.namespace,
            service_port=80,
            percent=pct,
            append_headers={"Knative-Serving-Revision": rev, "Knative-Serving-Namespace": route.namespace},
        )
        for rev, pct in merged.items()
        if pct > 0
    )


def _rule(hosts: tuple[str, ...], visibility: str, splits: tuple[IngressBackendSplit, ...]) -> IngressRule:
    return IngressRule(hosts=hosts, visibility=visibility, http=HTTPIngressRuleValue(paths=(HTTPIngressPath(splits=splits),)))


def make_ingress(route: Route, resolved: tuple[ResolvedTarget, ...], hosts: HostConfig, ingress_class: str) -> Ingress:
    """One rule for the route's hosts with the weighted split, one per tag sending all of its traffic to its revision."""
    main = _splits(route, [(t.revision_name, t.percent or 0) for t in resolved])
    rules = []
    is_local = cluster_local(route, hosts)
    rules.append(_rule(expanded_hosts(local_host(route, hosts), hosts), VISIBILITY_CLUSTER_LOCAL, main))
    if not is_local:
        rules.append(_rule((host(route, hosts),), VISIBILITY_EXTERNAL, main))
    for t in resolved:
        if not t.tag:
            continue
        split = _splits(route, [(t.revision_name, 100)])
        rules.append(_rule(expanded_hosts(local_host(route, hosts, t.tag), hosts), VISIBILITY_CLUSTER_LOCAL, split))
        if not is_local:
            rules.append(_rule((host(route, hosts, t.tag),), VISIBILITY_EXTERNAL, split))
    labels = {ROUTE_LABEL: route.name, "serving.knative.dev/routeNamespace": route.namespace}
    svc = route.metadata.label(SERVICE_LABEL)
    if svc:
        labels[SERVICE_LABEL] = svc
    return Ingress(
        metadata=ObjectMeta(
            name=route.name,
            namespace=route.namespace,
            labels=labels,
            annotations={INGRESS_CLASS_ANNOTATION: ingress_class},
            owner_references=(route.owner_reference(),),
        ),
        spec=IngressSpec(rules=tuple(rules), http_option="Enabled"),
    )
