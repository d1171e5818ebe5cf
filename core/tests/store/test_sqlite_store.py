"""SQLiteStore against the Store contract: CRUD, concurrency, finalizers, cascading deletes and durability."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs
import pytest

from pyknative.api.kinds import KindRegistration, Kinds
from pyknative.api.meta import ObjectMeta, Resource
from pyknative.errors import AlreadyExistsError, ConflictError, NotFoundError, ValidationError
from pyknative.store import Store, WatchEvent
from pyknative.store.sqlite import SQLiteStore, StoreClosedError
from pyknative.testing.kinds import Gadget, Realm, Widget

NOW = datetime(2024, 5, 1, 12, 30, 45, 987654, tzinfo=UTC)


def kinds() -> Kinds:
    return Kinds([KindRegistration(Widget), KindRegistration(Gadget), KindRegistration(Realm)])


@pytest.fixture
async def store(tmp_path: Path):
    s = SQLiteStore(tmp_path / "store.db", kinds(), clock=lambda: NOW)
    yield s
    await s.close()


def widget(name: str = "w", namespace: str | None = "ns", *, spec: Any = None, **meta: Any) -> Widget:
    return Widget(metadata=ObjectMeta(name=name, namespace=namespace, **meta), spec=spec or {"size": 1})


def owned_by(
    owner: Resource, cls: type[Resource], name: str, *extra_owners: Resource, **meta: Any
) -> Resource:
    refs = tuple(o.owner_reference() for o in (owner, *extra_owners))
    return cls(metadata=ObjectMeta(name=name, namespace="ns", owner_references=refs, **meta), spec={})


async def next_events(it, n: int, timeout: float = 2.0) -> list[WatchEvent]:
    return [await asyncio.wait_for(anext(it), timeout) for _ in range(n)]


def rv(obj: Resource) -> int:
    return int(obj.metadata.resource_version or "")


# -- create / get --


async def test_create_fills_server_metadata_and_get_returns_it(store: SQLiteStore):
    assert isinstance(store, Store)
    made = await store.create(widget(spec={"size": 3}))
    meta = made.metadata
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}", meta.uid or "")
    assert meta.creation_timestamp == "2024-05-01T12:30:45Z"
    assert meta.generation == 1
    assert meta.resource_version == "1"
    assert made.spec == {"size": 3}
    assert await store.get(Widget, "ns", "w") == made


async def test_create_ignores_client_set_server_fields(store: SQLiteStore):
    made = await store.create(
        widget(uid="mine", generation=7, resource_version="99", deletion_timestamp="2000-01-01T00:00:00Z")
    )
    assert made.metadata.uid != "mine"
    assert made.metadata.generation == 1
    assert made.metadata.resource_version == "1"
    assert made.metadata.deletion_timestamp is None


async def test_namespace_defaults_to_default_and_cluster_scoped_kinds_have_none(store: SQLiteStore):
    made = await store.create(widget(namespace=None))
    assert made.metadata.namespace == "default"
    assert await store.get(Widget, "default", "w") == made
    realm = await store.create(Realm(metadata=ObjectMeta(name="r", namespace="ignored"), spec={}))
    assert realm.metadata.namespace is None
    assert await store.get(Realm, "", "r") == realm


async def test_create_existing_name_is_refused_but_other_namespace_or_kind_is_fine(store: SQLiteStore):
    await store.create(widget())
    with pytest.raises(AlreadyExistsError, match="Widget ns/w already exists"):
        await store.create(widget())
    await store.create(widget(namespace="other"))
    await store.create(Gadget(metadata=ObjectMeta(name="w", namespace="ns"), spec={}))
    assert len(await store.list(Widget)) == 2


async def test_generate_name_appends_five_random_lowercase_alphanumerics(store: SQLiteStore):
    a = await store.create(Widget(metadata=ObjectMeta(generate_name="job-", namespace="ns"), spec={}))
    b = await store.create(Widget(metadata=ObjectMeta(generate_name="job-", namespace="ns"), spec={}))
    assert re.fullmatch(r"job-[a-z0-9]{5}", a.name)
    assert a.name != b.name
    assert a.metadata.generate_name == "job-"
    assert await store.get(Widget, "ns", a.name) == a


async def test_create_without_name_is_invalid(store: SQLiteStore):
    with pytest.raises(ValidationError, match="metadata.name"):
        await store.create(Widget(metadata=ObjectMeta(namespace="ns"), spec={}))


async def test_missing_objects_raise_not_found(store: SQLiteStore):
    with pytest.raises(NotFoundError, match="Widget ns/nope not found"):
        await store.get(Widget, "ns", "nope")
    with pytest.raises(NotFoundError):
        await store.update(widget("nope"))
    with pytest.raises(NotFoundError):
        await store.update_status(widget("nope"))
    with pytest.raises(NotFoundError):
        await store.delete(Widget, "ns", "nope")


async def test_resource_version_is_store_wide_and_increasing(store: SQLiteStore):
    versions = []
    for i in range(3):
        versions.append(rv(await store.create(widget(f"w{i}"))))
        versions.append(rv(await store.create(Gadget(metadata=ObjectMeta(name=f"g{i}", namespace="ns")))))
    assert versions == list(range(1, 7))
    assert store.resource_version == "6"


# -- update / update_status --


async def test_update_bumps_generation_only_when_spec_changes(store: SQLiteStore):
    made = await store.create(widget())
    relabelled = await store.update(
        attrs.evolve(made, metadata=attrs.evolve(made.metadata, labels={"a": "b"}))
    )
    assert relabelled.metadata.generation == 1
    assert relabelled.metadata.labels == {"a": "b"}
    assert rv(relabelled) > rv(made)
    resized = await store.update(attrs.evolve(relabelled, spec={"size": 2}))
    assert resized.metadata.generation == 2
    assert resized.metadata.labels == {"a": "b"}
    assert await store.get(Widget, "ns", "w") == resized


async def test_update_keeps_status_and_server_owned_metadata(store: SQLiteStore):
    made = await store.create(widget())
    with_status = await store.update_status(attrs.evolve(made, status={"ready": True}))
    tampered = attrs.evolve(
        with_status,
        status={"ready": False},
        metadata=attrs.evolve(
            with_status.metadata,
            uid="forged",
            creation_timestamp="1999-01-01T00:00:00Z",
            generation=42,
            deletion_timestamp="1999-01-01T00:00:00Z",
            annotations={"note": "x"},
        ),
    )
    out = await store.update(tampered)
    assert out.status == {"ready": True}
    assert out.metadata.uid == made.metadata.uid
    assert out.metadata.creation_timestamp == made.metadata.creation_timestamp
    assert out.metadata.generation == 1
    assert out.metadata.deletion_timestamp is None
    assert out.metadata.annotations == {"note": "x"}
    assert await store.get(Widget, "ns", "w") == out


async def test_update_status_writes_only_status(store: SQLiteStore):
    made = await store.create(widget(spec={"size": 1}))
    out = await store.update_status(
        attrs.evolve(
            made,
            spec={"size": 9},
            status={"phase": "Up"},
            metadata=attrs.evolve(made.metadata, labels={"x": "y"}),
        )
    )
    assert out.status == {"phase": "Up"}
    assert out.spec == {"size": 1}
    assert out.metadata.labels is None
    assert out.metadata.generation == 1
    assert rv(out) > rv(made)
    assert await store.get(Widget, "ns", "w") == out


async def test_stale_resource_version_conflicts_for_the_second_writer(store: SQLiteStore):
    await store.create(widget())
    client_a = await store.get(Widget, "ns", "w")
    client_b = await store.get(Widget, "ns", "w")
    await store.update(attrs.evolve(client_a, spec={"size": 2}))
    with pytest.raises(ConflictError, match="modified"):
        await store.update(attrs.evolve(client_b, spec={"size": 3}))
    with pytest.raises(ConflictError):
        await store.update_status(attrs.evolve(client_b, status={"ready": True}))
    assert (await store.get(Widget, "ns", "w")).spec == {"size": 2}
    # Without a resourceVersion the write is unconditional.
    unconditional = attrs.evolve(
        client_b, spec={"size": 4}, metadata=attrs.evolve(client_b.metadata, resource_version=None)
    )
    assert (await store.update(unconditional)).spec == {"size": 4}


async def test_concurrent_asyncio_writers_with_the_same_version_exactly_one_wins(store: SQLiteStore):
    made = await store.create(widget())

    async def bump(i: int) -> str:
        await asyncio.sleep(0)
        try:
            await store.update(attrs.evolve(made, spec={"size": i}))
            return "ok"
        except ConflictError:
            return "conflict"

    outcomes = await asyncio.gather(*(bump(i) for i in range(20)))
    assert outcomes.count("ok") == 1
    assert outcomes.count("conflict") == 19
    created = await asyncio.gather(*(store.create(widget(f"c{i}")) for i in range(20)))
    assert len({rv(c) for c in created}) == 20


async def test_no_op_writes_keep_the_version_and_emit_no_event(store: SQLiteStore):
    made = await store.create(widget(labels={"a": "b"}))
    made = await store.update_status(attrs.evolve(made, status={"ready": True}))
    events = store.watch(Widget, since=made.metadata.resource_version)
    same = await store.update(made)
    assert same == made
    assert await store.update(attrs.evolve(made, status={"ignored": 1})) == made
    assert await store.update_status(attrs.evolve(made, spec={"ignored": 1})) == made
    assert store.resource_version == made.metadata.resource_version
    changed = await store.update(attrs.evolve(made, spec={"size": 5}))
    (event,) = await next_events(events, 1)
    assert (event.type, event.object) == ("MODIFIED", changed)
    await events.aclose()


# -- list --


async def test_list_filters_by_namespace_and_label_selector(store: SQLiteStore):
    await store.create(widget("a", "ns", labels={"app": "web", "tier": "front"}))
    await store.create(widget("b", "ns", labels={"app": "db"}))
    await store.create(widget("c", "other", labels={"app": "web"}))
    await store.create(widget("d", "ns"))
    await store.create(Gadget(metadata=ObjectMeta(name="g", namespace="ns", labels={"app": "web"})))

    async def names(namespace: str | None = None, selector: Any = None) -> list[str]:
        return [w.key for w in await store.list(Widget, namespace, selector)]

    assert await names() == ["ns/a", "ns/b", "ns/d", "other/c"]
    assert await names("ns") == ["ns/a", "ns/b", "ns/d"]
    assert await names(None, {"app": "web"}) == ["ns/a", "other/c"]
    assert await names("ns", "app=web") == ["ns/a"]
    assert await names(None, "app in (web,db),tier!=back") == ["ns/a", "ns/b", "other/c"]
    assert await names(None, "app notin (web)") == ["ns/b", "ns/d"]
    assert await names(None, "tier") == ["ns/a"]
    assert await names(None, "!app") == ["ns/d"]
    assert await store.list(Widget, "empty") == []


# -- finalizers and deletion --


async def test_delete_without_finalizers_removes_the_object(store: SQLiteStore):
    await store.create(widget())
    assert await store.delete(Widget, "ns", "w") is None
    with pytest.raises(NotFoundError):
        await store.get(Widget, "ns", "w")
    assert await store.list(Widget) == []
    await store.create(widget())  # the name is free again


async def test_finalizers_hold_deletion_until_removed(store: SQLiteStore):
    made = await store.create(widget(finalizers=("test/cleanup", "test/other")))
    marked = await store.delete(Widget, "ns", "w")
    assert marked is not None
    assert marked.metadata.deletion_timestamp == "2024-05-01T12:30:45Z"
    assert await store.get(Widget, "ns", "w") == marked
    assert await store.delete(Widget, "ns", "w") == marked  # deleting again changes nothing
    assert store.resource_version == marked.metadata.resource_version

    with pytest.raises(ValidationError, match="metadata.finalizers"):
        await store.update(
            attrs.evolve(marked, metadata=attrs.evolve(marked.metadata, finalizers=("test/cleanup", "new")))
        )
    # A client cannot clear deletionTimestamp.
    kept = await store.update(
        attrs.evolve(
            marked,
            metadata=attrs.evolve(marked.metadata, deletion_timestamp=None, finalizers=("test/cleanup",)),
        )
    )
    assert kept.metadata.deletion_timestamp == marked.metadata.deletion_timestamp
    assert kept.metadata.uid == made.metadata.uid

    events = store.watch(Widget, since=kept.metadata.resource_version)
    last = await store.update(attrs.evolve(kept, metadata=attrs.evolve(kept.metadata, finalizers=())))
    (event,) = await next_events(events, 1)
    assert event.type == "DELETED"
    assert event.object == last
    assert rv(last) == rv(kept) + 1
    with pytest.raises(NotFoundError):
        await store.get(Widget, "ns", "w")
    await events.aclose()


async def test_deleted_event_carries_last_state_with_a_new_version(store: SQLiteStore):
    made = await store.update_status(attrs.evolve(await store.create(widget()), status={"ready": True}))
    events = store.watch(Widget, since=made.metadata.resource_version)
    await store.delete(Widget, "ns", "w")
    (event,) = await next_events(events, 1)
    assert event.type == "DELETED"
    assert event.object.status == {"ready": True}
    assert event.object.metadata.uid == made.metadata.uid
    assert rv(event.object) == rv(made) + 1
    await events.aclose()


async def test_cascading_delete_follows_owner_references_across_kinds_and_levels(store: SQLiteStore):
    root = await store.create(widget("root"))
    child = await store.create(owned_by(root, Gadget, "child"))
    grandchild = await store.create(owned_by(child, Widget, "grandchild"))
    great = await store.create(owned_by(grandchild, Gadget, "great"))
    bystander = await store.create(widget("bystander"))
    before = rv(bystander)

    events = store.watch(since=str(before))
    await store.delete(Widget, "ns", "root")
    got = await next_events(events, 4)
    assert [(e.type, e.object.KIND.kind, e.object.name) for e in got] == [
        ("DELETED", "Widget", "root"),
        ("DELETED", "Gadget", "child"),
        ("DELETED", "Widget", "grandchild"),
        ("DELETED", "Gadget", "great"),
    ]
    assert [rv(e.object) for e in got] == [before + 1, before + 2, before + 3, before + 4]
    for cls, name in ((Gadget, "child"), (Widget, "grandchild"), (Gadget, "great")):
        with pytest.raises(NotFoundError):
            await store.get(cls, "ns", name)
    assert [w.name for w in await store.list(Widget)] == ["bystander"]
    assert [e.object.metadata.uid for e in got[2:]] == [grandchild.metadata.uid, great.metadata.uid]
    await events.aclose()


async def test_owner_with_finalizers_keeps_dependents_until_it_is_gone(store: SQLiteStore):
    root = await store.create(widget("root", finalizers=("test/hold",)))
    await store.create(owned_by(root, Gadget, "child"))
    marked = await store.delete(Widget, "ns", "root")
    assert marked is not None
    assert [g.name for g in await store.list(Gadget)] == ["child"]
    await store.update(attrs.evolve(marked, metadata=attrs.evolve(marked.metadata, finalizers=None)))
    assert await store.list(Gadget) == []
    assert await store.list(Widget) == []


async def test_dependent_with_finalizers_is_marked_and_its_own_dependents_wait(store: SQLiteStore):
    root = await store.create(widget("root"))
    child = await store.create(owned_by(root, Gadget, "child", finalizers=("test/hold",)))
    await store.create(owned_by(child, Widget, "grandchild"))
    await store.delete(Widget, "ns", "root")
    marked = await store.get(Gadget, "ns", "child")
    assert marked.metadata.deletion_timestamp is not None
    assert [w.name for w in await store.list(Widget)] == ["grandchild"]
    await store.update(attrs.evolve(marked, metadata=attrs.evolve(marked.metadata, finalizers=())))
    assert await store.list(Gadget) == []
    assert await store.list(Widget) == []


async def test_dependent_with_another_live_owner_only_loses_the_dangling_reference(store: SQLiteStore):
    first = await store.create(widget("first"))
    second = await store.create(widget("second"))
    await store.create(owned_by(first, Gadget, "shared", second))
    await store.delete(Widget, "ns", "first")
    shared = await store.get(Gadget, "ns", "shared")
    assert [r.uid for r in shared.metadata.owner_references or ()] == [second.metadata.uid]
    await store.delete(Widget, "ns", "second")
    assert await store.list(Gadget) == []


# -- durability --


async def test_everything_survives_close_and_reopen(tmp_path: Path):
    path = tmp_path / "nested" / "store.db"
    first = SQLiteStore(path, kinds(), clock=lambda: NOW)
    made = await first.create(widget(finalizers=("test/hold",)))
    owner = await first.create(widget("owner"))
    await first.create(owned_by(owner, Gadget, "owned"))
    marked = await first.delete(Widget, "ns", "w")
    await first.close()
    await first.close()  # idempotent
    with pytest.raises(StoreClosedError):
        await first.get(Widget, "ns", "w")

    second = await SQLiteStore.open(path, kinds())
    try:
        assert await second.get(Widget, "ns", "w") == marked
        assert second.resource_version == marked.metadata.resource_version
        current = [(e.type, e.object.name) async for e in _drain(second.watch(), 3)]
        assert current == [("ADDED", "owner"), ("ADDED", "owned"), ("ADDED", "w")]
        since = made.metadata.resource_version
        replay = [(e.type, e.object.name, rv(e.object)) async for e in _drain(second.watch(since=since), 3)]
        assert replay == [("ADDED", "owner", 2), ("ADDED", "owned", 3), ("MODIFIED", "w", 4)]
        # The counter carries on, and cascading still works from the stored owner links.
        await second.delete(Widget, "ns", "owner")
        assert await second.list(Gadget) == []
        assert second.resource_version == "6"
    finally:
        await second.close()


async def _drain(it, n: int):
    try:
        for _ in range(n):
            yield await asyncio.wait_for(anext(it), 2)
    finally:
        await it.aclose()


# -- batches --


async def test_a_batch_is_stored_whole_and_watchers_hear_it_after_commit(store: SQLiteStore):
    from pyknative.store import BatchWrite, is_atomic, write_batch

    assert is_atomic(store)
    old = await store.create(widget("old"))
    watch = store.watch(Widget, since=store.resource_version)
    changed = attrs.evolve(old, spec={"size": 2})
    made = await write_batch(store, [BatchWrite("create", widget("a")), BatchWrite("update", changed)])
    assert [o.name for o in made] == ["a", "old"] and rv(made[1]) == rv(made[0]) + 1
    events = await next_events(watch, 2)
    assert [(e.type, e.object.name) for e in events] == [("ADDED", "a"), ("MODIFIED", "old")]
    await watch.aclose()


async def test_a_failed_write_rolls_back_the_whole_batch(store: SQLiteStore):
    from pyknative.store import BatchWrite, BatchWriteError

    old = await store.create(widget("old"))
    await store.create(widget("taken"))
    before = store.resource_version
    watch = store.watch(Widget, since=before)
    writes = [
        BatchWrite("create", widget("a")),
        BatchWrite("update", attrs.evolve(old, spec={"size": 2})),
        BatchWrite("create", widget("taken")),
    ]
    with pytest.raises(BatchWriteError) as caught:
        await store.write_batch(writes)
    assert caught.value.index == 2 and isinstance(caught.value.error, AlreadyExistsError)
    assert caught.value.status_code == 409 and caught.value.written == []
    assert store.resource_version == before
    assert [w.name for w in await store.list(Widget)] == ["old", "taken"]
    assert (await store.get(Widget, "ns", "old")) == old
    # the rolled-back writes made no events: the next one a watcher hears is the next real write
    await store.create(widget("b"))
    [event] = await next_events(watch, 1)
    assert (event.type, event.object.name, event.resource_version) == ("ADDED", "b", str(int(before) + 1))
    await watch.aclose()


async def test_a_batch_with_a_stale_update_stores_nothing(store: SQLiteStore):
    from pyknative.store import BatchWrite, BatchWriteError

    old = await store.create(widget("old"))
    await store.update(attrs.evolve(old, spec={"size": 5}))
    with pytest.raises(BatchWriteError) as caught:
        await store.write_batch([BatchWrite("create", widget("a")), BatchWrite("update", attrs.evolve(old, spec={}))])
    assert caught.value.index == 1 and isinstance(caught.value.error, ConflictError)
    assert [w.name for w in await store.list(Widget)] == ["old"]
