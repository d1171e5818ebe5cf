"""The plugin object: the kind, its controller and its route, through the core's hooks (public API only)."""

from __future__ import annotations

import weakref
from collections import deque

import attrs

from pyknative import NotFoundError, hookimpl
from pyknative.api import conditions as cond
from pyknative.roles import Controller, HttpRequest, HttpResponse, HttpRoute, KindRegistration, PrinterColumn
from pyknative.timeutil import rfc3339
from pyknative_example_inbox.model import (
    DEFAULT_CAPACITY,
    GROUP,
    Inbox,
    InboxStatus,
    default_inbox,
    validate_inbox,
)

PREFIX = f"/{GROUP}/"
CONDITIONS = cond.ConditionSet("Ready", ())
COLUMNS = (
    PrinterColumn("URL", ".status.url"),
    PrinterColumn("RECEIVED", ".status.received", type="integer"),
    PrinterColumn("LAST", ".status.last"),
    PrinterColumn("READY", ".status.conditions[?(@.type=='Ready')].status"),
    PrinterColumn("AGE", ".metadata.creationTimestamp", type="date"),
)


@attrs.define(eq=False)
class Mailboxes:
    """One running platform's messages, per inbox (in memory: this is an example)."""

    platform: object
    boxes: dict[str, deque[str]] = attrs.field(factory=dict)
    controller: Controller | None = None
    _counts: dict[str, int] = attrs.field(factory=dict)

    async def handle(self, request: HttpRequest) -> HttpResponse:
        namespace, _, name = request.subpath.strip("/").partition("/")
        if not namespace or not name or "/" in name:
            return HttpResponse.text(400, f"expected {PREFIX}<namespace>/<name>")
        inbox = await self.platform.cache.get(Inbox, namespace, name)  # NotFoundError: 404
        key = inbox.key
        if request.method == "GET":
            return HttpResponse.json(200, {"messages": list(self.boxes.get(key, ()))})
        try:
            text = request.body.decode("utf-8")
        except UnicodeDecodeError:
            return HttpResponse.text(400, "the message must be UTF-8 text")
        capacity = (inbox.spec.capacity if inbox.spec else None) or DEFAULT_CAPACITY
        box = self.boxes.setdefault(key, deque(maxlen=capacity))
        box.append(text)
        count = self._counts.get(key, 0) + 1
        self._counts[key] = count
        if self.controller is not None:
            self.controller.enqueue(key)
        return HttpResponse.json(202, {"received": count})

    async def reconcile(self, key: str) -> float | None:
        namespace, name = key.split("/", 1)
        try:
            inbox = await self.platform.cache.get(Inbox, namespace, name)
        except NotFoundError:
            self.boxes.pop(key, None)
            self._counts.pop(key, None)
            return None
        now = rfc3339(self.platform.clock())
        status = inbox.status or InboxStatus()
        box = self.boxes.get(key)
        conditions = CONDITIONS.mark_true(CONDITIONS.initialize(status.conditions, now), "Ready", now)
        new = attrs.evolve(
            status,
            observed_generation=inbox.metadata.generation,
            conditions=conditions,
            url=f"{self.platform.listener_url('events')}{PREFIX}{namespace}/{name}",
            received=self._counts.get(key, status.received or 0),
            last=box[-1] if box else status.last,
        )
        if new != inbox.status:
            await self.platform.store.update_status(attrs.evolve(inbox, status=new))
        return None


class _InboxPlugin:
    def __init__(self) -> None:
        self._mailboxes: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def _for(self, platform) -> Mailboxes:
        if platform not in self._mailboxes:
            self._mailboxes[platform] = Mailboxes(platform)
        return self._mailboxes[platform]

    @hookimpl
    def pyknative_kinds(self):
        return [
            KindRegistration(Inbox, default_inbox, validate_inbox, columns=COLUMNS, categories=("examples",)),
        ]

    @hookimpl
    def pyknative_controllers(self, platform):
        boxes = self._for(platform)
        boxes.controller = Controller("inbox", platform.store, Inbox, boxes.reconcile, resync=30.0)
        return [boxes.controller]

    @hookimpl
    def pyknative_http_routes(self, platform):
        return [HttpRoute("events", PREFIX, handler=self._for(platform).handle, methods=("GET", "POST"))]


plugin = _InboxPlugin()
