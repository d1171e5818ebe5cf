"""The runtime role's contract: run, scale and stop the instances of a Revision, and say how they are doing.

The core's embedded default is the local process runtime (:mod:`pyknative.runtime.backend`); a Kubernetes runtime
renders Deployments instead. ``on_change(key)`` is called by the runtime whenever the instances of
``namespace/revision`` change (started, ready, not ready, exited), so reconcilers and the data plane react at once.
``pre_stop(key, (host, port))``, which the platform sets, must be awaited before an instance that served traffic
is stopped (after it left ``status().endpoints``): it returns once the data plane has drained the instance's
requests in flight, so that scaling down or removing a revision never cuts a request.

A runtime that runs images may also have ``async resolve_images(rev) -> tuple[ContainerStatus, ...]``: the
Revision reconciler calls it once per revision, before the first instance starts, and keeps the answer in
``status.containerStatuses`` (Knative's tag-to-digest resolution), so :meth:`Runtime.scale` runs the digests it
finds there and a tag moved later never changes a running revision. It raises :class:`ImagePullError` when an
image cannot be had; the reconciler reports it and asks again after ``retry_after`` seconds.

Several runtimes can serve one platform: :mod:`pyknative.runtime.runtime_set` picks one per revision.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol, runtime_checkable

import attrs

from pyknative.api.serving import Revision
from pyknative.errors import PermanentError


class NotRunnableError(PermanentError):
    """The runtime cannot run this revision as written; ``reason`` is a CamelCase condition reason.

    ``retry_after`` (seconds) says the cause may go away by itself (an engine not started yet): the reconciler
    looks again then; None: only a change to the revision or the platform helps."""

    def __init__(self, reason: str, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.retry_after = retry_after


class ImagePullError(NotRunnableError):
    """An image could not be found or pulled; ``reason`` is the kubelet's (``ErrImagePull``, ``ImagePullBackOff``,
    ``ErrImageNeverPull``, ``InvalidImageName``) and the message carries the engine's own."""

    def __init__(self, reason: str, message: str, retry_after: float = 10.0) -> None:
        super().__init__(reason, message, retry_after)


@attrs.frozen
class InstanceInfo:
    """One running instance, as Kubernetes' HPA sees a pod: when it started and how ready it is (times are wall
    clock, epoch seconds)."""

    pid: int
    #: when its process was started (a pod's ``status.startTime``)
    started_at: float
    #: whether it passes its readiness probe now (the pod's ``Ready`` condition)
    ready: bool = False
    #: when ``ready`` last changed (the condition's ``lastTransitionTime``); None while it never has
    ready_changed_at: float | None = None


@attrs.frozen
class InstancesStatus:
    desired: int = 0
    ready: int = 0
    total: int = 0
    endpoints: tuple[tuple[str, int], ...] = ()
    #: why instances are failing, as a condition (reason, message), e.g. ("ExitCode1", "container exited ...")
    failure: tuple[str, str] | None = None
    restarts: int = 0
    #: process ids of the ready instances, where the runtime runs local processes (a scaler may measure them)
    pids: tuple[int, ...] = ()
    #: every running instance (ready or not) with its start and readiness times, where the runtime runs local
    #: processes; a measuring scaler may leave out CPU an instance used while starting
    instances: tuple[InstanceInfo, ...] = ()


@runtime_checkable
class Runtime(Protocol):
    on_change: Callable[[str], None] | None
    pre_stop: Callable[[str, tuple[str, int]], Awaitable[object]] | None

    def check(self, rev: Revision) -> None:
        """Raise NotRunnableError when this runtime cannot run ``rev`` at all (say what it needs)."""

    async def scale(self, rev: Revision, replicas: int) -> None:
        """Converge the instances of ``rev`` to ``replicas`` (0 stops them); a changed spec replaces them.

        Returns without waiting for surplus instances to drain and stop (the autoscaler must not block on it)."""

    def status(self, key: str) -> InstancesStatus:
        """The instances of ``namespace/revision`` as they are now."""

    async def remove(self, key: str) -> None:
        """Stop and forget every instance of ``namespace/revision``."""

    def logs(self, key: str, tail: int | None = None) -> list[str]:
        """Captured output of the revision's instances, oldest first."""

    async def aclose(self) -> None:
        """Stop everything; no instance outlives the platform."""
