"""The ApiServerSource adapter: watches the kinds of ``spec.resources`` through the Store protocol, sends one
event per change.

For each ``resources[]`` entry the adapter lists the kind (in the source's namespace, or in every namespace when
the source has a ``namespaceSelector``) to learn the store's current resourceVersion, then watches from it:
objects that exist when it starts make no event, as Knative's adapter (whose reflector's initial list and every
re-list go to a no-op ``Replace``) sends none for them. Each watch event that passes the source's filters
(namespace, the entry's label selector, ``owner``) becomes ``add`` (ADDED), ``update`` (MODIFIED: any write,
status included) or ``delete`` (DELETED, with the object's last state), sent in order through the sender
(Knative's 5 retries from 50 ms). A watch that falls behind (GoneError) lists again and resumes from the fresh
version without events for what it missed; one that ends resumes from the last version seen.

Only the :class:`~pyknative.store.Store` protocol is used (``list``, ``watch``; ``list_with_version`` where the
store has it, as the informers use it), so a store over a Kubernetes API server serves it unchanged.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from pyknative.api.kinds import Kinds
from pyknative.errors import GoneError, NotFoundError
from pyknative.sources import AdapterContext
from pyknative.store import Store
from pyknative_source_k8s.api import ApiServerSource, APIVersionKindSelector
from pyknative_source_k8s.events import VERBS, make_event, mode_of, passes

log = logging.getLogger(__name__)

RETRY_DELAY = 1.0


def apiserver_adapter(store: Store, kinds: Kinds, api_server_url: Callable[[], str]):
    """The adapter function for :class:`~pyknative.sources.InProcessAdapters`."""

    async def run(ctx: AdapterContext) -> None:
        source: ApiServerSource = ctx.source
        spec = source.spec
        namespace = None if spec is not None and spec.namespace_selector is not None else source.namespace
        url = api_server_url()
        watches = []
        for resource in (spec.resources if spec else None) or ():
            try:
                cls = kinds.get(resource.api_version or "", resource.kind or "").cls
            except NotFoundError as e:
                log.warning("ApiServerSource %s: %s; not watched", ctx.key, e)
                continue
            watches.append(_watch(ctx, store, cls, namespace, resource, url))
        if not watches:
            await asyncio.Event().wait()
        await asyncio.gather(*watches)

    return run


async def _watch(
    ctx: AdapterContext, store: Store, cls: type, namespace: str | None, resource: APIVersionKindSelector, url: str
) -> None:
    source = ctx.source
    mode = mode_of(source)
    since = await current_version(store, cls, namespace)
    while True:
        try:
            async for event in store.watch(cls, namespace, since=since):
                since = event.resource_version or since
                if not passes(source, resource, event.object):
                    continue
                message = make_event(VERBS[event.type], event.object, mode=mode, api_server_url=url, time=ctx.clock.now())
                await ctx.sender.send(message)
        except GoneError:
            log.info("ApiServerSource %s: the watch of %s fell behind; listing again", ctx.key, cls.KIND.plural)
            since = await current_version(store, cls, namespace)
            continue
        await asyncio.sleep(RETRY_DELAY)  # the watch ended: resume from the last version seen


async def current_version(store: Any, cls: type, namespace: str | None) -> str | None:
    """The resourceVersion the store is current at for ``cls`` (a watch from it sends only later changes)."""
    list_with_version = getattr(store, "list_with_version", None)
    if list_with_version is not None:
        _, version = await list_with_version(cls, namespace)
        return version
    objects = await store.list(cls, namespace)
    versions = [o.metadata.resource_version for o in objects if o.metadata.resource_version]
    try:
        return max(versions, key=int) if versions else None
    except ValueError:
        return None
