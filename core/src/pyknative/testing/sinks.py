"""A recording HTTP sink on loopback for tests of sources and deliveries, and the pytest fixtures ``make_sink``
(``await make_sink()`` starts one more) and ``sink`` (one), which a conftest imports to use."""

from __future__ import annotations

import asyncio

import attrs
import pytest
from aiohttp import web


@attrs.define(eq=False)
class RecordingSink:
    """A recording HTTP server: every request's headers and body; answers ``status``."""

    status: int = 202
    received: list[tuple[dict[str, str], bytes]] = attrs.field(factory=list)
    url: str = ""
    _runner: web.AppRunner | None = None
    _arrived: asyncio.Event = attrs.field(factory=asyncio.Event)

    async def start(self) -> RecordingSink:
        async def handle(request: web.Request) -> web.Response:
            self.received.append(({k.lower(): v for k, v in request.headers.items()}, await request.read()))
            self._arrived.set()
            return web.Response(status=self.status)

        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}/"
        return self

    async def wait_for(self, count: int, timeout: float = 10.0) -> list[tuple[dict[str, str], bytes]]:
        async with asyncio.timeout(timeout):
            while len(self.received) < count:
                self._arrived.clear()
                await self._arrived.wait()
        return self.received

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


@pytest.fixture
async def make_sink():
    """Start recording sinks on demand; all stopped after the test."""
    made: list[RecordingSink] = []

    async def make() -> RecordingSink:
        s = await RecordingSink().start()
        made.append(s)
        return s

    yield make
    for s in made:
        await s.stop()


@pytest.fixture
async def sink(make_sink):
    """One recording sink."""
    return await make_sink()
