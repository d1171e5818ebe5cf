"""The GitHubSource reconcile: the source duck's sink handling plus secrets, the GitHub hook and a finalizer.

One pass over a live source: the finalizer ``githubsources.sources.knative.dev`` is added first (so deleting the
source waits for its hook to be removed); the sink is resolved (``SinkProvided``, Knative's ``NotFound``); the
``accessToken`` and ``secretToken`` Secrets are read (``SecretsProvided``: ``AccessTokenNotFound`` /
``SecretTokenNotFound``). With both, the receive adapter is started and the hook is created through the GitHub
API (``status.webhookIDKey``; edited when the spec's generation changed), ``WebhookConfigured`` True, or False
with ``WebhookNotConfigured`` and GitHub's answer (retried after 10 s). A deleted source's adapter stops and its
hook is deleted before the finalizer is removed. Secrets and sinks are watched: a source whose Secret or sink
appears is reconciled at once.
"""

from __future__ import annotations

import logging
from typing import Any

import attrs

from pyknative.api.conditions import ConditionSet
from pyknative.api.core import Secret
from pyknative.api.meta import Resource
from pyknative.api.sources import CloudEventAttributes
from pyknative.errors import NotFoundError
from pyknative.reconciler.base import Outcome, reconcile_status
from pyknative.reconciler.controller import Controller
from pyknative.sources import SINK_PROVIDED, SinkIndex
from pyknative.sources.reconciler import (
    SINK_NOT_FOUND_EVENT,
    adapter_environment,
    mark_sink,
    resolve_sink,
    sink_key,
    sink_not_found_message,
)
from pyknative_source_github import hooks
from pyknative_source_github.api import (
    API_VERSION,
    KIND,
    RESOURCE_GROUP,
    GitHubSource,
    GitHubSourceSpec,
    event_source,
    event_type,
)
from pyknative_source_github.receiver import webhook_path
from pyknative_source_github.secrets import secret_value

log = logging.getLogger(__name__)

SECRETS_PROVIDED = "SecretsProvided"
WEBHOOK_CONFIGURED = "WebhookConfigured"
CONDITIONS = ConditionSet("Ready", (SECRETS_PROVIDED, SINK_PROVIDED, WEBHOOK_CONFIGURED))
FINALIZER = RESOURCE_GROUP
#: seconds before a failed hooks call is tried again
RETRY_AFTER = 10.0


def ce_attributes(source: GitHubSource) -> list[CloudEventAttributes]:
    spec = source.spec or GitHubSourceSpec()
    origin = event_source(spec.owner_and_repository or "")
    return [CloudEventAttributes(type=event_type(e), source=origin) for e in spec.event_types or ()]


def _status_of(conditions, type: str) -> str | None:
    return next((c.status for c in conditions if c.type == type), None)


@attrs.define(eq=False)
class GitHubSourceReconciler:
    platform: Any
    sinks: SinkIndex = attrs.field(factory=SinkIndex)
    #: ``(namespace, secret name)`` → keys of the sources that read it
    _secrets: dict[tuple[str, str], set[str]] = attrs.field(factory=dict)

    @property
    def store(self) -> Any:
        return self.platform.cache

    async def adapters(self) -> Any:
        return await self.platform.source_adapter(API_VERSION, KIND)

    def sources_of_secret(self, obj: Resource) -> tuple[str, ...]:
        return tuple(self._secrets.get((obj.namespace, obj.name), ()))

    def _index_secrets(self, source: GitHubSource) -> None:
        for keys in self._secrets.values():
            keys.discard(source.key)
        spec = source.spec or GitHubSourceSpec()
        for value in (spec.access_token, spec.secret_token):
            ref = value.secret_key_ref if value is not None else None
            if ref is not None and ref.name:
                self._secrets.setdefault((source.namespace, ref.name), set()).add(source.key)

    def webhook_url(self, source: GitHubSource) -> str:
        base = self.platform.listener_url("events")
        if source.spec.secure:
            base = "https://" + base.split("://", 1)[1]
        return base + webhook_path(source.namespace, source.name)

    async def reconcile(self, key: str) -> float | None:
        namespace, name = key.split("/", 1)
        try:
            source = await self.store.get(GitHubSource, namespace, name)
        except NotFoundError:
            await self._gone(key)
            return None
        if source.metadata.deletion_timestamp:
            return await self._finalize(source)
        if FINALIZER not in (source.metadata.finalizers or ()):
            finalizers = (*(source.metadata.finalizers or ()), FINALIZER)
            await self.store.update(attrs.evolve(source, metadata=attrs.evolve(source.metadata, finalizers=finalizers)))
            return None  # the update brings the next pass
        return await reconcile_status(
            key, store=self.store, cls=GitHubSource, clock=self.platform.clock, conditions=CONDITIONS,
            step=self._step, on_missing=self._gone,
        )

    async def _gone(self, key: str) -> None:
        self.sinks.forget(key)
        for keys in self._secrets.values():
            keys.discard(key)
        await (await self.adapters()).stop(key)

    async def _finalize(self, source: GitHubSource) -> float | None:
        await (await self.adapters()).stop(source.key)
        hook_id = source.status.webhook_id_key if source.status else None
        if hook_id:
            spec = source.spec or GitHubSourceSpec()
            ref = spec.access_token.secret_key_ref if spec.access_token else None
            token = await secret_value(self.store, source.namespace, ref)
            if token is None:
                log.warning("GitHubSource %s: no access token to delete hook %s with; leaving it", source.key, hook_id)
            else:
                owner, repo = spec.owner_repo
                target = hooks.HookTarget(owner, repo, token, spec.github_api_url or hooks.DEFAULT_API_URL)
                try:
                    await hooks.delete_hook(target, hook_id)
                except hooks.HookError as e:
                    await self._warn(source, "WebhookDeleteFailed", f"deleting the webhook failed: {e}")
                    return RETRY_AFTER
        finalizers = tuple(f for f in source.metadata.finalizers or () if f != FINALIZER)
        try:
            await self.store.update(attrs.evolve(source, metadata=attrs.evolve(source.metadata, finalizers=finalizers)))
        except NotFoundError:
            pass
        await self._gone(source.key)
        return None

    async def _warn(self, source: GitHubSource, reason: str, message: str) -> None:
        recorder = self.platform.recorder(f"{RESOURCE_GROUP.split('.')[0]}-controller")
        await recorder.warning(source, reason, message)

    async def _step(self, source: GitHubSource, conditions, now: str) -> Outcome:
        spec = source.spec or GitHubSourceSpec()
        self.sinks.set(source.key, sink_key(source))
        self._index_secrets(source)
        uri, error = await resolve_sink(source, self.store, self.platform.kinds)
        was_provided = _status_of(conditions, SINK_PROVIDED)
        conditions = mark_sink(conditions, CONDITIONS, error, now)
        access = await secret_value(self.store, source.namespace, spec.access_token.secret_key_ref if spec.access_token else None)
        secret = await secret_value(self.store, source.namespace, spec.secret_token.secret_key_ref if spec.secret_token else None)
        if access is None:
            conditions = CONDITIONS.mark_false(conditions, SECRETS_PROVIDED, now, "AccessTokenNotFound",
                                               "the accessToken secretKeyRef does not resolve to a value")
        elif secret is None:
            conditions = CONDITIONS.mark_false(conditions, SECRETS_PROVIDED, now, "SecretTokenNotFound",
                                               "the secretToken secretKeyRef does not resolve to a value")
        else:
            conditions = CONDITIONS.mark_true(conditions, SECRETS_PROVIDED, now)
        changes: dict[str, Any] = {"sink_uri": uri, "ce_attributes": tuple(ce_attributes(source)) or None}
        adapters = await self.adapters()
        if uri is None or access is None or secret is None:
            await adapters.stop(source.key)
            if uri is None and was_provided != "False":
                await self._warn(source, SINK_NOT_FOUND_EVENT, sink_not_found_message(source))
            conditions = CONDITIONS.mark_unknown(conditions, WEBHOOK_CONFIGURED, now, "WaitingForSinkAndSecrets",
                                                 "the webhook is registered once the sink and secrets are there")
            return Outcome(conditions, changes)
        await adapters.start(source, adapter_environment(source, uri))
        owner, repo = spec.owner_repo
        target = hooks.HookTarget(owner, repo, access, spec.github_api_url or hooks.DEFAULT_API_URL)
        url = self.webhook_url(source)
        hook_id = source.status.webhook_id_key if source.status else None
        try:
            if not hook_id:
                hook_id = await hooks.create_hook(target, url, secret, spec.event_types or ())
            elif source.status.observed_generation != source.metadata.generation:
                await hooks.edit_hook(target, hook_id, url, secret, spec.event_types or ())
        except hooks.HookError as e:
            conditions = CONDITIONS.mark_false(conditions, WEBHOOK_CONFIGURED, now, "WebhookNotConfigured", str(e))
            return Outcome(conditions, changes, requeue=RETRY_AFTER)
        changes["webhook_id_key"] = hook_id
        conditions = CONDITIONS.mark_true(conditions, WEBHOOK_CONFIGURED, now)
        return Outcome(conditions, changes)


def new_controller(platform: Any) -> Controller:
    r = GitHubSourceReconciler(platform)
    watches = [(reg.cls, r.sinks.sources_of) for reg in platform.kinds if reg.addressable and reg.cls is not GitHubSource]
    watches.append((Secret, r.sources_of_secret))
    return Controller("githubsources", platform.store, GitHubSource, r.reconcile, watches=watches)


__all__ = ["CONDITIONS", "FINALIZER", "GitHubSourceReconciler", "new_controller"]
