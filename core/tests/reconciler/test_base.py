"""The shared reconcile skeleton against the real SQLite store: what it reads, when it writes, what it returns."""

from __future__ import annotations

from datetime import UTC, datetime

import attrs
import pytest

from pyknative.api import conditions as cond
from pyknative.api.kinds import Kinds
from pyknative.api.kinds_plugin import registrations
from pyknative.api.meta import Addressable, Condition
from pyknative.api.serving import Route, RouteStatus
from pyknative.reconciler.base import Outcome, recheck_unless_ready, reconcile_status
from pyknative.store.sqlite import SQLiteStore

CONDITIONS = cond.ConditionSet("Ready", ("One", "Two"))
NOW = "2026-11-24T12:00:00Z"


def clock() -> datetime:
    return datetime(2026, 11, 24, 12, 0, 0, tzinfo=UTC)


@pytest.fixture
async def store():
    s = SQLiteStore(":memory:", Kinds(registrations()), clock=clock)
    yield s
    await s.close()


class Recorder:
    """A step that records what it was given and returns a fixed outcome."""

    def __init__(self, outcome=None) -> None:
        self.calls: list[tuple] = []
        self.outcome = outcome

    async def __call__(self, obj, conditions, now):
        self.calls.append((obj, conditions, now))
        return self.outcome if self.outcome is not None else Outcome(conditions)


async def _route(store, name="r", **meta):
    return await store.create(
        Route.from_dict({"metadata": {"name": name, "namespace": "ns", **meta}, "spec": {}})
    )


def _run(store, step, **kw):
    return reconcile_status(
        "ns/r", store=store, cls=Route, clock=clock, conditions=CONDITIONS, step=step, **kw
    )


async def test_a_missing_object_calls_on_missing_and_not_the_step(store):
    gone: list[str] = []

    async def on_missing(key: str) -> None:
        gone.append(key)

    step = Recorder()
    assert await _run(store, step, on_missing=on_missing) is None
    assert gone == ["ns/r"] and step.calls == []


async def test_the_step_gets_initialized_conditions_and_the_pass_time(store):
    await _route(store)
    step = Recorder()
    await _run(store, step)
    ((obj, conditions, now),) = step.calls
    assert obj.name == "r" and now == NOW
    assert [(c.type, c.status) for c in conditions] == [
        ("One", "Unknown"),
        ("Ready", "Unknown"),
        ("Two", "Unknown"),
    ]


async def test_the_outcome_is_written_with_observed_generation_and_its_requeue_returned(store):
    await _route(store)
    conditions = CONDITIONS.initialize((), NOW)
    conditions = CONDITIONS.mark_true(CONDITIONS.mark_true(conditions, "One", NOW), "Two", NOW)
    step = Recorder(Outcome(conditions, {"address": Addressable(url="http://r.ns")}, requeue=3.0))
    assert await _run(store, step) == 3.0
    status = (await store.get(Route, "ns", "r")).status
    assert cond.is_true(status.conditions, "Ready")
    assert status.address.url == "http://r.ns" and status.observed_generation == 1


async def test_an_unchanged_status_is_not_written(store):
    await _route(store)
    await _run(store, Recorder())
    rv = (await store.get(Route, "ns", "r")).metadata.resource_version
    await _run(store, Recorder())
    assert (await store.get(Route, "ns", "r")).metadata.resource_version == rv


async def test_a_deleting_object_is_skipped_only_where_the_kind_asks(store):
    await _route(store, finalizers=["example.com/hold"])
    await store.delete(Route, "ns", "r")
    skipped = Recorder()
    await _run(store, skipped, skip_deleting=True)
    assert skipped.calls == []
    seen = Recorder()
    await _run(store, seen)
    assert len(seen.calls) == 1


async def test_default_status_stands_in_for_a_missing_one(store):
    await _route(store)

    class NoStatus:
        """The store, answering with an object stored without a status (``status: null``)."""

        async def get(self, cls, namespace, name):
            return attrs.evolve(await store.get(cls, namespace, name), status=None)

        async def update_status(self, obj):
            return await store.update_status(obj)

    await reconcile_status(
        "ns/r",
        store=NoStatus(),
        cls=Route,
        clock=clock,
        conditions=CONDITIONS,
        step=Recorder(),
        default_status=RouteStatus,
    )
    status = (await store.get(Route, "ns", "r")).status
    assert isinstance(status, RouteStatus) and cond.get(status.conditions, "Ready").status == "Unknown"


@pytest.mark.parametrize(
    ("ready", "want"),
    [
        pytest.param("True", None, id="ready: wait for a change"),
        pytest.param("Unknown", 2.0, id="not ready: look again"),
    ],
)
def test_recheck_unless_ready(ready, want):
    conditions = (Condition(type="Ready", status=ready),)
    assert recheck_unless_ready(conditions, 2.0) == want
