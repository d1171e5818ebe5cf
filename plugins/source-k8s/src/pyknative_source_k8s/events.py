"""Pure builders of an ApiServerSource's events, as Knative's adapter makes them (``pkg/adapter/apiserver/events``).

One event per change of a watched object:

- ``type``: ``dev.knative.apiserver.ref.{add,update,delete}`` in ``Reference`` mode, whose data is the object's
  ``ObjectReference`` (``{"kind", "namespace", "name", "apiVersion"}``, in that order, as Go marshals
  ``corev1.ObjectReference``); ``dev.knative.apiserver.resource.{add,update,delete}`` in ``Resource`` mode, whose
  data is the whole object (for a delete, its last state), as Go's ``json.Marshal`` writes an unstructured
  object: keys sorted at every level, compact, ``<``, ``>`` and ``&`` escaped;
- ``source``: the API server's URL (pyknative's admin API); ``subject``:
  ``/apis/<apiVersion>/namespaces/<namespace>/<plural>/<name>`` (Knative's ``createSelfLink``, with its
  ``/versionUnknown`` for an apiVersion that is a bare group);
- extensions ``kind``, ``name``, ``namespace``, ``apiversion``; ``datacontenttype`` ``application/json``; a UUID
  ``id`` and ``time`` when the adapter saw the change.

Also here: which objects a source's ``resources[]``, ``owner`` and ``namespaceSelector`` let through.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pyknative.api.meta import Resource
from pyknative.api.sources import CloudEventAttributes
from pyknative.eventing.message import Message
from pyknative.sources import new_event
from pyknative_source_k8s.api import (
    REFERENCE_MODE,
    RESOURCE_MODE,
    ApiServerSource,
    APIVersionKind,
    APIVersionKindSelector,
    LabelSelector,
)

ADD, UPDATE, DELETE = "add", "update", "delete"
#: the store's watch event types, as the adapter's verbs
VERBS = {"ADDED": ADD, "MODIFIED": UPDATE, "DELETED": DELETE}
JSON = "application/json"
#: the label Kubernetes puts on every namespace (the only label a pyknative namespace has)
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"
#: how Knative's apiserver adapter tags its metrics
RESOURCE_GROUP = "apiserversources.sources.knative.dev"


def event_type(mode: str | None, verb: str) -> str:
    """``dev.knative.apiserver.{ref,resource}.<verb>`` (``mode`` None: the default, Reference)."""
    if verb not in (ADD, UPDATE, DELETE):
        raise ValueError(f"verb must be add, update or delete, got {verb!r}")
    return f"dev.knative.apiserver.{'resource' if mode == RESOURCE_MODE else 'ref'}.{verb}"


def event_types(mode: str | None) -> tuple[str, ...]:
    return tuple(event_type(mode, v) for v in (ADD, UPDATE, DELETE))


def ce_attributes(source: ApiServerSource, api_server_url: str) -> tuple[CloudEventAttributes, ...]:
    """``status.ceAttributes``: the three types of the source's mode, each with the API server as ``source``."""
    mode = source.spec.mode if source.spec else None
    return tuple(CloudEventAttributes(type=t, source=api_server_url) for t in event_types(mode))


def subject(api_version: str, plural: str, namespace: str, name: str) -> str:
    """Knative's ``createSelfLink``: ``/apis/<apiVersion>/namespaces/<ns>/<plural>/<name>``."""
    if "." in api_version and "/" not in api_version:
        api_version += "/versionUnknown"
    return f"/apis/{api_version}/namespaces/{namespace}/{plural}/{name}"


def go_json(value: Any) -> bytes:
    """``value`` as Go's ``json.Marshal`` writes a ``map[string]interface{}``."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    for char, escaped in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escaped)
    return text.encode()


def object_reference(obj: Resource) -> bytes:
    """The ``Reference`` mode's data: ``corev1.ObjectReference`` as Go writes it (empty fields left out)."""
    info = obj.KIND
    fields = (("kind", info.kind), ("namespace", obj.namespace), ("name", obj.name), ("apiVersion", info.api_version))
    return json.dumps({k: v for k, v in fields if v}, separators=(",", ":"), ensure_ascii=False).encode()


def make_event(
    verb: str, obj: Resource, *, mode: str | None, api_server_url: str, time: datetime | None = None, id: str | None = None
) -> Message:
    """The event for ``verb`` (add, update, delete) of ``obj`` (for a delete, its last state)."""
    info = obj.KIND
    data = go_json(obj.to_dict()) if mode == RESOURCE_MODE else object_reference(obj)
    return new_event(
        event_type(mode, verb),
        api_server_url,
        data,
        content_type=JSON,
        time=time,
        id=id,
        subject=subject(info.api_version, info.plural, obj.namespace, obj.name),
        kind=info.kind,
        name=obj.name,
        namespace=obj.namespace,
        apiversion=info.api_version,
    )


# ------------------------------------------------------------------------------------------------ filters


def namespace_labels(namespace: str) -> dict[str, str]:
    """A namespace's labels: pyknative has no Namespace objects, so just what Kubernetes sets on each."""
    return {NAMESPACE_NAME_LABEL: namespace}


def watches_namespace(source: ApiServerSource, namespace: str) -> bool:
    """Without ``namespaceSelector`` a source watches its own namespace; with one, every namespace it selects."""
    selector = source.spec.namespace_selector if source.spec else None
    if selector is None:
        return namespace == source.namespace
    return selector.matches(namespace_labels(namespace))


def selected(resource: APIVersionKindSelector, obj: Resource) -> bool:
    """Whether ``obj`` passes the entry's label selector (none: every object)."""
    selector: LabelSelector | None = resource.selector
    return selector is None or selector.matches(obj.metadata.labels)


def owned(owner: APIVersionKind | None, obj: Resource) -> bool:
    """Whether ``obj`` has an owner of ``owner``'s apiVersion and kind (``owner`` None: every object)."""
    if owner is None:
        return True
    return any(
        ref.api_version == owner.api_version and ref.kind == owner.kind for ref in obj.metadata.owner_references or ()
    )


def passes(source: ApiServerSource, resource: APIVersionKindSelector, obj: Resource) -> bool:
    """Whether a change of ``obj``, an object of ``resource``'s kind, makes an event of ``source``."""
    spec = source.spec
    return (
        watches_namespace(source, obj.namespace)
        and selected(resource, obj)
        and owned(spec.owner if spec else None, obj)
    )


def mode_of(source: ApiServerSource) -> str:
    return (source.spec.mode if source.spec else None) or REFERENCE_MODE
