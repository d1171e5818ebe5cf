"""Wiring of the Revision reconciler: Revisions are primary; PodAutoscalers map to their Revision; a Secret or
ConfigMap maps to every Revision of its namespace that reads it (its env, envFrom or volumes)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from pyknative.api.autoscaling import PodAutoscaler
from pyknative.api.core import ConfigMap, Secret
from pyknative.api.meta import Resource
from pyknative.api.serving import Revision
from pyknative.reconciler.controller import Controller, owner_keys
from pyknative.reconciler.revision.reconciler import RevisionReconciler
from pyknative.runtime.podconfig import uses


def new_controller(platform) -> Controller:
    r = RevisionReconciler(
        platform.cache,
        platform.runtime,
        platform.recorder("revision-controller"),
        platform.clock,
        platform.autoscaler_config,
        publish=platform.publish_revision,
        forget=platform.forget_revision,
    )

    readers = config_readers(platform)
    watches = [(PodAutoscaler, owner_keys("Revision")), (Secret, readers), (ConfigMap, readers)]
    return Controller("revision", platform.store, Revision, r.reconcile, watches=watches)


def config_readers(platform) -> Callable[[Resource], Iterable[str]]:
    """A watch mapper: a Secret or ConfigMap to the keys of the Revisions of its namespace that read it (a
    Revision's PodAutoscaler has the same key)."""

    def readers(obj: Resource) -> Iterable[str]:
        revisions = platform.informers.lister(Revision).list(obj.namespace)
        return [rev.key for rev in revisions if uses(rev, obj)]

    return readers
