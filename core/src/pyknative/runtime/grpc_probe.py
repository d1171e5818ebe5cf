"""The gRPC readiness probe (Kubernetes' ``grpc`` probe): one ``grpc.health.v1.Health/Check`` call over h2c,
ready when it answers ``SERVING``.

The call is small enough to frame by hand on top of ``h2`` (no gRPC stack in the platform): the request is the
protobuf ``HealthCheckRequest{service}`` (field 1, a string), the answer ``HealthCheckResponse{status}`` (field 1,
an enum; 1 is SERVING), each behind gRPC's 5-byte message prefix; ``grpc-status: 0`` must close the stream.
"""

from __future__ import annotations

import asyncio

import h2.config
import h2.connection
import h2.events

PATH = "/grpc.health.v1.Health/Check"
SERVING = 1


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def request_message(service: str) -> bytes:
    """The framed ``HealthCheckRequest`` for ``service`` ("" asks for the server as a whole)."""
    raw = service.encode()
    proto = b"\x0a" + _varint(len(raw)) + raw if raw else b""
    return b"\x00" + len(proto).to_bytes(4, "big") + proto


def serving_status(body: bytes) -> int | None:
    """The ``status`` of a framed ``HealthCheckResponse`` (0 when the field is absent, as protobuf's default)."""
    if len(body) < 5 or body[0] != 0:
        return None
    proto = body[5 : 5 + int.from_bytes(body[1:5], "big")]
    i = 0
    while i < len(proto):
        key = proto[i]
        i += 1
        if key == 0x08:  # field 1, varint
            value = shift = 0
            while i < len(proto):
                b = proto[i]
                i += 1
                value |= (b & 0x7F) << shift
                shift += 7
                if not b & 0x80:
                    return value
            return None
        return None  # another field first: not a response we know
    return 0


async def check(host: str, port: int, service: str = "") -> bool:
    """One health check call; True when the server answers SERVING with grpc-status 0."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
        conn.initiate_connection()
        sid = conn.get_next_available_stream_id()
        authority = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        conn.send_headers(sid, [
            (":method", "POST"), (":scheme", "http"), (":path", PATH), (":authority", authority),
            ("content-type", "application/grpc"), ("te", "trailers"), ("user-agent", "kube-probe/pyknative"),
        ])
        conn.send_data(sid, request_message(service), end_stream=True)
        writer.write(conn.data_to_send())
        body = bytearray()
        status: str | None = None
        while True:
            data = await reader.read(65536)
            if not data:
                return False
            for event in conn.receive_data(data):
                if isinstance(event, h2.events.DataReceived) and event.stream_id == sid:
                    body += event.data
                    conn.acknowledge_received_data(event.flow_controlled_length, sid)
                elif isinstance(event, h2.events.ResponseReceived | h2.events.TrailersReceived):
                    status = dict(event.headers).get("grpc-status", status)
                elif isinstance(event, h2.events.StreamReset | h2.events.ConnectionTerminated):
                    return False
                elif isinstance(event, h2.events.StreamEnded) and event.stream_id == sid:
                    return status == "0" and serving_status(bytes(body)) == SERVING
            writer.write(conn.data_to_send())
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except OSError:
            pass
