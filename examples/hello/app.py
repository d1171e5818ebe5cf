"""A tiny HTTP app following Knative's runtime contract: listens on $PORT, greets $TARGET, names its revision."""

import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Server(ThreadingHTTPServer):
    # socketserver listens with a backlog of 5: connections a gateway opens at once past that wait for a TCP
    # retransmit (1 s or more)
    request_queue_size = 1024


class Hello(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # One write per response, sent at once: headers and body in separate segments would meet the
    # reader's delayed ACK (Nagle) and stall every keep-alive request by ~40 ms.
    wbufsize = -1
    disable_nagle_algorithm = True

    def do_GET(self):  # noqa: N802 - http.server's naming
        target = os.environ.get("TARGET", "World")
        body = f"Hello {target}! (revision {os.environ.get('K_REVISION', '?')})\n".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        print(f"{self.command} {self.path} {args[1] if len(args) > 1 else ''}", flush=True)


if __name__ == "__main__":
    port = int(os.environ.get("PORT", "8080"))
    print(f"hello listening on {port}", flush=True)
    _Server(("127.0.0.1", port), Hello).serve_forever()
