"""The one step Triggers and Subscriptions share: keep the data plane's subscription in step with what they want.

With a desired subscription, ``ensure`` it and mark the kind's condition True (False with
``ChannelNotInstalled`` when no plugin serves the channel's kind); without one (a channel, broker or subscriber
is missing), ``remove`` it and mark the condition Unknown with the kind's waiting reason.
"""

from __future__ import annotations

from typing import Any

from pyknative.api import conditions as cond
from pyknative.errors import BackendNotInstalledError


async def sync_subscription(
    subscriptions: Any,
    key: str,
    desired: Any | None,
    *,
    conditions: tuple,
    condition_set: cond.ConditionSet,
    condition: str,
    now: str,
    waiting: tuple[str, str],
) -> tuple:
    if desired is not None:
        try:
            await subscriptions.ensure(key, desired)
        except BackendNotInstalledError as e:
            return condition_set.mark_false(conditions, condition, now, "ChannelNotInstalled", str(e))
        return condition_set.mark_true(conditions, condition, now)
    await subscriptions.remove(key)
    reason, message = waiting
    return condition_set.mark_unknown(conditions, condition, now, reason, message)
