"""The gRPC readiness probe against a real grpcio server with the standard health service."""

from __future__ import annotations

import socket

import pytest
from grpc_health.v1 import health_pb2

from pyknative.api.serving import Revision
from pyknative.runtime import probes
from pyknative.runtime.grpc_probe import request_message, serving_status
from pyknative.runtime.probes import GRPCProbe
from pyknative.runtime.resources import readiness


@pytest.fixture
def grpc_server():
    """A real grpcio server with the standard health service: the server SERVING, ``stopping.Svc`` NOT_SERVING."""
    from concurrent import futures

    import grpc
    from grpc_health.v1 import health, health_pb2_grpc

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    port = server.add_insecure_port("127.0.0.1:0")
    servicer = health.HealthServicer()
    servicer.set("", health_pb2.HealthCheckResponse.SERVING)
    servicer.set("stopping.Svc", health_pb2.HealthCheckResponse.NOT_SERVING)
    health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
    server.start()
    yield server, port
    server.stop(0)


def test_messages_match_protobufs_encoding():
    assert request_message("") == b"\x00\x00\x00\x00\x00"
    framed = request_message("echo.Echo")
    assert health_pb2.HealthCheckRequest.FromString(framed[5:]).service == "echo.Echo"
    for status in (0, 1, 2, 3):
        proto = health_pb2.HealthCheckResponse(status=status).SerializeToString()
        assert serving_status(b"\x00" + len(proto).to_bytes(4, "big") + proto) == status
    assert serving_status(b"") is None


def test_a_knative_grpc_probe_becomes_a_grpc_readiness_check():
    rev = Revision.from_dict({"metadata": {"name": "r", "namespace": "n"}, "spec": {"containers": [
        {"image": "x", "readinessProbe": {"grpc": {"port": 9000, "service": "echo.Echo"}, "periodSeconds": 3}}]}})
    probe = rev.spec.containers[0].readiness_probe
    r = readiness(probe, 9000)
    assert r.handler == GRPCProbe(port=None, service="echo.Echo") and r.period_seconds == 3
    assert readiness(probe, 8080).handler == GRPCProbe(port=9000, service="echo.Echo")


async def test_serving_server_passes(grpc_server):
    server, port = grpc_server
    assert await probes.check(GRPCProbe(), host="127.0.0.1", port=port, timeout=5)


async def test_unknown_service_fails(grpc_server):
    server, port = grpc_server
    assert not await probes.check(GRPCProbe(service="no.Such"), host="127.0.0.1", port=port, timeout=5)


async def test_not_serving_and_not_listening_fail(grpc_server):
    server, port = grpc_server
    assert not await probes.check(GRPCProbe(service="stopping.Svc"), host="127.0.0.1", port=port, timeout=5)
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        free = s.getsockname()[1]
    assert not await probes.check(GRPCProbe(), host="127.0.0.1", port=free, timeout=2)
