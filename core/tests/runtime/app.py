"""A tiny HTTP app the runtime tests run as a child process (configured through env vars).

GET /env/NAME answers the env var NAME; GET /ready answers 200 once READY_AFTER seconds have passed since
start (503 before, and after GET /unready); GET /pid answers the pid. With IGNORE_TERM=1 it ignores SIGTERM;
with SPAWN_CHILD=1 it starts a `sleep` grandchild whose pid it prints as "grandchild <pid>".
"""

import os
import signal
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STARTED = time.monotonic()
READY_AFTER = float(os.environ.get("READY_AFTER", "0"))
STATE = {"unready": False}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        status, body = 200, ""
        if self.path.startswith("/env/"):
            value = os.environ.get(self.path[len("/env/") :])
            status, body = (200, value) if value is not None else (404, "unset")
        elif self.path == "/ready":
            ready = time.monotonic() - STARTED >= READY_AFTER and not STATE["unready"]
            status, body = (200, "ready") if ready else (503, "not yet")
        elif self.path == "/unready":
            STATE["unready"] = True
        elif self.path == "/pid":
            body = str(os.getpid())
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args):
        pass


if os.environ.get("IGNORE_TERM"):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
if os.environ.get("SPAWN_CHILD"):
    child = subprocess.Popen(["sleep", "60"])
    print(f"grandchild {child.pid}", flush=True)
ThreadingHTTPServer.request_queue_size = 1024  # not socketserver's 5: connections opened at once would stall
server = ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler)
print(f"listening on {os.environ['PORT']} at {time.monotonic()}", flush=True)
print("hello on stderr", file=sys.stderr, flush=True)
server.serve_forever()
