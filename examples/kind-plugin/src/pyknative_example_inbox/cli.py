"""``pyknative inbox``: post a message to an Inbox and read its messages, through the route the plugin mounts."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import click

from pyknative.cli import CliError, CliState, with_state

INBOXES = "/apis/inbox.example.pyknative.dev/v1alpha1/namespaces/{ns}/inboxes/{name}"


@click.group()
def inbox() -> None:
    """Post to and read from Inboxes (the example plugin's kind)."""


def _url(state: CliState, name: str) -> str:
    obj = state.client().request("GET", INBOXES.format(ns=state.namespace, name=name))
    url = (obj.get("status") or {}).get("url")
    if not url:
        raise CliError(f"inbox {name!r} has no URL yet (is it Ready?)")
    return url


def _call(request: urllib.request.Request) -> dict:
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        raise CliError(f"{e.code}: {e.read().decode(errors='replace').strip()}") from None


@inbox.command()
@click.argument("name")
@click.argument("text")
@with_state
def post(state: CliState, name: str, text: str) -> None:
    """Post TEXT to the inbox NAME."""
    answer = _call(urllib.request.Request(_url(state, name), data=text.encode(), method="POST"))
    click.echo(f"inbox/{name}: message {answer.get('received')} received")


@inbox.command()
@click.argument("name")
@with_state
def messages(state: CliState, name: str) -> None:
    """Print the messages the inbox NAME keeps, oldest first."""
    for text in _call(urllib.request.Request(_url(state, name))).get("messages") or ():
        click.echo(text)
