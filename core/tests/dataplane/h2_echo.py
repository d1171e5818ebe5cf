"""A small h2c (HTTP/2 with prior knowledge) server for the gateway tests, on the ``h2`` library over asyncio.

Every request is answered with JSON: ``{"http_version": "2", "method", "path", "authority", "headers": [[name,
value], ...], "body_length", "body_sha256"}``, then the trailer ``x-echo-trailer: done``. A path ``/stream?n=N``
answers N lines one DATA frame each instead.
"""

from __future__ import annotations

import asyncio
import hashlib
import json

import h2.config
import h2.connection
import h2.events


class _Conn(asyncio.Protocol):
    def __init__(self) -> None:
        self.h2 = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False, header_encoding="utf-8"))
        self.requests: dict[int, dict] = {}

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.h2.initiate_connection()
        transport.write(self.h2.data_to_send())  # type: ignore[attr-defined]

    def data_received(self, data: bytes) -> None:
        for ev in self.h2.receive_data(data):
            if isinstance(ev, h2.events.RequestReceived):
                self.requests[ev.stream_id] = {"headers": ev.headers, "body": hashlib.sha256(), "length": 0}
            elif isinstance(ev, h2.events.DataReceived):
                req = self.requests[ev.stream_id]
                req["body"].update(ev.data)
                req["length"] += len(ev.data)
                self.h2.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
            elif isinstance(ev, h2.events.StreamEnded):
                self._answer(ev.stream_id, self.requests.pop(ev.stream_id))
        self.transport.write(self.h2.data_to_send())  # type: ignore[attr-defined]

    def _answer(self, sid: int, req: dict) -> None:
        pseudo = {k: v for k, v in req["headers"] if k.startswith(":")}
        path = pseudo.get(":path", "/")
        if path.startswith("/stream"):
            n = int(path.partition("n=")[2] or 3)
            self.h2.send_headers(sid, [(":status", "200"), ("content-type", "text/plain")])
            for i in range(n):
                self.h2.send_data(sid, b"line-%d\n" % i)
            self.h2.end_stream(sid)
            return
        body = json.dumps(
            {
                "http_version": "2",
                "method": pseudo.get(":method"),
                "path": path,
                "authority": pseudo.get(":authority"),
                "headers": [[k, v] for k, v in req["headers"] if not k.startswith(":")],
                "body_length": req["length"],
                "body_sha256": req["body"].hexdigest(),
            }
        ).encode()
        self.h2.send_headers(sid, [(":status", "200"), ("content-type", "application/json")])
        while body:  # within the default windows: the test bodies are small
            size = min(self.h2.max_outbound_frame_size, len(body))
            self.h2.send_data(sid, body[:size])
            body = body[size:]
        self.h2.send_headers(sid, [("x-echo-trailer", "done")], end_stream=True)


async def start() -> tuple[asyncio.AbstractServer, int]:
    server = await asyncio.get_running_loop().create_server(_Conn, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]
