"""The accelerator role: a named profile turns into resource requests, placement and per-instance devices.

``pyknative_accelerator_profile(name, platform)`` resolves a profile name (a revision's resource names such as
``nvidia.com/gpu``, or a profile of the operator config) to an :class:`AcceleratorProfile`. Locally the runtime asks
it for devices per instance (``allocate``) and gives them back (``release``); on Kubernetes the profile's
``resources``, ``node_selector``, ``tolerations`` and ``runtime_class`` are rendered on the Deployment.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

import attrs


@attrs.frozen
class DeviceGrant:
    """Devices given to one instance: their ids and the environment that makes only them visible."""

    devices: tuple[str, ...]
    env: Mapping[str, str] = attrs.field(factory=dict)


@runtime_checkable
class AcceleratorProfile(Protocol):
    name: str
    #: Kubernetes resource requests/limits it adds, e.g. ``{"nvidia.com/gpu": "1"}``
    resources: Mapping[str, str]
    node_selector: Mapping[str, str]
    tolerations: Sequence[Mapping[str, Any]]
    runtime_class: str | None

    def allocate(self, instance: str) -> DeviceGrant | None:
        """Devices for the instance ``namespace/revision/n``, or None when none is free (the instance waits)."""

    def release(self, instance: str) -> None:
        """Give back what ``allocate`` gave the instance (stopped, or crashed)."""
