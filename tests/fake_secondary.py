#!/usr/bin/env python3
"""A fake secondary name server for taskdns's NOTIFY tests (stdlib only).

It listens on UDP at --host:--port and writes one line per DNS message it
receives to --log (flushed at once):

  t=EPOCH_SECONDS opcode=N flags=qr,aa,... qd=N an=N ns=N ar=N
  qname=NAME qtype=TYPE qclass=CLASS id=ID src=IP:PORT reply=RCODE|none

The fields are decoded here from the wire (RFC 1035 4.1), independently
of taskdns. A message it cannot parse is logged as "t=... malformed
len=N". It answers as a secondary does (RFC 1996 4.7): the header with QR
set, the same id, opcode and question, AA kept, with --rcode (NOERROR by
default, or REFUSED, NOTAUTH...); it does not answer the first
--silent-first N messages, nor any with --silent.
"""
import argparse
import socket
import struct
import sys
import time

RCODES = {"NOERROR": 0, "FORMERR": 1, "SERVFAIL": 2, "NXDOMAIN": 3,
          "NOTIMP": 4, "REFUSED": 5, "NOTAUTH": 9}
TYPES = {1: "A", 2: "NS", 6: "SOA", 28: "AAAA", 251: "IXFR", 252: "AXFR"}
CLASSES = {1: "IN", 3: "CH", 255: "ANY"}


def read_name(msg, pos):
    """The name at pos (no compression expected in a question) and the end."""
    labels = []
    while True:
        if pos >= len(msg):
            raise ValueError("name runs past the end")
        n = msg[pos]
        if n == 0:
            return ".".join(labels) + ".", pos + 1
        if n & 0xC0:
            raise ValueError("compressed or extended label in the question")
        labels.append(msg[pos + 1:pos + 1 + n].decode("ascii", "replace"))
        pos += 1 + n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--rcode", default="NOERROR", choices=sorted(RCODES))
    ap.add_argument("--silent-first", type=int, default=0)
    ap.add_argument("--silent", action="store_true")
    a = ap.parse_args()

    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((a.host, a.port))
    out = open(a.log, "a", buffering=1)
    seen = 0
    while True:
        msg, src = s.recvfrom(65535)
        now = time.time()
        seen += 1
        try:
            if len(msg) < 12:
                raise ValueError("short")
            mid, flags, qd, an, ns, ar = struct.unpack("!HHHHHH", msg[:12])
            if qd != 1:
                raise ValueError("qdcount %d" % qd)
            qname, end = read_name(msg, 12)
            if end + 4 > len(msg):
                raise ValueError("question cut")
            qtype, qclass = struct.unpack("!HH", msg[end:end + 4])
        except ValueError:
            out.write("t=%.3f malformed len=%d\n" % (now, len(msg)))
            continue
        names = [(0x8000, "qr"), (0x0400, "aa"), (0x0200, "tc"),
                 (0x0100, "rd"), (0x0080, "ra"), (0x0020, "ad"), (0x0010, "cd")]
        fl = ",".join(n for bit, n in names if flags & bit) or "-"
        answer = not a.silent and seen > a.silent_first
        rcode = a.rcode if answer else "none"
        out.write("t=%.3f opcode=%d flags=%s qd=%d an=%d ns=%d ar=%d qname=%s "
                  "qtype=%s qclass=%s id=%d src=%s:%d reply=%s\n" % (
                      now, (flags >> 11) & 0xF, fl, qd, an, ns, ar, qname,
                      TYPES.get(qtype, str(qtype)),
                      CLASSES.get(qclass, str(qclass)), mid, src[0], src[1],
                      rcode))
        if not answer:
            continue
        # RFC 1996 4.7: the same id, opcode and question, QR set.
        rflags = 0x8000 | (flags & 0x7800) | (flags & 0x0400) | RCODES[a.rcode]
        reply = struct.pack("!HHHHHH", mid, rflags, 1, 0, 0, 0) + msg[12:end + 4]
        s.sendto(reply, src)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)
