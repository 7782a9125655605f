#!/usr/bin/env python3
"""A minimal WebSub subscriber for trying Hubbub by hand.

It answers verification requests by echoing hub.challenge (so every
subscription it is asked about is confirmed), prints every request it gets,
and answers content deliveries with 204.

    python3 contrib/echo-callback.py [PORT]      (default 9000, on 127.0.0.1)
"""
import http.server
import sys
import urllib.parse


class Subscriber(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        mode = query.get("hub.mode", ["?"])[0]
        print(f"verification: hub.mode={mode} hub.topic={query.get('hub.topic', ['?'])[0]}"
              f" hub.lease_seconds={query.get('hub.lease_seconds', ['-'])[0]}", flush=True)
        body = query.get("hub.challenge", [""])[-1].encode()
        self.send_response(200 if body else 204)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        print(f"delivery: {len(body)} bytes, Content-Type {self.headers.get('Content-Type')},"
              f" signature {self.headers.get('X-Hub-Signature', 'none')}", flush=True)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 9000
    print(f"subscriber listening on http://127.0.0.1:{port}/", flush=True)
    http.server.HTTPServer(("127.0.0.1", port), Subscriber).serve_forever()
