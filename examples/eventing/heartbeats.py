"""Knative's heartbeats sample, in Python: sends a ``dev.knative.eventing.samples.heartbeat`` CloudEvent to ``$K_SINK``
every ``--period`` seconds (default 5), with ``$K_CE_OVERRIDES``' extensions, as a ContainerSource's or a
SinkBinding's subject does.

``--label`` names the beats (``data.label``). When ``$PORT`` is set (run as a Knative Service's container, the
subject of a SinkBinding) it also answers HTTP on that port, so the instance becomes Ready; beats start once
``$K_SINK`` is set and a failed send is logged and retried on the next beat.
"""

import argparse
import json
import os
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Alive(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):  # noqa: N802 - http.server's naming
        body = f"heartbeats to {os.environ.get('K_SINK', '<no K_SINK>')}\n".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        pass


def beat(sink: str, seq: int, label: str, extensions: dict[str, str]) -> None:
    namespace = os.environ.get("POD_NAMESPACE") or os.environ.get("NAMESPACE") or "default"
    name = os.environ.get("POD_NAME") or os.environ.get("NAME") or "heartbeats"
    headers = {
        "ce-specversion": "1.0",
        "ce-id": str(uuid.uuid4()),
        "ce-type": "dev.knative.eventing.samples.heartbeat",
        "ce-source": f"https://knative.dev/eventing/cmd/heartbeats/#{namespace}/{name}",
        "ce-time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "content-type": "application/json",
        **{f"ce-{key}": str(value) for key, value in extensions.items()},
    }
    body = json.dumps({"id": seq, "label": label}).encode()
    request = urllib.request.Request(sink, data=body, headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=10) as resp:
        resp.read()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--period", type=float, default=5.0)
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    if os.environ.get("PORT"):
        server = ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), _Alive)
        threading.Thread(target=server.serve_forever, daemon=True).start()
    extensions = json.loads(os.environ.get("K_CE_OVERRIDES") or "{}").get("extensions", {})
    seq = 0
    while True:
        sink = os.environ.get("K_SINK")
        if sink:
            seq += 1
            try:
                beat(sink, seq, args.label, extensions)
            except (OSError, urllib.error.URLError) as exc:
                print(f"heartbeat {seq} to {sink} failed: {exc}", file=sys.stderr, flush=True)
        time.sleep(args.period)


if __name__ == "__main__":
    main()
