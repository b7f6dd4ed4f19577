#!/usr/bin/env python3
"""dnsprobe.py -- raw DNS packets for taskdns's protocol tests.

  dnsprobe.py PORT CHECK

Each CHECK sends hand-made (often malformed) packets to 127.0.0.1:PORT and
prints one line "ok" or "fail: why"; the exit status says the same.
"""
import socket
import struct
import sys
import time


def name(n):
    out = b""
    for label in n.strip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def query(qname, qtype=1, qid=0x1234, flags=0x0100, qd=1, an=0, ns=0, ar=0, extra=b""):
    hdr = struct.pack(">HHHHHH", qid, flags, qd, an, ns, ar)
    return hdr + name(qname) + struct.pack(">HH", qtype, 1) + extra


def opt(size=1232, version=0, flags=0, rdata=b""):
    ttl = (version << 16) | flags
    return b"\0" + struct.pack(">HHIH", 41, size, ttl, len(rdata)) + rdata


def udp(port, pkt, timeout=1.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    s.sendto(pkt, ("127.0.0.1", port))
    try:
        return s.recv(65535)
    except socket.timeout:
        return None
    finally:
        s.close()


def rcode(resp):
    return struct.unpack(">H", resp[2:4])[0] & 0xF


def counts(resp):
    return struct.unpack(">HHHH", resp[4:12])


def tcp_frames(port, payload, want, timeout=3.0):
    """Send payload on one TCP connection, read `want` framed answers."""
    s = socket.create_connection(("127.0.0.1", port), timeout)
    s.sendall(payload)
    buf = b""
    out = []
    deadline = time.time() + timeout
    while len(out) < want and time.time() < deadline:
        chunk = s.recv(65535)
        if not chunk:
            break
        buf += chunk
        while len(buf) >= 2:
            n = struct.unpack(">H", buf[:2])[0]
            if len(buf) < 2 + n:
                break
            out.append(buf[2:2 + n])
            buf = buf[2 + n:]
    s.close()
    return out


def frame(pkt):
    return struct.pack(">H", len(pkt)) + pkt


def check(port, what):
    if what == "short":
        r = udp(port, b"\x12\x34\x01\x00\x00", 0.5)
        return r is None, "a 5-octet packet got an answer"
    if what == "response":
        r = udp(port, query("nimbus.storm.mesos", flags=0x8180), 0.5)
        return r is None, "a response (QR set) got an answer"
    if what == "badlabel":
        pkt = struct.pack(">HHHHHH", 7, 0x0100, 1, 0, 0, 0) + b"\x45abc\x00" + struct.pack(">HH", 1, 1)
        r = udp(port, pkt)
        return r is not None and rcode(r) == 1 and r[:2] == b"\x00\x07", "label type 01 is not FORMERR"
    if what == "pointer":
        pkt = struct.pack(">HHHHHH", 8, 0x0100, 1, 0, 0, 0) + b"\xc0\x0c" + struct.pack(">HH", 1, 1)
        r = udp(port, pkt)
        return r is not None and rcode(r) == 1, "a compression loop in the question is not FORMERR"
    if what == "truncated":
        r = udp(port, query("nimbus.storm.mesos")[:20])
        return r is not None and rcode(r) == 1, "a cut question is not FORMERR"
    if what == "qdcount2":
        r = udp(port, query("nimbus.storm.mesos", qd=2) + name("a.mesos") + struct.pack(">HH", 1, 1))
        return r is not None and rcode(r) == 1, "two questions are not FORMERR"
    if what == "notify":
        r = udp(port, query("mesos", qtype=6, flags=0x2000))
        return (r is not None and rcode(r) == 4 and counts(r)[0] == 1,
                "NOTIFY is not NOTIMP with the question")
    if what == "twoopt":
        r = udp(port, query("nimbus.storm.mesos", ar=2, extra=opt() + opt()))
        return r is not None and rcode(r) == 1, "two OPT records are not FORMERR"
    if what == "garbage":
        import random
        rnd = random.Random(42)
        for _ in range(300):
            base = bytearray(query("nimbus.storm.mesos", ar=1, extra=opt()))
            for _ in range(rnd.randint(1, 6)):
                base[rnd.randrange(len(base))] = rnd.randrange(256)
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.sendto(bytes(base[:rnd.randint(0, len(base))]), ("127.0.0.1", port))
            s.close()
        r = udp(port, query("nimbus.storm.mesos"))
        return r is not None and rcode(r) == 0 and counts(r)[1] == 1, "no answer after 300 mutated packets"
    if what == "pipeline":
        q = [query(n, qid=i + 1) for i, n in enumerate(
            ["nimbus.storm.mesos", "web.marathon.mesos", "nope.mesos"])]
        out = tcp_frames(port, b"".join(frame(p) for p in q), 3)
        ids = sorted(struct.unpack(">H", r[:2])[0] for r in out)
        rc = {struct.unpack(">H", r[:2])[0]: rcode(r) for r in out}
        return (ids == [1, 2, 3] and rc == {1: 0, 2: 0, 3: 3},
                "pipelined TCP queries: got ids %s rcodes %s" % (ids, rc))
    if what == "split":
        # One query delivered in three TCP segments.
        p = frame(query("nimbus.storm.mesos", qid=9))
        s = socket.create_connection(("127.0.0.1", port), 3)
        for part in (p[:1], p[1:10], p[10:]):
            s.sendall(part)
            time.sleep(0.05)
        data = s.recv(65535)
        s.close()
        return len(data) > 2 and data[2:4] == b"\x00\x09", "a query split over segments was not answered"
    if what == "backpressure":
        # 2000 queries whose TCP answers (~2.4 KB each, 150 A records) total
        # about 5 MB; the client reads nothing for a second, so answers
        # queue in the server and it stops reading; then every one arrives.
        n = 2000
        payload = b"".join(frame(query("big.marathon.mesos", qid=i)) for i in range(n))
        s = socket.create_connection(("127.0.0.1", port), 5)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        s.settimeout(20)
        sender_done = []
        import threading
        def send_all():
            s.sendall(payload)
            sender_done.append(True)
        th = threading.Thread(target=send_all)
        th.start()
        time.sleep(1.0)
        buf = b""
        ids = set()
        deadline = time.time() + 20
        while len(ids) < n and time.time() < deadline:
            try:
                chunk = s.recv(1 << 20)
            except socket.timeout:
                break
            if not chunk:
                break
            buf += chunk
            while len(buf) >= 2:
                m = struct.unpack(">H", buf[:2])[0]
                if len(buf) < 2 + m:
                    break
                r = buf[2:2 + m]
                if rcode(r) == 0 and counts(r)[1] == 150:
                    ids.add(struct.unpack(">H", r[:2])[0])
                buf = buf[2 + m:]
        th.join(5)
        s.close()
        return len(ids) == n, "backpressure: %d of %d full answers" % (len(ids), n)
    if what == "zerolen":
        s = socket.create_connection(("127.0.0.1", port), 3)
        s.sendall(b"\x00\x00")
        s.settimeout(3)
        try:
            data = s.recv(10)
        except (socket.timeout, ConnectionResetError):
            data = None
        s.close()
        return data == b"", "a zero-length TCP message did not close the connection"
    if what.startswith("idle"):
        secs = float(what[4:])
        s = socket.create_connection(("127.0.0.1", port), 3)
        s.settimeout(secs + 5)
        t0 = time.time()
        try:
            data = s.recv(10)
        except (socket.timeout, ConnectionResetError):
            data = None
        took = time.time() - t0
        s.close()
        return (data == b"" and secs - 0.5 <= took <= secs + 3,
                "idle connection closed after %.1f s (data %r)" % (took, data))
    return False, "unknown check " + what


def main():
    port, what = int(sys.argv[1]), sys.argv[2]
    good, why = check(port, what)
    print("ok" if good else "fail: " + why)
    sys.exit(0 if good else 1)


if __name__ == "__main__":
    main()
