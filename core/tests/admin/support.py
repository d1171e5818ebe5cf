"""Test-only helpers for the admin API and CLI tests: small test kinds, an in-memory Store, a server thread.

The kinds mimic Serving's shapes only as far as the printers and validation paths need; the real models live
elsewhere. Loaded by this folder's and ``../cli``'s conftest as module ``pyknative_apicli_support``.
"""

from __future__ import annotations

import asyncio
import datetime
import itertools
import threading
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping
from typing import Any, ClassVar

import attrs
from aiohttp import web

from pyknative.admin import AdminAccess, make_api_app, start_api_server
from pyknative.api import columns as c
from pyknative.api._serde import extra_field, wire
from pyknative.api.kinds import AdmissionContext, KindRegistration, Kinds
from pyknative.api.meta import Condition, KindInfo, Resource
from pyknative.errors import AlreadyExistsError, ConflictError, FieldError, NotFoundError
from pyknative.store import WatchEvent, matches, parse_selector

# ---------------------------------------------------------------------------------------------- test kinds


@attrs.frozen
class TrafficTarget:
    revision_name: str | None = wire()
    configuration_name: str | None = wire()
    latest_revision: bool | None = wire()
    percent: int | None = wire()
    tag: str | None = wire()
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class ServiceSpec:
    template: Mapping[str, Any] | None = wire()
    traffic: tuple[TrafficTarget, ...] | None = wire()
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class KStatus:
    observed_generation: int | None = wire()
    conditions: tuple[Condition, ...] | None = wire()
    url: str | None = wire()
    latest_ready_revision_name: str | None = wire()
    latest_created_revision_name: str | None = wire()
    traffic: tuple[TrafficTarget, ...] | None = wire()
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class Service(Resource):
    KIND: ClassVar[KindInfo] = KindInfo(
        "serving.knative.dev", "v1", "Service", "services", ("ksvc", "kservice")
    )
    spec: ServiceSpec = wire(factory=ServiceSpec)
    status: KStatus | None = wire()


@attrs.frozen
class Revision(Resource):
    KIND: ClassVar[KindInfo] = KindInfo("serving.knative.dev", "v1", "Revision", "revisions", ("rev",))
    spec: Mapping[str, Any] | None = wire()
    status: KStatus | None = wire()


@attrs.frozen
class Route(Resource):
    KIND: ClassVar[KindInfo] = KindInfo("serving.knative.dev", "v1", "Route", "routes", ("rt",))
    spec: Mapping[str, Any] | None = wire()
    status: KStatus | None = wire()


@attrs.frozen
class Configuration(Resource):
    KIND: ClassVar[KindInfo] = KindInfo(
        "serving.knative.dev", "v1", "Configuration", "configurations", ("config", "cfg")
    )
    spec: Mapping[str, Any] | None = wire()
    status: KStatus | None = wire()


@attrs.frozen
class WidgetSpec:
    size: int | None = wire()
    ref: str | None = wire()
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class Widget(Resource):
    """A test kind whose ``spec.ref`` must name another Widget in its namespace (stored, or in the same apply)."""

    KIND: ClassVar[KindInfo] = KindInfo("test.pyknative.dev", "v1", "Widget", "widgets", ("wd",))
    spec: WidgetSpec = wire(factory=WidgetSpec)
    status: KStatus | None = wire()


@attrs.frozen
class Gadget(Resource):
    KIND: ClassVar[KindInfo] = KindInfo(
        "test.pyknative.dev", "v1", "Gadget", "gadgets", ("gd",), namespaced=False
    )
    spec: Mapping[str, Any] | None = wire()


def _default_service(obj: Resource, ctx: AdmissionContext) -> Resource:
    assert isinstance(obj, Service)
    if obj.spec.traffic is None:
        return attrs.evolve(
            obj, spec=attrs.evolve(obj.spec, traffic=(TrafficTarget(latest_revision=True, percent=100),))
        )
    return obj


def _validate_service(obj: Resource, old: Resource | None, ctx: AdmissionContext) -> list[FieldError]:
    assert isinstance(obj, Service)
    errors = []
    if not obj.spec.template:
        errors.append(FieldError("spec.template", "required"))
    total = 0
    for i, t in enumerate(obj.spec.traffic or ()):
        if t.percent is not None and not 0 <= t.percent <= 100:
            errors.append(
                FieldError(f"spec.traffic[{i}].percent", f"must be between 0 and 100, got {t.percent}")
            )
        total += t.percent or 0
    if obj.spec.traffic and total != 100:
        errors.append(FieldError("spec.traffic", f"traffic percents must sum to 100, got {total}"))
    return errors


async def _validate_widget(obj: Resource, old: Resource | None, ctx: AdmissionContext) -> list[FieldError]:
    assert isinstance(obj, Widget)
    errors = []
    if obj.spec.size is not None and obj.spec.size < 0:
        errors.append(FieldError("spec.size", f"must not be negative, got {obj.spec.size}"))
    ref = obj.spec.ref
    if ref:
        pending = (Widget.KIND.api_version, "Widget", obj.namespace, ref) in ctx.pending
        if not pending:
            try:
                await ctx.store.get(Widget, obj.namespace, ref)
            except NotFoundError:
                errors.append(FieldError("spec.ref", f"no Widget {ref!r} in namespace {obj.namespace!r}"))
    return errors


#: Knative Serving's categories; "gizmos" holds a namespaced and a cluster-scoped kind, and "widgets" is a
#: category and also a kind's plural (the kind wins)
SERVING = ("all", "knative", "serving")


def make_kinds() -> Kinds:
    return Kinds(
        [
            KindRegistration(
                Service,
                default=_default_service,
                validate=_validate_service,
                addressable=True,
                columns=c.SERVICE,
                categories=SERVING,
            ),
            KindRegistration(Revision, columns=c.REVISION, categories=SERVING),
            KindRegistration(Route, addressable=True, columns=c.ROUTE, categories=SERVING),
            KindRegistration(Configuration, columns=c.CONFIGURATION, categories=SERVING),
            KindRegistration(Widget, validate=_validate_widget, categories=("all", "gizmos")),
            KindRegistration(Gadget, categories=("gizmos", "widgets")),
        ]
    )


# ----------------------------------------------------------------------------------------- in-memory store


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class MemoryStore:
    """A small Store: resourceVersions from one counter, generation bumps on spec changes, a replayable watch.

    No ownerReference cascade and no finalizers: only what the admin API tests need.
    """

    def __init__(self) -> None:
        self._objects: dict[tuple[str, str, str, str], Resource] = {}
        self._counter = itertools.count(1)
        self._rv = 0
        self._history: list[WatchEvent] = []
        self._queues: list[asyncio.Queue[WatchEvent]] = []

    @staticmethod
    def _key(cls: type[Resource], namespace: str | None, name: str) -> tuple[str, str, str, str]:
        return (cls.KIND.api_version, cls.KIND.kind, namespace or "", name)

    def _next_rv(self) -> str:
        self._rv = next(self._counter)
        return str(self._rv)

    def _emit(self, type_: str, obj: Resource) -> None:
        event = WatchEvent(type_, obj)  # type: ignore[arg-type]
        self._history.append(event)
        for q in self._queues:
            q.put_nowait(event)

    def _stored(self, cls: type[Resource], namespace: str | None, name: str) -> Resource:
        try:
            return self._objects[self._key(cls, namespace, name)]
        except KeyError:
            raise NotFoundError(f'{cls.KIND.plural}.{cls.KIND.group} "{name}" not found') from None

    async def get(self, cls, namespace, name):
        return self._stored(cls, namespace, name)

    async def list(self, cls, namespace=None, label_selector=None):
        terms = parse_selector(label_selector)
        return [
            o
            for (api, kind, ns, _), o in self._objects.items()
            if (api, kind) == (cls.KIND.api_version, cls.KIND.kind)
            and (namespace is None or ns == namespace)
            and matches(o.metadata.labels, terms)
        ]

    async def create(self, obj):
        meta = obj.metadata
        name = meta.name or f"{meta.generate_name}{uuid.uuid4().hex[:5]}"
        key = self._key(type(obj), meta.namespace, name)
        if key in self._objects:
            raise AlreadyExistsError(f'{obj.KIND.plural}.{obj.KIND.group} "{name}" already exists')
        meta = attrs.evolve(
            meta,
            name=name,
            uid=str(uuid.uuid4()),
            creation_timestamp=_now(),
            generation=1,
            resource_version=self._next_rv(),
        )
        changes: dict[str, Any] = {"metadata": meta}
        if "status" in attrs.fields_dict(type(obj)):
            changes["status"] = None
        stored = attrs.evolve(obj, **changes)
        self._objects[key] = stored
        self._emit("ADDED", stored)
        return stored

    def _check_version(self, obj: Resource, old: Resource) -> None:
        rv = obj.metadata.resource_version
        if rv and rv != old.metadata.resource_version:
            raise ConflictError(
                f"{obj.KIND.kind} {obj.name!r}: the object has been modified (resourceVersion {rv} is stale)"
            )

    async def update(self, obj):
        old = self._stored(type(obj), obj.metadata.namespace, obj.name)
        self._check_version(obj, old)
        generation = old.metadata.generation or 1
        if getattr(obj, "spec", None) != getattr(old, "spec", None):
            generation += 1
        meta = attrs.evolve(
            obj.metadata,
            uid=old.metadata.uid,
            creation_timestamp=old.metadata.creation_timestamp,
            generation=generation,
            resource_version=self._next_rv(),
        )
        changes: dict[str, Any] = {"metadata": meta}
        if "status" in attrs.fields_dict(type(obj)):
            changes["status"] = getattr(old, "status")  # noqa: B009
        stored = attrs.evolve(obj, **changes)
        self._objects[self._key(type(obj), obj.metadata.namespace, obj.name)] = stored
        self._emit("MODIFIED", stored)
        return stored

    async def update_status(self, obj):
        old = self._stored(type(obj), obj.metadata.namespace, obj.name)
        self._check_version(obj, old)
        stored = attrs.evolve(
            old,
            metadata=attrs.evolve(old.metadata, resource_version=self._next_rv()),
            status=getattr(obj, "status"),  # noqa: B009
        )
        self._objects[self._key(type(obj), obj.metadata.namespace, obj.name)] = stored
        self._emit("MODIFIED", stored)
        return stored

    async def delete(self, cls, namespace, name):
        old = self._stored(cls, namespace, name)
        del self._objects[self._key(cls, namespace, name)]
        gone = attrs.evolve(old, metadata=attrs.evolve(old.metadata, resource_version=self._next_rv()))
        self._emit("DELETED", gone)
        return gone

    async def watch(self, cls=None, namespace=None, since=None) -> AsyncIterator[WatchEvent]:
        queue: asyncio.Queue[WatchEvent] = asyncio.Queue()
        self._queues.append(queue)
        try:

            def wanted(o: Resource) -> bool:
                return (cls is None or type(o) is cls) and (
                    namespace is None or o.metadata.namespace == namespace
                )

            if since is None:
                replay = [WatchEvent("ADDED", o) for o in self._objects.values()]
            else:
                replay = [e for e in self._history if int(e.resource_version) > int(since)]
            last = self._rv
            for event in replay:
                if wanted(event.object):
                    yield event
            while True:
                event = await queue.get()
                if int(event.resource_version) > last and wanted(event.object):
                    yield event
        finally:
            self._queues.remove(queue)

    async def close(self) -> None:
        pass


# -------------------------------------------------------------------------------------------------- helpers


def ready_status(
    ready: str = "True", reason: str | None = None, message: str | None = None, **fields: Any
) -> KStatus:
    return KStatus(
        conditions=(Condition(type="Ready", status=ready, reason=reason, message=message),), **fields
    )


async def fake_logs(namespace: str, name: str, revision: str | None) -> list[str]:
    if name == "missing":
        raise NotFoundError(f'services.serving.knative.dev "{name}" not found')
    return [f"{namespace}/{name}/{revision or 'all'} line {i}" for i in range(5)]


def make_app(store: MemoryStore, kinds: Kinds | None = None, access: AdminAccess | None = None) -> web.Application:
    return make_api_app(
        kinds=kinds or make_kinds(),
        store=store,
        admission=lambda: AdmissionContext(store=store),
        logs=fake_logs,
        access=access,
    )


class ServerThread:
    """The admin API on a free loopback port (with ``access``'s tokens and TLS), served by an event loop in a
    background thread."""

    def __init__(self, access: AdminAccess | None = None) -> None:
        self.access = access
        self.store = MemoryStore()
        self.url = ""
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None

    def start(self) -> ServerThread:
        self._thread.start()
        self._runner, (host, port) = self.call(start_api_server(make_app(self.store, access=self.access)))
        scheme = "https" if self.access is not None and self.access.ssl is not None else "http"
        self.url = f"{scheme}://{host}:{port}"
        return self

    def call(self, coro: Coroutine[Any, Any, Any], timeout: float = 10) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def later(self, delay: float, make: Callable[[], Coroutine[Any, Any, Any]]) -> None:
        """Run ``make()`` on the server's loop after ``delay`` seconds."""

        def fire() -> None:
            self._loop.create_task(make())

        self._loop.call_soon_threadsafe(self._loop.call_later, delay, fire)

    def stop(self) -> None:
        if self._runner is not None:
            self.call(self._runner.cleanup())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()
