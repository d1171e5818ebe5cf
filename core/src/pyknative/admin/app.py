"""The admin API application factory and a helper that serves it on a loopback port."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from aiohttp import web

from pyknative.admin import resources, system
from pyknative.admin.apply import APPLY_PATH, handle_apply
from pyknative.admin.guard import GUARD, Guard, is_loopback
from pyknative.admin.plugin_routes import add_plugin_routes
from pyknative.admin.state import ADMISSION, KINDS, LOGS, SHUTDOWN, STORE, LogsFn
from pyknative.admin.status import status_middleware
from pyknative.api.kinds import AdmissionContext, Kinds
from pyknative.errors import ConfigError, FieldError
from pyknative.http_routes import RouteTable
from pyknative.store import Store


def make_api_app(
    *,
    kinds: Kinds,
    store: Store,
    admission: Callable[[], AdmissionContext],
    logs: LogsFn | None = None,
    routes: RouteTable | None = None,
) -> web.Application:
    """The admin API over ``store``: writes are admitted with ``admission()``'s context; ``logs`` serves /logs;
    ``routes`` are plugins' routes on the admin listener. Every request passes :mod:`pyknative.admin.guard` first
    (Host, Origin and media-type checks against web pages driving the API)."""
    guard = Guard()
    app = web.Application(middlewares=[guard.middleware, status_middleware])
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
    """Serve ``app`` on ``host:port`` (0: a free port); returns the runner (``await runner.cleanup()`` stops it)
    and the address actually bound. ``host`` must be loopback: the API has no authentication yet."""
    if not is_loopback(host):
        raise ConfigError(
            [
                FieldError(
                    "pyknative.admin-address",
                    f"{host!r} is not a loopback address: remote access to the admin API needs authentication, "
                    "which is not built yet (Knative-style bearer tokens are the next step); serve it on "
                    "127.0.0.1, ::1 or localhost",
                )
            ]
        )
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=5.0)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
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
