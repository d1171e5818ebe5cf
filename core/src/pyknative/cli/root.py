"""The root ``pyknative`` group: the global options the state commands share (``--server``, ``-n/--namespace``,
how to authenticate and which certificate to trust).

Commands that talk to the server also accept ``--server`` and ``-n`` after their name (``pyknative get ksvc -n
team``); those win over the ones given before it.

The bearer token sent is, first of these that is given: ``--token`` (env ``PYKNATIVE_TOKEN``), the file
``--token-file`` names (env ``PYKNATIVE_TOKEN_FILE``), and, only for a server on a loopback address, the token
file the server made in its data dir (``--data-dir``, env ``PYKNATIVE_DATA_DIR``, default ``~/.pyknative``), so a
local token never goes to another machine. No token at all is fine for a loopback server that requires none.
"""

from __future__ import annotations

import functools
import urllib.parse
from collections.abc import Callable
from typing import Any

import attrs
import click

from pyknative import __version__
from pyknative.admin_token import TokenFileError, is_loopback, read_token, token_path
from pyknative.cli.client import DEFAULT_SERVER, ApiClient, CliError

DEFAULT_DATA_DIR = "~/.pyknative"


@attrs.frozen
class CliState:
    server: str = DEFAULT_SERVER
    namespace: str = "default"
    token: str | None = attrs.field(default=None, repr=False)
    token_file: str | None = None
    data_dir: str = DEFAULT_DATA_DIR
    certificate_authority: str | None = None

    def client(self, *, timeout: float = 30.0) -> ApiClient:
        return ApiClient(
            self.server, timeout=timeout, token=self.bearer_token(), ca_file=self.certificate_authority
        )

    def bearer_token(self) -> str | None:
        """The token to send to :attr:`server` (see the module's docstring), or None."""
        if self.token:
            return self.token.strip()
        try:
            if self.token_file:
                return read_token(self.token_file, follow=True)  # say a mounted secret's symlink
            local = token_path(self.data_dir)
            if is_loopback(_hostname(self.server)) and local.exists():
                return read_token(local)
        except TokenFileError as e:
            raise CliError(str(e)) from None
        return None


def _hostname(url: str) -> str:
    try:
        return urllib.parse.urlsplit(url).hostname or ""
    except ValueError:
        return ""  # ApiClient says what is wrong with the URL


def with_state(f: Callable[..., Any]) -> Callable[..., Any]:
    """Give a command its own ``-n``/``--server`` options and call it with the resulting :class:`CliState`."""

    def wrapper(namespace_opt: str | None, server_opt: str | None, **kwargs: Any) -> Any:
        root = click.get_current_context().find_object(CliState) or CliState()
        state = attrs.evolve(root, server=server_opt or root.server, namespace=namespace_opt or root.namespace)
        return f(state, **kwargs)

    functools.update_wrapper(wrapper, f)
    wrapper = click.option(
        "--server", "server_opt", default=None, help="The admin API URL (overrides the global one)."
    )(wrapper)
    wrapper = click.option(
        "-n",
        "--namespace",
        "namespace_opt",
        default=None,
        help="The namespace (default: the global -n, else default).",
    )(wrapper)
    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--server",
    envvar="PYKNATIVE_SERVER",
    default=DEFAULT_SERVER,
    show_default=True,
    help="The pyknative admin API URL, http or https (env PYKNATIVE_SERVER).",
)
@click.option("-n", "--namespace", default="default", show_default=True, help="The namespace to work in.")
@click.option(
    "--token", envvar="PYKNATIVE_TOKEN", default=None, help="The bearer token to send (env PYKNATIVE_TOKEN)."
)
@click.option(
    "--token-file",
    envvar="PYKNATIVE_TOKEN_FILE",
    type=click.Path(dir_okay=False),
    default=None,
    help="A file holding the bearer token, private to you (env PYKNATIVE_TOKEN_FILE).",
)
@click.option(
    "--data-dir",
    envvar="PYKNATIVE_DATA_DIR",
    type=click.Path(file_okay=False),
    default=DEFAULT_DATA_DIR,
    show_default=True,
    help="The local server's data dir, whose admin-token is sent to a loopback server (env PYKNATIVE_DATA_DIR).",
)
@click.option(
    "--certificate-authority",
    envvar="PYKNATIVE_CERTIFICATE_AUTHORITY",
    type=click.Path(dir_okay=False),
    default=None,
    help="A PEM file of the certificate(s) to trust for an https server (env PYKNATIVE_CERTIFICATE_AUTHORITY).",
)
@click.version_option(__version__, prog_name="pyknative")
@click.pass_context
def cli(
    ctx: click.Context,
    server: str,
    namespace: str,
    token: str | None,
    token_file: str | None,
    data_dir: str,
    certificate_authority: str | None,
) -> None:
    """pyknative: Knative Serving and Eventing in Python. Run `pyknative serve`, then apply and get resources."""
    ctx.obj = CliState(
        server=server,
        namespace=namespace,
        token=token,
        token_file=token_file,
        data_dir=data_dir,
        certificate_authority=certificate_authority,
    )
