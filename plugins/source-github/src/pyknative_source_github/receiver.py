"""The webhook receiver: ``POST /github.sources.knative.dev/<namespace>/<name>`` on the event listener.

Each Ready GitHubSource has an in-process adapter (:meth:`Receiver.run`, supervised by the core's
:class:`~pyknative.sources.InProcessAdapters`: started once the sink resolves and the secrets are there, replaced
when the spec or sink changes, stopped when the source goes). The adapter only makes the source's
:class:`~pyknative.sources.AdapterContext` reachable; the route's handler checks a delivery against the
source's ``secretToken``, builds the CloudEvent (:mod:`.events`) and sends it through that context's sender
(the platform's delivery, with Knative's adapter retries, counted in ``/metrics``).

Answers: 202 ``accepted`` (the sink took it, or it was dead-lettered); 202 ``ignored`` for an event type not in
``eventTypes`` (not forwarded); 400 for a missing/wrong signature or a malformed delivery; 404 for a source that
does not exist or is not Ready; 502 when the sink did not accept the event after the retries.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import attrs

from pyknative.eventing.channel import Outcome
from pyknative.roles.http import HttpRequest, HttpResponse, HttpRoute
from pyknative.sources import AdapterContext
from pyknative_source_github.api import GitHubSource
from pyknative_source_github.events import DeliveryError, parse_delivery, to_cloudevent, verify_signature
from pyknative_source_github.secrets import secret_value

log = logging.getLogger(__name__)

#: the route's prefix on the event listener (its first segment has a dot, so no namespace can shadow it)
PREFIX = "/github.sources.knative.dev/"


def webhook_path(namespace: str, name: str) -> str:
    return f"{PREFIX}{namespace}/{name}"


@attrs.define(eq=False)
class Receiver:
    """One platform's receiver: the live adapters' contexts by ``namespace/name`` and the route's handler."""

    store: Any
    _live: dict[str, AdapterContext] = attrs.field(factory=dict)

    async def run(self, ctx: AdapterContext) -> None:
        """The in-process adapter of one source: serve its deliveries until stopped."""
        self._live[ctx.key] = ctx
        try:
            await asyncio.Event().wait()
        finally:
            if self._live.get(ctx.key) is ctx:
                del self._live[ctx.key]

    def receiving(self, key: str) -> bool:
        return key in self._live

    def route(self) -> HttpRoute:
        return HttpRoute("events", PREFIX, handler=self.handle, methods=("POST",))

    async def handle(self, request: HttpRequest) -> HttpResponse:
        parts = request.subpath.strip("/").split("/")
        if len(parts) != 2 or not all(parts):
            return HttpResponse.text(404, f"no GitHubSource at {request.path}: use {PREFIX}<namespace>/<name>")
        key = "/".join(parts)
        ctx = self._live.get(key)
        if ctx is None:
            return HttpResponse.text(404, f"GitHubSource {key} does not exist or is not ready to receive events")
        source: GitHubSource = ctx.source
        spec = source.spec
        ref = spec.secret_token.secret_key_ref if spec.secret_token else None
        secret = await secret_value(self.store, source.namespace, ref)
        if secret is None:
            return HttpResponse.text(404, f"GitHubSource {key}: its secretToken is not available")
        headers = request.headers
        try:
            verify_signature(headers, request.body, secret)
            delivery = parse_delivery(headers, request.body)
        except DeliveryError as e:
            log.info("GitHubSource %s: refused a delivery: %s", key, e)
            return HttpResponse.text(400, f"failed to validate the GitHub payload: {e}")
        if delivery.event not in (spec.event_types or ()):
            return HttpResponse.text(202, f"ignored: {delivery.event} is not in eventTypes")
        outcome = await ctx.sender.send(to_cloudevent(delivery, spec.owner_and_repository or ""))
        if outcome in (Outcome.DELIVERED, Outcome.DEAD_LETTERED):
            return HttpResponse.text(202, "accepted")
        return HttpResponse.text(502, f"the sink did not accept the {delivery.event} event {delivery.delivery_id}")
