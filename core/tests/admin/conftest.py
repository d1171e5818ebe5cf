"""Fixtures for the admin API tests: a fresh in-memory store and the API served on a free loopback port."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import aiohttp
import pytest


def _support():
    name = "pyknative_apicli_support"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("support.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture
def support():
    return _support()


@pytest.fixture
def store(support):
    return support.MemoryStore()


@pytest.fixture
async def api(support, store):
    """``(session, base_url)`` for a real admin server on a free port."""
    from pyknative.admin import start_api_server

    runner, (host, port) = await start_api_server(support.make_app(store))
    async with aiohttp.ClientSession() as session:
        yield session, f"http://{host}:{port}"
    await runner.cleanup()


@pytest.fixture
async def real_api(tmp_path):
    """An aiohttp test client on the real admin app: Serving's and Eventing's kinds, a SQLite store in ``tmp_path``
    and a log source serving three lines; ``client.app_store`` is the store."""
    from aiohttp.test_utils import TestClient, TestServer

    from pyknative.admin import make_api_app
    from pyknative.api.kinds import AdmissionContext, Kinds
    from pyknative.api.kinds_plugin import registrations
    from pyknative.store.sqlite import SQLiteStore

    kinds = Kinds(registrations())
    store = SQLiteStore(tmp_path / "store.db", kinds)

    async def logs(namespace, name, revision):
        return ["one", "two", "three"]

    app = make_api_app(kinds=kinds, store=store, admission=lambda: AdmissionContext(store=store), logs=logs)
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    client.app_store = store
    try:
        yield client
    finally:
        await client.close()
        await store.close()
