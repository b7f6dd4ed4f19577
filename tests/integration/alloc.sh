#!/bin/bash
# alloc.sh -- the authoritative query path allocates no memory: malloc,
# calloc and realloc calls are counted (an LD_PRELOAD shim) while thousands
# of queries are answered over UDP and over one pipelined TCP connection.
. "$(dirname "$0")/lib.sh"
need dig python3 cc

if ldd "$TASKDNS" | grep -q 'libasan\|libubsan'; then
	# A malloc interposer and the sanitizers' allocator do not mix.
	echo "1..0 # SKIP sanitizer build"
	exit 0
fi
cc -shared -fPIC -O2 -o "$T/mallocs.so" "$top_srcdir/tests/integration/mallocs.c" ||
	bail "cannot build the counting shim"

TASKDNS_WRAPPER="env LD_PRELOAD=$T/mallocs.so"
start_taskdns "{\"stateFile\": \"$top_srcdir/contrib/sample/state.json\", \"masters\": [],
	\"refreshSeconds\": 3600, \"threads\": 1, \"resolvers\": [\"127.0.0.1:9\"],
	\"zoneFiles\": [\"$top_srcdir/tests/fixtures/zones/chains.zone\",
	\"$top_srcdir/tests/fixtures/zones/corp.zone\"], \"reverseOn\": true}" ||
	bail "taskdns did not start"

mallocs() { # the count now
	local n
	n=$(grep -c '^mallocs' "$TASKDNS_LOG")
	kill -USR2 "$TASKDNS_PID"
	wait_for 5 sh -c "[ \$(grep -c '^mallocs' '$TASKDNS_LOG') -gt $n ]"
	grep '^mallocs' "$TASKDNS_LOG" | tail -1 | awk '{print $2}'
}

# Queries of every kind: A, SRV with additional data, AAAA, NXDOMAIN, NODATA,
# CNAME chains from zone files (across zones, loops, cut at the bound) and
# PTR in reverse zones (reverseOn).
is "$(dig @127.0.0.1 -p "$DNS_PORT" +short c1.mesos A | wc -l)" "8" "zone files loaded: a chain of 8 CNAMEs"
before=$(mallocs)
python3 - "$DNS_PORT" <<'PY'
import socket, struct, sys
port = int(sys.argv[1])
names = [("nimbus.storm.mesos", 1), ("_web._tcp.marathon.mesos", 33),
         ("db.marathon.mesos", 28), ("nope.storm.mesos", 1), ("web.marathon.mesos", 16),
         ("WEB.Marathon.mesos", 1), ("mesos", 6), ("c1.mesos", 1), ("tocorp.mesos", 1),
         ("loop1.mesos", 28), ("mx2.mesos", 15), ("nosuch.corp.example", 1),
         ("1.1.0.10.in-addr.arpa", 12), ("99.1.0.10.in-addr.arpa", 12),
         ("5.255.168.192.IN-ADDR.arpa", 12)]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
for i in range(5000):
    n, t = names[i % len(names)]
    s.sendto(struct.pack(">HHHHHH", i, 0x0100, 1, 0, 0, 0) + b"".join(
        bytes([len(l)]) + l.encode() for l in n.split(".")) + b"\0" + struct.pack(">HH", t, 1),
        ("127.0.0.1", port))
    s.recv(4096)
PY
after=$(mallocs)
is "$((after - before))" "0" "5,000 UDP queries of every kind: no allocation"

before=$(mallocs)
answered=$(python3 - "$DNS_PORT" <<'PY'
import socket, struct, sys
port = int(sys.argv[1])
names = [("nimbus.storm.mesos", 1), ("_web._tcp.marathon.mesos", 33),
         ("db.marathon.mesos", 28), ("nope.storm.mesos", 1), ("web.marathon.mesos", 16)]
msgs = []
for i in range(2000):
    n, t = names[i % len(names)]
    m = struct.pack(">HHHHHH", i, 0x0100, 1, 0, 0, 0) + b"".join(
        bytes([len(l)]) + l.encode() for l in n.split(".")) + b"\0" + struct.pack(">HH", t, 1)
    msgs.append(struct.pack(">H", len(m)) + m)
s = socket.create_connection(("127.0.0.1", port), 5)
s.settimeout(5)
s.sendall(b"".join(msgs))
buf, n = b"", 0
while n < 2000:
    c = s.recv(65536)
    if not c:
        break
    buf += c
    while len(buf) >= 2 and len(buf) >= 2 + struct.unpack(">H", buf[:2])[0]:
        buf = buf[2 + struct.unpack(">H", buf[:2])[0]:]
        n += 1
s.close()
print(n)
PY
)
after=$(mallocs)
is "$answered" "2000" "2,000 pipelined TCP queries answered"
# The connection, its input buffer, three events (read, write, deadline),
# and its output queue growing to the pause limit (4, 8, 16, 32 KB): 9,
# and a little slack for libevent's own bookkeeping.
ok $([ $((after - before)) -le 12 ]; echo $?) \
	"... with $((after - before)) allocations, all for the connection (at most 12)"
done_testing
