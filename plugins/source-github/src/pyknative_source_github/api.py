"""sources.knative.dev/v1alpha1 GitHubSource: its model and admission.

Field names and shapes follow knative-extensions/eventing-github ``pkg/apis/sources/v1alpha1``
(``ownerAndRepository``, ``eventTypes``, ``accessToken``/``secretToken`` as ``secretKeyRef``s, ``githubAPIURL``,
``secure``, ``serviceAccountName``) on top of the core's source duck (``sink``, ``ceOverrides``); the status adds
``webhookIDKey`` to the duck's ``SourceStatus``.
"""

from __future__ import annotations

import re
from typing import ClassVar

import attrs

from pyknative import FieldError
from pyknative.api import wire
from pyknative.api.meta import KindInfo, Resource
from pyknative.sources import SourceSpec, SourceStatus, validate_source_spec

GROUP = "sources.knative.dev"
VERSION = "v1alpha1"
API_VERSION = f"{GROUP}/{VERSION}"
KIND = "GitHubSource"
PLURAL = "githubsources"
#: the resource group in ``source_events_total`` and the finalizer name (Knative's genreconciler uses it so)
RESOURCE_GROUP = f"{PLURAL}.{GROUP}"
DEFAULT_API_URL = "https://api.github.com"

#: the webhook event names Knative's CRD accepts in ``eventTypes``
EVENT_TYPES = frozenset(
    "check_suite commit_comment create delete deployment deployment_status fork gollum installation"
    " integration_installation issue_comment issues label member membership milestone organization org_block"
    " page_build ping project_card project_column project public pull_request pull_request_review"
    " pull_request_review_comment push release repository status team team_add watch".split()
)

_OWNER_REPO = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*)(?:/[A-Za-z0-9._-]+)?$")


@attrs.frozen
class SecretKeySelector:
    name: str | None = wire()
    key: str | None = wire()
    optional: bool | None = wire()


@attrs.frozen
class SecretValueFromSource:
    secret_key_ref: SecretKeySelector | None = wire()


@attrs.frozen
class GitHubSourceSpec(SourceSpec):
    service_account_name: str | None = wire()
    #: ``owner/repo`` (a repository's hook) or ``org`` (an organization's)
    owner_and_repository: str | None = wire()
    event_types: tuple[str, ...] | None = wire()
    access_token: SecretValueFromSource | None = wire()
    secret_token: SecretValueFromSource | None = wire()
    github_api_url: str | None = wire(key="githubAPIURL")
    secure: bool | None = wire()

    @property
    def owner_repo(self) -> tuple[str, str]:
        """``(owner, repo)``; ``repo`` is empty for an organization."""
        owner, _, repo = (self.owner_and_repository or "").partition("/")
        return owner, repo


@attrs.frozen
class GitHubSourceStatus(SourceStatus):
    #: the id of the hook registered with GitHub
    webhook_id_key: str | None = wire(key="webhookIDKey")


@attrs.frozen
class GitHubSource(Resource):
    KIND: ClassVar[KindInfo] = KindInfo(GROUP, VERSION, KIND, PLURAL)

    spec: GitHubSourceSpec | None = wire(factory=GitHubSourceSpec)
    status: GitHubSourceStatus | None = wire(factory=GitHubSourceStatus)


def event_source(owner_and_repository: str) -> str:
    """The CloudEvent ``source`` of a GitHubSource's events (Knative's ``GitHubEventSource``)."""
    return f"https://github.com/{owner_and_repository}"


def event_type(github_event: str) -> str:
    """The CloudEvent ``type`` of a GitHub event (Knative's ``GitHubEventType``)."""
    return f"dev.knative.source.github.{github_event}"


def validate_github_source(source: GitHubSource, old: GitHubSource | None, ctx) -> list[FieldError]:
    spec = source.spec or GitHubSourceSpec()
    errors: list[FieldError] = []
    if not spec.owner_and_repository:
        errors.append(FieldError("spec.ownerAndRepository", "missing field: owner/repository or an organization"))
    elif not _OWNER_REPO.match(spec.owner_and_repository):
        errors.append(FieldError("spec.ownerAndRepository", f"{spec.owner_and_repository!r} is not owner/repo or org"))
    if not spec.event_types:
        errors.append(FieldError("spec.eventTypes", "at least one GitHub event type is required"))
    for i, name in enumerate(spec.event_types or ()):
        if name not in EVENT_TYPES:
            errors.append(FieldError(f"spec.eventTypes[{i}]", f"{name!r} is not a GitHub webhook event name"))
    for field, value in (("accessToken", spec.access_token), ("secretToken", spec.secret_token)):
        ref = value.secret_key_ref if value is not None else None
        if ref is None:
            errors.append(FieldError(f"spec.{field}.secretKeyRef", "missing field"))
            continue
        for part in ("name", "key"):
            if not getattr(ref, part):
                errors.append(FieldError(f"spec.{field}.secretKeyRef.{part}", "missing field"))
    if spec.github_api_url and not re.match(r"^https?://[^/]+", spec.github_api_url):
        errors.append(FieldError("spec.githubAPIURL", f"{spec.github_api_url!r} is not an http(s) URL"))
    errors += validate_source_spec(spec, ctx, source.namespace)
    return errors
