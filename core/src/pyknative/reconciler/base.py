"""The skeleton every status-owning reconciler shares, written once.

get the object (gone: ``on_missing``, done) → skip it while it is being deleted (where the kind does) → the
pass's time, once → every condition of the kind's set initialized → the kind's own step, which returns the new
conditions and status fields (:class:`Outcome`) → status written only when it changed (a no-op write would wake
watchers) → the outcome's requeue delay. The kind's step does the rest of the I/O (children, backends); what it
decides from what it read is best a pure function in the kind's ``resources.py``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any, TypeVar

import attrs

from pyknative.api import conditions as cond
from pyknative.api.meta import Condition, Resource
from pyknative.errors import NotFoundError
from pyknative.reconciler.children import update_status_if_changed
from pyknative.store import Store
from pyknative.timeutil import rfc3339

R = TypeVar("R", bound=Resource)
Conditions = tuple[Condition, ...]


@attrs.frozen
class Outcome:
    """What one reconcile pass made of an object's status."""

    conditions: Conditions
    #: other status fields to set, by attribute name (``address``, ``dead_letter_sink_uri``, ...)
    changes: Mapping[str, Any] = attrs.field(factory=dict)
    #: seconds after which to look again; None waits for the next change
    requeue: float | None = None


#: a kind's step: ``await step(obj, conditions, now)``, conditions already initialized, ``now`` in RFC 3339
Step = Callable[[R, Conditions, str], Awaitable[Outcome]]


async def reconcile_status(
    key: str,
    *,
    store: Store,
    cls: type[R],
    clock: Callable[[], datetime],
    conditions: cond.ConditionSet,
    step: Step,
    on_missing: Callable[[str], Awaitable[Any]] | None = None,
    skip_deleting: bool = False,
    default_status: Callable[[], Any] | None = None,
) -> float | None:
    """Reconcile ``key`` (``namespace/name``) of ``cls``: the module docstring's skeleton around ``step``.

    ``default_status`` makes the status of an object stored without one; ``observedGeneration`` is set to the
    object's generation on every write.
    """
    namespace, name = key.split("/", 1)
    try:
        obj = await store.get(cls, namespace, name)
    except NotFoundError:
        if on_missing is not None:
            await on_missing(key)
        return None
    if skip_deleting and obj.metadata.deletion_timestamp:
        return None
    now = rfc3339(clock())
    status = obj.status if obj.status is not None or default_status is None else default_status()
    outcome = await step(obj, conditions.initialize(status.conditions, now), now)
    new = attrs.evolve(
        status, conditions=outcome.conditions, observed_generation=obj.metadata.generation, **outcome.changes
    )
    await update_status_if_changed(store, obj, attrs.evolve(obj, status=new))
    return outcome.requeue


def recheck_unless_ready(conditions: Conditions, delay: float, happy: str = "Ready") -> float | None:
    """``delay`` while ``happy`` is not True: an object whose dependencies may appear later (a Trigger created
    before its Broker) looks again without watching every kind it could depend on."""
    return None if cond.is_true(conditions, happy) else delay
