"""A small gRPC server for the HTTP/2 tests: raw-bytes methods (no generated code) and the standard health service.

Run as a script it serves on ``$PORT`` (a Knative revision's contract) until killed; :func:`serve` starts one in
this process. Methods of ``echo.Echo`` (requests and responses are plain bytes):

- ``Unary``: ``<msg>`` -> ``<msg>- pong``, with trailing metadata ``x-echo-trailer: done``; ``fail:<code>`` aborts
  the call with that status code.
- ``ServerStream``: ``<n>`` -> ``n`` messages ``0``, ``1``, ...
- ``ClientStream``: every message, joined with ``,``.
- ``Bidi``: each message back as ``<msg>!``.
- ``Sleep``: ``<seconds>`` -> sleeps, answers ``slept``; a call cancelled meanwhile is counted.
- ``Deadline``: the call's time remaining as the server sees it (seconds, text; ``none`` without a deadline).
- ``Cancelled``: how many ``Sleep`` calls were cancelled so far.
- ``Who``: sleeps ``<seconds>``, answers ``<pid>:<port>`` of this server (which instance answered); the most
  calls it had at once is ``max_in_flight``.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from concurrent import futures

import grpc

SERVICE = "echo.Echo"


class Echo:
    def __init__(self, port: int) -> None:
        self.port = port
        self.cancelled = 0
        self.sleeping = 0  # Sleep calls begun
        self.in_flight = 0
        self.max_in_flight = 0  # of Who calls
        self.lock = threading.Lock()

    def unary(self, request: bytes, context: grpc.ServicerContext) -> bytes:
        if request.startswith(b"fail:"):
            context.abort(grpc.StatusCode(_code(int(request[5:]))), "asked to fail")
        context.set_trailing_metadata((("x-echo-trailer", "done"),))
        return request + b"- pong"

    def server_stream(self, request: bytes, context: grpc.ServicerContext):
        for i in range(int(request or b"3")):
            yield b"%d" % i

    def client_stream(self, requests, context: grpc.ServicerContext) -> bytes:
        return b",".join(requests)

    def bidi(self, requests, context: grpc.ServicerContext):
        for message in requests:
            yield message + b"!"

    def sleep(self, request: bytes, context: grpc.ServicerContext) -> bytes:
        done = threading.Event()

        def on_done() -> None:
            if not done.is_set():
                with self.lock:
                    self.cancelled += 1

        context.add_callback(on_done)
        with self.lock:
            self.sleeping += 1
        deadline = time.monotonic() + float(request or b"1")
        while time.monotonic() < deadline and context.is_active():
            time.sleep(0.02)
        done.set()
        return b"slept"

    def deadline(self, request: bytes, context: grpc.ServicerContext) -> bytes:
        remaining = context.time_remaining()
        return b"none" if remaining is None or remaining > 1e6 else b"%.3f" % remaining

    def count_cancelled(self, request: bytes, context: grpc.ServicerContext) -> bytes:
        with self.lock:
            return b"%d" % self.cancelled

    def who(self, request: bytes, context: grpc.ServicerContext) -> bytes:
        with self.lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            time.sleep(float(request or b"0"))
        finally:
            with self.lock:
                self.in_flight -= 1
        return b"%d:%d" % (os.getpid(), self.port)


def _code(value: int) -> tuple[int, str]:
    for code in grpc.StatusCode:
        if code.value[0] == value:
            return code.value
    return grpc.StatusCode.UNKNOWN.value


def serve(port: int = 0, host: str = "127.0.0.1") -> tuple[grpc.Server, int, Echo]:
    """A started server (threads) with ``echo.Echo`` and the health service; returns it, its port, the servicer."""
    from grpc_health.v1 import health, health_pb2, health_pb2_grpc

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=32))
    bound = server.add_insecure_port(f"{host}:{port}")
    echo = Echo(bound)
    h = grpc
    handlers = {
        "Unary": h.unary_unary_rpc_method_handler(echo.unary),
        "ServerStream": h.unary_stream_rpc_method_handler(echo.server_stream),
        "ClientStream": h.stream_unary_rpc_method_handler(echo.client_stream),
        "Bidi": h.stream_stream_rpc_method_handler(echo.bidi),
        "Sleep": h.unary_unary_rpc_method_handler(echo.sleep),
        "Deadline": h.unary_unary_rpc_method_handler(echo.deadline),
        "Cancelled": h.unary_unary_rpc_method_handler(echo.count_cancelled),
        "Who": h.unary_unary_rpc_method_handler(echo.who),
    }
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE, handlers),))
    health_servicer = health.HealthServicer()
    health_servicer.set("", health_pb2.HealthCheckResponse.SERVING)
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    server.start()
    return server, bound, echo


if __name__ == "__main__":
    srv, bound, _ = serve(int(os.environ.get("PORT", sys.argv[1] if len(sys.argv) > 1 else "8080")))
    print(f"grpc echo listening on {bound}", flush=True)
    srv.wait_for_termination()
