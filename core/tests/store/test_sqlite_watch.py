"""SQLiteStore watches: the initial list, live events, replay from a resourceVersion, Gone, and ending."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import attrs
import pytest

from pyknative.api._serde import wire
from pyknative.api.kinds import KindRegistration, Kinds
from pyknative.api.meta import KindInfo, ObjectMeta, Resource
from pyknative.errors import ValidationError
from pyknative.store import WatchEvent
from pyknative.store.sqlite import GoneError, SQLiteStore
from pyknative.testing.kinds import Gadget, Widget


@attrs.frozen
class Stranger(Resource):
    """A kind the store's registry does not know."""

    KIND: ClassVar[KindInfo] = KindInfo("other.example.com", "v1", "Stranger", "strangers")
    spec: Mapping[str, Any] | None = wire()


def make_store(path: Path, **options: Any) -> SQLiteStore:
    return SQLiteStore(path, Kinds([KindRegistration(Widget), KindRegistration(Gadget)]), **options)


@pytest.fixture
async def store(tmp_path: Path):
    s = make_store(tmp_path / "store.db")
    yield s
    await s.close()


def widget(name: str, namespace: str = "ns", **spec: Any) -> Widget:
    return Widget(metadata=ObjectMeta(name=name, namespace=namespace), spec=spec)


def gadget(name: str, namespace: str = "ns") -> Gadget:
    return Gadget(metadata=ObjectMeta(name=name, namespace=namespace), spec={})


async def take(it, n: int, timeout: float = 2.0) -> list[tuple[str, str, str]]:
    events: list[WatchEvent] = [await asyncio.wait_for(anext(it), timeout) for _ in range(n)]
    return [(e.type, e.object.KIND.kind, e.object.key) for e in events]


async def nothing_more(it) -> bool:
    try:
        await asyncio.wait_for(anext(it), 0.05)
    except TimeoutError:
        return True
    return False


async def test_watch_lists_current_objects_then_follows_live_changes(store: SQLiteStore):
    a = await store.create(widget("a"))
    await store.create(widget("b"))
    await store.create(gadget("g"))
    events = store.watch(Widget)
    assert await take(events, 2) == [("ADDED", "Widget", "ns/a"), ("ADDED", "Widget", "ns/b")]
    await store.update(attrs.evolve(a, spec={"size": 2}))
    await store.create(gadget("g2"))
    await store.create(widget("c"))
    await store.delete(Widget, "ns", "b")
    assert await take(events, 3) == [
        ("MODIFIED", "Widget", "ns/a"),
        ("ADDED", "Widget", "ns/c"),
        ("DELETED", "Widget", "ns/b"),
    ]
    assert await nothing_more(events)
    await events.aclose()


async def test_events_arrive_in_resource_version_order_with_every_object_state(store: SQLiteStore):
    events = store.watch(Widget)
    assert await nothing_more(events)  # a timed-out wait neither ends the watch nor loses what comes next
    made = await store.create(widget("a"))
    for size in range(2, 6):
        made = await store.update(attrs.evolve(made, spec={"size": size}))
    got = [await asyncio.wait_for(anext(events), 2) for _ in range(5)]
    assert [int(e.resource_version) for e in got] == [1, 2, 3, 4, 5]
    assert [e.object.spec for e in got] == [{}, {"size": 2}, {"size": 3}, {"size": 4}, {"size": 5}]
    assert got[-1].object == made
    await events.aclose()


async def test_watch_filters_by_namespace_and_every_kind_when_cls_is_none(store: SQLiteStore):
    await store.create(widget("a", "one"))
    await store.create(gadget("g", "one"))
    await store.create(widget("b", "two"))
    await store.create(Stranger(metadata=ObjectMeta(name="s", namespace="one")))
    everything = store.watch()
    in_one = store.watch(None, "one")
    widgets_in_two = store.watch(Widget, "two")
    assert await take(everything, 3) == [
        ("ADDED", "Widget", "one/a"),
        ("ADDED", "Gadget", "one/g"),
        ("ADDED", "Widget", "two/b"),
    ]
    assert await take(in_one, 2) == [("ADDED", "Widget", "one/a"), ("ADDED", "Gadget", "one/g")]
    assert await take(widgets_in_two, 1) == [("ADDED", "Widget", "two/b")]
    await store.create(gadget("g", "two"))
    await store.create(widget("c", "two"))
    assert await take(everything, 2) == [("ADDED", "Gadget", "two/g"), ("ADDED", "Widget", "two/c")]
    assert await take(widgets_in_two, 1) == [("ADDED", "Widget", "two/c")]
    assert await nothing_more(in_one)
    for it in (everything, in_one, widgets_in_two):
        await it.aclose()


async def test_watch_since_replays_history_after_that_version_then_goes_live(store: SQLiteStore):
    a = await store.create(widget("a"))
    b = await store.create(widget("b"))
    await store.update_status(attrs.evolve(a, status={"ready": True}))
    await store.create(gadget("g"))
    await store.delete(Widget, "ns", "b")
    events = store.watch(Widget, since=b.metadata.resource_version)
    assert await take(events, 2) == [("MODIFIED", "Widget", "ns/a"), ("DELETED", "Widget", "ns/b")]
    await store.create(widget("c"))
    assert await take(events, 1) == [("ADDED", "Widget", "ns/c")]
    await events.aclose()

    from_start = store.watch(since="0")  # "0" is Kubernetes' "any version": the current objects
    assert await take(from_start, 3) == [
        ("ADDED", "Widget", "ns/a"),
        ("ADDED", "Gadget", "ns/g"),
        ("ADDED", "Widget", "ns/c"),
    ]
    await from_start.aclose()


async def test_watch_since_a_version_older_than_the_history_kept_is_gone(tmp_path: Path):
    store = make_store(tmp_path / "store.db", history=3)
    try:
        for i in range(6):
            await store.create(widget(f"w{i}"))
        with pytest.raises(GoneError, match="too old resource version: 2") as gone:
            await anext(store.watch(Widget, since="2"))
        assert gone.value.status_code == 410
        events = store.watch(Widget, since="3")
        assert await take(events, 3) == [("ADDED", "Widget", f"ns/w{i}") for i in (3, 4, 5)]
        await events.aclose()
        with pytest.raises(ValidationError, match="resourceVersion"):
            await anext(store.watch(Widget, since="yesterday"))
    finally:
        await store.close()


async def test_a_watcher_too_far_behind_is_dropped_with_gone_without_blocking_writers(tmp_path: Path):
    store = make_store(tmp_path / "store.db", watch_backlog=3)
    try:
        slow = store.watch(Widget)
        assert await nothing_more(slow)
        for i in range(10):  # never blocks although nobody reads
            await store.create(widget(f"w{i}"))
        assert await take(slow, 3) == [("ADDED", "Widget", f"ns/w{i}") for i in range(3)]
        with pytest.raises(GoneError, match="behind"):
            await anext(slow)
        assert len(await store.list(Widget)) == 10
    finally:
        await store.close()


async def test_closing_the_iterator_unsubscribes_and_closing_the_store_ends_watches(store: SQLiteStore):
    first = store.watch(Widget)
    second = store.watch(Widget)
    assert await nothing_more(first)
    assert await nothing_more(second)
    await first.aclose()
    await store.create(widget("a"))
    with pytest.raises(StopAsyncIteration):
        await anext(first)
    assert await take(second, 1) == [("ADDED", "Widget", "ns/a")]

    pending = asyncio.ensure_future(anext(second))
    await asyncio.sleep(0)
    await store.close()
    with pytest.raises(StopAsyncIteration):
        await asyncio.wait_for(pending, 2)


async def test_two_stores_on_one_file_share_objects_and_versions(tmp_path: Path):
    path = tmp_path / "store.db"
    one, two = make_store(path), make_store(path)
    try:
        made = await one.create(widget("a"))
        assert await two.get(Widget, "ns", "a") == made
        again = await two.create(widget("b"))
        assert int(again.metadata.resource_version or "") == int(made.metadata.resource_version or "") + 1
    finally:
        await one.close()
        await two.close()
