"""HTTP/2 and gRPC end to end: a real `pyknative serve`, a Knative Service whose port is named ``h2c`` running a
real gRPC server (grpcio), a real gRPC client through the gateway; an HTTP/2 client to an HTTP/1.1 Service."""

from __future__ import annotations

import json
import sys
import time

import grpc
import httpx
import pytest

from tests.e2e.serve import ROOT, Served, get

pytestmark = pytest.mark.slow

SERVER = ROOT / "core" / "tests" / "dataplane" / "grpc_echo.py"


def _service(name: str, *, annotations: dict[str, str] | None = None, timeout: int = 3, cc: int = 0) -> str:
    return json.dumps(
        {
            "apiVersion": "serving.knative.dev/v1",
            "kind": "Service",
            "metadata": {"name": name, "namespace": "default"},
            "spec": {
                "template": {
                    "metadata": {"annotations": annotations or {}},
                    "spec": {
                        "containerConcurrency": cc,
                        "timeoutSeconds": timeout,
                        "containers": [
                            {
                                "image": "example.com/grpc-echo",
                                "command": [sys.executable, str(SERVER)],
                                "ports": [{"name": "h2c", "containerPort": 8080}],
                            }
                        ],
                    },
                }
            },
        }
    )


def _channel(served: Served, host: str) -> grpc.Channel:
    target = "{}:{}".format(*served.gateway)
    return grpc.insecure_channel(target, options=[("grpc.default_authority", host)])


def test_grpc_service_on_an_h2c_port(served: Served):
    served.apply(_service("echo", annotations={"autoscaling.knative.dev/min-scale": "1",
                                               "autoscaling.knative.dev/max-scale": "1"}))
    svc = served.wait_ready("ksvc", "echo", timeout="90s")
    host = svc["status"]["url"].removeprefix("http://")
    with _channel(served, host) as ch:
        from grpc_health.v1 import health_pb2, health_pb2_grpc

        assert health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(), timeout=10).status == 1
        reply, call = ch.unary_unary("/echo.Echo/Unary").with_call(b"ping", timeout=10)
        assert reply == b"ping- pong"
        assert dict(call.trailing_metadata())["x-echo-trailer"] == "done"
        assert list(ch.unary_stream("/echo.Echo/ServerStream")(b"3", timeout=10)) == [b"0", b"1", b"2"]
        assert ch.stream_unary("/echo.Echo/ClientStream")(iter([b"a", b"b"]), timeout=10) == b"a,b"
        assert list(ch.stream_stream("/echo.Echo/Bidi")(iter([b"x", b"y"]), timeout=10)) == [b"x!", b"y!"]
        with pytest.raises(grpc.RpcError) as err:
            ch.unary_unary("/echo.Echo/Unary")(b"fail:7", timeout=10)
        assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED

        # grpc-timeout as the app sees it (to its rounding): the client's, bounded by the revision's timeoutSeconds (3).
        assert 0 < float(ch.unary_unary("/echo.Echo/Deadline")(b"", timeout=1.0)) < 1.5
        assert 1.5 < float(ch.unary_unary("/echo.Echo/Deadline")(b"", timeout=60)) < 3.1
        with pytest.raises(grpc.RpcError) as err:
            ch.unary_unary("/echo.Echo/Sleep")(b"10", timeout=60)
        assert err.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED

        # A cancelled call is cancelled in the app too.
        before = int(ch.unary_unary("/echo.Echo/Cancelled")(b"", timeout=10))
        future = ch.unary_unary("/echo.Echo/Sleep").future(b"2.5", timeout=60)
        time.sleep(0.5)
        future.cancel()
        deadline = time.monotonic() + 10
        while int(ch.unary_unary("/echo.Echo/Cancelled")(b"", timeout=10)) == before:
            assert time.monotonic() < deadline, "the app never saw the cancellation"
            time.sleep(0.1)


def test_grpc_streams_spread_over_instances(served: Served):
    served.apply(_service("spread", annotations={"autoscaling.knative.dev/min-scale": "2",
                                                 "autoscaling.knative.dev/max-scale": "2"}, cc=1, timeout=30))
    svc = served.wait_ready("ksvc", "spread", timeout="90s")
    host = svc["status"]["url"].removeprefix("http://")
    deadline = time.monotonic() + 60
    with _channel(served, host) as ch:
        who = ch.unary_unary("/echo.Echo/Who")
        while True:  # Ready needs one instance; wait for the second to take calls
            answers = [f.result() for f in [who.future(b"0.3", timeout=30) for _ in range(4)]]
            pids = {a.split(b":")[0] for a in answers}
            if len(pids) == 2:
                break
            assert time.monotonic() < deadline, answers
            time.sleep(0.5)


def test_http2_client_to_an_http1_service(served: Served):
    served.ok("apply", "-f", "examples/hello/service.yaml")
    svc = served.wait_ready("ksvc", "hello", timeout="90s")
    host = svc["status"]["url"].removeprefix("http://")
    with httpx.Client(http1=False, http2=True) as client:
        r = client.get("http://{}:{}/".format(*served.gateway), headers={"host": host}, timeout=30)
    assert r.http_version == "HTTP/2"
    assert (r.status_code, r.text) == (200, "Hello World! (revision hello-00001)\n")


def test_cluster_local_short_hosts(served: Served):
    """``<name>.<ns>`` and ``<name>.<ns>.svc`` reach the Service like its full cluster-local host (Knative)."""
    served.ok("apply", "-f", "examples/hello/service.yaml")
    served.wait_ready("ksvc", "hello", timeout="90s")
    for host in ("hello.default", "hello.default.svc", "hello.default.svc.cluster.local", "HELLO.default.svc:80"):
        assert get(served.gateway, host) == (200, "Hello World! (revision hello-00001)\n"), host
    assert get(served.gateway, "hello.other")[0] == 404
