"""The ``Inbox`` kind (``inbox.example.pyknative.dev/v1alpha1``): the model, its defaulting and its validation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import attrs

from pyknative import FieldError
from pyknative.api import extra_field, wire
from pyknative.api.meta import Condition, KindInfo, Resource

GROUP = "inbox.example.pyknative.dev"
VERSION = "v1alpha1"
DEFAULT_CAPACITY = 10
MAX_CAPACITY = 1000


@attrs.frozen
class InboxSpec:
    #: how many messages are kept (the oldest go first)
    capacity: int | None = wire()
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class InboxStatus:
    observed_generation: int | None = wire()
    conditions: tuple[Condition, ...] | None = wire()
    #: where to POST messages
    url: str | None = wire()
    received: int | None = wire()
    last: str | None = wire()
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class Inbox(Resource):
    KIND: ClassVar[KindInfo] = KindInfo(GROUP, VERSION, "Inbox", "inboxes", ("ibx",))

    spec: InboxSpec | None = wire(factory=InboxSpec)
    status: InboxStatus | None = wire(factory=InboxStatus)


def default_inbox(obj: Inbox, _ctx) -> Inbox:
    spec = obj.spec or InboxSpec()
    if spec.capacity is None:
        spec = attrs.evolve(spec, capacity=DEFAULT_CAPACITY)
    return attrs.evolve(obj, spec=spec)


def validate_inbox(obj: Inbox, _old, _ctx) -> list[FieldError]:
    capacity = obj.spec.capacity if obj.spec else None
    if capacity is not None and not 1 <= capacity <= MAX_CAPACITY:
        return [FieldError("spec.capacity", f"must be between 1 and {MAX_CAPACITY}, got {capacity}")]
    return []
