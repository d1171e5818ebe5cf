"""The ingress role's contract: program (or render) one internal Ingress, and forget it when it is deleted.

The embedded gateway is the core's default class (``embedded.ingress.networking.knative.dev``); Istio and Gateway
API plugins render Kubernetes objects instead. ``program`` returns the load balancer the Ingress is served by.

The revisions' side of the data plane is a contract of its own, :class:`RevisionDataPlane` (``pyknative:
data-plane``, made by ``pyknative_make_data_plane``): what serves a revision's requests (Knative's activator and
queue-proxy), learns its instances' endpoints, drains an instance before it stops and measures its load for the
autoscaler. The core's ``embedded`` one is the gateway in this process (:mod:`pyknative.dataplane.embedded`).
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from pyknative.api.networking import Ingress, LoadBalancerStatus
from pyknative.api.serving import Revision

EMBEDDED_CLASS = "embedded.ingress.networking.knative.dev"


@runtime_checkable
class IngressBackend(Protocol):
    async def program(self, ingress: Ingress) -> LoadBalancerStatus:
        """Make the data plane serve ``ingress``'s rules; raise TemporaryError while it cannot yet."""

    async def remove(self, namespace: str, name: str) -> None:
        """Stop serving the Ingress ``namespace/name`` (it was deleted)."""


@runtime_checkable
class RevisionDataPlane(Protocol):
    """The revisions' side of the data plane; an async context manager (entered before the runtime starts, left
    after it stopped)."""

    #: where it serves requests, once entered
    address: tuple[str, int] | None
    #: called with ``namespace/revision`` when a request waits for a revision with no ready instance
    on_activate: Any

    def publish_revision(self, rev: Revision) -> None:
        """The revision's serving parameters (concurrency, timeout, burst capacity) as reconciled."""

    def instances_changed(self, key: str) -> None:
        """The runtime's instances of ``namespace/revision`` changed (the runtime's ``on_change``)."""

    def forget_revision(self, key: str) -> None:
        """The revision was deleted: stop routing to it."""

    async def drain_instance(self, key: str, address: tuple[str, int]) -> None:
        """The runtime's ``pre_stop``: return once the instance's requests in flight are done."""

    def waiting_requests(self, key: str) -> int:
        """Requests held for the revision while it has no free instance."""

    def local_address(self, host: str) -> tuple[str, int] | None:
        """Where to connect for a cluster-local host (event delivery to a Knative Service), or None."""

    def revision_metrics(self) -> list[Any]:
        """Per-revision figures for ``GET /metrics`` (:class:`pyknative.admin.metrics.RevisionMetrics`)."""
