"""The ``pyknative`` command line: ``serve``, ``apply``, ``get``, ``delete``, ``wait``, ``logs``, ``plugins``, ``config``,
plus every plugin's verbs.

Commands talk to the admin API (``--server``, env ``PYKNATIVE_SERVER``) over HTTP or HTTPS, with a bearer token
where the server has one (see :mod:`pyknative.cli.root`); heavy modules are imported only by the commands that
need them, so the CLI starts quickly. A plugin adds verbs with an entry point in
the group ``pyknative.cli`` naming a ``click.Command`` (a group for ``pyknative func ...``); it talks to the server
with :func:`with_state` (``-n``/``--server`` like the core's commands) and :class:`CliState`'s ``client()``.
A verb whose plugin fails to import is still listed, and says what failed and which extra fixes it.
"""

from __future__ import annotations

from pyknative.cli.client import ApiClient, ApiError, CliError
from pyknative.cli.listing import get
from pyknative.cli.local import config, plugins, serve
from pyknative.cli.logs import logs
from pyknative.cli.plugin_commands import add_plugin_commands
from pyknative.cli.resources import apply, delete
from pyknative.cli.root import CliState, cli, with_state
from pyknative.cli.wait import wait

for _command in (serve, apply, get, delete, wait, logs, plugins, config):
    cli.add_command(_command)


def main() -> None:
    """The ``pyknative`` console script."""
    add_plugin_commands(cli)
    cli(prog_name="pyknative")


__all__ = ["ApiClient", "ApiError", "CliError", "CliState", "cli", "main", "with_state"]
