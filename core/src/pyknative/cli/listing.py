"""``get``: one object, the objects of one kind, or those of every kind in a category (``get knative``).

A category lists its kinds as kubectl does: one table per kind that has objects, in discovery order, a blank
line between them, and (once the objects found are of more than one kind) each NAME cell prefixed with the
kind, ``service.serving.knative.dev/hello``; ``-o yaml``/``json`` give one ``v1`` ``List`` of every object.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import click

from pyknative.cli import printers
from pyknative.cli.client import ApiClient, ApiError, CliError
from pyknative.cli.discovery import Discovery, ResourceType
from pyknative.cli.root import CliState, with_state

Obj = Mapping[str, Any]


@click.command()
@click.argument("kind")
@click.argument("name", required=False)
@click.option(
    "-o", "--output", type=click.Choice(["yaml", "json", "wide", "name"]), default=None, help="Output format."
)
@click.option("-A", "--all-namespaces", is_flag=True, help="List across every namespace.")
@click.option("-l", "--selector", default=None, help="A label selector, e.g. app=hello,tier!=web.")
@with_state
def get(
    state: CliState,
    kind: str,
    name: str | None,
    output: str | None,
    all_namespaces: bool,
    selector: str | None,
) -> None:
    """Show one object or list objects of KIND (ksvc, rev, route, ... any plural/short name, or a category:
    all, knative, serving, eventing, messaging, ...)."""
    client = state.client()
    discovery = Discovery.fetch(client)
    kinds = discovery.resolve_many(kind)
    if name is not None:
        if len(kinds) > 1:
            raise CliError(
                f'"{kind}" is a category of {len(kinds)} kinds; give one kind to get {name!r} by name'
            )
        obj = client.request("GET", kinds[0].path(state.namespace, name))
        if output in ("yaml", "json"):
            click.echo(printers.as_yaml(obj) if output == "yaml" else printers.as_json(obj))
            return
        listings = [(kinds[0], [obj])]
    else:
        query = {"labelSelector": selector} if selector else None
        listings = [
            (rt, _list(client, rt, state.namespace, all_namespaces=all_namespaces, query=query))
            for rt in kinds
        ]
    objects = [o for _, objs in listings for o in objs]
    if output in ("yaml", "json"):
        data = printers.as_list(objects)
        click.echo(printers.as_yaml(data) if output == "yaml" else printers.as_json(data))
        return
    if not objects:
        namespaced = any(rt.namespaced for rt in kinds)
        where = "" if all_namespaces or not namespaced else f" in {state.namespace} namespace"
        click.echo(f"No resources found{where}.", err=True)
        return
    if output == "name":
        click.echo(printers.names(objects))
        return
    shown = [(rt, objs) for rt, objs in listings if objs]
    several = len(shown) > 1
    tables = [
        _table(client, discovery, rt, objs, state.namespace, all_namespaces, output == "wide", several)
        for rt, objs in shown
    ]
    click.echo("\n\n".join(tables))


def _list(
    client: ApiClient,
    rt: ResourceType,
    namespace: str,
    *,
    all_namespaces: bool,
    query: Mapping[str, str] | None,
) -> list[Obj]:
    listing = client.request("GET", rt.path(namespace, all_namespaces=all_namespaces), query=query)
    return list(listing.get("items") or ())


def _table(
    client: ApiClient,
    discovery: Discovery,
    rt: ResourceType,
    objects: Sequence[Obj],
    namespace: str,
    all_namespaces: bool,
    wide: bool,
    with_kind: bool,
) -> str:
    ctx = printers.PrintContext(traffic=_revision_traffic(client, discovery, rt, namespace, all_namespaces))
    return printers.table(
        objects,
        rt.columns,
        wide=wide,
        namespaces=all_namespaces and rt.namespaced,
        print_name=rt.print_name,
        kind_prefix=rt.group_kind if with_kind else "",
        ctx=ctx,
    )


def _revision_traffic(
    client: ApiClient, discovery: Discovery, rt: ResourceType, namespace: str, all_namespaces: bool
) -> dict[tuple[str, str], str]:
    """For revisions: each one's share of traffic, summed over the routes' ``status.traffic``."""
    if not any(c.get("compute") == "traffic" for c in rt.columns):
        return {}
    routes = discovery.find("serving.knative.dev", "Route")
    if routes is None:
        return {}
    try:
        listing = client.request("GET", routes.path(namespace, all_namespaces=all_namespaces))
    except ApiError:
        return {}
    shares: dict[tuple[str, str], int] = {}
    for route in listing.get("items") or ():
        ns = str((route.get("metadata") or {}).get("namespace") or "")
        for target in (route.get("status") or {}).get("traffic") or ():
            rev, pct = target.get("revisionName"), target.get("percent")
            if rev and isinstance(pct, int):
                shares[(ns, rev)] = shares.get((ns, rev), 0) + pct
    return {k: f"{v}%" for k, v in shares.items()}
