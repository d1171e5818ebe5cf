"""Reconciler for the generic messaging.knative.dev/v1 Channel: keeps its backing channel (of
``spec.channelTemplate``'s kind, same name) and reports that channel's status back (see :mod:`.resources`).

A backing channel of a kind nobody installed is ``BackingChannelReady`` False with ``ChannelKindNotInstalled``;
one of that name owned by someone else, ``NotOwned``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import attrs

from pyknative.api.kinds import Kinds
from pyknative.api.meta import Resource
from pyknative.errors import NotFoundError
from pyknative.reconciler.base import Conditions, Outcome, reconcile_status
from pyknative.reconciler.channel import resources
from pyknative.reconciler.children import NotOwnedError, reconcile_child
from pyknative.reconciler.events import EventRecorder
from pyknative.store import Store


@attrs.define(eq=False)
class ChannelReconciler:
    cls: type[Resource]
    store: Store
    kinds: Kinds
    recorder: EventRecorder
    clock: Callable[[], datetime]

    async def reconcile(self, key: str) -> float | None:
        return await reconcile_status(
            key,
            store=self.store,
            cls=self.cls,
            clock=self.clock,
            conditions=resources.CONDITIONS,
            step=self._step,
        )

    async def _step(self, ch: Any, conditions: Conditions, now: str) -> Outcome:
        changes: dict[str, Any] = {}
        try:
            desired = resources.make_backing_channel(ch, self.kinds)
            backing = await reconcile_child(self.store, ch, desired, self.recorder)
        except NotFoundError as e:
            conditions = resources.CONDITIONS.mark_false(
                conditions, "BackingChannelReady", now, "ChannelKindNotInstalled", str(e)
            )
        except NotOwnedError as e:
            conditions = resources.CONDITIONS.mark_false(
                conditions, "BackingChannelReady", now, "NotOwned", str(e)
            )
        else:
            conditions, changes = resources.propagate_backing_status(conditions, ch, backing, now)
        return Outcome(conditions, changes)
