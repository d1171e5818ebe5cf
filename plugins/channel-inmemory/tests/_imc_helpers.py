"""A fake SubscriberHandler (the seam between a channel and the core's dispatcher) and small waiting helpers."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import attrs

from pyknative.eventing.channel import Attempt, ChannelRef, Outcome, SubscriptionRef
from pyknative.eventing.message import Message

API_VERSION = "messaging.knative.dev/v1"


def channel(name: str = "orders", namespace: str = "default", *, sync: bool = False) -> ChannelRef:
    """An InMemoryChannel; asynchronous (``messaging.knative.dev/async-handler: "true"``) unless ``sync``, so a
    test can publish while deliveries are held."""
    annotations = {} if sync else {"messaging.knative.dev/async-handler": "true"}
    return ChannelRef(namespace, name, uid=f"uid-{name}", api_version=API_VERSION, kind="InMemoryChannel",
                      annotations=annotations)


def subscription(name: str, *, ordered: bool = False, namespace: str = "default") -> SubscriptionRef:
    return SubscriptionRef(namespace, name, uid=f"uid-{name}", ordered=ordered)


def event(n: int | str) -> Message:
    return Message(
        {"specversion": "1.0", "id": str(n), "source": "/test", "type": "test.event"}, f"{n}".encode()
    )


@attrs.define(eq=False)
class FakeHandler:
    """Records each ``deliver`` call; ``behave(message, call_number)`` returns an Outcome or raises.

    ``gate``, when set, holds every delivery until it is opened; ``delay(message)`` sleeps inside a delivery.
    """

    behave: Callable[[Message, int], Outcome] = lambda _m, _n: Outcome.DELIVERED
    delay: Callable[[Message], float] = lambda _m: 0.0
    gate: asyncio.Event | None = None
    calls: list[str] = attrs.field(factory=list)
    finished: list[str] = attrs.field(factory=list)
    cancelled: list[str] = attrs.field(factory=list)
    in_flight: int = 0
    max_in_flight: int = 0

    async def deliver(self, message: Message) -> Outcome:
        self.calls.append(message.id)
        call_number = self.calls.count(message.id)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.gate is not None:
                await self.gate.wait()
            wait = self.delay(message)
            if wait:
                await asyncio.sleep(wait)
            outcome = self.behave(message, call_number)
        except asyncio.CancelledError:
            self.cancelled.append(message.id)
            raise
        finally:
            self.in_flight -= 1
        self.finished.append(message.id)
        return outcome

    async def attempt(self, message: Message, attempt: int) -> Attempt:
        raise AssertionError("the in-memory channel drives deliver(), never attempt()")


async def until(predicate: Callable[[], bool], timeout: float = 2.0, what: str = "condition") -> None:
    """Wait until ``predicate()`` holds, failing the test after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.001)


async def settle(seconds: float = 0.05) -> None:
    """Give workers time to act on anything they were (wrongly) still going to do."""
    await asyncio.sleep(seconds)
