"""A real Platform, in-process: its parts start and stop as paired contexts, its controllers come from plugins and
read through the informer cache, and the source, build and accelerator hooks have their callers."""

from __future__ import annotations

import asyncio

import attrs
import pytest

from pyknative import hookimpl
from pyknative.api import conditions as cond
from pyknative.api.eventing import Broker, Trigger
from pyknative.api.serving import Revision, Route, Service
from pyknative.errors import BackendNotInstalledError, PluginConflictError
from pyknative.platform import Platform
from pyknative.roles import AdapterEnvironment, Controller, DeviceGrant
from pyknative.store.sqlite import SQLiteStore

PORTS = {"gateway-port": "0", "admin-port": "0", "eventing-port": "0"}


@attrs.define
class CountingStore:
    """The SQLite store, counting the calls that read many objects."""

    inner: SQLiteStore
    lists: list[str] = attrs.field(factory=list)

    async def list(self, cls, namespace=None, label_selector=None):
        self.lists.append(cls.KIND.kind)
        return await self.inner.list(cls, namespace, label_selector)

    async def list_with_version(self, cls):
        self.lists.append(cls.KIND.kind)
        return await self.inner.list_with_version(cls)

    def __getattr__(self, name):
        return getattr(self.inner, name)


class _CountingStorePlugin:
    def __init__(self) -> None:
        self.made: list[CountingStore] = []

    @hookimpl
    def pyknative_provides(self):
        return {"store": ["counting"]}

    @hookimpl
    def pyknative_make_store(self, name, platform):
        if name != "counting":
            return None
        store = CountingStore(
            SQLiteStore(platform.data_dir / "store.sqlite3", platform.kinds, clock=platform.clock)
        )
        self.made.append(store)
        return store


def _platform(tmp_path, *extra, **settings) -> Platform:
    overrides = {**PORTS, "data-dir": str(tmp_path / "data"), **settings}
    return Platform.from_config(None, overrides=overrides, extra_plugins=extra)


def _service(i: int) -> Service:
    return Service.from_dict(
        {
            "metadata": {"name": f"s{i}", "namespace": "default"},
            "spec": {"template": {"spec": {"containers": [{"image": "example.com/only-an-image"}]}}},
        }
    )


async def _until(check, timeout: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_no_reconcile_lists_the_store_each_kind_is_listed_once_by_its_informer(tmp_path):
    counting = _CountingStorePlugin()
    platform = _platform(tmp_path, ("store", "counting", counting), store="counting", runtime="local")
    await platform.start()
    try:
        store = counting.made[0]
        listed_at_start = list(store.lists)
        assert len(listed_at_start) == len(set(listed_at_start)), listed_at_start  # one list per kind
        for i in range(40):
            await store.create(_service(i))
        await store.create(Broker.from_dict({"metadata": {"name": "default", "namespace": "default"}}))
        for i in range(10):
            await store.create(
                Trigger.from_dict(
                    {
                        "metadata": {"name": f"t{i}", "namespace": "default"},
                        "spec": {
                            "broker": "default",
                            "subscriber": {
                                "ref": {
                                    "apiVersion": "serving.knative.dev/v1",
                                    "kind": "Service",
                                    "name": f"s{i}",
                                }
                            },
                        },
                    }
                )
            )

        async def all_reconciled() -> bool:
            revs = await store.inner.list(Revision)
            routes = await store.inner.list(Route)
            return (
                len(revs) == 40
                and len(routes) == 40
                and all(
                    (c := cond.get(r.status.conditions if r.status else None, "Ready")) is not None
                    and c.reason == "ImageNotRunnableLocally"
                    for r in revs
                )
            )

        await _until(all_reconciled)
        # 40 Services went through five controllers each, a Broker and 10 Triggers through theirs, and nothing
        # listed the store again.
        assert store.lists == listed_at_start
        assert {"Service", "Configuration", "Revision", "Route", "Ingress", "PodAutoscaler"} <= set(
            store.lists
        )
    finally:
        await platform.stop()


class _Recorder:
    """A plugin with a controller of its own over a core kind, plus a source, a build executor and a profile."""

    def __init__(self, name: str = "seen-services") -> None:
        self.name = name
        self.seen: set[str] = set()
        self.closed: list[str] = []

    @hookimpl
    def pyknative_provides(self):
        return {"source": ["ExampleSource"], "build": ["example"], "accelerator": ["example.com/gpu"]}

    @hookimpl
    def pyknative_controllers(self, platform):
        async def reconcile(key: str) -> None:
            await platform.cache.get(Service, *key.split("/", 1))
            self.seen.add(key)

        return [Controller(self.name, platform.store, Service, reconcile)]

    @hookimpl
    def pyknative_make_source(self, api_version, kind, platform):
        if kind != "ExampleSource":
            return None
        recorder = self

        class Adapter:
            async def start(self, source, env):
                pass

            async def stop(self, key):
                pass

            async def aclose(self):
                recorder.closed.append("source")

        return Adapter()

    @hookimpl
    async def pyknative_make_build_executor(self, name, platform):
        if name != "example":
            return None
        recorder = self

        class Executor:
            async def run(self, run, report):
                pass

            async def cancel(self, key):
                pass

            async def aclose(self):
                recorder.closed.append("build")

        executor = Executor()
        executor.name = name
        return executor

    @hookimpl
    def pyknative_accelerator_profile(self, name, platform):
        if name != "example.com/gpu":
            return None

        @attrs.define
        class Profile:
            name: str = "example.com/gpu"
            resources: dict = attrs.field(factory=lambda: {"example.com/gpu": "1"})
            node_selector: dict = attrs.field(factory=dict)
            tolerations: tuple = ()
            runtime_class: str | None = None

            def allocate(self, instance):
                return DeviceGrant(("GPU-0",), {"EXAMPLE_VISIBLE_DEVICES": "GPU-0"})

            def release(self, instance):
                pass

        return Profile()


async def test_a_plugin_controller_runs_and_the_backend_hooks_are_made_once_and_closed(tmp_path):
    plugin = _Recorder()
    platform = _platform(tmp_path, ("kinds", "recorder", plugin))
    await platform.start()
    try:
        await platform.store.create(_service(1))

        async def seen() -> bool:
            return "default/s1" in plugin.seen

        await _until(seen)
        source = await platform.source_adapter("sources.example.com/v1", "ExampleSource")
        assert source is await platform.source_adapter("sources.example.com/v1", "ExampleSource")
        executor = await platform.build_executor("example")
        assert executor.name == "example"
        profile = await platform.accelerator_profile("example.com/gpu")
        assert profile.allocate("default/r/0").env == {"EXAMPLE_VISIBLE_DEVICES": "GPU-0"}
        with pytest.raises(BackendNotInstalledError, match="'NoSource' is not provided"):
            await platform.source_adapter("sources.example.com/v1", "NoSource")
        with pytest.raises(BackendNotInstalledError):
            await platform.build_executor("tekton-on-mars")
        with pytest.raises(BackendNotInstalledError):
            await platform.accelerator_profile("nvidia.com/gpu")
    finally:
        await platform.stop()
    assert sorted(plugin.closed) == ["build", "source"]


async def test_two_controllers_of_one_name_fail_start_up_and_nothing_is_left_running(tmp_path):
    platform = _platform(tmp_path, ("kinds", "a", _Recorder("twin")), ("kinds", "b", _Recorder("twin")))
    with pytest.raises(PluginConflictError, match="two plugins bring a controller named 'twin'"):
        await platform.start()
    # Every part started before the failure was stopped again: the listeners are closed, the store too.
    gateway = platform.data_plane.gateway
    assert gateway._server is None or not gateway._server.is_serving()
    with pytest.raises(Exception):  # noqa: B017 - the closed store refuses any use
        await platform.store.list(Service)
    await platform.stop()  # idempotent after a failed start


def test_the_adapter_environment_is_knatives():
    env = AdapterEnvironment(sink="http://sink", namespace="ns", name="src", ce_overrides={"team": "a"})
    assert env.to_env() == {
        "K_SINK": "http://sink",
        "NAME": "src",
        "NAMESPACE": "ns",
        "K_CE_OVERRIDES": '{"extensions": {"team": "a"}}',
    }
    assert "K_CE_OVERRIDES" not in AdapterEnvironment(sink="s", namespace="n", name="x").to_env()


class _Lifecycle:
    def __init__(self) -> None:
        self.calls: list[tuple[str, bool]] = []

    @hookimpl
    async def pyknative_startup(self, platform):
        # Everything is up by now: a plugin may reach the admin API and the event listener.
        self.calls.append(("startup", platform.admin_address is not None and bool(platform.listener_url("events"))))

    @hookimpl
    def pyknative_shutdown(self, platform):
        self.calls.append(("shutdown", platform.store is not None and platform.controllers != {}))


async def test_startup_runs_once_everything_is_up_and_shutdown_first_when_stopping(tmp_path):
    plugin = _Lifecycle()
    platform = _platform(tmp_path, ("kinds", "lifecycle", plugin))
    await platform.start()
    assert plugin.calls == [("startup", True)]
    await platform.stop()
    await platform.stop()
    assert plugin.calls == [("startup", True), ("shutdown", True)]
