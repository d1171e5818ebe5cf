"""The admin API application factory and a helper that serves it: on loopback, or beyond with bearer tokens."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from aiohttp import web

from pyknative.admin import resources, system
from pyknative.admin.access import ACCESS, AdminAccess
from pyknative.admin.apply import APPLY_PATH, handle_apply
from pyknative.admin.guard import GUARD, Guard
from pyknative.admin.plugin_routes import add_plugin_routes
from pyknative.admin.state import ADMISSION, KINDS, LOGS, SHUTDOWN, STORE, LogsFn
from pyknative.admin.status import status_middleware
from pyknative.admin_token import is_loopback
from pyknative.api.kinds import AdmissionContext, Kinds
from pyknative.config.local import unauthenticated_remote_admin
from pyknative.errors import ConfigError
from pyknative.http_routes import RouteTable
from pyknative.store import Store

log = logging.getLogger("pyknative")


def make_api_app(
    *,
    kinds: Kinds,
    store: Store,
    admission: Callable[[], AdmissionContext],
    logs: LogsFn | None = None,
    routes: RouteTable | None = None,
    access: AdminAccess | None = None,
) -> web.Application:
    """The admin API over ``store``: writes are admitted with ``admission()``'s context; ``logs`` serves /logs;
    ``routes`` are plugins' routes on the admin listener. Every request passes ``access``'s bearer-token check
    first (:mod:`pyknative.admin.access`; by default no token, which serves only loopback), then
    :mod:`pyknative.admin.guard` (Host, Origin and media-type checks against web pages driving the API)."""
    access = access or AdminAccess()
    guard = Guard(check_host=not access.required)
    app = web.Application(middlewares=[access.middleware, guard.middleware, status_middleware])
    app[ACCESS] = access
    app[GUARD] = guard
    app[KINDS] = kinds
    app[STORE] = store
    app[ADMISSION] = admission
    app[LOGS] = logs
    app[SHUTDOWN] = asyncio.Event()
    app.on_shutdown.append(_end_watches)
    r = app.router
    r.add_get("/healthz", system.healthz)
    r.add_get("/apis", system.discovery)
    r.add_get("/logs/namespaces/{ns}/services/{name}", system.service_logs)
    r.add_post(APPLY_PATH, handle_apply)
    if routes:
        add_plugin_routes(app, routes)
    resources.add_routes(app)
    return app


async def start_api_server(
    app: web.Application, host: str = "127.0.0.1", port: int = 0
) -> tuple[web.AppRunner, tuple[str, int]]:
    """Serve ``app`` on ``host:port`` (0: a free port), over TLS when its access has a TLS context; returns the
    runner (``await runner.cleanup()`` stops it) and the address actually bound. A non-loopback ``host`` needs an
    access that requires the bearer token (ConfigError otherwise); without TLS there, a warning is logged."""
    access = app.get(ACCESS) or AdminAccess()
    if not is_loopback(host):
        if not access.required:
            raise ConfigError([unauthenticated_remote_admin(host)])
        if access.ssl is None:
            log.warning(
                "admin API on %s without TLS: the bearer token crosses the network in the clear; set "
                "pyknative: admin-tls-cert and admin-tls-key",
                host,
            )
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=5.0)
    await runner.setup()
    site = web.TCPSite(runner, host, port, ssl_context=access.ssl)
    try:
        await site.start()
    except BaseException:
        await runner.cleanup()
        raise
    bound = runner.addresses[0]
    host, port = str(bound[0]), int(bound[1])
    if GUARD in app:
        app[GUARD].serve(host, port)  # the guard admits only requests addressed to this address or loopback
    return runner, (host, port)


async def _end_watches(app: web.Application) -> None:
    app[SHUTDOWN].set()
