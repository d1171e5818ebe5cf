"""Resolving a Destination (``ref`` and/or ``uri``) to a URI, as Knative's URI resolver does.

A ``ref`` to any kind registered as addressable resolves to its ``status.address.url`` (a Knative Service's is its
cluster-local URL, served here by the embedded gateway); a relative ``uri`` is resolved against it as RFC 3986
says (Go's ``url.ResolveReference``: ``/x`` replaces the path, ``x`` its last segment); an absolute ``uri`` stands
alone (admission refuses one next to a ``ref``). An unresolvable destination is an error with a reason, which
reconcilers turn into a condition.

It sits beside the per-kind packages, not in one of them: every eventing reconciler resolves Destinations
(Triggers' and Subscriptions' subscribers, replies, everyone's dead-letter sinks), and so would any kind that
sends to one (a source's sink).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

from pyknative.api.conditions import ConditionSet
from pyknative.api.kinds import Kinds
from pyknative.errors import NotFoundError, PermanentError
from pyknative.store import Store

#: reason and message of ``DeadLetterSinkResolved`` (True) when no dead-letter sink is set
DLS_NOT_CONFIGURED = ("DeadLetterSinkNotConfigured", "No dead letter sink is configured.")


class UnresolvableError(PermanentError):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


async def resolve(dest, namespace: str, store: Store, kinds: Kinds) -> str:
    if dest is None:
        raise UnresolvableError("DestinationMissing", "no destination given")
    ref = getattr(dest, "ref", None)
    uri = getattr(dest, "uri", None)
    if ref is None:
        if not uri:
            raise UnresolvableError("DestinationMissing", "a destination needs a ref or a uri")
        return uri
    api_version, kind, name = ref.api_version or "", ref.kind or "", ref.name or ""
    ns = ref.namespace or namespace
    try:
        reg = kinds.get(api_version, kind)
    except NotFoundError:
        raise UnresolvableError(
            "KindNotInstalled", f"{kind} ({api_version}) is not a kind this platform knows"
        ) from None
    if not reg.addressable:
        raise UnresolvableError("NotAddressable", f"{kind} {ns}/{name} is not addressable")
    try:
        obj = await store.get(reg.cls, ns, name)
    except NotFoundError:
        raise UnresolvableError("NotFound", f"{kind} {ns}/{name} not found") from None
    status = getattr(obj, "status", None)
    address = getattr(status, "address", None) if status is not None else None
    url = getattr(address, "url", None) if address is not None else None
    if not url:
        raise UnresolvableError("AddressNotSet", f"{kind} {ns}/{name} does not have an address yet")
    if uri:
        return urljoin(url, uri)  # RFC 3986 reference resolution, as Go's url.ResolveReference
    return url


async def resolve_dead_letter_sink(
    dls, namespace: str, store: Store, kinds: Kinds, condset: ConditionSet, conditions: Any, now: str
) -> tuple[str | None, Any, bool]:
    """``(uri, conditions, resolved)`` for a DeliverySpec's ``deadLetterSink`` (None: not configured), with the
    ``DeadLetterSinkResolved`` condition marked as Knative marks it on Brokers, Triggers and channels."""
    if dls is None:
        conditions = condset.mark(conditions, "DeadLetterSinkResolved", "True", now, *DLS_NOT_CONFIGURED)
        return None, conditions, True
    try:
        uri = await resolve(dls, namespace, store, kinds)
    except UnresolvableError as e:
        conditions = condset.mark_false(
            conditions, "DeadLetterSinkResolved", now, "Unable to get the dead letter sink's URI", str(e)
        )
        return None, conditions, False
    return uri, condset.mark_true(conditions, "DeadLetterSinkResolved", now), True
