"""The channel role: store published messages and feed each subscription's handler, acknowledging only after
its final outcome. Defined in :mod:`pyknative.eventing.channel`; this is its public home."""

from pyknative.eventing.channel import (
    Attempt,
    ChannelBackend,
    ChannelError,
    ChannelRef,
    Outcome,
    SubscriberHandler,
    SubscriptionRef,
)

__all__ = [
    "Attempt",
    "ChannelBackend",
    "ChannelError",
    "ChannelRef",
    "Outcome",
    "SubscriberHandler",
    "SubscriptionRef",
]
