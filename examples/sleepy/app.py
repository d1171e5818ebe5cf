"""A small app for autoscaling tests: ``GET /?sleep=S&n=N`` answers ``<revision> <pid> <N>`` after S seconds
and logs ``served n=N`` (so a test can tell that each request reached the app exactly once); ``burn=S`` keeps
a CPU busy for S seconds first (for the HPA class's cpu metric). ``$STARTUP_BURN`` seconds of CPU are burnt
before it listens, as an interpreter that imports a lot does.

It follows Knative's runtime contract (listens on $PORT) and, like most apps, dies at once on SIGTERM: a request
cut by a careless scale-down would show up as an error.
"""

import os
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


class Sleepy(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    wbufsize = -1  # one write per response (see examples/hello/app.py)
    disable_nagle_algorithm = True

    def do_GET(self):  # noqa: N802 - http.server's naming
        query = parse_qs(urlparse(self.path).query)
        burn = float(query.get("burn", ["0"])[0])
        until = time.thread_time() + burn
        while time.thread_time() < until:
            pass
        seconds = float(query.get("sleep", ["0"])[0])
        if seconds:
            time.sleep(seconds)
        body = f"{os.environ.get('K_REVISION', '?')} {os.getpid()} {query.get('n', [''])[0]}\n".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        query = parse_qs(urlparse(self.path).query)
        if "n" in query:  # one write per line: threads' lines must not interleave
            os.write(1, f"served n={query['n'][0]}\n".encode())


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256


if __name__ == "__main__":
    started = time.process_time()
    while time.process_time() - started < float(os.environ.get("STARTUP_BURN", "0")):
        pass
    port = int(os.environ.get("PORT", "8080"))
    server = _Server(("127.0.0.1", port), Sleepy)
    print(f"sleepy listening on {port}", flush=True)
    server.serve_forever()
