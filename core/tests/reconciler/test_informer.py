"""Informers over a real SQLiteStore: sync, live changes, indexes, selectors, handlers, re-lists and stopping."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

import attrs
import pytest

from pyknative.api.kinds import KindRegistration, Kinds
from pyknative.api.meta import ObjectMeta, Resource
from pyknative.errors import NotFoundError
from pyknative.reconciler import informer as informer_module
from pyknative.reconciler.informer import Informer, InformerFactory
from pyknative.store import WatchEvent
from pyknative.store.sqlite import SQLiteStore
from pyknative.testing.kinds import Gadget, Realm, Widget


def make_store(**options: Any) -> SQLiteStore:
    kinds = Kinds([KindRegistration(Widget), KindRegistration(Gadget), KindRegistration(Realm)])
    return SQLiteStore(":memory:", kinds, **options)


@pytest.fixture
async def store():
    s = make_store()
    yield s
    await s.close()


def widget(
    name: str, namespace: str = "ns", labels: Mapping[str, str] | None = None, owners: tuple = (), **spec: Any
) -> Widget:
    meta = ObjectMeta(name=name, namespace=namespace, labels=labels, owner_references=owners or None)
    return Widget(metadata=meta, spec=spec)


def gadget(name: str, namespace: str = "ns") -> Gadget:
    return Gadget(metadata=ObjectMeta(name=name, namespace=namespace), spec={})


class Recorder:
    """A handler that keeps ``(event_type, key, resourceVersion, old resourceVersion)``."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str | None, str | None]] = []
        self.objects: list[tuple[str, Resource, Resource | None]] = []

    def __call__(self, event_type: str, obj: Resource, old: Resource | None) -> None:
        old_rv = old.metadata.resource_version if old is not None else None
        self.calls.append((event_type, obj.key, obj.metadata.resource_version, old_rv))
        self.objects.append((event_type, obj, old))

    def types(self) -> list[tuple[str, str]]:
        return [(t, k) for t, k, _, _ in self.calls]

    def clear(self) -> None:
        self.calls.clear()
        self.objects.clear()


async def eventually(condition: Callable[[], bool], timeout: float = 2.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.001)


async def caught_up(informer: Informer, store: SQLiteStore) -> None:
    """Wait until the informer has applied every write (for tests that write only the informer's kind)."""
    await eventually(lambda: informer.resource_version == store.resource_version)


def keys(objects: list[Resource]) -> list[str]:
    return [o.key for o in objects]


class WrappedStore:
    """Delegates to a SQLiteStore; counts lists, can hide ``list_with_version``, and can break the next watch."""

    def __init__(self, inner: SQLiteStore, *, with_version: bool = True) -> None:
        self.inner = inner
        self.lists = 0
        self.watches: list[str | None] = []
        self.break_with: BaseException | None = None  # raised instead of the next event
        if with_version:
            self.list_with_version = self._list_with_version

    async def _list_with_version(self, cls: type[Resource]) -> tuple[list[Resource], str]:
        self.lists += 1
        return await self.inner.list_with_version(cls)

    async def list(
        self, cls: type[Resource], namespace: str | None = None, label_selector: Any = None
    ) -> list:
        self.lists += 1
        return await self.inner.list(cls, namespace, label_selector)

    def watch(
        self, cls: type[Resource] | None = None, namespace: str | None = None, since: str | None = None
    ) -> AsyncIterator[WatchEvent]:
        self.watches.append(since)
        return self._watch(self.inner.watch(cls, namespace, since))

    async def _watch(self, inner: Any) -> AsyncIterator[WatchEvent]:
        try:
            async for event in inner:
                if self.break_with is not None:
                    exc, self.break_with = self.break_with, None
                    raise exc
                yield event
        finally:
            await inner.aclose()


# -- sync and live changes --


async def test_initial_sync_lists_every_namespace_and_hands_each_object_to_handlers_as_added(
    store: SQLiteStore,
):
    await store.create(widget("b", "one"))
    await store.create(widget("a", "two"))
    await store.create(widget("a", "one"))
    await store.create(gadget("g"))  # another kind: not in this informer
    informer = Informer(store, Widget)
    seen = Recorder()
    informer.add_handler(seen)
    assert not informer.has_synced
    with pytest.raises(RuntimeError, match="not running"):
        await informer.wait_synced()
    async with informer:
        await asyncio.wait_for(informer.wait_synced(), 2)
        assert informer.has_synced
        assert keys(informer.lister.list()) == ["one/a", "one/b", "two/a"]
        assert seen.types() == [("ADDED", "one/a"), ("ADDED", "one/b"), ("ADDED", "two/a")]
        assert all(old is None for _, _, old in seen.objects)
        assert informer.resource_version == store.resource_version
        assert informer.lister.list() == await store.list(Widget)


async def test_creates_updates_and_deletes_are_reflected_with_old_and_new(store: SQLiteStore):
    informer = Informer(store, Widget)
    seen = Recorder()
    informer.add_handler(seen)
    async with informer:
        await informer.wait_synced()
        assert informer.lister.list() == []
        a = await store.create(widget("a", size=1))
        await caught_up(informer, store)
        assert informer.lister.get("ns", "a") == a
        a2 = await store.update(attrs.evolve(a, spec={"size": 2}))
        a3 = await store.update_status(attrs.evolve(a2, status={"ready": True}))
        await caught_up(informer, store)
        assert informer.lister.get("ns", "a") == a3
        await store.delete(Widget, "ns", "a")
        await caught_up(informer, store)
        with pytest.raises(NotFoundError):
            informer.lister.get("ns", "a")
    rv = [o.metadata.resource_version for o in (a, a2, a3)]
    assert seen.calls[:3] == [
        ("ADDED", "ns/a", rv[0], None),
        ("MODIFIED", "ns/a", rv[1], rv[0]),
        ("MODIFIED", "ns/a", rv[2], rv[1]),
    ]
    deleted_type, deleted, previous = seen.objects[3]
    assert deleted_type == "DELETED" and deleted.name == "a" and previous == a3
    assert len(seen.calls) == 4


async def test_get_misses_raise_not_found_worded_as_the_store(store: SQLiteStore):
    await store.create(Realm(metadata=ObjectMeta(name="eu"), spec={}))
    await store.create(widget("x", "default"))
    widgets, zones = Informer(store, Widget), Informer(store, Realm)
    async with widgets, zones:
        await widgets.wait_synced()
        await zones.wait_synced()
        for namespace, name in (("ns", "nope"), ("", "nope"), (None, "nope")):
            with pytest.raises(NotFoundError) as from_store:
                await store.get(Widget, namespace, name)  # type: ignore[arg-type]
            with pytest.raises(NotFoundError) as from_lister:
                widgets.lister.get(namespace, name)
            assert str(from_lister.value) == str(from_store.value)
        with pytest.raises(NotFoundError) as from_store:
            await store.get(Realm, "", "us")
        with pytest.raises(NotFoundError) as from_lister:
            zones.lister.get(None, "us")
        assert str(from_lister.value) == str(from_store.value) == "Realm 'us' not found"
        assert widgets.lister.get("", "x").key == "default/x"  # "" is "default", as in the store
        assert zones.lister.get("ignored", "eu").name == "eu"
        assert zones.lister.list(namespace="ignored") == await store.list(Realm)


# -- indexes --


async def test_label_index_follows_label_changes_and_deletes(store: SQLiteStore):
    informer = Informer(store, Widget)
    async with informer:
        await informer.wait_synced()
        a = await store.create(widget("a", labels={"app": "web", "tier": "front"}))
        await store.create(widget("b", labels={"app": "web"}))
        await caught_up(informer, store)
        lister = informer.lister
        assert keys(lister.list(label_selector="app=web")) == ["ns/a", "ns/b"]
        assert keys(lister.list(label_selector={"tier": "front"})) == ["ns/a"]

        await store.update(attrs.evolve(a, metadata=attrs.evolve(a.metadata, labels={"app": "api"})))
        await caught_up(informer, store)
        assert keys(lister.list(label_selector="app=web")) == ["ns/b"]
        assert keys(lister.list(label_selector="app=api")) == ["ns/a"]
        assert lister.list(label_selector="tier=front") == []
        assert "tier" not in informer._cache.by_label  # the emptied bucket is gone, not left behind

        await store.delete(Widget, "ns", "a")
        await store.delete(Widget, "ns", "b")
        await caught_up(informer, store)
        assert lister.list(label_selector="app=web") == []
        assert lister.list(label_selector="app=api") == []
        cache = informer._cache
        assert (cache.objects, cache.by_label, cache.by_namespace) == ({}, {}, {})


async def test_namespace_index_lists_one_namespace_and_forgets_an_emptied_one(store: SQLiteStore):
    for ns in ("one", "two"):
        for name in ("y", "x"):
            await store.create(widget(name, ns, labels={"app": "web"}))
    informer = Informer(store, Widget)
    async with informer:
        await informer.wait_synced()
        lister = informer.lister
        assert keys(lister.list("one")) == ["one/x", "one/y"]
        assert keys(lister.list("two", "app=web")) == ["two/x", "two/y"]
        assert keys(lister.list("", "app=web")) == ["one/x", "one/y", "two/x", "two/y"]
        assert lister.list("three") == []
        await store.delete(Widget, "one", "x")
        await store.delete(Widget, "one", "y")
        await caught_up(informer, store)
        assert lister.list("one") == []
        assert lister.list("one", "app=web") == []
        assert keys(lister.list()) == ["two/x", "two/y"]
        assert set(informer._cache.by_namespace) == {"two"}


async def test_owner_index_holds_every_owner_reference_and_the_controller_one(store: SQLiteStore):
    boss = await store.create(gadget("boss"))
    peer = await store.create(gadget("peer"))
    both = (boss.owner_reference(controller=True), peer.owner_reference(controller=False))
    await store.create(widget("w1", owners=both))
    await store.create(widget("w2", owners=(peer.owner_reference(controller=True),)))
    w3 = await store.create(widget("w3", owners=(boss.owner_reference(controller=False),)))
    informer = Informer(store, Widget)
    async with informer:
        await informer.wait_synced()
        lister = informer.lister
        boss_uid, peer_uid = boss.metadata.uid or "", peer.metadata.uid or ""
        assert keys(lister.owned_by(boss_uid)) == ["ns/w1", "ns/w3"]
        assert keys(lister.owned_by(peer_uid)) == ["ns/w1", "ns/w2"]
        assert keys(lister.owned_by(boss_uid, controller=True)) == ["ns/w1"]
        assert keys(lister.owned_by(peer_uid, controller=True)) == ["ns/w2"]
        assert lister.owned_by("no-such-uid") == []

        await store.update(attrs.evolve(w3, metadata=attrs.evolve(w3.metadata, owner_references=None)))
        await caught_up(informer, store)
        assert keys(lister.owned_by(boss_uid)) == ["ns/w1"]

        await store.delete(Gadget, "ns", "boss")  # w1 loses its reference to boss; w3 is unowned now
        await eventually(lambda: lister.owned_by(boss_uid) == [])
        assert lister.owned_by(boss_uid, controller=True) == []
        assert keys(lister.owned_by(peer_uid)) == ["ns/w1", "ns/w2"]
        await store.delete(Gadget, "ns", "peer")  # the last owner of w1 and w2: both collected
        await eventually(lambda: keys(lister.list()) == ["ns/w3"])
        assert lister.owned_by(peer_uid) == []
        assert (informer._cache.by_owner, informer._cache.by_controller) == ({}, {})


SELECTORS = [
    None,
    "app=web",
    "app==web",
    "app!=web",
    "app in (web, api)",
    "app notin (web)",
    "tier",
    "!tier",
    "app in (web),tier",
    "app=web,tier notin (back)",
    "app in (api, nothing),!tier",
    "app=nothing",
    "missing",
    {"app": "web", "tier": "front"},
]


@pytest.mark.parametrize("selector", SELECTORS, ids=[str(s) for s in SELECTORS])
@pytest.mark.parametrize("namespace", [None, "one", "two"])
async def test_label_selectors_answer_as_the_store_does(
    store: SQLiteStore, selector: Any, namespace: str | None
):
    labelled = [
        ("a", "one", {"app": "web", "tier": "front"}),
        ("b", "one", {"app": "web", "tier": "back"}),
        ("c", "one", {"app": "api"}),
        ("d", "two", {"app": "web"}),
        ("e", "two", {"tier": "front"}),
        ("f", "two", None),
    ]
    for name, ns, labels in labelled:
        await store.create(widget(name, ns, labels=labels))
    informer = Informer(store, Widget)
    async with informer:
        await informer.wait_synced()
        assert informer.lister.list(namespace, selector) == await store.list(Widget, namespace, selector)


async def test_a_label_query_over_5000_objects_checks_only_the_index_hits(
    store: SQLiteStore, monkeypatch: pytest.MonkeyPatch
):
    for i in range(5000):
        labels = {"shard": str(i % 25), "id": str(i)}
        if i in (17, 2500, 4999):
            labels["wanted"] = "yes"
        await store.create(widget(f"w{i:04d}", f"ns{i % 10}", labels=labels))
    informer = Informer(store, Widget)
    async with informer:
        await informer.wait_synced()
        checked: list[str] = []
        real_matches = informer_module.matches

        def counting_matches(labels: Mapping[str, str] | None, terms: list) -> bool:
            checked.append((labels or {}).get("id", "?"))
            return real_matches(labels, terms)

        monkeypatch.setattr(informer_module, "matches", counting_matches)
        lister = informer.lister
        assert keys(lister.list(label_selector="wanted=yes")) == ["ns0/w2500", "ns7/w0017", "ns9/w4999"]
        assert sorted(checked) == ["17", "2500", "4999"]

        checked.clear()
        assert keys(lister.list(label_selector="wanted in (yes, maybe), shard!=0")) == [
            "ns7/w0017",
            "ns9/w4999",
        ]
        assert sorted(checked) == ["17", "2500", "4999"]

        checked.clear()
        assert keys(lister.list("ns7", "wanted")) == ["ns7/w0017"]
        assert checked == ["17"]  # the 3 "wanted" hits beat ns7's 500; two are outside ns7 by their key

        checked.clear()
        assert len(lister.list("ns3", "shard=3")) == 100
        assert len(checked) == 100  # shard=3's 200 beat ns3's 500; the 100 of them in ns8 are skipped by key

        checked.clear()
        assert len(lister.list(label_selector="shard notin (1)")) == 4800  # nothing to narrow by: all
        assert len(checked) == 5000


# -- handlers --


async def test_handlers_added_late_get_the_cache_and_a_failing_handler_does_not_stop_others(
    store: SQLiteStore,
):
    await store.create(widget("a"))
    informer = Informer(store, Widget)

    def broken(event_type: str, obj: Resource, old: Resource | None) -> None:
        raise RuntimeError("handler bug")

    informer.add_handler(broken)
    async with informer:
        await informer.wait_synced()
        late = Recorder()
        informer.add_handler(late)
        assert late.types() == [("ADDED", "ns/a")]
        await store.create(widget("b"))
        await caught_up(informer, store)
        assert late.types() == [("ADDED", "ns/a"), ("ADDED", "ns/b")]
        informer.remove_handler(late)
        await store.create(widget("c"))
        await caught_up(informer, store)
        assert late.types() == [("ADDED", "ns/a"), ("ADDED", "ns/b")]
        assert keys(informer.lister.list()) == ["ns/a", "ns/b", "ns/c"]


# -- where the watch starts --


async def test_the_watch_starts_at_the_list_version_even_when_the_kind_is_quiet():
    small = make_store(history=3)
    try:
        await small.create(widget("a"))
        await small.create(widget("gone"))
        await small.delete(Widget, "ns", "gone")
        for i in range(10):  # other kinds' writes push the widgets' versions out of the history kept
            await small.create(gadget(f"g{i}"))
        wrapped = WrappedStore(small)
        informer = Informer(wrapped, Widget)  # type: ignore[arg-type]
        seen = Recorder()
        informer.add_handler(seen)
        async with informer:
            await informer.wait_synced()
            assert wrapped.watches == [small.resource_version]
            await small.create(widget("b"))
            await caught_up(informer, small)
            assert keys(informer.lister.list()) == ["ns/a", "ns/b"]
            assert seen.types() == [("ADDED", "ns/a"), ("ADDED", "ns/b")]  # nothing replayed or missed
            assert wrapped.lists == 1  # the watch never went Gone
    finally:
        await small.close()


async def test_without_list_with_version_the_watch_replays_from_the_newest_listed_version(store: SQLiteStore):
    a = await store.create(widget("a"))
    await store.create(widget("b"))
    await store.create(widget("c"))
    await store.delete(Widget, "ns", "c")  # the newest write: after every listed object
    wrapped = WrappedStore(store, with_version=False)
    informer = Informer(wrapped, Widget)  # type: ignore[arg-type]
    seen = Recorder()
    informer.add_handler(seen)
    async with informer:
        await informer.wait_synced()
        await caught_up(informer, store)
        newest_listed = max(int(o.metadata.resource_version or 0) for o in await store.list(Widget))
        assert wrapped.watches == [str(newest_listed)]
        assert keys(informer.lister.list()) == ["ns/a", "ns/b"]
        # c was made and deleted after b, the newest listed: the replay shows both, and the cache ends right.
        assert seen.types() == [("ADDED", "ns/a"), ("ADDED", "ns/b"), ("ADDED", "ns/c"), ("DELETED", "ns/c")]
        await store.update(attrs.evolve(a, spec={"size": 9}))
        await caught_up(informer, store)
        assert informer.lister.get("ns", "a").spec == {"size": 9}

    empty = make_store()
    try:
        wrapped = WrappedStore(empty, with_version=False)
        informer = Informer(wrapped, Widget)  # type: ignore[arg-type]
        async with informer:
            await informer.wait_synced()
            assert wrapped.watches == [None]  # nothing listed: watch the current state
            await empty.create(widget("x"))
            await caught_up(informer, empty)
            assert keys(informer.lister.list()) == ["ns/x"]
    finally:
        await empty.close()


# -- re-lists --


async def test_a_watch_dropped_with_gone_relists_and_emits_what_it_missed():
    store = make_store(watch_backlog=3)
    try:
        keep = await store.create(widget("keep", labels={"v": "1"}))
        doomed = await store.create(widget("doomed", labels={"v": "1"}))
        wrapped = WrappedStore(store)
        informer = Informer(wrapped, Widget)  # type: ignore[arg-type]
        seen = Recorder()
        informer.add_handler(seen)
        async with informer:
            await informer.wait_synced()
            seen.clear()
            # Six writes of one loop turn commit together: the informer's watch gets them at once, more than
            # the 3 events it may fall behind.
            await asyncio.gather(
                *(store.create(widget(f"new{i}")) for i in range(4)),
                store.delete(Widget, "ns", "doomed"),
                store.update(attrs.evolve(keep, metadata=attrs.evolve(keep.metadata, labels={"v": "2"}))),
            )
            await eventually(lambda: wrapped.lists == 2)
            await caught_up(informer, store)
            assert informer.lister.list() == await store.list(Widget)
            assert keys(informer.lister.list(label_selector="v=1")) == []
            assert keys(informer.lister.list(label_selector="v=2")) == ["ns/keep"]
            assert sorted(seen.types()) == sorted(
                [("ADDED", f"ns/new{i}") for i in range(4)]
                + [("DELETED", "ns/doomed"), ("MODIFIED", "ns/keep")]
            )
            deleted = next(obj for t, obj, _ in seen.objects if t == "DELETED")
            assert (
                deleted == doomed
            )  # synthetic: the last state cached (the store's DELETED has a newer version)
            await store.create(widget("after"))
            await caught_up(informer, store)
            assert informer.lister.get("ns", "after").name == "after"
    finally:
        await store.close()


async def test_any_broken_watch_relists_and_a_recreated_name_is_deleted_then_added(store: SQLiteStore):
    old = await store.create(widget("same"))
    await store.create(widget("other"))
    wrapped = WrappedStore(store)
    informer = Informer(wrapped, Widget)  # type: ignore[arg-type]
    seen = Recorder()
    informer.add_handler(seen)
    async with informer:
        await informer.wait_synced()
        seen.clear()
        wrapped.break_with = ConnectionResetError("connection reset by peer")
        # One loop turn, one commit: the first event breaks the watch instead of arriving, and the re-list sees
        # all three writes.
        _, new, _ = await asyncio.gather(
            store.delete(Widget, "ns", "same"), store.create(widget("same")), store.delete(Widget, "ns", "other")
        )
        await eventually(lambda: wrapped.lists == 2)
        await caught_up(informer, store)
        assert keys(informer.lister.list()) == ["ns/same"]
        assert informer.lister.get("ns", "same").metadata.uid == new.metadata.uid
        assert seen.calls == [
            ("DELETED", "ns/other", "2", "2"),
            ("DELETED", "ns/same", old.metadata.resource_version, old.metadata.resource_version),
            ("ADDED", "ns/same", new.metadata.resource_version, None),
        ]


# -- stopping and sharing --


async def test_stop_ends_the_task_and_the_watch_and_a_restart_relists(store: SQLiteStore):
    await store.create(widget("a"))
    informer = Informer(store, Widget)
    await informer.start()
    await informer.start()  # already running: no second task
    await informer.wait_synced()
    assert len(asyncio.all_tasks()) == 2
    assert len(store._hub._subscriptions) == 1
    await informer.stop()
    await informer.stop()
    assert asyncio.all_tasks() == {asyncio.current_task()}
    assert store._hub._subscriptions == []
    await store.create(widget("b"))
    assert keys(informer.lister.list()) == ["ns/a"]  # stopped: the cache stays as it was

    seen = Recorder()
    informer.add_handler(seen)
    await informer.start()
    await caught_up(informer, store)
    assert keys(informer.lister.list()) == ["ns/a", "ns/b"]
    assert seen.types() == [("ADDED", "ns/a"), ("ADDED", "ns/b")]
    await informer.stop()
    assert asyncio.all_tasks() == {asyncio.current_task()}


async def test_stopping_before_the_first_list_fails_waiters(store: SQLiteStore):
    class NeverLists(WrappedStore):
        async def _list_with_version(self, cls: type[Resource]) -> tuple[list[Resource], str]:
            await asyncio.Event().wait()
            raise AssertionError("unreachable")

    informer = Informer(NeverLists(store), Widget)  # type: ignore[arg-type]
    await informer.start()
    waiter = asyncio.create_task(informer.wait_synced())
    await asyncio.sleep(0.01)
    assert not waiter.done()
    await informer.stop()
    with pytest.raises(RuntimeError, match="stopped before it synced"):
        await asyncio.wait_for(waiter, 1)
    assert asyncio.all_tasks() == {asyncio.current_task()}


async def test_a_closed_store_is_retried_until_stopped_without_losing_the_cache():
    store = make_store()
    await store.create(widget("a"))
    informer = Informer(store, Widget)
    async with informer:
        await informer.wait_synced()
        await store.close()  # ends the watch; re-watching and re-listing now fail
        await asyncio.sleep(0.05)
        assert keys(informer.lister.list()) == ["ns/a"]
    assert asyncio.all_tasks() == {asyncio.current_task()}


async def test_factory_shares_one_informer_per_kind(store: SQLiteStore):
    await store.create(widget("w"))
    await store.create(gadget("g"))
    factory = InformerFactory(store)
    widgets = factory.informer(Widget)
    assert factory.informer(Widget) is widgets
    assert factory.lister(Widget) is widgets.lister
    async with factory:
        await factory.wait_synced()
        assert keys(factory.lister(Widget).list()) == ["ns/w"]
        gadgets = factory.informer(Gadget)  # asked for after start: runs once start is called again
        assert not gadgets.has_synced
        await factory.start()
        await factory.wait_synced()
        assert keys(factory.lister(Gadget).list()) == ["ns/g"]
        assert len(asyncio.all_tasks()) == 3
    assert asyncio.all_tasks() == {asyncio.current_task()}
    assert store._hub._subscriptions == []
