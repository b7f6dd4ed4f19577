#!/usr/bin/env python3
"""axfr.py -- a zone transfer client that reads the whole stream and times it.

  axfr.py PORT ZONE                 one AXFR from 127.0.0.1:PORT; prints
                                    "records bytes messages seconds"
  axfr.py PORT ZONE loop MAX SECONDS STOPFILE
                                    AXFRs back to back, at most MAX of them
                                    and for at most SECONDS, until STOPFILE
                                    exists; prints "transfers records
                                    bytes seconds" (completed transfers)

The stream is read in large chunks and cut into messages by their two-octet
length prefixes; records are counted from each header's ANCOUNT, not
parsed, so that the client costs little beside the server. The transfer
ends with the message that ends with the zone's SOA (RFC 5936 2.2): the
first record of the first message is parsed (the SOA), and the last
message is the one whose last 20 octets are that SOA's five counters
(serial, refresh, retry, expire, minimum: never compressed), once more
than one record has arrived. Any rcode but NOERROR, a closed connection or
no progress for 30 s is an error (exit 1). Wall time runs from the
connect to the last message.
"""
import os
import socket
import struct
import sys
import time

STALL = 30.0  # seconds without a byte: an error


def name_end(m, i):
    """The offset after the (possibly compressed) name at @i of @m."""
    while True:
        n = m[i]
        if n >= 0xc0:
            return i + 2
        if n == 0:
            return i + 1
        i += n + 1


def soa_tail(m):
    """The SOA counters (20 octets) of the first record of message @m."""
    qd = struct.unpack(">H", m[4:6])[0]
    i = 12
    for _ in range(qd):
        i = name_end(m, i) + 4
    i = name_end(m, i)
    typ, _, _, rdlen = struct.unpack(">HHIH", m[i:i + 10])
    if typ != 6:
        raise SystemExit("axfr: the first record is of type %d, not SOA" % typ)
    i += 10
    return bytes(m[i + rdlen - 20:i + rdlen])


def query(zone):
    wire = b"".join(bytes([len(l)]) + l.encode() for l in zone.strip(".").split(".") if l)
    return struct.pack(">HHHHHH", os.getpid() & 0xffff, 0, 1, 0, 0, 0) + wire + b"\0" + \
        struct.pack(">HH", 252, 1)


def axfr(port, zone):
    q = query(zone)
    t0 = time.perf_counter()
    s = socket.create_connection(("127.0.0.1", port), STALL)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.sendall(struct.pack(">H", len(q)) + q)
    buf = bytearray()
    off = 0
    records = nbytes = msgs = 0
    tail = None
    try:
        while True:
            chunk = s.recv(1 << 20)
            if not chunk:
                raise SystemExit("axfr: connection closed after %d messages" % msgs)
            buf += chunk
            while len(buf) - off >= 2:
                ln = (buf[off] << 8) | buf[off + 1]
                if len(buf) - off - 2 < ln:
                    break
                m = memoryview(buf)[off + 2:off + 2 + ln]
                off += 2 + ln
                if m[3] & 0xf:
                    raise SystemExit("axfr: rcode %d" % (m[3] & 0xf))
                msgs += 1
                nbytes += ln + 2
                records += (m[6] << 8) | m[7]
                if tail is None:
                    tail = soa_tail(m)
                done = records > 1 and bytes(m[ln - 20:ln]) == tail
                m.release()
                if done:
                    return records, nbytes, msgs, time.perf_counter() - t0
            if off > (1 << 22):
                del buf[:off]
                off = 0
    finally:
        s.close()


def main():
    port, zone = int(sys.argv[1]), sys.argv[2]
    if len(sys.argv) == 3:
        r, b, m, t = axfr(port, zone)
        print("%d %d %d %.6f" % (r, b, m, t))
        return
    if sys.argv[3] != "loop" or len(sys.argv) != 7:
        raise SystemExit(__doc__)
    most, limit, stop = int(sys.argv[4]), float(sys.argv[5]), sys.argv[6]
    t0 = time.perf_counter()
    n = records = nbytes = 0
    while n < most and time.perf_counter() - t0 < limit and not os.path.exists(stop):
        r, b, _, _ = axfr(port, zone)
        n += 1
        records += r
        nbytes += b
    print("%d %d %d %.3f" % (n, records, nbytes, time.perf_counter() - t0))


if __name__ == "__main__":
    main()
