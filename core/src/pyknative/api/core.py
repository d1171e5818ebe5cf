"""core/v1 kinds: Event (what reconcilers record about the objects they act on, ``pyknative get events``), and
Secret and ConfigMap (what a Revision's env and volumes, and a Broker's ``spec.config``, read).

A Secret's ``data`` holds base64 strings, as on Kubernetes' wire; ``stringData`` is write-only: admission merges it
into ``data`` (:mod:`pyknative.api.core_admission`), so a stored Secret never has it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import attrs

from pyknative.api._serde import extra_field, wire
from pyknative.api.meta import KindInfo, Resource


@attrs.frozen
class ObjectReference:
    api_version: str | None = wire()
    kind: str | None = wire()
    name: str | None = wire()
    namespace: str | None = wire()
    uid: str | None = wire()
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class EventSource:
    component: str | None = wire()
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen
class Event(Resource):
    KIND: ClassVar[KindInfo] = KindInfo("", "v1", "Event", "events", ("ev",), has_status=False)

    involved_object: ObjectReference | None = wire()
    reason: str | None = wire()
    message: str | None = wire()
    type: str | None = wire()
    count: int | None = wire()
    first_timestamp: str | None = wire()
    last_timestamp: str | None = wire()
    source: EventSource | None = wire()


@attrs.frozen
class Secret(Resource):
    KIND: ClassVar[KindInfo] = KindInfo("", "v1", "Secret", "secrets", (), has_status=False)

    type: str | None = wire()
    #: values are typed by validation (which never quotes them), not by the model
    data: Mapping[str, Any] | None = wire()
    string_data: Mapping[str, Any] | None = wire()
    immutable: bool | None = wire()


@attrs.frozen
class ConfigMap(Resource):
    KIND: ClassVar[KindInfo] = KindInfo("", "v1", "ConfigMap", "configmaps", ("cm",), has_status=False)

    data: Mapping[str, str] | None = wire()
    binary_data: Mapping[str, Any] | None = wire()
    immutable: bool | None = wire()
