"""``apply`` and ``delete``: changing stored resources through the admin API (``get`` is in :mod:`.listing`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import click

from pyknative.cli.client import ApiError, CliError, cause_line
from pyknative.cli.discovery import Discovery, ResourceType, object_label
from pyknative.cli.manifests import Document, load
from pyknative.cli.root import CliState, with_state

APPLY_PATH = "/apis/pyknative.dev/v1/apply"


@click.command()
@click.option(
    "-f", "--filename", "files", multiple=True, required=True, help="A manifest file, directory or - (stdin)."
)
@with_state
def apply(state: CliState, files: Sequence[str]) -> None:
    """Create or update every object in the manifests, all or nothing."""
    docs = load(files)
    if not docs:
        raise CliError("no objects passed to apply")
    body = {"items": [d.body for d in docs]}
    try:
        result = state.client().request("POST", APPLY_PATH, query={"namespace": state.namespace}, body=body)
    except ApiError as e:
        if e.code == 422 and e.causes:
            raise CliError(str(e), _apply_error_lines(e, docs)) from None
        raise
    for item in result.get("items") or ():
        click.echo(f"{object_label(item['object'])} {item['action']}")


def _apply_error_lines(err: ApiError, docs: Sequence[Document]) -> list[str]:
    lines = []
    for cause in err.causes:
        doc = cause.get("document") if isinstance(cause.get("document"), Mapping) else {}
        index = doc.get("index")
        where = docs[index].where if isinstance(index, int) and 0 <= index < len(docs) else ""
        lines.append(cause_line(cause, str(doc.get("kind") or ""), str(doc.get("name") or ""), where))
    return lines


@click.command()
@click.argument("kind", required=False)
@click.argument("names", nargs=-1)
@click.option("-f", "--filename", "files", multiple=True, help="Delete the objects in these manifests.")
@click.option("--ignore-not-found", is_flag=True, help="Treat objects that are already gone as deleted.")
@with_state
def delete(
    state: CliState, kind: str | None, names: Sequence[str], files: Sequence[str], ignore_not_found: bool
) -> None:
    """Delete objects: `delete KIND NAME...` or `delete -f FILE`."""
    if bool(files) == bool(kind):
        raise click.UsageError("give either KIND NAME... or -f FILE")
    client = state.client()
    discovery = Discovery.fetch(client)
    targets: list[tuple[ResourceType, str, str]] = []
    if kind:
        if not names:
            raise click.UsageError("give the NAME of at least one object to delete")
        rt = discovery.resolve(kind)
        targets = [(rt, state.namespace, n) for n in names]
    else:
        for doc in load(files):
            targets.append(_target(discovery, doc, state.namespace))
    failures: list[str] = []
    for rt, ns, name in targets:
        try:
            client.request("DELETE", rt.path(ns, name))
        except ApiError as e:
            if e.code == 404 and ignore_not_found:
                continue
            failures.extend(e.lines)
            continue
        what = f"{rt.kind.lower()}.{rt.group}" if rt.group else rt.kind.lower()
        click.echo(f'{what} "{name}" deleted')
    if failures:
        raise CliError(failures[0], failures)


def _target(discovery: Discovery, doc: Document, namespace: str) -> tuple[ResourceType, str, str]:
    body: Any = doc.body
    meta = body.get("metadata") if isinstance(body, Mapping) else None
    if not isinstance(body, Mapping) or not isinstance(meta, Mapping) or not meta.get("name"):
        raise CliError(f"{doc.where}: expected an object with apiVersion, kind and metadata.name")
    rt = discovery.for_kind(str(body.get("apiVersion") or ""), str(body.get("kind") or ""))
    return rt, str(meta.get("namespace") or namespace), str(meta["name"])
