"""The source role: an adapter that takes events in from outside and sends them, as CloudEvents, to a sink.

A source kind's controller resolves the sink (``status.sinkUri``) and asks the adapter runner that
``pyknative_make_source(api_version, kind, platform)`` made for the kind to run one adapter per source object,
with Knative's adapter environment (:class:`AdapterEnvironment`: ``K_SINK``, ``K_CE_OVERRIDES``, ``NAME``,
``NAMESPACE``). An adapter may run in-process (an asyncio task the runner supervises) or as a process or a
container through the runtime; sending goes through the platform's delivery (retries, timeouts).

:class:`pyknative.sources.InProcessAdapters` is the core's runner for adapters written as ``async def``
functions, and :func:`pyknative.sources.source_controller` the duck's reconcile; see docs/sources.md.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

import attrs


@attrs.frozen
class AdapterEnvironment:
    """What Knative hands a source's receive adapter, as environment variables."""

    sink: str
    namespace: str
    name: str
    #: ``spec.ceOverrides.extensions``: attributes added to every event the adapter sends
    ce_overrides: Mapping[str, str] = attrs.field(factory=dict)

    def to_env(self) -> dict[str, str]:
        """The variables as Knative names them (``K_CE_OVERRIDES`` is JSON ``{"extensions": {...}}``)."""
        env = {"K_SINK": self.sink, "NAME": self.name, "NAMESPACE": self.namespace}
        if self.ce_overrides:
            env["K_CE_OVERRIDES"] = json.dumps({"extensions": dict(self.ce_overrides)}, sort_keys=True)
        return env

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> AdapterEnvironment:
        """Read the variables back, as an adapter running as a process does (Knative's ``adapter.EnvConfig``:
        ``NAME`` defaults to ``adapter``). ValueError names the variable that is missing or malformed."""
        sink = environ.get("K_SINK", "")
        if not sink:
            raise ValueError("K_SINK: required (the URL events are sent to)")
        overrides: dict[str, str] = {}
        text = environ.get("K_CE_OVERRIDES", "")
        if text:
            try:
                doc = json.loads(text)
            except ValueError as e:
                raise ValueError(f"K_CE_OVERRIDES: not JSON: {e}") from None
            extensions = doc.get("extensions") if isinstance(doc, dict) else None
            if not isinstance(doc, dict) or not isinstance(extensions or {}, dict):
                raise ValueError('K_CE_OVERRIDES: expected {"extensions": {"name": "value", ...}}')
            overrides = {str(k): str(v) for k, v in (extensions or {}).items()}
        return cls(
            sink=sink,
            namespace=environ.get("NAMESPACE", ""),
            name=environ.get("NAME", "") or "adapter",
            ce_overrides=overrides,
        )


@runtime_checkable
class SourceAdapter(Protocol):
    """Runs the receive adapters of one source kind; one adapter per source object, keyed ``namespace/name``."""

    async def start(self, source: Any, env: AdapterEnvironment) -> None:
        """Start (or restart with a changed spec or sink) the adapter of ``source``; idempotent."""

    async def stop(self, key: str) -> None:
        """Stop the adapter of the source ``namespace/name`` (deleted, or no longer Ready)."""

    async def aclose(self) -> None:
        """Stop every adapter; none outlives the platform."""
