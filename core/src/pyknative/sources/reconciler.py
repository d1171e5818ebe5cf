"""The source duck's reconcile, written once for every source kind: sink, ``ceAttributes``, the adapter.

For a source object (spec: :class:`~pyknative.api.sources.SourceSpec`, status:
:class:`~pyknative.api.sources.SourceStatus`) one pass

1. resolves ``spec.sink`` as Knative's URI resolver does (:func:`pyknative.reconciler.destinations.resolve`: a
   ``ref`` to an addressable kind gives its ``status.address.url``, a relative ``uri`` is resolved against it, an
   absolute ``uri`` stands alone; a ref's namespace defaults to the source's); ``status.sinkUri`` is the result;
2. marks ``SinkProvided``: True, or False with Knative's reason ``NotFound`` (the message says what is missing)
   and a Warning Event ``SinkNotFound``; ``Ready`` follows, False with the same reason;
3. sets ``status.ceAttributes`` from the kind's ``ce_attributes(source)``;
4. with a sink, starts (or keeps, or restarts with a changed spec or sink) the kind's adapter through its
   :class:`~pyknative.roles.SourceAdapter` with Knative's environment and marks the kind's adapter condition
   (``Deployed`` for PingSource) True; without one, stops it and marks that condition Unknown. An adapter that
   cannot run as written (``start`` raises :class:`~pyknative.roles.NotRunnableError`) marks it False with the
   error's reason, a Warning Event, and is tried again after its ``retry_after``. A deleted source's adapter is
   stopped.

The sink is watched, not polled: :class:`SinkIndex` remembers which object each source's ``sink.ref`` names, and
:func:`source_controller` watches every addressable kind the platform serves, so a source whose sink appears
(or gets its address, or loses it) is reconciled at once.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

import attrs

from pyknative.api._serde import to_dict
from pyknative.api.conditions import ConditionSet
from pyknative.api.kinds import Kinds
from pyknative.api.meta import Resource
from pyknative.api.sources import CloudEventAttributes
from pyknative.reconciler.base import Conditions, Outcome, reconcile_status
from pyknative.reconciler.controller import Controller
from pyknative.reconciler.destinations import UnresolvableError, resolve
from pyknative.roles.source import AdapterEnvironment
from pyknative.runtime.api import NotRunnableError
from pyknative.store import Store

SINK_PROVIDED = "SinkProvided"
#: Knative's reason on ``SinkProvided`` (and so ``Ready``) when the sink does not resolve
SINK_NOT_FOUND = "NotFound"
#: the Warning Event's reason then
SINK_NOT_FOUND_EVENT = "SinkNotFound"
#: a source kind that has no adapter condition of its own: ``Ready`` follows ``SinkProvided`` alone
SOURCE_CONDITIONS = ConditionSet("Ready", (SINK_PROVIDED,))

SinkKey = tuple[str, str, str, str]


def _group(api_version: str) -> str:
    return api_version.split("/", 1)[0] if "/" in api_version else ""


@attrs.define(eq=False)
class SinkIndex:
    """Which sources' ``spec.sink.ref`` names which object: ``(group, kind, namespace, name)`` → source keys."""

    _by_sink: dict[SinkKey, set[str]] = attrs.field(factory=dict)
    _of_source: dict[str, SinkKey] = attrs.field(factory=dict)

    def set(self, source_key: str, sink: SinkKey | None) -> None:
        old = self._of_source.get(source_key)
        if old == sink:
            return
        self.forget(source_key)
        if sink is not None:
            self._of_source[source_key] = sink
            self._by_sink.setdefault(sink, set()).add(source_key)

    def forget(self, source_key: str) -> None:
        old = self._of_source.pop(source_key, None)
        if old is not None:
            keys = self._by_sink.get(old)
            if keys is not None:
                keys.discard(source_key)
                if not keys:
                    del self._by_sink[old]

    def sources_of(self, obj: Resource) -> Iterable[str]:
        """The keys of the sources whose sink is ``obj`` (a Controller mapper)."""
        info = obj.KIND
        return tuple(self._by_sink.get((info.group, info.kind, obj.namespace, obj.name), ()))


def sink_key(source: Any) -> SinkKey | None:
    """What :class:`SinkIndex` files ``source`` under: its ``spec.sink.ref`` (None: a plain ``uri`` sink)."""
    sink = getattr(getattr(source, "spec", None), "sink", None)
    ref = getattr(sink, "ref", None)
    if ref is None:
        return None
    return (_group(ref.api_version or ""), ref.kind or "", ref.namespace or source.namespace, ref.name or "")


async def resolve_sink(source: Any, store: Store, kinds: Kinds) -> tuple[str | None, UnresolvableError | None]:
    """``(uri, None)`` for a resolvable ``spec.sink``, else ``(None, why)``."""
    sink = getattr(getattr(source, "spec", None), "sink", None)
    try:
        return await resolve(sink, source.namespace, store, kinds), None
    except UnresolvableError as e:
        return None, e


def mark_sink(
    conditions: Conditions, condset: ConditionSet, error: UnresolvableError | None, now: str
) -> Conditions:
    """``SinkProvided`` True, or False with Knative's ``NotFound`` and what did not resolve."""
    if error is None:
        return condset.mark_true(conditions, SINK_PROVIDED, now)
    return condset.mark_false(conditions, SINK_PROVIDED, now, SINK_NOT_FOUND, f"Sink not found: {error} ({error.reason})")


def adapter_environment(source: Any, sink_uri: str) -> AdapterEnvironment:
    """Knative's adapter environment for ``source`` sending to ``sink_uri``."""
    spec = getattr(source, "spec", None)
    extensions = spec.extensions if spec is not None and hasattr(spec, "extensions") else {}
    return AdapterEnvironment(sink=sink_uri, namespace=source.namespace, name=source.name, ce_overrides=extensions)


def sink_not_found_message(source: Any) -> str:
    """The Warning Event's message, as Knative writes it: ``Sink not found: <the sink as JSON>``."""
    sink = getattr(getattr(source, "spec", None), "sink", None)
    body = to_dict(sink) if sink is not None else None
    return f"Sink not found: {json.dumps(body, sort_keys=True, separators=(',', ':'))}"


@attrs.define(eq=False)
class SourceReconciler:
    """The duck's reconcile (see the module docstring) for one source kind."""

    cls: type
    store: Store
    kinds: Kinds
    clock: Callable[[], datetime]
    #: ``await adapters()``: the kind's :class:`~pyknative.roles.SourceAdapter` (``platform.source_adapter``)
    adapters: Callable[[], Awaitable[Any]]
    #: the kind's ``status.ceAttributes``
    ce_attributes: Callable[[Any], Sequence[CloudEventAttributes]] = lambda source: ()
    #: the kind's condition set; must have ``SinkProvided`` and ``adapter_condition`` among its dependents
    conditions: ConditionSet = SOURCE_CONDITIONS
    #: marked True once the adapter runs (None: the kind has no such condition)
    adapter_condition: str | None = None
    recorder: Any = None
    sinks: SinkIndex = attrs.field(factory=SinkIndex)

    async def reconcile(self, key: str) -> float | None:
        return await reconcile_status(
            key,
            store=self.store,
            cls=self.cls,
            clock=self.clock,
            conditions=self.conditions,
            step=self._step,
            on_missing=self._deleted,
        )

    async def _deleted(self, key: str) -> None:
        self.sinks.forget(key)
        adapters = await self.adapters()
        await adapters.stop(key)

    async def _step(self, source: Any, conditions: Conditions, now: str) -> Outcome:
        self.sinks.set(source.key, sink_key(source))
        uri, error = await resolve_sink(source, self.store, self.kinds)
        was_provided = _status_of(conditions, SINK_PROVIDED)
        conditions = mark_sink(conditions, self.conditions, error, now)
        adapters = await self.adapters()
        if uri is None:
            await adapters.stop(source.key)
            if self.adapter_condition is not None:
                conditions = self.conditions.mark_unknown(
                    conditions, self.adapter_condition, now, "SinkNotResolved", "the adapter waits for the sink"
                )
            if self.recorder is not None and was_provided != "False":
                await self.recorder.warning(source, SINK_NOT_FOUND_EVENT, sink_not_found_message(source))
        else:
            try:
                await adapters.start(source, adapter_environment(source, uri))
            except NotRunnableError as e:
                # the adapter cannot run as written (ContainerSource: an image and no container runtime)
                changes = {"sink_uri": uri, "ce_attributes": tuple(self.ce_attributes(source)) or None}
                if self.adapter_condition is None:
                    raise
                if self.recorder is not None and _reason_of(conditions, self.adapter_condition) != e.reason:
                    await self.recorder.warning(source, e.reason, str(e))
                conditions = self.conditions.mark_false(conditions, self.adapter_condition, now, e.reason, str(e))
                return Outcome(conditions, changes, requeue=e.retry_after)
            if self.adapter_condition is not None:
                conditions = self.conditions.mark_true(conditions, self.adapter_condition, now)
        changes = {"sink_uri": uri, "ce_attributes": tuple(self.ce_attributes(source)) or None}
        return Outcome(conditions, changes)


def _reason_of(conditions: Conditions, type: str) -> str | None:
    for c in conditions:
        if c.type == type:
            return c.reason
    return None


def _status_of(conditions: Conditions, type: str) -> str | None:
    for c in conditions:
        if c.type == type:
            return c.status
    return None


def source_controller(
    platform: Any,
    cls: type,
    *,
    name: str | None = None,
    ce_attributes: Callable[[Any], Sequence[CloudEventAttributes]] = lambda source: (),
    conditions: ConditionSet = SOURCE_CONDITIONS,
    adapter_condition: str | None = None,
    workers: int = 2,
) -> Controller:
    """The controller of source kind ``cls``: a :class:`SourceReconciler` over the platform's cache, watching
    the kind and every addressable kind (through the :class:`SinkIndex`). Its adapters come from
    ``platform.source_adapter(apiVersion, kind)``, i.e. the plugin answering ``pyknative_make_source``."""
    info = cls.KIND

    async def adapters() -> Any:
        return await platform.source_adapter(info.api_version, info.kind)

    r = SourceReconciler(
        cls,
        platform.cache,
        platform.kinds,
        platform.clock,
        adapters,
        ce_attributes=ce_attributes,
        conditions=conditions,
        adapter_condition=adapter_condition,
        recorder=platform.recorder(f"{info.plural}-controller"),
    )
    watches = [(reg.cls, r.sinks.sources_of) for reg in platform.kinds if reg.addressable and reg.cls is not cls]
    return Controller(name or info.plural, platform.store, cls, r.reconcile, watches=watches, workers=workers)
