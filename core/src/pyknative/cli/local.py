"""Commands that run here rather than against the admin API: ``serve``, ``plugins`` and ``config show``.

Each imports what it runs only when invoked (the platform, plugin loading and config code are heavy).
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Mapping, Sequence
from typing import Any

import click

from pyknative.cli import printers
from pyknative.cli.client import CliError


@click.command()
@click.option(
    "--config", "config_path", type=click.Path(dir_okay=False), default=None, help="The operator config file."
)
@click.option(
    "--data-dir", type=click.Path(file_okay=False), default=None, help="Where the store and state live."
)
@click.option("--gateway-port", type=click.IntRange(0, 65535), default=None, help="The HTTP ingress port.")
@click.option("--admin-port", type=click.IntRange(0, 65535), default=None, help="The admin API port.")
@click.option("--eventing-port", type=click.IntRange(0, 65535), default=None, help="The event ingress port (brokers, channels).")
def serve(
    config_path: str | None,
    data_dir: str | None,
    gateway_port: int | None,
    admin_port: int | None,
    eventing_port: int | None,
) -> None:
    """Run the pyknative platform (control plane, data plane and admin API) in the foreground."""
    from pyknative.cli.serve import main

    code = main(config_path, data_dir, gateway_port, admin_port, eventing_port)
    if inspect.isawaitable(code):
        code = asyncio.run(code)  # type: ignore[arg-type]
    raise SystemExit(int(code or 0))


@click.command()
@click.option(
    "--config", "config_path", type=click.Path(dir_okay=False), default=None,
    help="The operator config file (what the plugins look for, e.g. the container engine's socket).",
)
def plugins(config_path: str | None) -> None:
    """List the installed plugins, whether they loaded, and how to fix the ones that did not; then what each
    finds on this machine (e.g. the container engine: name, version, socket, or why none)."""
    from pyknative.plugins import findings, load, report

    loaded = load()
    click.echo(plugins_text(report(loaded)))
    found = asyncio.run(findings(loaded, _operator_config(config_path, loaded)))
    if found:
        click.echo("")
        width = max(len(k) for k in found)
        for key, line in sorted(found.items()):
            click.echo(f"{key.ljust(width)}  {line}")


def _operator_config(config_path: str | None, loaded: Any) -> Any:
    from pyknative.config import load_config
    from pyknative.errors import ConfigError, PyknativeError
    from pyknative.plugins import config_schema, uninstalled_sections

    schema = config_schema(loaded)
    try:
        return load_config(config_path, extra_schema=schema, uninstalled=uninstalled_sections(schema))
    except ConfigError as e:
        raise CliError(str(e), [f"error: {err}" for err in e.errors] or [f"error: {e}"]) from None
    except PyknativeError as e:
        raise CliError(str(e)) from None


def plugins_text(rows: Sequence[Mapping[str, Any]]) -> str:
    """The plugin report as a table, then one line per failed plugin with its error and the extra that fixes it."""
    if not rows:
        return "No plugins found."
    table = [["NAME", "ROLE", "DISTRIBUTION", "STATUS", "PROVIDES", "KINDS"]]
    for r in rows:
        kinds = ",".join(str(k).split(".", 1)[0] for k in r.get("kinds") or ()) or "-"
        provides = ",".join(str(p) for p in r.get("provides") or ()) or "-"
        table.append(
            [
                str(r.get("name", "")),
                str(r.get("role", "")),
                str(r.get("distribution") or "-"),
                str(r.get("status", "")),
                provides,
                kinds,
            ]
        )
    lines = [printers.render_rows(table)]
    failed = [r for r in rows if r.get("status") == "failed"]
    if failed:
        lines.append("")
    for r in failed:
        line = f"{r.get('role')}/{r.get('name')} failed to load: {r.get('error') or 'unknown error'}"
        if r.get("extra"):
            line += f"\n  fix: pip install 'pyknative[{r['extra']}]'"
        lines.append(line)
    return "\n".join(lines)


@click.group()
def config() -> None:
    """Inspect the operator config."""


@config.command("show")
@click.option(
    "--config", "config_path", type=click.Path(dir_okay=False), default=None, help="The operator config file."
)
def config_show(config_path: str | None) -> None:
    """Print the effective operator config (file, environment and defaults merged, with the sections of the
    installed plugins) as YAML."""
    from pyknative.plugins import load

    click.echo(_operator_config(config_path, load()).to_yaml().rstrip("\n"))
