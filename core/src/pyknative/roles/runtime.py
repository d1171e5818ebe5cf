"""The runtime role: run, scale and stop the instances of a Revision (local processes, containers, Kubernetes
Deployments). Defined in :mod:`pyknative.runtime.api`; this is its public home."""

from pyknative.runtime.api import InstancesStatus, NotRunnableError, Runtime

__all__ = ["InstancesStatus", "NotRunnableError", "Runtime"]
