"""Helpers for tests that run a whole in-process :class:`~pyknative.platform.Platform`: free-port overrides, applying
a manifest as ``pyknative apply`` does (admission, then create or update), and waiting for a condition."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import attrs

from pyknative.api.kinds import admit
from pyknative.errors import NotFoundError

#: operator-config overrides that put every listener on a free loopback port
PORTS = {"gateway-port": "0", "admin-port": "0", "eventing-port": "0"}


async def apply(platform: Any, doc: dict) -> Any:
    """Admit ``doc`` (defaulting and validation, as the admin API does) and create it, or update what is there."""
    obj = platform.kinds.from_manifest(doc)
    obj = await admit(platform.kinds, obj, None, platform.admission())
    try:
        old = await platform.store.get(type(obj), obj.namespace, obj.name)
    except NotFoundError:
        return await platform.store.create(obj)
    return await platform.store.update(attrs.evolve(obj, metadata=old.metadata))


async def until(check: Callable[[], Awaitable[Any]], timeout: float = 10.0, interval: float = 0.02) -> Any:
    """Await ``check()`` every ``interval`` seconds until it returns something true, and return that; TimeoutError
    after ``timeout`` seconds."""
    async with asyncio.timeout(timeout):
        while True:
            value = await check()
            if value:
                return value
            await asyncio.sleep(interval)
