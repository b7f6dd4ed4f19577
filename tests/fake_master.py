#!/usr/bin/env python3
"""A fake Apache Mesos master for taskdns's tests.

It serves GET /master/state (and /master/state.json, as masters before 1.0
did) the way a real master does:

  * the leader answers 200 with the state document from DIR/state.json,
    read again whenever it changed, so a test can change the cluster by
    replacing that file (write a temporary file, then rename it);
  * a follower (--follower-of HOST:PORT) answers 200 with its own, empty
    view of the cluster whose "leader" field names the leading master;
  * with --redirect a follower answers 307 with a protocol-relative
    Location ("//HOST:PORT/master/state"), as masters do for /api/v1;
  * with --auth PRINCIPAL:SECRET requests without that HTTP basic
    authorization get 401, as with --authenticate_http_readonly;
  * with --tls CERT KEY it speaks HTTPS, as a master with SSL_ENABLED;
  * with --redirect-url URL every request gets a 307 to URL (a master
    that sends clients somewhere else).

A test steers a running master through DIR/mode (one word, read on every
request): "ok" (default), "500", "garbage" (a truncated JSON body), "hang"
(accept and never answer), "close" (close the connection without a reply),
"trickle" (the state at 100 octets a second, as an overloaded master
might send it).
Every request is counted in DIR/requests.
"""

import argparse
import base64
import json
import os
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def read_word(path, default):
    try:
        with open(path) as f:
            return f.read().strip() or default
    except OSError:
        return default


class Master(BaseHTTPRequestHandler):
    server_version = "Mesos/1.11.0"
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # keep test output quiet
        pass

    def count(self):
        path = os.path.join(self.server.dir, "requests")
        with self.server.lock:
            n = int(read_word(path, "0")) + 1
            with open(path + ".tmp", "w") as f:
                f.write(str(n))
            os.replace(path + ".tmp", path)

    def reply(self, code, body, ctype="application/json", extra=None):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self.count()
        opts = self.server.opts
        path = self.path.split("?")[0]
        if path not in ("/master/state", "/master/state.json"):
            self.reply(404, b"", "text/plain")
            return
        if opts.auth:
            want = "Basic " + base64.b64encode(opts.auth.encode()).decode()
            if self.headers.get("Authorization") != want:
                self.reply(401, b"", "text/plain",
                           {"WWW-Authenticate": 'Basic realm="mesos"'})
                return
        if opts.redirect_url:
            self.reply(307, b"", "text/plain", {"Location": opts.redirect_url})
            return
        mode = read_word(os.path.join(self.server.dir, "mode"), "ok")
        if mode == "hang":
            time.sleep(3600)
            return
        if mode == "close":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if mode == "500":
            self.reply(500, b"Internal Server Error", "text/plain")
            return
        if opts.follower_of:
            if opts.redirect:
                self.reply(307, b"", "text/plain",
                           {"Location": "//%s%s" % (opts.follower_of, path)})
                return
            body = json.dumps(follower_state(opts)).encode()
            self.reply(200, body)
            return
        body = self.server.state_body()
        if mode == "garbage":
            body = body[: len(body) // 2]
        if mode == "trickle":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                for i in range(0, len(body), 50):
                    self.wfile.write(body[i:i + 50])
                    self.wfile.flush()
                    time.sleep(0.5)
            except OSError:
                pass
            return
        self.reply(200, body)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    cache = (None, b"")

    def state_body(self):
        """DIR/state.json, read again only when it changed (a benchmark
        serves a 100 MB state every second)."""
        path = os.path.join(self.dir, "state.json")
        st = os.stat(path)
        key = (st.st_ino, st.st_mtime_ns, st.st_size)
        with self.lock:
            if self.cache[0] != key:
                with open(path, "rb") as f:
                    self.cache = (key, f.read())
            return self.cache[1]


def follower_state(opts):
    host = "127.0.0.1"
    return {
        "version": "1.11.0",
        "pid": "master@%s:%d" % (host, opts.port),
        "hostname": host,
        "leader": "master@%s" % opts.follower_of,
        "leader_info": {"pid": "master@%s" % opts.follower_of},
        "activated_slaves": 0.0,
        "frameworks": [],
        "slaves": [],
        "completed_frameworks": [],
        "orphan_tasks": [],
    }


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--dir", required=True, help="state.json, mode, requests")
    p.add_argument("--follower-of", help="HOST:PORT of the leading master")
    p.add_argument("--redirect", action="store_true",
                   help="as a follower, answer 307 instead of a view")
    p.add_argument("--auth", help="PRINCIPAL:SECRET required")
    p.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"), help="serve HTTPS")
    p.add_argument("--redirect-url", help="answer every request with 307 to this")
    opts = p.parse_args()
    srv = Server((opts.host, opts.port), Master)
    if opts.tls:
        import ssl
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(opts.tls[0], opts.tls[1])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    srv.opts = opts
    srv.dir = opts.dir
    srv.lock = threading.Lock()
    print("fake master on %s:%d" % (opts.host, opts.port), file=sys.stderr)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
