"""A gRPC unary load generator (grpc.aio, C-core's HTTP/2): ``_grpc_load.py TARGET AUTHORITY STREAMS SECONDS``.

``STREAMS`` calls stay in flight on one channel (one HTTP/2 connection, as ghz does by default), each issuing
``/echo.Echo/Unary`` again as soon as its answer came, for ``SECONDS``. Prints one JSON line: requests/s, p50 and
p99 (ms), requests and errors.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time

import grpc


async def main(target: str, authority: str, streams: int, seconds: float) -> dict:
    latencies: list[float] = []
    errors = 0
    async with grpc.aio.insecure_channel(target, options=[("grpc.default_authority", authority)]) as channel:
        call = channel.unary_unary("/echo.Echo/Unary")
        await call(b"warm", timeout=10)
        stop = time.perf_counter() + seconds

        async def worker() -> None:
            nonlocal errors
            while True:
                t0 = time.perf_counter()
                if t0 >= stop:
                    return
                try:
                    await call(b"ping", timeout=10)
                except grpc.RpcError:
                    errors += 1
                    continue
                latencies.append(time.perf_counter() - t0)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(streams)))
        took = time.perf_counter() - started
    latencies.sort()
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return {"rps": len(latencies) / took, "p50": 1e3 * q[49], "p99": 1e3 * q[98], "requests": len(latencies),
            "errors": errors}


if __name__ == "__main__":
    target, authority, streams, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    print(json.dumps(asyncio.run(main(target, authority, streams, seconds))))
