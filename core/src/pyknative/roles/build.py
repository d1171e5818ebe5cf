"""The build role: run a TaskRun or PipelineRun (Tekton's ``tekton.dev/v1`` objects) and report its progress.

The run kind's controller hands each run to the executor ``pyknative_make_build_executor(name, platform)``
made (``local`` runs steps as processes or in containers; a Kubernetes executor hands the run to Tekton).
The executor reports the run's status as it changes through a :class:`BuildReporter` (the controller writes it
to the store: Tekton's ``Succeeded`` condition, steps, results, child references).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol, runtime_checkable

#: ``await report(status)``: the run's new status (the run kind's status model); called as often as it changes
BuildReporter = Callable[[Any], Awaitable[None]]


@runtime_checkable
class BuildExecutor(Protocol):
    #: the executor's name (``pyknative: build-executor`` in the operator config)
    name: str

    async def run(self, run: Any, report: BuildReporter) -> None:
        """Start (or resume after a restart) ``run``; returns at once, progress comes through ``report``."""

    async def cancel(self, key: str) -> None:
        """Stop the run ``namespace/name`` (``spec.status: Cancelled``, or deleted)."""

    async def aclose(self) -> None:
        """Stop every run's processes; none outlives the platform."""
