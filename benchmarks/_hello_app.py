"""The app behind benchmarks/gateway_overhead: aiohttp (default asyncio loop, one process), ``GET /`` -> ``hello``.

It listens on 127.0.0.1:$PORT (the runtime contract) and prints ``listening on PORT`` once it does, which is how
the benchmark finds the instance that `pyknative serve` started (through the Service's logs).
"""

import asyncio
import os

from aiohttp import web


async def hello(_request: web.Request) -> web.Response:
    return web.Response(text="hello")


async def main() -> None:
    app = web.Application()
    app.router.add_get("/", hello)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = int(os.environ.get("PORT", "8080"))
    await web.TCPSite(runner, "127.0.0.1", port).start()
    print(f"listening on {port}", flush=True)
    await asyncio.Event().wait()


asyncio.run(main())
