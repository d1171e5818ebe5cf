"""Revision reconciler: makes the Revision's PodAutoscaler, checks the runtime can run it, and reports its health.

Conditions as Knative's: Ready rolls up ``ResourcesAvailable`` and ``ContainerHealthy``; ``Active`` mirrors the
PodAutoscaler (False with ``NoTraffic`` when scaled to zero) and does not affect Ready. Both dependents turn True
with a ready instance, or without one once the PodAutoscaler reports ``ScaleTargetInitialized`` (a revision with
``initial-scale: 0`` is Ready and inactive, as in Knative's ``PropagateAutoscalerStatus``).

A Secret, ConfigMap or key the revision's env or volumes need (and do not mark ``optional``) that is missing makes
``ResourcesAvailable`` False with the kubelet's reason ``CreateContainerConfigError`` and message (``secret "x" not
found``); the controller watches the Secrets and ConfigMaps revisions use, so the revision turns Ready once it
appears.

On several runtimes (:class:`pyknative.runtime.runtime_set.RuntimeSet`) the one chosen is recorded in
``status.annotations['pyknative.dev/runtime']``. A runtime that runs images resolves them to digests once, before
the first instance starts, into ``status.containerStatuses`` (Knative's tag-to-digest resolution); an image that
cannot be had makes ``ContainerHealthy`` False with the kubelet's reason (``ErrImagePull``, ...) and is asked for
again after a back-off.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import attrs

from pyknative.api import conditions as cond
from pyknative.api.autoscaling import PodAutoscaler
from pyknative.api.serving import Revision, RevisionStatus
from pyknative.reconciler.base import Conditions, Outcome, reconcile_status
from pyknative.reconciler.children import NotOwnedError, reconcile_child
from pyknative.reconciler.events import EventRecorder
from pyknative.reconciler.revision import resources
from pyknative.runtime import podconfig
from pyknative.runtime.api import ImagePullError, NotRunnableError, Runtime
from pyknative.runtime.choice import RUNTIME_ANNOTATION
from pyknative.store import Store

CONDITIONS = cond.ConditionSet("Ready", ("ResourcesAvailable", "ContainerHealthy"))


@attrs.define(eq=False)
class RevisionReconciler:
    store: Store
    runtime: Runtime
    recorder: EventRecorder
    clock: Callable[[], datetime]
    autoscaler_config: Callable[[], dict[str, str]]
    #: called with the reconciled revision so the data plane knows its concurrency and timeout
    publish: Callable[[Revision], None] | None = None
    #: forgets a deleted revision in the runtime and the data plane
    forget: Callable[[str], Any] | None = None

    async def reconcile(self, key: str) -> float | None:
        return await reconcile_status(
            key,
            store=self.store,
            cls=Revision,
            clock=self.clock,
            conditions=CONDITIONS,
            step=self._step,
            on_missing=self.forget,
            default_status=RevisionStatus,
        )

    async def _step(self, rev: Revision, conditions: Conditions, now: str) -> Outcome:
        if self.publish is not None:
            self.publish(rev)

        try:
            pa = await reconcile_child(
                self.store, rev, resources.make_pa(rev, self.autoscaler_config()), self.recorder
            )
        except NotOwnedError as e:
            pa = None
            conditions = CONDITIONS.mark_false(conditions, "ResourcesAvailable", now, "NotOwned", str(e))

        changes: dict[str, Any] = {}
        choose = getattr(self.runtime, "choose", None)
        try:
            if choose is not None:
                changes["annotations"] = _with_runtime(rev, choose(rev))
            self.runtime.check(rev)
        except NotRunnableError as e:
            if cond.get(conditions, "ResourcesAvailable").reason != e.reason:
                await self.recorder.warning(rev, e.reason, str(e))
            conditions = CONDITIONS.mark_false(conditions, "ResourcesAvailable", now, e.reason, str(e))
            conditions = CONDITIONS.mark_unknown(
                conditions, "ContainerHealthy", now, e.reason, "the container has not been started"
            )
            return Outcome(conditions, {**changes, "actual_replicas": 0}, requeue=e.retry_after)

        resolve = getattr(self.runtime, "resolve_images", None)
        if resolve is not None and not (rev.status is not None and rev.status.container_statuses):
            try:
                statuses = await resolve(rev)
            except ImagePullError as e:
                if cond.get(conditions, "ContainerHealthy").reason != e.reason:
                    await self.recorder.warning(rev, e.reason, str(e))
                conditions = CONDITIONS.mark_false(conditions, "ContainerHealthy", now, e.reason, str(e))
                conditions = CONDITIONS.mark_unknown(
                    conditions, "ResourcesAvailable", now, e.reason, "waiting for the image"
                )
                return Outcome(conditions, {**changes, "actual_replicas": 0}, requeue=e.retry_after)
            if statuses:
                changes["container_statuses"] = tuple(statuses)
                if cond.get(conditions, "ContainerHealthy").status == "False":
                    conditions = CONDITIONS.mark_unknown(
                        conditions, "ContainerHealthy", now, "Deploying", "the image is here"
                    )

        inst = self.runtime.status(rev.key)
        missing = podconfig.problem(rev, await podconfig.fetch(self.store, rev))
        if missing is not None:
            reason = podconfig.REASON
            if cond.get(conditions, "ResourcesAvailable").message != missing:
                await self.recorder.warning(rev, reason, missing)
            conditions = CONDITIONS.mark_false(conditions, "ResourcesAvailable", now, reason, missing)
            if not inst.ready:
                conditions = CONDITIONS.mark_unknown(
                    conditions, "ContainerHealthy", now, reason, "the container has not been started"
                )
            return Outcome(conditions, {**changes, "actual_replicas": inst.ready})
        if cond.get(conditions, "ResourcesAvailable").reason == podconfig.REASON:
            conditions = CONDITIONS.mark_unknown(
                conditions, "ResourcesAvailable", now, "Deploying", "waiting for an instance to become ready"
            )
        if inst.ready > 0:
            conditions = CONDITIONS.mark_true(conditions, "ContainerHealthy", now)
            # As Knative's PropagateAutoscalerStatus: resources are available once the PodAutoscaler reached
            # its initial scale (ScaleTargetInitialized), not at the first ready instance of several wanted.
            if _initialized(pa) or cond.is_true(conditions, "ResourcesAvailable"):
                conditions = CONDITIONS.mark_true(conditions, "ResourcesAvailable", now)
            else:
                conditions = CONDITIONS.mark_unknown(
                    conditions, "ResourcesAvailable", now, "Deploying", "waiting for the initial scale to be reached"
                )
        elif inst.failure is not None:
            reason, message = inst.failure
            if cond.get(conditions, "ContainerHealthy").reason != reason:
                await self.recorder.warning(rev, reason, message)
            conditions = CONDITIONS.mark_false(conditions, "ContainerHealthy", now, reason, message)
        elif _initialized(pa):
            conditions = CONDITIONS.mark_true(conditions, "ContainerHealthy", now)
            conditions = CONDITIONS.mark_true(conditions, "ResourcesAvailable", now)
        elif not cond.is_true(conditions, "ResourcesAvailable"):
            conditions = CONDITIONS.mark_unknown(
                conditions, "ResourcesAvailable", now, "Deploying", "waiting for an instance to become ready"
            )

        active = _active_from(pa)
        if active is not None:
            conditions = cond.set_condition(conditions, attrs.evolve(active, last_transition_time=None), now)

        desired = pa.status.desired_scale if pa is not None and pa.status is not None else None
        return Outcome(conditions, {**changes, "actual_replicas": inst.ready, "desired_replicas": desired})


def _with_runtime(rev: Revision, name: str) -> dict[str, str]:
    """The revision's status annotations with the runtime it runs on."""
    annotations = dict((rev.status.annotations if rev.status is not None else None) or {})
    annotations[RUNTIME_ANNOTATION] = name
    return annotations


def _initialized(pa: PodAutoscaler | None) -> bool:
    return pa is not None and pa.status is not None and cond.is_true(pa.status.conditions, "ScaleTargetInitialized")


def _active_from(pa: PodAutoscaler | None):
    if pa is None or pa.status is None:
        return None
    return cond.get(pa.status.conditions, "Active")
