"""Configuration reconciler: stamps one immutable Revision per template change and tracks the latest ready one.

``latestCreatedRevisionName`` is the revision of the current generation; ``latestReadyRevisionName`` moves to it
once it is Ready and stays on the previous one while it is not. Ready mirrors the latest created revision.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import attrs

from pyknative.api import conditions as cond
from pyknative.api.serving import CONFIGURATION_LABEL, Configuration, ConfigurationStatus, Revision
from pyknative.reconciler.base import Conditions, Outcome, reconcile_status
from pyknative.reconciler.children import get_or_create
from pyknative.reconciler.configuration import resources
from pyknative.reconciler.events import EventRecorder
from pyknative.store import Store

CONDITIONS = cond.ConditionSet("Ready", ())


@attrs.define(eq=False)
class ConfigurationReconciler:
    store: Store
    recorder: EventRecorder
    clock: Callable[[], datetime]

    async def reconcile(self, key: str) -> float | None:
        return await reconcile_status(
            key,
            store=self.store,
            cls=Configuration,
            clock=self.clock,
            conditions=CONDITIONS,
            step=self._step,
            skip_deleting=True,
            default_status=ConfigurationStatus,
        )

    async def _step(self, config: Configuration, conditions: Conditions, now: str) -> Outcome:
        desired = resources.make_revision(config)
        rev, created = await get_or_create(self.store, desired)
        if created:
            await self.recorder.normal(config, "Created", f"Created Revision {rev.name!r}")
        if not rev.is_controlled_by(config):
            msg = f"revision {rev.name!r} exists and is not owned by this Configuration"
            return Outcome(CONDITIONS.mark(conditions, "Ready", "False", now, "RevisionNameTaken", msg))

        latest_ready = config.status.latest_ready_revision_name if config.status is not None else None
        ready = cond.get(rev.status.conditions if rev.status else None, "Ready")
        if ready is not None and ready.is_true:
            if latest_ready != rev.name:
                await self.recorder.normal(
                    config, "LatestReadyUpdate", f"LatestReadyRevisionName updated to {rev.name!r}"
                )
            latest_ready = rev.name
            conditions = CONDITIONS.mark(conditions, "Ready", "True", now)
        elif ready is not None and ready.is_false:
            msg = f"Revision {rev.name!r} failed with message: {ready.message}"
            conditions = CONDITIONS.mark(conditions, "Ready", "False", now, "RevisionFailed", msg)
        else:
            reason = (ready.reason if ready else None) or "Deploying"
            conditions = CONDITIONS.mark(
                conditions, "Ready", "Unknown", now, reason, (ready.message if ready else None) or ""
            )
        if latest_ready is None:
            latest_ready = await self._newest_ready(config)
        changes = {"latest_created_revision_name": rev.name, "latest_ready_revision_name": latest_ready}
        return Outcome(conditions, changes)

    async def _newest_ready(self, config: Configuration) -> str | None:
        revs = await self.store.list(Revision, config.namespace, {CONFIGURATION_LABEL: config.name})
        ready = [r for r in revs if cond.is_true(r.status.conditions if r.status else None, "Ready")]
        if not ready:
            return None
        return max(
            ready,
            key=lambda r: int(r.metadata.label("serving.knative.dev/configurationGeneration", "0") or 0),
        ).name
