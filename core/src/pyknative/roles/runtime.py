"""The runtime role: run, scale and stop the instances of a Revision (local processes, containers, Kubernetes
Deployments). Defined in :mod:`pyknative.runtime.api`; this is its public home.

A runtime plugin that runs instances on this machine (containers) builds on the core's supervisor:
:class:`SupervisedRuntime` with its own ``build_spec`` and ``instance_factory`` (a :class:`SupervisedInstance`
subclass), and the pure helpers that turn a Revision's container into env, volumes and readiness as the kubelet
would (:func:`container_env`, :func:`resolve_volumes`, :func:`readiness_of`, :func:`expand`).
"""

from pyknative.api.serving import ContainerStatus
from pyknative.runtime.api import ImagePullError, InstanceInfo, InstancesStatus, NotRunnableError, Runtime
from pyknative.runtime.backend import SupervisedRuntime
from pyknative.runtime.choice import RUNTIME_ANNOTATION
from pyknative.runtime.instance import SupervisedInstance
from pyknative.runtime.podconfig import ConfigError, Machine, Sources, expand, resolve_volumes
from pyknative.runtime.probes import ExecProbe, GRPCProbe, Handler, HTTPGetProbe, Readiness, TCPProbe
from pyknative.runtime.process import exit_status
from pyknative.runtime.resources import container_env, serving_container
from pyknative.runtime.resources import readiness as readiness_of
from pyknative.runtime.spec import InstanceState, VolumeFile, Volumes
from pyknative.runtime.volumes import materialize as materialize_volumes
from pyknative.runtime.volumes import remove as remove_volumes

__all__ = [
    "RUNTIME_ANNOTATION",
    "ConfigError",
    "ContainerStatus",
    "ExecProbe",
    "GRPCProbe",
    "HTTPGetProbe",
    "Handler",
    "ImagePullError",
    "InstanceInfo",
    "InstanceState",
    "InstancesStatus",
    "Machine",
    "NotRunnableError",
    "Readiness",
    "Runtime",
    "Sources",
    "SupervisedInstance",
    "SupervisedRuntime",
    "TCPProbe",
    "VolumeFile",
    "Volumes",
    "container_env",
    "exit_status",
    "expand",
    "materialize_volumes",
    "readiness_of",
    "remove_volumes",
    "resolve_volumes",
    "serving_container",
]
