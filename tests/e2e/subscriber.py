"""A real HTTP subscriber on loopback for eventing tests: records every request, fails or replies on demand.

Paths choose the behaviour: ``/ok/<name>``; ``/fail/<n>/<name>`` answers 500 to the first n requests for each event id,
then 200; ``/failid/<suffix>/<name>`` always answers 500 to events whose id ends with ``suffix`` and 200 to the others;
``/jitter/<name>`` answers 200 after a random wait of up to 5 ms; ``/status/<code>/<name>`` always answers that code with a small body; ``/reply/<type>/<name>`` answers 200 with a
binary-mode CloudEvent of that type. Every request is recorded as it arrives; while ``gate`` is cleared the answers wait
(a subscriber that has stalled). ``Subscriber(port)`` listens on a given port (to come back where a Trigger
points after being down).
"""

from __future__ import annotations

import random
import sys
import threading
import time
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import attrs


@attrs.frozen
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def name(self) -> str:
        return self.path.rstrip("/").rsplit("/", 1)[-1]

    def ce(self, attr: str) -> str | None:
        return self.headers.get(f"ce-{attr}")


class _Server(ThreadingHTTPServer):
    #: socketserver's default listen backlog is 5: a dispatcher opening ~100 connections at once overflows it,
    #: and connections the kernel dropped from the accept queue can hang without an answer
    request_queue_size = 1024

    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a platform killed mid-request resets its connections
            super().handle_error(request, client_address)


class Subscriber:
    def __init__(self, port: int = 0) -> None:
        self.received: list[Received] = []
        self._attempts: dict[tuple[str, str], int] = defaultdict(int)
        self._lock = threading.Lock()
        #: answers are held while this is cleared (up to 60 s)
        self.gate = threading.Event()
        self.gate.set()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            wbufsize = -1
            disable_nagle_algorithm = True

            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                rec = Received(self.path, headers, body)
                parts = self.path.strip("/").split("/")
                with outer._lock:
                    outer.received.append(rec)
                    key = (self.path, headers.get("ce-id", ""))
                    outer._attempts[key] += 1
                    n = outer._attempts[key]
                outer.gate.wait(60)
                extra: dict[str, str] = {}
                out = b""
                if parts[0] == "fail" and n <= int(parts[1]):
                    code = 500
                elif parts[0] == "jitter":
                    time.sleep(random.uniform(0, 0.005))
                    code = 200
                elif parts[0] == "failid":
                    code = 500 if headers.get("ce-id", "").endswith(parts[1]) else 200
                elif parts[0] == "status":
                    code, out = int(parts[1]), b"nope, not this one"
                elif parts[0] == "reply":
                    code, out = 200, b'{"reply": true}'
                    extra = {"ce-specversion": "1.0", "ce-id": "reply-" + headers.get("ce-id", ""),
                             "ce-source": "/subscriber", "ce-type": parts[1], "Content-Type": "application/json"}
                else:
                    code = 200
                self.send_response(code)
                for k, v in extra.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def log_message(self, *args):
                pass

        self.server = _Server(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path.lstrip('/')}"

    def at(self, name: str) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.name == name]

    def ids(self, name: str) -> set[str]:
        """The distinct event ids ``name`` received."""
        with self._lock:
            return {r.headers.get("ce-id", "") for r in self.received if r.name == name}

    def wait_for(self, name: str, count: int, timeout: float = 20.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.at(name)
            if len(got) >= count:
                return got
            time.sleep(0.05)
        return self.at(name)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
