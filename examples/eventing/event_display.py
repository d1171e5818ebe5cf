"""Knative's event-display, in Python: prints every CloudEvent it receives (binary or structured) and answers 202."""

import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Server(ThreadingHTTPServer):
    request_queue_size = 1024  # socketserver's backlog of 5 stalls connections opened at once past it


class EventDisplay(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    wbufsize = -1
    disable_nagle_algorithm = True

    def do_POST(self):  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        ce = {k[3:].lower(): v for k, v in self.headers.items() if k.lower().startswith("ce-")}
        if not ce and (self.headers.get("Content-Type") or "").startswith("application/cloudevents+json"):
            ce = json.loads(body)
            body = json.dumps(ce.pop("data", None)).encode()
        print("☁️  cloudevents.Event", flush=True)
        for key in sorted(ce):
            print(f"  {key}: {ce[key]}", flush=True)
        print(f"Data,\n  {body.decode(errors='replace')}", flush=True)
        self.send_response(202)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, fmt, *args):
        pass


if __name__ == "__main__":
    _Server(("127.0.0.1", int(os.environ.get("PORT", "8080"))), EventDisplay).serve_forever()
