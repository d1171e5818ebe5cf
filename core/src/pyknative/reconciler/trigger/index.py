"""Which Triggers name which Broker, so that a Broker's change reaches its Triggers (kept as Triggers reconcile)."""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from pyknative.api.meta import Resource


@attrs.define(eq=False)
class TriggerIndex:
    _broker_of: dict[str, str] = attrs.field(factory=dict)

    def set(self, trigger_key: str, broker_key: str) -> None:
        self._broker_of[trigger_key] = broker_key

    def forget(self, trigger_key: str) -> None:
        self._broker_of.pop(trigger_key, None)

    def triggers_of(self, broker: Resource) -> Iterable[str]:
        """The keys of the Triggers naming ``broker`` (a controller's watch mapper)."""
        return sorted(k for k, b in self._broker_of.items() if b == broker.key)
