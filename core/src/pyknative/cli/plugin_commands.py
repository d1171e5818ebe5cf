"""Plugins' CLI verbs: every entry point of the group ``pyknative.cli`` names a ``click.Command`` added to the root.

A verb may not take a core command's name; one whose plugin fails to import is replaced by a command that says
what failed and which pip extra fixes it, so ``pyknative --help`` still works.
"""

from __future__ import annotations

import importlib.metadata
import sys

import click

GROUP = "pyknative.cli"


def add_plugin_commands(root: click.Group) -> list[str]:
    """Add every plugin verb to ``root``; returns the names added."""
    added = []
    for ep in sorted(importlib.metadata.entry_points(group=GROUP), key=lambda e: e.name):
        if ep.name in root.commands:
            taken = "another plugin's verb" if ep.name in added else "a core command"
            print(f"warning: plugin verb {ep.name!r} ({_dist(ep)}) is {taken}; ignored", file=sys.stderr)
            continue
        try:
            command = ep.load()
        except Exception as e:  # noqa: BLE001 - any import failure of a plugin is reported, never fatal
            command = _broken(ep, e)
        if not isinstance(command, click.Command):
            command = _broken(ep, TypeError(f"{ep.value} is a {type(command).__name__}, not a click command"))
        root.add_command(command, name=ep.name)
        added.append(ep.name)
    return added


def _dist(ep: importlib.metadata.EntryPoint) -> str:
    return getattr(ep.dist, "name", None) or "unknown distribution"


def _broken(ep: importlib.metadata.EntryPoint, error: BaseException) -> click.Command:
    from pyknative.plugins import extra_of_distribution

    extra = extra_of_distribution(getattr(ep.dist, "name", None))
    fix = f"\n  fix: pip install 'pyknative[{extra}]'" if extra else ""

    @click.command(
        name=ep.name,
        context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
        help=f"(unavailable: the plugin failed to load: {type(error).__name__})",
    )
    def broken() -> None:
        raise click.ClickException(
            f"{ep.name}: the plugin {_dist(ep)} failed to load: {type(error).__name__}: {error}{fix}"
        )

    return broken
