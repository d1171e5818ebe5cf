"""Pure functions of one webhook delivery: its signature, and the CloudEvent Knative's adapter makes of it.

Signatures: ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body keyed by the secret token>``, or, when only
it is sent, ``X-Hub-Signature: sha1=<hex HMAC-SHA1>``; compared in constant time (``hmac.compare_digest``).

Subject and extensions follow eventing-github's ``SubjectAndExtensionsFromGitHubEvent`` (``pkg/common``): e.g.
a push's subject is the last path segment of ``compare``, a pull request's its number, an issue's its number, a
ping's the hook id; extensions ``owner``, ``repository``, ``sender``, ``action`` and the event's own. Values are
written as strings (booleans ``true``/``false``); an absent or empty value is left out.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

import attrs

from pyknative.eventing.message import Message
from pyknative.sources import new_event
from pyknative_source_github.api import event_source, event_type

EVENT_HEADER = "x-github-event"
DELIVERY_HEADER = "x-github-delivery"
SIGNATURE_256_HEADER = "x-hub-signature-256"
SIGNATURE_1_HEADER = "x-hub-signature"


class DeliveryError(ValueError):
    """A delivery that is refused with 400: the message says why."""


def sign(body: bytes, secret: str | bytes, algorithm: str = "sha256") -> str:
    """The signature header value GitHub sends for ``body`` (``sha256=<hex>`` or ``sha1=<hex>``)."""
    key = secret.encode() if isinstance(secret, str) else secret
    return f"{algorithm}=" + hmac.new(key, body, getattr(hashlib, algorithm)).hexdigest()


def verify_signature(headers: Mapping[str, str], body: bytes, secret: str | bytes) -> None:
    """Raise :class:`DeliveryError` unless ``headers`` (lower-cased names) sign ``body`` with ``secret``."""
    sent = headers.get(SIGNATURE_256_HEADER)
    algorithm = "sha256"
    if sent is None:
        sent, algorithm = headers.get(SIGNATURE_1_HEADER), "sha1"
    if not sent:
        raise DeliveryError("missing signature: neither X-Hub-Signature-256 nor X-Hub-Signature is set")
    expected = sign(body, secret, algorithm)
    if not hmac.compare_digest(sent.strip().encode(), expected.encode()):
        header = "X-Hub-Signature-256" if algorithm == "sha256" else "X-Hub-Signature"
        raise DeliveryError(f"{header} does not match the payload signed with the secret token")


def _get(payload: Any, *path: str) -> Any:
    for part in path:
        if not isinstance(payload, Mapping):
            return None
        payload = payload.get(part)
    return payload


def _last_path_portion(url: Any) -> str:
    return url.rsplit("/", 1)[-1] if isinstance(url, str) else ""


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _repo_exts(p: Any) -> dict[str, Any]:
    return {
        "owner": _get(p, "repository", "owner", "login"),
        "repository": _get(p, "repository", "name"),
        "sender": _get(p, "sender", "login"),
    }


def subject_and_extensions(event: str, p: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
    """Knative's subject and extensions for a GitHub ``event`` with payload ``p``."""
    exts = _repo_exts(p)
    action = {"action": p.get("action")}
    subject: Any = None
    if event == "push":
        subject = _last_path_portion(p.get("compare"))
        exts.update(
            installation=_get(p, "installation", "id"), pusher=_get(p, "pusher", "name"), ref=p.get("ref"),
            created=p.get("created"), deleted=p.get("deleted"), forced=p.get("forced"),
        )
    elif event == "pull_request":
        subject = _get(p, "pull_request", "number")
        exts.update(
            action, installation=_get(p, "installation", "id"), number=p.get("number"),
            label=_get(p, "label", "name"), assignee=_get(p, "assignee", "login"),
        )
    elif event == "issues":
        subject = _get(p, "issue", "number")
        exts.update(action, label=_get(p, "label", "name"), assignee=_get(p, "assignee", "login"))
    elif event == "ping":
        subject = p.get("hook_id")
    elif event in ("issue_comment", "commit_comment"):
        subject = _last_path_portion(_get(p, "comment", "html_url"))
        exts.update(action)
    elif event in ("create", "delete"):
        subject = p.get("ref_type")
        exts.update(ref=p.get("ref"))
    elif event == "release":
        subject = _get(p, "release", "tag_name")
        exts.update(action, installation=_get(p, "installation", "id"), release=_get(p, "release", "name"))
    elif event in ("check_run", "check_suite", "deployment", "deployment_status", "pull_request_review",
                   "pull_request_review_comment", "fork", "member", "membership", "team"):
        obj = {"check_run": "check_run", "check_suite": "check_suite", "deployment": "deployment",
               "deployment_status": "deployment", "pull_request_review": "review",
               "pull_request_review_comment": "comment", "fork": "forkee", "member": "member",
               "membership": "member", "team": "team"}[event]
        subject = _get(p, obj, "id")
        if event not in ("deployment", "deployment_status", "fork"):
            exts.update(action)
        if event == "pull_request_review":
            exts.update(review=_get(p, "review", "state"))
        if event == "membership":
            exts.update(owner=_get(p, "organization", "login"), scope=p.get("scope"), repository=None)
    elif event == "milestone":
        subject = _get(p, "milestone", "number")
        exts.update(action)
    elif event == "label":
        subject = _get(p, "label", "name")
        exts.update(action, label=subject)
    elif event in ("organization", "org_block"):
        subject = p.get("action")
        exts.update(action, owner=_get(p, "organization", "login"), repository=None)
    elif event in ("project", "project_card", "project_column"):
        subject = p.get("action")
        exts.update(action)
    elif event in ("public", "repository", "team_add", "watch"):
        subject = _get(p, "repository", "id")
        if event == "repository":
            exts.update(action)
    elif event == "page_build":
        subject = p.get("id")
    elif event == "status":
        subject = p.get("sha")
        exts.update(state=p.get("state"), name=p.get("name"), context=p.get("context"))
    elif event == "gollum":
        subject = ",".join(str(page.get("page_name", "")) for page in p.get("pages") or () if isinstance(page, Mapping))
    elif event in ("installation", "integration_installation", "installation_repositories"):
        subject = _get(p, "installation", "id")
        exts = {"installation": subject, "sender": _get(p, "sender", "login"), "action": p.get("action")}
    else:
        subject = p.get("action")
        exts.update(action)
    extensions = {k: t for k, v in exts.items() if (t := _text(v)) is not None}
    return _text(subject) or "", extensions


@attrs.frozen
class Delivery:
    """One webhook delivery as received: its event name, delivery id and JSON payload."""

    event: str
    delivery_id: str
    payload: Mapping[str, Any]
    body: bytes


def parse_delivery(headers: Mapping[str, str], body: bytes) -> Delivery:
    """The delivery in a request (headers lower-cased), or :class:`DeliveryError` naming what is wrong."""
    event = headers.get(EVENT_HEADER)
    if not event:
        raise DeliveryError('"X-GitHub-Event" header is not set')
    delivery = headers.get(DELIVERY_HEADER)
    if not delivery:
        raise DeliveryError('"X-GitHub-Delivery" header is not set')
    try:
        payload = json.loads(body)
    except ValueError as e:
        raise DeliveryError(f"the payload is not JSON: {e}") from None
    if not isinstance(payload, Mapping):
        raise DeliveryError("the payload is not a JSON object")
    return Delivery(event, delivery, payload, body)


def to_cloudevent(delivery: Delivery, owner_and_repository: str) -> Message:
    """The CloudEvent Knative's adapter sends for ``delivery``: the payload as data, ``application/json``."""
    subject, extensions = subject_and_extensions(delivery.event, delivery.payload)
    extensions = {k: v for k, v in extensions.items() if k not in _CONTEXT}
    return new_event(
        event_type(delivery.event),
        event_source(owner_and_repository),
        delivery.body,
        content_type="application/json",
        id=delivery.delivery_id,
        subject=subject or None,
        **extensions,
    )


_CONTEXT = frozenset({"id", "source", "type", "specversion", "subject", "time", "datacontenttype", "dataschema", "data"})
