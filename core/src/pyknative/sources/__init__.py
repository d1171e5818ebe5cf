"""The source framework: what a source kind (the core's PingSource, or a plugin's) is built from.

A source kind is a model whose spec subclasses :class:`~pyknative.api.sources.SourceSpec` (``sink``,
``ceOverrides``) and whose status subclasses :class:`~pyknative.api.sources.SourceStatus` (``sinkUri``,
``ceAttributes``, conditions), admitted with :func:`~pyknative.api.sources_validation.validate_source_spec`
for the duck's fields. Its plugin answers

- ``pyknative_kinds()`` with the kind's registration (category ``sources``);
- ``pyknative_controllers(platform)`` with :func:`source_controller` (:mod:`pyknative.sources.reconciler`): sink
  resolution, ``SinkProvided``/``Ready`` with Knative's reasons, ``ceAttributes``, the sink watched;
- ``pyknative_make_source(api_version, kind, platform)`` with :meth:`InProcessAdapters.for_platform` over an
  ``async def run(ctx: AdapterContext)``: the receive adapter, an asyncio task the platform supervises
  (restarted when it fails), handed Knative's adapter environment (``ctx.env``: ``K_SINK``, ``K_CE_OVERRIDES``,
  ``NAME``, ``NAMESPACE``; ``ctx.env.to_env()`` for a child process), an :class:`EventSender` that sends through
  the platform's delivery (retries with backoff, timeouts, dead letter, counted in ``/metrics``) and a
  :class:`Clock` (tests pass a :class:`ManualClock`).

See docs/sources.md for a walk-through. Everything named here is importable from ``pyknative.sources``.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "AdapterContext": "pyknative.sources.adapters",
    "AdapterFn": "pyknative.sources.adapters",
    "InProcessAdapters": "pyknative.sources.adapters",
    "Clock": "pyknative.sources.clock",
    "ManualClock": "pyknative.sources.clock",
    "SystemClock": "pyknative.sources.clock",
    "ADAPTER_POLICY": "pyknative.sources.sender",
    "EventSender": "pyknative.sources.sender",
    "SourceCounters": "pyknative.sources.sender",
    "SourceId": "pyknative.sources.sender",
    "new_event": "pyknative.sources.sender",
    "SINK_PROVIDED": "pyknative.sources.reconciler",
    "SOURCE_CONDITIONS": "pyknative.sources.reconciler",
    "SinkIndex": "pyknative.sources.reconciler",
    "SourceReconciler": "pyknative.sources.reconciler",
    "source_controller": "pyknative.sources.reconciler",
    "AdapterEnvironment": "pyknative.roles.source",
    "SourceSpec": "pyknative.api.sources",
    "SourceStatus": "pyknative.api.sources",
    "CloudEventOverrides": "pyknative.api.sources",
    "CloudEventAttributes": "pyknative.api.sources",
    "validate_source_spec": "pyknative.api.sources_validation",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:  # lazy: the API modules import pyknative.sources.cron
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'pyknative.sources' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
