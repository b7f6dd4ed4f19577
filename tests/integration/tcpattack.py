#!/usr/bin/env python3
"""tcpattack.py -- hostile TCP clients against a DNS server, and a normal
client measuring the service it still gets.

  tcpattack.py --port P --attack KIND [--conns N] [--seconds S] [--name Q]

KIND is one of
  slowloris  N connections each trickling one octet of a query every 0.5 s
  noread     N connections sending queries with large answers, never reading
  pipeline   N connections each sending 2000 queries at once, never reading
  fullpool   N connections that connect and send nothing
  none       no attack (the baseline)

An attacker whose connection the server closes opens a new one after
--reconnect-ms (100 ms; 0: at once, which adds a flood of connections to
the attack), for S seconds. Meanwhile a normal client opens a fresh TCP connection every
0.2 s, asks --normal (an A query) and waits at most 2 s for the answer.
Everything is bounded: at most N attacking sockets, S seconds, and the
normal client's queries. Prints one JSON object: the normal client's
queries, answers, answers within 1 s, p50/p99/max latency (ms, unanswered
counted as 2000), and how many attacking connections the server closed.
Talks only to 127.0.0.1.
"""
import argparse
import json
import selectors
import socket
import struct
import multiprocessing
import time


def wire_name(n):
    out = b""
    for label in n.strip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def query(qname, qid, qtype=1):
    return struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + \
        wire_name(qname) + struct.pack(">HH", qtype, 1)


def frame(msg):
    return struct.pack(">H", len(msg)) + msg


class Attacker:
    """One attacking connection, driven by the selector loop."""

    def __init__(self, a, idx):
        self.a = a
        self.idx = idx
        self.sock = None
        self.pending = b""
        self.next_at = 0.0
        self.connect()

    def connect(self):
        a = self.a
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        if not a.started:
            # Set up one by one, so that the attack is in place (a burst
            # of SYNs overflowing the listen queue waits for retransmission).
            self.sock.settimeout(1)
            try:
                self.sock.connect(("127.0.0.1", a.port))
            except OSError:
                pass
        self.sock.setblocking(False)
        if a.started:
            try:
                self.sock.connect(("127.0.0.1", a.port))
            except (BlockingIOError, OSError):
                pass
        a.opened += 1
        q = frame(query(a.big, self.idx & 0xffff))
        if a.kind == "slowloris":
            self.pending = q
        elif a.kind == "noread":
            self.pending = q * 64
        elif a.kind == "pipeline":
            self.pending = q * 2000
        else:
            self.pending = b""
        self.next_at = time.time()
        a.sel.register(self.sock, selectors.EVENT_READ, self)

    def reopen(self):
        self.a.closed_by_server += 1
        try:
            self.a.sel.unregister(self.sock)
        except (KeyError, ValueError):
            pass
        self.sock.close()
        self.sock = None
        if self.a.reconnect <= 0:
            self.connect()
        else:
            self.next_at = time.time() + self.a.reconnect

    def readable(self):
        # Only to notice a close: attackers never consume answers...
        try:
            data = self.sock.recv(1, socket.MSG_PEEK)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if data == b"":
            self.reopen()
        elif self.a.kind in ("slowloris", "fullpool"):
            # ...except where no answer is expected: drain a stray one.
            try:
                self.sock.recv(65536)
            except OSError:
                pass

    def tick(self, now):
        a = self.a
        if now < self.next_at:
            return
        if self.sock is None:
            self.connect()	# the server closed it a while ago
            return
        try:
            if a.kind == "slowloris":
                if not self.pending:
                    self.pending = frame(query(a.big, self.idx & 0xffff))
                self.sock.send(self.pending[:1])
                self.pending = self.pending[1:]
                self.next_at = now + 0.5
            elif a.kind == "noread":
                if not self.pending:
                    self.pending = frame(query(a.big, self.idx & 0xffff)) * 64
                n = self.sock.send(self.pending)
                self.pending = self.pending[n:]
                self.next_at = now + 0.05
            elif a.kind == "pipeline" and self.pending:
                n = self.sock.send(self.pending)
                self.pending = self.pending[n:]
                self.next_at = now + 0.05
        except BlockingIOError:
            self.next_at = now + 0.05
        except (ConnectionResetError, BrokenPipeError, OSError):
            self.reopen()


def normal_client(port, name, until, results):
    """In a process of its own, so the attack loop never delays it."""
    out = []
    qid = 1
    while time.time() < until:
        t0 = time.time()
        lat = None
        try:
            s = socket.create_connection(("127.0.0.1", port), 2)
            s.settimeout(max(0.01, 2 - (time.time() - t0)))
            s.sendall(frame(query(name, qid)))
            buf = b""
            while len(buf) < 2 or len(buf) < 2 + struct.unpack(">H", buf[:2])[0]:
                chunk = s.recv(65536)
                if not chunk:
                    break
                buf += chunk
            s.close()
            if len(buf) >= 14 and struct.unpack(">H", buf[2:4])[0] == qid:
                lat = (time.time() - t0) * 1000
        except OSError:
            pass
        out.append(lat)
        qid = (qid + 1) & 0xffff
        time.sleep(max(0, 0.2 - (time.time() - t0)))
    results.put(out)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--attack", required=True,
                   choices=["slowloris", "noread", "pipeline", "fullpool", "none"])
    p.add_argument("--conns", type=int, default=100)
    p.add_argument("--seconds", type=float, default=5)
    p.add_argument("--big", default="big.marathon.mesos",
                   help="name with a large answer, for noread and pipeline")
    p.add_argument("--normal", default="nimbus.storm.mesos")
    p.add_argument("--reconnect-ms", type=float, default=100,
                   help="wait before reopening a connection the server closed "
                   "(0: at once, a flood of connections as well)")
    a = p.parse_args()
    a.conns = min(a.conns, 4000)
    a.seconds = min(a.seconds, 120)
    a.kind = a.attack
    a.sel = selectors.DefaultSelector()
    a.opened = a.closed_by_server = 0
    a.reconnect = a.reconnect_ms / 1000.0
    a.started = False

    attackers = []
    if a.kind != "none":
        for i in range(a.conns):
            attackers.append(Attacker(a, i))
        time.sleep(0.5)
    a.started = True
    until = time.time() + a.seconds
    results = multiprocessing.Queue()
    proc = multiprocessing.Process(target=normal_client,
                                   args=(a.port, a.normal, until, results))
    proc.start()
    while time.time() < until:
        for key, _ in a.sel.select(timeout=0.02):
            key.data.readable()
        now = time.time()
        for at in attackers:
            at.tick(now)
    lats = results.get(timeout=10)
    proc.join()
    for at in attackers:
        if at.sock:
            at.sock.close()
    done = sorted(x for x in lats if x is not None)
    allv = sorted(x if x is not None else 2000.0 for x in lats)

    def pct(v, q):
        return round(v[min(len(v) - 1, int(q * len(v)))], 1) if v else None
    print(json.dumps({
        "attack": a.kind, "conns": a.conns, "seconds": a.seconds,
        "queries": len(lats), "answered": len(done),
        "within_1s": sum(1 for x in done if x <= 1000),
        "p50_ms": pct(allv, 0.5), "p99_ms": pct(allv, 0.99),
        "max_ms": round(allv[-1], 1) if allv else None,
        "attack_conns_opened": a.opened,
        "attack_conns_closed_by_server": a.closed_by_server,
    }))


if __name__ == "__main__":
    main()
