"""Small kinds for tests of stores, informers and controllers: two namespaced ones and a cluster-scoped one,
with free-form ``spec`` and ``status`` (``test.pyknative.dev/v1``), and a registry of the three."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import attrs

from pyknative.api import wire
from pyknative.api.kinds import KindRegistration, Kinds
from pyknative.api.meta import KindInfo, Resource

GROUP = "test.pyknative.dev"


@attrs.frozen
class Widget(Resource):
    KIND: ClassVar[KindInfo] = KindInfo(GROUP, "v1", "Widget", "widgets")
    spec: Mapping[str, Any] | None = wire()
    status: Mapping[str, Any] | None = wire()


@attrs.frozen
class Gadget(Resource):
    KIND: ClassVar[KindInfo] = KindInfo(GROUP, "v1", "Gadget", "gadgets")
    spec: Mapping[str, Any] | None = wire()
    status: Mapping[str, Any] | None = wire()


@attrs.frozen
class Realm(Resource):
    """A cluster-scoped kind."""

    KIND: ClassVar[KindInfo] = KindInfo(GROUP, "v1", "Realm", "realms", namespaced=False)
    spec: Mapping[str, Any] | None = wire()
    status: Mapping[str, Any] | None = wire()


def registry(*classes: type[Resource]) -> Kinds:
    """A registry of ``classes`` (all three when none are named)."""
    return Kinds([KindRegistration(c) for c in classes or (Widget, Gadget, Realm)])
