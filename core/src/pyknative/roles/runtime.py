"""The runtime role: run, scale and stop the instances of a Revision (local processes, containers, Kubernetes
Deployments). Defined in :mod:`pyknative.runtime.api`; this is its public home."""

from pyknative.api.serving import ContainerStatus
from pyknative.runtime.api import ImagePullError, InstanceInfo, InstancesStatus, NotRunnableError, Runtime
from pyknative.runtime.choice import RUNTIME_ANNOTATION

__all__ = [
    "RUNTIME_ANNOTATION",
    "ContainerStatus",
    "ImagePullError",
    "InstanceInfo",
    "InstancesStatus",
    "NotRunnableError",
    "Runtime",
]
