"""Fixtures for the gateway tests: real aiohttp upstreams and a real gateway on 127.0.0.1 free ports."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import AsyncIterator

import aiohttp
import attrs
import pytest
from aiohttp import web

from pyknative.dataplane import Gateway, RevisionKey, RouteRule, Split


@attrs.define
class Backend:
    """A small upstream app that records what it saw."""

    name: str
    runner: web.AppRunner | None = None
    port: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    requests: int = 0
    peers: list[tuple[str, int]] = attrs.field(factory=list)
    #: the ``n`` query parameter of each /slow request, in the order they arrived
    order: list[str] = attrs.field(factory=list)

    @property
    def address(self) -> tuple[str, int]:
        return ("127.0.0.1", self.port)

    def app(self) -> web.Application:
        app = web.Application(client_max_size=1 << 30)
        app.router.add_route("*", "/", self._hello)
        app.router.add_get("/headers", self._headers)
        app.router.add_get("/slow", self._slow)
        app.router.add_get("/stream", self._stream)
        app.router.add_post("/upload", self._upload)
        app.router.add_get("/peer", self._peer)
        app.router.add_get("/ws", self._ws)
        return app

    async def _hello(self, request: web.Request) -> web.Response:
        self.requests += 1
        return web.Response(text=f"hello from {self.name}")

    async def _headers(self, request: web.Request) -> web.Response:
        return web.json_response({"headers": [[k, v] for k, v in request.headers.items()]})

    async def _slow(self, request: web.Request) -> web.Response:
        self.order.append(request.query.get("n", ""))
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await asyncio.sleep(float(request.query.get("delay", "0.1")))
        finally:
            self.in_flight -= 1
        return web.Response(text=f"slow from {self.name}")

    async def _stream(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        await response.prepare(request)
        for i in range(int(request.query.get("n", "3"))):
            await response.write(b"chunk-%d\n" % i)
            await asyncio.sleep(float(request.query.get("gap", "0.3")))
        await response.write_eof()
        return response

    async def _upload(self, request: web.Request) -> web.Response:
        digest = hashlib.sha256()
        size = 0
        async for piece in request.content.iter_any():
            digest.update(piece)
            size += len(piece)
        return web.json_response({"size": size, "sha256": digest.hexdigest(), "chunked": request.headers.get("Transfer-Encoding")})

    async def _peer(self, request: web.Request) -> web.Response:
        peer = request.transport.get_extra_info("peername")
        self.peers.append((peer[0], peer[1]))
        return web.Response(text=json.dumps(peer[1]))

    async def _ws(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        async for msg in ws:
            if msg.type == aiohttp.WSMsgType.TEXT:
                await ws.send_str(f"{self.name} echoes {msg.data}")
        return ws


@attrs.define
class Harness:
    """A started gateway, a client session and the backends started for one test."""

    gateway: Gateway
    session: aiohttp.ClientSession
    started: list[Backend] = attrs.field(factory=list)

    async def backend(self, name: str) -> Backend:
        backend = Backend(name)
        backend.runner = web.AppRunner(backend.app(), access_log=None, handler_cancellation=True, shutdown_timeout=0.5)
        await backend.runner.setup()
        site = web.TCPSite(backend.runner, "127.0.0.1", 0)
        await site.start()
        backend.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.started.append(backend)
        return backend

    def url(self, path: str = "/") -> str:
        host, port = self.gateway.address  # type: ignore[misc]
        return f"http://{host}:{port}{path}"

    def serve(
        self, host: str, key: RevisionKey, backend: Backend | None, *, cc: int = 0, timeout: float = 5.0
    ) -> None:
        """Route ``host`` 100% to ``key`` and point ``key`` at ``backend`` (None: zero endpoints)."""
        self.gateway.set_revision(
            key, endpoints=[backend.address] if backend else [], container_concurrency=cc, timeout_seconds=timeout
        )
        self.gateway.set_routes({host: RouteRule((Split(key, 100),))})

    def route(self, host: str, key: RevisionKey) -> None:
        self.gateway.set_routes({host: RouteRule((Split(key, 100),))})

    async def get(self, host: str, path: str = "/", **kwargs: object) -> tuple[int, str, dict[str, str]]:
        async with self.session.get(self.url(path), headers={"Host": host}, **kwargs) as r:  # type: ignore[arg-type]
            return r.status, await r.text(), dict(r.headers)

    async def raw(self, request: bytes, *, timeout: float = 5.0) -> bytes:
        """Send raw bytes and read everything until the gateway closes the connection."""
        reader, writer = await asyncio.open_connection(*self.gateway.address)  # type: ignore[misc]
        try:
            writer.write(request)
            await writer.drain()
            return await asyncio.wait_for(reader.read(), timeout)
        finally:
            writer.close()


@pytest.fixture
async def harness() -> AsyncIterator[Harness]:
    gw = Gateway()
    await gw.start()
    async with aiohttp.ClientSession() as session:
        h = Harness(gw, session)
        try:
            yield h
        finally:
            await gw.stop()
            for backend in h.started:
                await backend.runner.cleanup()  # type: ignore[union-attr]


def pytest_asyncio_loop_factories(config: pytest.Config, item: pytest.Item) -> dict[str, object]:
    """Every gateway test runs on the default loop and on uvloop (what production and the benchmark use)."""
    import uvloop

    return {"asyncio": asyncio.new_event_loop, "uvloop": uvloop.new_event_loop}
