"""eventlib.py -- what bench/propagation.sh and bench/xfr.sh share: the fake
master's control endpoint, a change made through it while DNS servers are
asked every millisecond, and a process's CPU time. Imported by their
embedded Python (run from the repository's top: sys.path has bench/)."""

import http.client
import json
import random
import select
import socket
import struct
import threading
import time


def cpu_ticks(pid):
    """utime + stime of process @pid, in clock ticks (all its threads)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


class Master:
    """The fake master's control endpoint (tests/fake_master.py's POST
    /_fake/launch and /_fake/kill) over one kept-alive connection."""

    def __init__(self, port):
        self.port = port
        self.conn = None

    def post(self, op, body, timeout):
        for attempt in (1, 2):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection("127.0.0.1", self.port,
                                                           timeout=timeout)
                self.conn.timeout = timeout
                self.conn.request("POST", "/_fake/" + op, json.dumps(body),
                                  {"Content-Type": "application/json"})
                r = self.conn.getresponse()
                data = json.loads(r.read())
                if r.status != 200:
                    raise RuntimeError("%s: %d %s" % (op, r.status, data.get("error")))
                return data
            except (OSError, http.client.HTTPException):
                self.conn = None
                if attempt == 2:
                    raise


def query(qid, name):
    """A DNS query for @name's A record, RD set."""
    return struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + b"".join(
        bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0" + struct.pack(">HH", 1, 1)


def a_records(r):
    """The IPv4 addresses in the answer section of a response to one A
    question (names compressed or not)."""
    an = struct.unpack(">H", r[6:8])[0]
    i = 12
    while r[i]:  # the question's name
        i += 1 + r[i]
    i += 5
    out = []
    for _ in range(an):
        while True:  # the owner: labels, then the root or a pointer
            if r[i] == 0:
                i += 1
                break
            if r[i] >= 0xc0:
                i += 2
                break
            i += 1 + r[i]
        typ, _, _, rdlen = struct.unpack(">HHIH", r[i:i + 10])
        i += 10
        if typ == 1 and rdlen == 4:
            out.append(socket.inet_ntoa(r[i:i + 4]))
        i += rdlen
    return out


def change(master, op, body, name, ip, ports, wait, wait_http):
    """Make change @op ("launch" or "kill", @body) through @master while
    asking each server of @ports ({label: port} on 127.0.0.1) for @name's
    A record every 1 ms, from a fresh socket each (no stale answers),
    until each shows the change (NOERROR with @ip after a launch, NXDOMAIN
    after a kill) or @wait s after the master's reply. Returns (t0, {label:
    t1 or None}, queries sent to each): t0 the master's clock when the
    change became observable."""
    got = {}

    def call():
        try:
            got["reply"] = master.post(op, body, wait_http)
        except Exception as e:  # reported below
            got["error"] = e

    socks = {}
    for label, port in ports.items():
        so = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        so.connect(("127.0.0.1", port))
        so.setblocking(False)
        socks[so] = label
    t1 = {label: None for label in ports}
    base = random.randrange(0, 0x10000)
    sent = 0
    th = threading.Thread(target=call)
    th.start()
    start = time.time()
    deadline = start + wait + wait_http
    next_send = start
    while any(v is None for v in t1.values()):
        now = time.time()
        if now >= deadline or "error" in got:
            break
        if "reply" in got and now > got["reply"]["time"] + wait:
            break
        if now >= next_send:
            q = query((base + sent) & 0xffff, name)
            sent += 1
            for so, label in socks.items():
                if t1[label] is None:
                    so.send(q)
            next_send = now + 0.001
        r, _, _ = select.select(list(socks), [], [], max(0.0, next_send - time.time()))
        for so in r:
            label = socks[so]
            while t1[label] is None:
                try:
                    resp = so.recv(4096)
                except BlockingIOError:
                    break
                rcode = resp[3] & 0xf
                if (op == "launch" and rcode == 0 and ip in a_records(resp)) or \
                        (op == "kill" and rcode == 3):
                    t1[label] = time.time()
    th.join(wait_http + 1)
    for so in socks:
        so.close()
    if "error" in got:
        raise SystemExit("%s %s: %s" % (op, name, got["error"]))
    if "reply" not in got:
        raise SystemExit("%s %s: no reply from the master" % (op, name))
    return got["reply"]["time"], t1, sent
