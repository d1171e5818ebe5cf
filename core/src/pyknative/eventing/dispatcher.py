"""The core's delivery: a :class:`SubscriberHandler` that sends events to a subscriber as Knative does.

:class:`Dispatcher` owns one pooled HTTP client and makes a :class:`DeliveryHandler` per Trigger or Subscription
(:meth:`Dispatcher.handler`). For each message a handler:

1. applies the Trigger's filter: no match is DELIVERED and nothing is sent;
2. POSTs it to the subscriber with ``Prefer: reply`` and ``Kn-Namespace``, in binary mode, or structured JSON
   when the policy's ``format`` is ``json`` (``knativebrokerttl`` left out for a Trigger's subscriber), with the
   policy's per-attempt timeout;
3. treats 2xx as success and retries what :func:`is_retryable` says, waiting ``policy.backoff(k)`` (Retry-After
   of a 429/503 counts only when ``retry_after_max`` is set);
4. on a 2xx that carries an event (a reply), POSTs the reply to ``reply_uri`` with the same policy and the
   original TTL put back (no ``reply_uri``: the reply is discarded); a 2xx with a body that is not an event, or a
   malformed reply, is a failure with status 502, as Knative's broker filter answers;
5. after the last failure, sends the ORIGINAL event to the dead-letter sink with ``knativeerrordest`` (the URL
   that failed: subscriber or reply), ``knativeerrorcode`` (its status, 500 when it did not answer) and
   ``knativeerrordata`` (base64 of its response body, or of ``dispatch error: ...`` when it did not answer,
   cut to 1024 base64 characters), retried with the same policy; no sink, or a sink that fails too, drops
   the event (logged with its id).

``deliver`` runs every retry in-process; ``attempt(message, n)`` is one try for backends whose broker
redelivers (a reply or dead-letter send inside it still retries in-process).
"""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import Callable, Collection
from email.utils import parsedate_to_datetime
from time import time

import attrs

from pyknative.eventing import codec
from pyknative.eventing.channel import Attempt, Outcome
from pyknative.eventing.delivery_policy import DeliveryPolicy, is_retryable, is_success
from pyknative.eventing.http_client import URL, ClientError, HttpClient, Response
from pyknative.eventing.message import BROKER_TTL, ERROR_CODE, ERROR_DATA, ERROR_DEST, Message

_log = logging.getLogger(__name__)

#: statuses whose Retry-After header counts (Knative's in-core dispatcher)
RETRY_AFTER_STATUSES = frozenset({429, 503})
#: longest ``knativeerrordata`` (base64 characters)
ERROR_DATA_MAX = 1024
_NON_EVENT_REPLY = 502
_NO_RESPONSE_CODE = 500
_NO_OMIT: frozenset[str] = frozenset()
_OMIT_TTL = frozenset({BROKER_TTL})


@attrs.frozen
class DeliveryTarget:
    """Where and how a Trigger's or Subscription's events go."""

    subscriber_uri: str
    #: where a reply goes: a Trigger's broker ingress URL, a Subscription's ``spec.reply``; None discards replies
    reply_uri: str | None = None
    policy: DeliveryPolicy = DeliveryPolicy()
    #: the Trigger's compiled filter (see :mod:`pyknative.eventing.filter`); None delivers everything
    filter: Callable[[Message], bool] | None = None
    #: sent as ``Kn-Namespace``
    namespace: str = ""
    #: leave ``knativebrokerttl`` out towards the subscriber and put it back on a reply (Triggers)
    drop_ttl: bool = False


@attrs.frozen
class _Result:
    """What one POST came to: a response, or ``error`` when there was none."""

    response: Response | None
    error: str = ""

    @property
    def status(self) -> int | None:
        return None if self.response is None else self.response.status

    @property
    def ok(self) -> bool:
        return self.response is not None and is_success(self.response.status)


@attrs.define(eq=False)
class Dispatcher:
    """Owns the pooled HTTP client deliveries share; makes handlers (see the module docstring)."""

    #: per-attempt timeout when a policy sets none (seconds; None waits for ever)
    default_timeout: float | None = 600.0
    client: HttpClient = attrs.field(factory=HttpClient)
    #: where to connect for a host instead of resolving it (cluster-local Service hosts → the embedded gateway);
    #: the request keeps the URL's Host header
    connect_to: Callable[[str], tuple[str, int] | None] | None = None

    def url(self, text: str) -> URL:
        url = URL.parse(text)
        address = self.connect_to(url.host) if self.connect_to is not None else None
        return url if address is None else attrs.evolve(url, host=address[0], port=address[1])

    def handler(self, target: DeliveryTarget) -> DeliveryHandler:
        """A :class:`SubscriberHandler` for ``target``; ValueError when one of its URLs cannot be used."""
        policy = target.policy
        return DeliveryHandler(
            self,
            target,
            self.url(target.subscriber_uri),
            None if target.reply_uri is None else self.url(target.reply_uri),
            None if policy.dead_letter_uri is None else self.url(policy.dead_letter_uri),
            _static_head(target.namespace),
            policy.timeout if policy.timeout is not None else self.default_timeout,
        )

    async def send(
        self,
        url: str | URL,
        message: Message,
        *,
        format: str | None = None,
        namespace: str = "",
        omit: Collection[str] = (),
        timeout: float | None = None,
    ) -> Response:
        """One POST of ``message`` (binary, or structured when ``format == "json"``); ClientError when no
        response came."""
        target = url if isinstance(url, URL) else self.url(url)
        head, body = _encode(message, format, omit)
        return await self.client.post(target, _static_head(namespace) + head, body, timeout)

    async def aclose(self) -> None:
        await self.client.aclose()


def _static_head(namespace: str) -> bytes:
    head = b"prefer: reply\r\n"
    if namespace:
        head += b"kn-namespace: %b\r\n" % namespace.encode("ascii")
    return head


def _encode(message: Message, format: str | None, omit: Collection[str]) -> tuple[bytes, bytes]:
    """Header lines and body of ``message``: structured JSON for ``format == "json"``, else binary."""
    if format == "json":
        return b"content-type: application/cloudevents+json\r\n", codec.structured_body(message, omit)
    return codec.binary_head(message, omit), message.data


@attrs.define(eq=False)
class DeliveryHandler:
    """Delivers to one target (see the module docstring); implements ``SubscriberHandler``."""

    dispatcher: Dispatcher
    target: DeliveryTarget
    _subscriber: URL
    _reply: URL | None
    _dead_letter: URL | None
    _head: bytes
    _timeout: float | None

    async def deliver(self, message: Message) -> Outcome:
        attempt = 0
        while True:
            result = await self.attempt(message, attempt)
            if result.outcome is not Outcome.RETRY:
                return result.outcome
            if result.delay > 0:
                await asyncio.sleep(result.delay)
            attempt += 1

    async def attempt(self, message: Message, attempt: int) -> Attempt:
        target = self.target
        if target.filter is not None and not target.filter(message):
            return Attempt(Outcome.DELIVERED, detail="filtered out")
        omit = _OMIT_TTL if target.drop_ttl else _NO_OMIT
        result = await self._post(self._subscriber, message, omit)
        status, body, detail = result.status, b"", result.error
        if result.ok:
            response = result.response
            assert response is not None
            verdict = self._reply_of(response, message)
            if verdict is None:
                return Attempt(Outcome.DELIVERED, status=status)
            if isinstance(verdict, Message):
                return await self._forward_reply(message, verdict, status)  # type: ignore[arg-type]
            status, body, detail = _NON_EVENT_REPLY, response.body, verdict
        elif result.response is not None:
            body = result.response.body
            detail = f"subscriber answered {status}"
        policy = target.policy
        if attempt < policy.retry and is_retryable(status):
            delay = policy.backoff(attempt + 1, _retry_after(result.response))
            return Attempt(Outcome.RETRY, delay=delay, status=status, detail=detail)
        return await self._dead_letter_or_drop(message, self._subscriber, status, body, detail)

    # -- replies ---------------------------------------------------------------------------------------------

    def _reply_of(self, response: Response, original: Message) -> Message | str | None:
        """The reply event in a 2xx response, None when there is none, or why the response is not acceptable."""
        content_type = response.headers.get("content-type")
        ce = response.ce
        if not codec.is_cloudevent(content_type, ce):
            if response.body:
                return "the subscriber answered 2xx with a body that is not a CloudEvent"
            return None
        try:
            reply = codec.decode(content_type, ce, response.body)
        except codec.InvalidEvent as exc:
            return f"the subscriber answered with a malformed CloudEvent: {exc}"
        if self.target.drop_ttl:
            ttl = original.attributes.get(BROKER_TTL)
            if ttl is not None:
                reply = reply.with_attributes(**{BROKER_TTL: ttl})
        return reply

    async def _forward_reply(self, original: Message, reply: Message, status: int) -> Attempt:
        if self._reply is None:
            return Attempt(Outcome.DELIVERED, status=status, detail="reply discarded (no reply destination)")
        result = await self._post_with_retries(self._reply, reply)
        if result.ok:
            return Attempt(Outcome.DELIVERED, status=status)
        body = result.response.body if result.response is not None else b""
        detail = result.error or f"reply destination answered {result.status}"
        return await self._dead_letter_or_drop(original, self._reply, result.status, body, detail)

    # -- dead letters ----------------------------------------------------------------------------------------

    async def _dead_letter_or_drop(
        self, message: Message, failed: URL, status: int | None, body: bytes, detail: str
    ) -> Attempt:
        if self._dead_letter is None:
            _log.warning(
                "dropped event id=%s type=%s: delivery to %s failed (%s) and there is no dead-letter sink",
                message.id,
                message.type,
                failed,
                detail,
            )
            return Attempt(Outcome.DROPPED, status=status, detail=detail)
        if status is None:
            body = f"dispatch error: {detail}".encode()
        extensions = {ERROR_DEST: str(failed), ERROR_CODE: str(status if status is not None else _NO_RESPONSE_CODE)}
        if body:
            # 768 bytes make exactly 1024 base64 characters: encode no more than will be kept.
            extensions[ERROR_DATA] = base64.b64encode(body[: ERROR_DATA_MAX // 4 * 3]).decode("ascii")
        result = await self._post_with_retries(self._dead_letter, message.with_attributes(**extensions))
        if result.ok:
            return Attempt(Outcome.DEAD_LETTERED, status=status, detail=detail)
        _log.warning(
            "dropped event id=%s type=%s: delivery to %s failed (%s) and so did the dead-letter sink %s (%s)",
            message.id,
            message.type,
            failed,
            detail,
            self._dead_letter,
            result.error or f"answered {result.status}",
        )
        return Attempt(Outcome.DROPPED, status=status, detail=detail)

    # -- sending ---------------------------------------------------------------------------------------------

    async def _post(self, url: URL, message: Message, omit: Collection[str] = _NO_OMIT) -> _Result:
        head, body = _encode(message, self.target.policy.format, omit)
        try:
            response = await self.dispatcher.client.post(url, self._head + head, body, self._timeout)
        except ClientError as exc:
            return _Result(None, str(exc))
        return _Result(response)

    async def _post_with_retries(self, url: URL, message: Message) -> _Result:
        policy = self.target.policy
        retry = 0
        while True:
            result = await self._post(url, message)
            if result.ok or retry >= policy.retry or not is_retryable(result.status):
                return result
            retry += 1
            delay = policy.backoff(retry, _retry_after(result.response))
            if delay > 0:
                await asyncio.sleep(delay)


def _retry_after(response: Response | None) -> float | None:
    """Seconds a 429/503 asks to wait (``Retry-After``: seconds or an HTTP date), None otherwise."""
    if response is None or response.status not in RETRY_AFTER_STATUSES:
        return None
    value = response.headers.get("retry-after")
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(parsedate_to_datetime(value).timestamp() - time(), 0.0)
    except (TypeError, ValueError):
        return None
