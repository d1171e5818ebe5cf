"""Routes that are not about one stored resource: health, kind discovery and service logs."""

from __future__ import annotations

from aiohttp import web

from pyknative.admin.requests import number
from pyknative.admin.state import KINDS, LOGS
from pyknative.admin.status import LogsUnavailableError


async def healthz(request: web.Request) -> web.Response:
    return web.Response(text="ok")


async def discovery(request: web.Request) -> web.Response:
    """Every installed kind with the names a client may use for it (what ``pyknative get ksvc`` resolves against)."""
    resources = []
    for reg in request.app[KINDS]:
        info = reg.cls.KIND
        resources.append(
            {
                "group": info.group,
                "version": info.version,
                "kind": info.kind,
                "plural": info.plural,
                "singular": info.singular,
                "shortNames": list(info.short_names),
                "namespaced": info.namespaced,
                "categories": list(reg.categories),
                "additionalPrinterColumns": [c.to_dict() for c in reg.printer_columns],
                "printName": reg.print_name,
            }
        )
    resources.sort(key=lambda r: (r["group"], r["kind"]))
    return web.json_response({"kind": "APIResourceList", "resources": resources})


async def service_logs(request: web.Request) -> web.Response:
    """``GET /logs/namespaces/{ns}/services/{name}?revision=R&tail=N``: the lines, as plain text."""
    logs = request.app[LOGS]
    if logs is None:
        raise LogsUnavailableError("this server has no log source")
    tail = number(request.query, "tail")
    lines = await logs(
        request.match_info["ns"], request.match_info["name"], request.query.get("revision") or None
    )
    if tail is not None:
        lines = lines[-int(tail) :] if int(tail) else []
    text = "".join(line if line.endswith("\n") else line + "\n" for line in lines)
    return web.Response(text=text, content_type="text/plain")
