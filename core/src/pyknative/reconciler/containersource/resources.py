"""Pure builders for a ContainerSource: its conditions and the Revision-like workload that runs its template.

Knative renders a ContainerSource as a Deployment of ``spec.template`` plus a SinkBinding that injects the sink.
pyknative hands the template to the platform's runtime as an in-memory Revision (never stored): a local process
when every container has a ``command``, the container runtime otherwise. Each container's env gets Knative's
adapter environment (``K_SINK``, ``K_CE_OVERRIDES`` when there are overrides, ``NAME``, ``NAMESPACE``), replacing
variables of those names. The workload is named ``containersource.<name>`` (a dot, so it is told from a
Revision's runtime key), has one instance, and is restarted whenever its process exits.
"""

from __future__ import annotations

import hashlib
import json

import attrs

from pyknative.api._serde import to_dict
from pyknative.api.conditions import ConditionSet
from pyknative.api.meta import ObjectMeta
from pyknative.api.podspec import EnvVar
from pyknative.api.serving import Revision, RevisionSpec
from pyknative.api.sources import ContainerSource
from pyknative.roles.source import AdapterEnvironment
from pyknative.sources.reconciler import SINK_PROVIDED

#: Knative's ContainerSource condition for its Deployment being available
RECEIVE_ADAPTER_READY = "ReceiveAdapterReady"
CONDITIONS = ConditionSet("Ready", (SINK_PROVIDED, RECEIVE_ADAPTER_READY))
#: the label Knative puts on a ContainerSource's Deployment and pods
SOURCE_LABEL = "sources.knative.dev/containerSource"
WORKLOAD_PREFIX = "containersource."


def workload_name(name: str) -> str:
    return f"{WORKLOAD_PREFIX}{name}"


def workload_key(source_key: str) -> str:
    """The runtime key of the workload of the ContainerSource ``namespace/name``."""
    namespace, _, name = source_key.partition("/")
    return f"{namespace}/{workload_name(name)}"


def with_env(containers, env: dict[str, str]):
    """``containers`` with ``env`` set on each (variables of the same names replaced, the new ones last)."""
    out = []
    for c in containers or ():
        kept = tuple(e for e in c.env or () if e.name not in env)
        out.append(attrs.evolve(c, env=kept + tuple(EnvVar(name=k, value=v) for k, v in env.items())))
    return tuple(out)


def make_workload(source: ContainerSource, env: AdapterEnvironment) -> Revision:
    """The in-memory Revision the runtime runs for ``source`` sending to ``env.sink``."""
    template = source.spec.template if source.spec is not None else None
    tspec = (template.spec if template is not None else None) or RevisionSpec()
    tmeta = (template.metadata if template is not None else None) or ObjectMeta()
    spec = attrs.evolve(tspec, containers=with_env(tspec.containers, env.to_env()))
    digest = hashlib.sha256(json.dumps(to_dict(spec), sort_keys=True, default=str).encode()).hexdigest()[:16]
    labels = {**(tmeta.labels or {}), SOURCE_LABEL: source.name}
    meta = ObjectMeta(
        name=workload_name(source.name),
        namespace=source.namespace,
        uid=source.metadata.uid,
        resource_version=digest,
        labels=labels,
        annotations=dict(tmeta.annotations or {}) or None,
    )
    return Revision(metadata=meta, spec=spec)
