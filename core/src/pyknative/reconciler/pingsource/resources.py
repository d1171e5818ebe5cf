"""Pure builders for a PingSource (sources.knative.dev/v1): its conditions, ``ceAttributes`` and the event of a tick.

Conditions ``SinkProvided`` and ``Deployed`` (the adapter runs) roll up into ``Ready``, as Knative's
``PingSourceCondSet`` (less its OIDC identity, which pyknative does not issue). The event of a tick is Knative's
mtping adapter's: type ``dev.knative.sources.ping``, source ``/apis/v1/namespaces/<ns>/pingsources/<name>``,
a fresh UUID ``id``, ``time`` the tick's scheduled instant, ``datacontenttype`` the ``contentType`` when there is
data; the data is ``dataBase64`` decoded, or ``data`` (re-encoded as Go's ``json.Marshal`` writes an object,
top-level keys sorted and compact, when ``contentType`` is ``application/json``); ``ceOverrides`` are set by the
sender.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime

from pyknative.api.conditions import ConditionSet
from pyknative.api.sources import (
    PING_DEFAULT_SCHEDULE,
    PING_EVENT_TYPE,
    CloudEventAttributes,
    PingSource,
    ping_source_attribute,
)
from pyknative.eventing.message import Message
from pyknative.sources import cron
from pyknative.sources.reconciler import SINK_PROVIDED
from pyknative.sources.sender import new_event

DEPLOYED = "Deployed"
CONDITIONS = ConditionSet("Ready", (SINK_PROVIDED, DEPLOYED))
#: how Knative's ping adapter tags its metrics
RESOURCE_GROUP = "pingsources.sources.knative.dev"


def ce_attributes(source: PingSource) -> tuple[CloudEventAttributes, ...]:
    return (CloudEventAttributes(type=PING_EVENT_TYPE, source=ping_source_attribute(source.namespace, source.name)),)


def schedule(source: PingSource) -> cron.Schedule:
    """The source's schedule with its timezone (ScheduleError: admission refuses such a source)."""
    spec = source.spec
    return cron.parse((spec.schedule if spec else None) or PING_DEFAULT_SCHEDULE, (spec.timezone if spec else None) or None)


def event_data(source: PingSource) -> tuple[bytes, str | None]:
    """The body of every event and its content type (None: no data, so no ``datacontenttype``)."""
    spec = source.spec
    if spec is None:
        return b"", None
    if spec.data_base64:
        return base64.b64decode(spec.data_base64), spec.content_type or None
    if spec.data:
        data = spec.data.encode()
        if spec.content_type == "application/json":
            try:
                doc = json.loads(spec.data)
            except ValueError:
                doc = None
            if isinstance(doc, dict):
                data = ",".join(
                    f"{json.dumps(k)}:{json.dumps(doc[k], separators=(',', ':'), ensure_ascii=False)}"
                    for k in sorted(doc)
                ).join("{}").encode()
        return data, spec.content_type or None
    return b"", None


def make_event(source: PingSource, tick: datetime, id: str | None = None) -> Message:
    """The event of the tick scheduled at ``tick`` (``id``: a fresh UUID unless given)."""
    data, content_type = event_data(source)
    return new_event(
        PING_EVENT_TYPE,
        ping_source_attribute(source.namespace, source.name),
        data,
        content_type=content_type,
        time=tick,
        id=id,
    )
