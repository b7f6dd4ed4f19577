#!/bin/bash
# forward.sh -- names outside the domain go to real upstreams (Unbound, NSD):
# answers relayed unchanged, TC -> TCP upstream, zoneResolvers routing, dead
# upstreams bounded by "timeout", externalon false, many forwards at once.

. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"

need dig python3 unbound

SAMPLE="$top_srcdir/contrib/sample/state.json"
NFLOOD=200

# tdns CONFIG_JSON: start_taskdns or give up.
tdns() {
	start_taskdns "$1" || bail "taskdns did not start with $1"
}

# A tiny DNS client for what dig cannot check: the message id, and many
# queries in flight at once.
cat >"$T/dnsq.py" <<'PY'
import select, socket, struct, sys, time

def query(name, qid, qtype=1):
    wire = b"".join(bytes([len(l)]) + l.encode() for l in name.rstrip(".").split("."))
    return struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + wire + b"\0" + \
        struct.pack(">HH", qtype, 1)

def skip_name(m, p):
    while True:
        c = m[p]
        if c & 0xc0 == 0xc0:
            return p + 2
        p += 1 + c
        if c == 0:
            return p

def parse(m):
    """(id, flags, rcode, [A addresses in the answer section])"""
    qid, flags, qd, an = struct.unpack(">HHHH", m[:8])
    p = 12
    for _ in range(qd):
        p = skip_name(m, p) + 4
    addrs = []
    for _ in range(an):
        p = skip_name(m, p)
        t, c, ttl, rl = struct.unpack(">HHIH", m[p:p + 10])
        p += 10
        if t == 1 and rl == 4:
            addrs.append(socket.inet_ntoa(m[p:p + 4]))
        p += rl
    return qid, flags, flags & 0xf, addrs

def want(i):
    return "10.77.%d.%d" % (i >> 8, i & 255)

def one(port, name, qid):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    s.sendto(query(name, qid), ("127.0.0.1", port))
    qid2, flags, rcode, addrs = parse(s.recv(65535))
    print("id=%d qr=%d ra=%d rcode=%d %s" % (qid2, flags >> 15, (flags >> 7) & 1,
                                             rcode, " ".join(sorted(addrs))))

def flood_udp(port, n, deadline):
    """n clients, each its own socket, all queries sent before any reply."""
    socks, bad = {}, []
    for i in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setblocking(False)
        s.sendto(query("n%d.example.test" % i, (i * 7919 + 1) & 0xffff),
                 ("127.0.0.1", port))
        socks[s] = i
    good = 0
    while socks and time.time() < deadline:
        r, _, _ = select.select(list(socks), [], [], max(0, deadline - time.time()))
        for s in r:
            i = socks.pop(s)
            qid, flags, rcode, addrs = parse(s.recv(65535))
            if qid != (i * 7919 + 1) & 0xffff or rcode != 0 or addrs != [want(i)]:
                bad.append("n%d: id=%d rcode=%d %s" % (i, qid, rcode, addrs))
            else:
                good += 1
            s.close()
    bad += ["n%d: no answer" % i for i in sorted(socks.values())]
    return good, bad

def flood_tcp(port, n, deadline, half=False):
    """n queries pipelined on one connection (RFC 7766 6.2.1.1); with half,
    the client then half-closes and the server must answer all, then close."""
    s = socket.create_connection(("127.0.0.1", port), 3)
    out = b""
    for i in range(n):
        q = query("n%d.example.test" % i, i + 1)
        out += struct.pack(">H", len(q)) + q
    s.sendall(out)
    if half:
        s.shutdown(socket.SHUT_WR)
    buf, got, bad, eof = b"", {}, [], False
    s.settimeout(0.2)
    while (len(got) < n or (half and not eof)) and time.time() < deadline:
        try:
            d = s.recv(65535)
        except socket.timeout:
            continue
        except ConnectionResetError:
            bad.append("connection reset")
            break
        if not d:
            eof = True
            break
        buf += d
        while len(buf) >= 2 and len(buf) >= 2 + struct.unpack(">H", buf[:2])[0]:
            l = struct.unpack(">H", buf[:2])[0]
            qid, flags, rcode, addrs = parse(buf[2:2 + l])
            buf = buf[2 + l:]
            got[qid] = (rcode, addrs)
    good = 0
    for i in range(n):
        if i + 1 not in got:
            bad.append("n%d: no answer" % i)
        elif got[i + 1] != (0, [want(i)]):
            bad.append("n%d: %s" % (i, got[i + 1]))
        else:
            good += 1
    if half and not eof:
        bad.append("the server did not close the connection")
        good = 0
    return good, bad

def blackhole(port, countfile):
    """Read every datagram, never answer; count them."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", port))
    n = 0
    open(countfile, "w").write("0")
    while True:
        s.recv(65535)
        n += 1
        open(countfile + ".tmp", "w").write(str(n))
        __import__("os").replace(countfile + ".tmp", countfile)

def burst(port, n, deadline):
    """n clients at once, distinct names; each answer's rcode and delay."""
    socks = {}
    t0 = time.time()
    for i in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setblocking(False)
        s.sendto(query("b%d.example.test" % i, i + 1), ("127.0.0.1", port))
        socks[s] = i
    res = []
    while socks and time.time() < deadline:
        r, _, _ = select.select(list(socks), [], [], max(0, deadline - time.time()))
        for s in r:
            socks.pop(s)
            rcode = parse(s.recv(65535))[2]
            ms = (time.time() - t0) * 1000
            res.append("rcode=%d %s" % (rcode, "fast" if ms < 500 else "slow"))
    res += ["no answer"] * len(socks)
    print("\n".join(sorted(res)))

def padded(port, name, size):
    """One UDP query of exactly size octets: an EDNS padding option (RFC 7830)."""
    q = bytearray(query(name, 4242))
    q[10:12] = struct.pack(">H", 1)
    pad = size - len(q) - 11 - 4
    q += b"\0" + struct.pack(">HHIH", 41, 1232, 0, 4 + pad) + \
        struct.pack(">HH", 12, pad) + b"\0" * pad
    assert len(q) == size
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    s.sendto(bytes(q), ("127.0.0.1", port))
    qid, flags, rcode, addrs = parse(s.recv(65535))
    print("rcode=%d %s" % (rcode, " ".join(addrs)))

def latency(port, name, n):
    """n UDP queries one after the other, each on a fresh socket, waiting
    up to 3 s: "answered/n p50=MS p99=MS max=MS" (no answer counts 3000)."""
    lat = []
    for i in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(3)
        t0 = time.time()
        s.sendto(query(name, i + 1), ("127.0.0.1", port))
        try:
            ok = parse(s.recv(65535))[2] == 0
        except socket.timeout:
            ok = False
        lat.append((time.time() - t0) * 1000 if ok else None)
        s.close()
    v = sorted(x if x is not None else 3000.0 for x in lat)
    print("%d/%d p50=%d p99=%d max=%d" % (sum(x is not None for x in lat), n,
          v[n // 2], v[min(n - 1, int(n * 0.99))], v[-1]))

def tcp_abandon(port, name, half):
    """A TCP client that sends a query, then closes (or half-closes and
    waits for the answer, RFC 7766 6.2.1)."""
    s = socket.create_connection(("127.0.0.1", port), 3)
    q = query(name, 77)
    s.sendall(struct.pack(">H", len(q)) + q)
    if not half:
        s.close()
        print("closed")
        return
    s.shutdown(socket.SHUT_WR)
    s.settimeout(5)
    buf = b""
    while True:
        d = s.recv(65535)
        if not d:
            break
        buf += d
    if len(buf) < 14:
        print("no answer")
        return
    qid, flags, rcode, addrs = parse(buf[2:])
    print("id=%d rcode=%d" % (qid, rcode))

def answer(q, flags, addr):
    """A response to query q: its id and question, one A record addr."""
    p = skip_name(q, 12) + 4
    m = q[:2] + struct.pack(">HHHHH", flags | (struct.unpack(">H", q[2:4])[0] & 0x0100),
                            1, 1 if addr else 0, 0, 0) + q[12:p]
    if addr:
        m += b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) + socket.inet_aton(addr)
    return m

def fake_upstream(port, mode, switch=None):
    """An upstream that misbehaves on purpose:
    tc      every UDP answer has TC, and nothing listens on TCP;
    tcslow  UDP TC, then over TCP the answer one octet at a time;
    tcbad   UDP TC, then over TCP an answer with the wrong id;
    spoof   over UDP first a wrong id, a wrong question and a query, then
            the answer (RFC 5452 9.1: only the last may be accepted);
    formerr FORMERR without the question, as servers that know no EDNS do
            (RFC 6891 7);
    echo    a TXT answer saying what OPT the query carried: "noopt", or
            "size=N do=D opts=K" (K octets of options);
    switch  silent while the file SWITCH exists, then answers (a resolver
            that dies and comes back)."""
    import threading
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("127.0.0.1", port))
    if mode in ("tcslow", "tcbad"):
        t = socket.socket()
        t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        t.bind(("127.0.0.1", port))
        t.listen(16)

        def serve(c):
            c.settimeout(5)
            try:
                l = struct.unpack(">H", c.recv(2, socket.MSG_WAITALL))[0]
                q = c.recv(l, socket.MSG_WAITALL)
                a = bytearray(answer(q, 0x8400, "192.0.2.123"))
                if mode == "tcbad":
                    a[1] ^= 1
                a = struct.pack(">H", len(a)) + bytes(a)
                if mode == "tcbad":
                    c.sendall(a)
                for i in range(len(a) if mode == "tcslow" else 0):
                    c.send(a[i:i + 1])
                    time.sleep(0.005)
            except OSError:
                pass
            c.close()

        def acceptor():
            while True:
                c, _ = t.accept()
                threading.Thread(target=serve, args=(c,), daemon=True).start()
        threading.Thread(target=acceptor, daemon=True).start()
    print("ready", flush=True)
    while True:
        q, peer = u.recvfrom(65535)
        if mode == "spoof":
            bad = bytearray(answer(q, 0x8400, "192.0.2.66"))
            bad[0] ^= 0x55
            u.sendto(bytes(bad), peer)
            other = query("evil.example.test", struct.unpack(">H", q[:2])[0])
            u.sendto(answer(other, 0x8400, "192.0.2.66"), peer)
            u.sendto(answer(q, 0x0400, "192.0.2.66"), peer)	# QR clear
            u.sendto(answer(q, 0x8400, "192.0.2.123"), peer)
        elif mode == "formerr":
            u.sendto(q[:2] + struct.pack(">HHHHH", 0x8001, 0, 0, 0, 0), peer)
        elif mode == "echo":
            p = skip_name(q, 12) + 4
            text = "noopt"
            if struct.unpack(">H", q[10:12])[0] == 1 and q[p] == 0:
                size, ttl, rdlen = struct.unpack(">HIH", q[p + 3:p + 11])
                text = "size=%d do=%d opts=%d" % (size, ttl >> 15 & 1, rdlen)
            t = text.encode()
            m = q[:2] + struct.pack(">HHHHH", 0x8400 | (q[2] << 8 & 0x0100), 1, 1, 0, 0) + \
                q[12:p] + b"\xc0\x0c" + struct.pack(">HHIH", 16, 1, 60, len(t) + 1) + \
                bytes([len(t)]) + t
            u.sendto(m, peer)
        elif mode == "switch":
            if not __import__("os").path.exists(switch):
                u.sendto(answer(q, 0x8400, "192.0.2.55"), peer)
        else:
            u.sendto(answer(q, 0x8600, None), peer)

cmd, port = sys.argv[1], int(sys.argv[2])
if cmd == "one":
    one(port, sys.argv[3], int(sys.argv[4]))
elif cmd in ("udp", "tcp", "tcphalf"):
    n = int(sys.argv[3])
    if cmd == "udp":
        good, bad = flood_udp(port, n, time.time() + 10)
    else:
        good, bad = flood_tcp(port, n, time.time() + 10, cmd == "tcphalf")
    for b in bad[:10]:
        print("# " + b)
    print("%d/%d" % (good, n))
elif cmd == "blackhole":
    blackhole(port, sys.argv[3])
elif cmd == "burst":
    burst(port, int(sys.argv[3]), time.time() + 5)
elif cmd == "padded":
    padded(port, sys.argv[3], int(sys.argv[4]))
elif cmd in ("close", "halfclose"):
    tcp_abandon(port, sys.argv[3], cmd == "halfclose")
elif cmd == "upstream":
    fake_upstream(port, sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else None)
elif cmd == "latency":
    latency(port, sys.argv[3], int(sys.argv[4]))
PY

# --- Upstreams -----------------------------------------------------------

# Unbound: static local data only; "." static too, so it never recurses
# to the Internet whatever it is asked.
UB_PORT=$(free_port)
UB_DIR="$T/unbound"
mkdir -p "$UB_DIR"
{
	cat <<EOF
	local-data: "www.example.test. 300 IN A 192.0.2.10"
	local-data: 'txt.example.test. 300 IN TXT "forwarded by taskdns" "second string"'
	local-zone: "corp.test." static
	local-data: "app.corp.test. 300 IN A 192.0.2.99"
EOF
	i=0
	while [ $i -lt $NFLOOD ]; do
		echo "	local-data: \"n$i.example.test. 300 IN A 10.77.$((i >> 8)).$((i & 255))\""
		i=$((i + 1))
	done
} | unbound_conf "127.0.0.1@$UB_PORT" "$UB_DIR" >"$UB_DIR/unbound.conf"
unbound -d -c "$UB_DIR/unbound.conf" >>"$UB_DIR/stderr" 2>&1 &
PIDS+=($!)
ub() { dig @127.0.0.1 -p "$UB_PORT" +time=2 +tries=1 "$@"; }
if ! wait_for 10 sh -c "dig @127.0.0.1 -p $UB_PORT +time=1 +tries=1 +short www.example.test | grep -qx 192.0.2.10"; then
	sed 's/^/# /' "$UB_DIR/stderr" "$UB_DIR/unbound.log" 2>/dev/null
	bail "unbound did not start"
fi

# The sample names its leader 10.0.0.11:5050; point that at the fake master
# so taskdns never leaves loopback.
start_master main
python3 - "$SAMPLE" "$T/state.json" "master@127.0.0.1:$MASTER_PORT" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["pid"] = d["leader"] = d["leader_info"]["pid"] = sys.argv[3]
json.dump(d, open(sys.argv[2], "w"))
PY
set_state "$MASTER_DIR" "$T/state.json"

# --- Forwarding to Unbound -----------------------------------------------

tdns "{\"masters\": [\"127.0.0.1:$MASTER_PORT\"], \"refreshSeconds\": 1,
	\"resolvers\": [\"127.0.0.1:$UB_PORT\"], \"timeout\": 2}"

ans() { dig @127.0.0.1 -p "$1" +time=2 +tries=1 +noall +answer "${@:2}"; }

is "$(rdata www.example.test)" "192.0.2.10" "www.example.test forwarded to unbound"
is "$(ans "$DNS_PORT" www.example.test A)" "$(ans "$UB_PORT" www.example.test A)" \
	"forwarded answer section equals unbound's own"
is "$(ans "$DNS_PORT" txt.example.test TXT)" "$(ans "$UB_PORT" txt.example.test TXT)" \
	"forwarded TXT equals unbound's own"
is "$(rdata txt.example.test TXT)" '"forwarded by taskdns" "second string"' \
	"forwarded TXT rdata"

# Unbound marks its local data authoritative: the flags come through as set.
out=$(dig @127.0.0.1 -p "$DNS_PORT" +time=2 +tries=1 www.example.test A 2>&1)
is "$(echo "$out" | grep 'flags:')" "$(ub www.example.test A | grep 'flags:')" \
	"forwarded header flags and counts equal unbound's"
like "$(echo "$out" | grep 'flags:')" 'flags: qr aa rd ra;' "... qr aa rd ra"
is "$(echo "$out" | grep -ci 'warning\|mismatch')" 0 "dig does not complain (id, question)"
is "$(python3 "$T/dnsq.py" one "$DNS_PORT" www.example.test 48879)" \
	"id=48879 qr=1 ra=1 rcode=0 192.0.2.10" "the client's id 0xbeef comes back"
is "$(python3 "$T/dnsq.py" one "$DNS_PORT" WwW.ExAmPlE.tEsT 1)" \
	"id=1 qr=1 ra=1 rcode=0 192.0.2.10" "mixed-case name, id 1"

out=$(dig @127.0.0.1 -p "$DNS_PORT" +time=2 +tries=1 nimbus.storm.mesos A)
like "$(echo "$out" | grep 'flags:')" 'flags: qr aa rd ra;' "mesos name still authoritative"
is "$(rdata nimbus.storm.mesos)" "10.0.1.1" "nimbus.storm.mesos from the table"

is "$(status nope.example.test)" "NXDOMAIN" "NXDOMAIN from unbound relayed"
is "$(ans "$DNS_PORT" nope.example.test A +noall +authority)" \
	"$(ans "$UB_PORT" nope.example.test A +noall +authority)" \
	"NXDOMAIN authority (SOA) relayed unchanged"
is "$(status www.example.test AAAA)" "NOERROR" "NODATA from unbound relayed"

# Truncation: 40 A records do not fit 512 octets.
want_big=$(ub +short big.example.test A | sort)
is "$(echo "$want_big" | wc -l)" 40 "unbound serves 40 addresses for big.example.test"
out=$(dig @127.0.0.1 -p "$DNS_PORT" +time=2 +tries=1 +noedns +ignore big.example.test A)
like "$(echo "$out" | grep 'flags:')" 'flags: qr aa tc rd ra;' "+noedns over UDP: TC set"
like "$(echo "$out" | grep 'flags:')" 'ANSWER: 0,' "+noedns over UDP: no partial answer"
like "$(echo "$out" | grep 'flags:')" 'QUERY: 1,' "+noedns over UDP: the question kept"
out=$(dig @127.0.0.1 -p "$DNS_PORT" +time=2 +tries=1 +noedns big.example.test A)
like "$out" 'Truncated, retrying in TCP mode' "dig retries over TCP after TC"
like "$(echo "$out" | grep 'flags:')" 'ANSWER: 40,' "full answer after dig's TCP retry"
tcp0=$(counter forward_tcp)
is "$(rdata big.example.test A +tcp +noedns)" "$want_big" \
	"+tcp: the full RRset equals unbound's"
tcp1=$(counter forward_tcp)
is "$((tcp1 - tcp0))" 1 "taskdns got TC from unbound over UDP and retried over TCP"
out=$(dig @127.0.0.1 -p "$DNS_PORT" +time=2 +tries=1 +bufsize=1232 big.example.test A)
like "$(echo "$out" | grep 'flags:')" 'flags: qr aa rd ra;.*ANSWER: 40,' \
	"EDNS 1232 over UDP: all 40, no TC"

# Only the question goes upstream, with our own EDNS: a request padded to
# 1500 or 4000 octets is forwarded as a small query.
is "$(python3 "$T/dnsq.py" padded "$DNS_PORT" www.example.test 1500)" \
	"rcode=0 192.0.2.10" "a 1500-octet request (EDNS padding) is forwarded"
is "$(python3 "$T/dnsq.py" padded "$DNS_PORT" www.example.test 4000)" \
	"rcode=0 192.0.2.10" "a 4000-octet request too, as its question"

# --- Many forwards at once -----------------------------------------------

t0=$(now_ms)
out=$(python3 "$T/dnsq.py" udp "$DNS_PORT" $NFLOOD)
t1=$(now_ms)
is "$(echo "$out" | tail -n 1)" "$NFLOOD/$NFLOOD" "$NFLOOD concurrent UDP forwards: each its exact answer"
echo "$out" | grep '^#'
diag "$NFLOOD UDP forwards in $((t1 - t0)) ms"
t0=$(now_ms)
out=$(python3 "$T/dnsq.py" tcp "$DNS_PORT" $NFLOOD)
t1=$(now_ms)
is "$(echo "$out" | tail -n 1)" "$NFLOOD/$NFLOOD" "$NFLOOD forwards pipelined on one TCP connection"
echo "$out" | grep '^#'
diag "$NFLOOD pipelined TCP forwards in $((t1 - t0)) ms"
out=$(python3 "$T/dnsq.py" tcphalf "$DNS_PORT" $NFLOOD)
is "$(echo "$out" | tail -n 1)" "$NFLOOD/$NFLOOD" \
	"$NFLOOD pipelined, then the client half-closes: all answered, then closed"
echo "$out" | grep '^#'
still_running
ok $? "taskdns still running after the floods"
is "$(rdata www.example.test)" "192.0.2.10" "and still forwarding"
stop_pid "$TASKDNS_PID"

# --- zoneResolvers: corp.test to NSD, the rest to Unbound ----------------

if command -v nsd >/dev/null 2>&1; then
	NSD_PORT=$(free_port)
	NSD_DIR="$T/nsd"
	mkdir -p "$NSD_DIR"
	cat >"$NSD_DIR/corp.test.zone" <<'EOF'
$ORIGIN corp.test.
$TTL 300
@	IN SOA ns1.corp.test. hostmaster.corp.test. 2024010101 3600 900 604800 300
@	IN NS ns1.corp.test.
ns1	IN A 127.0.0.1
app	IN A 192.0.2.77
	IN TXT "only nsd knows"
EOF
	cat >"$NSD_DIR/nsd.conf" <<EOF
server:
	port: $NSD_PORT
	ip-address: 127.0.0.1
	do-ip6: no
	username: ""
	chroot: ""
	database: ""
	zonesdir: "$NSD_DIR"
	pidfile: "$NSD_DIR/nsd.pid"
	xfrdfile: "$NSD_DIR/xfrd.state"
	zonelistfile: "$NSD_DIR/zone.list"
	xfrdir: "$NSD_DIR"
	logfile: "$NSD_DIR/nsd.log"
	server-count: 1
	verbosity: 1
remote-control:
	control-enable: no
zone:
	name: corp.test
	zonefile: corp.test.zone
EOF
	nsd -d -c "$NSD_DIR/nsd.conf" >>"$NSD_DIR/stderr" 2>&1 &
	PIDS+=($!)
	NSD_PID=$!
	if wait_for 10 sh -c "dig @127.0.0.1 -p $NSD_PORT +time=1 +tries=1 +short app.corp.test | grep -qx 192.0.2.77"; then
		tdns "{\"masters\": [\"127.0.0.1:$MASTER_PORT\"], \"refreshSeconds\": 1,
			\"resolvers\": [\"127.0.0.1:$UB_PORT\"], \"timeout\": 2,
			\"zoneResolvers\": {\"corp.test\": [\"127.0.0.1:$NSD_PORT\"]}}"
		is "$(rdata app.corp.test)" "192.0.2.77" "app.corp.test from nsd (unbound says 192.0.2.99)"
		is "$(rdata app.corp.test TXT)" '"only nsd knows"' "TXT only nsd has"
		like "$(dig @127.0.0.1 -p "$DNS_PORT" +time=2 +tries=1 app.corp.test | grep 'flags:')" \
			'flags: qr aa rd;' "nsd's flags relayed (aa, no ra)"
		is "$(ans "$DNS_PORT" corp.test SOA)" "$(ans "$NSD_PORT" corp.test SOA)" \
			"the zone apex itself goes to nsd"
		is "$(rdata www.example.test)" "192.0.2.10" "other names still go to unbound"
		is "$(status nope.corp.test)" "NXDOMAIN" "NXDOMAIN from nsd relayed"
		is "$(status app.xcorp.test)" "NXDOMAIN" \
			"xcorp.test is not under corp.test (unbound's NXDOMAIN; nsd would refuse)"
		is "$(rdata nimbus.storm.mesos)" "10.0.1.1" "mesos names unaffected"
		stop_pid "$TASKDNS_PID"
	else
		sed 's/^/# /' "$NSD_DIR/stderr" "$NSD_DIR/nsd.log" 2>/dev/null
		ok 1 "nsd did not start"
	fi
	stop_pid "$NSD_PID"
else
	skip "zoneResolvers with nsd" "nsd not installed"
fi

# --- Dead upstreams ------------------------------------------------------

BH_PORT=$(free_port)
python3 "$T/dnsq.py" blackhole "$BH_PORT" "$T/bh.count" &
PIDS+=($!)
wait_for 10 test -f "$T/bh.count" || bail "black hole did not start"
bh_count() { cat "$T/bh.count"; }
CLOSED_PORT=$(free_port)	# nothing listens: ICMP port unreachable

# timed NAME TYPE [dig options...]: sets RC (the rcode word) and MS (the
# elapsed milliseconds).
timed() {
	local t0 t1
	t0=$(now_ms)
	RC=$(status "$1" "$2" +time=6 "${@:3}")
	t1=$(now_ms)
	MS=$((t1 - t0))
}

tdns "{\"masters\": [\"127.0.0.1:$MASTER_PORT\"], \"refreshSeconds\": 1,
	\"resolvers\": [\"127.0.0.1:$BH_PORT\"], \"timeout\": 1}"
n0=$(bh_count)
( t0=$(now_ms); status www.example.test A +time=6 >"$T/bh.rc"; echo $(( $(now_ms) - t0 )) >"$T/bh.ms" ) &
bgpid=$!
wait_for 3 sh -c "[ \$(cat '$T/bh.count') -gt $n0 ]"
t0=$(now_ms)
r=$(rdata nimbus.storm.mesos)
t1=$(now_ms)
is "$r" "10.0.1.1" "mesos name answered while a forward hangs"
ok $([ $((t1 - t0)) -lt 500 ]; echo $?) "... at once ($((t1 - t0)) ms)"
wait "$bgpid"
is "$(cat "$T/bh.rc")" "SERVFAIL" "black hole upstream: SERVFAIL"
MS=$(cat "$T/bh.ms")
ok $([ "$MS" -gt 800 ] && [ "$MS" -lt 3000 ]; echo $?) "... after the 1 s timeout ($MS ms)"
is "$(( $(bh_count) - n0 ))" 1 "... one datagram sent to it, no retry"
is "$(python3 "$T/dnsq.py" halfclose "$DNS_PORT" www.example.test)" "id=77 rcode=2" \
	"TCP client that half-closed still gets its SERVFAIL"
python3 "$T/dnsq.py" close "$DNS_PORT" www.example.test >/dev/null
python3 "$T/dnsq.py" close "$DNS_PORT" www.example.test >/dev/null
sleep 1.5
still_running
ok $? "TCP clients gone before their forwards timed out: taskdns still running"
is "$(rdata nimbus.storm.mesos A +tcp)" "10.0.1.1" "... and answering over TCP"
stop_pid "$TASKDNS_PID"

# One responder: the limit is shared out among responders, and which one
# a client lands on is the kernel's choice (SO_REUSEPORT).
tdns "{\"masters\": [\"127.0.0.1:$MASTER_PORT\"], \"refreshSeconds\": 1, \"threads\": 1,
	\"resolvers\": [\"127.0.0.1:$BH_PORT\"], \"timeout\": 1, \"forwardMaxPending\": 2}"
is "$(python3 "$T/dnsq.py" burst "$DNS_PORT" 3)" "rcode=2 fast
rcode=2 slow
rcode=2 slow" "forwardMaxPending 2: the third forward SERVFAILs at once"
is "$(counter forward_full)" 1 "... counted as forward_full"
is "$(rdata nimbus.storm.mesos)" "10.0.1.1" "... mesos names unaffected"
stop_pid "$TASKDNS_PID"

tdns "{\"masters\": [\"127.0.0.1:$MASTER_PORT\"], \"refreshSeconds\": 1,
	\"resolvers\": [\"127.0.0.1:$CLOSED_PORT\"], \"timeout\": 1}"
timed www.example.test A
is "$RC" "SERVFAIL" "closed upstream port: SERVFAIL"
ok $([ "$MS" -lt 1000 ]; echo $?) "... at once, on ICMP port unreachable ($MS ms)"
timed www.example.test A +tcp
is "$RC" "SERVFAIL" "closed upstream port, client over TCP: SERVFAIL"
ok $([ "$MS" -lt 1000 ]; echo $?) "... at once ($MS ms)"
stop_pid "$TASKDNS_PID"

# A black-holed first resolver: the second is asked after the retry time
# (500 ms before the first answer of a resolver), not after "timeout".
tdns "{\"masters\": [\"127.0.0.1:$MASTER_PORT\"], \"refreshSeconds\": 1,
	\"resolvers\": [\"127.0.0.1:$BH_PORT\", \"127.0.0.1:$UB_PORT\"], \"timeout\": 5}"
t0=$(now_ms)
r=$(rdata www.example.test A +time=6)
MS=$(( $(now_ms) - t0 ))
is "$r" "192.0.2.10" "[black hole, unbound]: unbound's answer"
ok $([ "$MS" -gt 400 ] && [ "$MS" -lt 1000 ]; echo $?) "... after the 500 ms retry time ($MS ms)"
t0=$(now_ms)
r=$(rdata big.example.test A +time=6 +noedns +tcp)
MS=$(( $(now_ms) - t0 ))
is "$r" "$want_big" "[black hole, unbound]: TC then TCP on the second upstream"
ok $([ "$MS" -lt 300 ]; echo $?) "... at once: unbound, which answers, is asked first now ($MS ms)"
out=$(python3 "$T/dnsq.py" latency "$DNS_PORT" www.example.test 300)
like "$out" "^300/300 " "[black hole, unbound]: 300 forwards in a row all answered ($out)"
p99=$(echo "$out" | sed -n 's/.* p99=\([0-9]*\) .*/\1/p')
ok $([ "${p99:-9999}" -lt 1000 ]; echo $?) "... p99 under 1 s (${p99} ms)"
stop_pid "$TASKDNS_PID"

# A resolver that dies and comes back: found dead after 3 unanswered
# queries in a row, then probed (1 s later, doubling) until it answers.
SWITCH="$T/switch.off"
UP_PORT=$(free_port)
python3 "$T/dnsq.py" upstream "$UP_PORT" switch "$SWITCH" >"$T/up-switch.out" 2>&1 &
PIDS+=($!)
wait_for 10 grep -q ready "$T/up-switch.out" || bail "fake upstream switch did not start"
tdns "{\"masters\": [\"127.0.0.1:$MASTER_PORT\"], \"refreshSeconds\": 1, \"threads\": 1,
	\"resolvers\": [\"127.0.0.1:$UP_PORT\"], \"timeout\": 1}"
is "$(rdata www.example.test A)" "192.0.2.55" "[switch]: answered while it is up"
touch "$SWITCH"
for i in 1 2 3; do timed www.example.test A; done
is "$RC" "SERVFAIL" "[switch] down: SERVFAIL after the timeout"
is "$(grep -c "resolver 127.0.0.1:$UP_PORT left 3 queries in a row unanswered" "$TASKDNS_LOG")" "1" \
	"... found dead after 3 queries in a row, logged once"
rm -f "$SWITCH"
sleep 1.2	# the first probe is due 1 s after it was found dead
wait_for 6 sh -c "dig @127.0.0.1 -p $DNS_PORT +time=2 +tries=1 +short www.example.test >/dev/null; grep -q 'resolver 127.0.0.1:$UP_PORT answers again' '$TASKDNS_LOG'"
ok $? "[switch] back: a probe finds it alive again (logged)"
ok $([ "$(counter forward_probes)" -ge 1 ]; echo $?) "... probes counted"
is "$(rdata www.example.test A)" "192.0.2.55" "... and it answers again"
stop_pid "$TASKDNS_PID"

# --- Upstreams that misbehave on purpose ---------------------------------

# fake_up MODE: a fake upstream (dnsq.py upstream); sets UP_PORT.
fake_up() {
	UP_PORT=$(free_port)
	python3 "$T/dnsq.py" upstream "$UP_PORT" "$1" >"$T/up-$1.out" 2>&1 &
	PIDS+=($!)
	wait_for 10 grep -q ready "$T/up-$1.out" || bail "fake upstream $1 did not start"
}
fake_up tc;	TC_PORT=$UP_PORT
fake_up tcslow;	SLOW_PORT=$UP_PORT
fake_up tcbad;	BAD_PORT=$UP_PORT
fake_up spoof;	SPOOF_PORT=$UP_PORT
fake_up formerr;	FORMERR_PORT=$UP_PORT
tdns "{\"masters\": [\"127.0.0.1:$MASTER_PORT\"], \"refreshSeconds\": 1,
	\"resolvers\": [\"127.0.0.1:$UB_PORT\"], \"timeout\": 1,
	\"zoneResolvers\": {
		\"tc.example.test\": [\"127.0.0.1:$TC_PORT\"],
		\"tcu.example.test\": [\"127.0.0.1:$TC_PORT\", \"127.0.0.1:$UB_PORT\"],
		\"slow.example.test\": [\"127.0.0.1:$SLOW_PORT\"],
		\"bad.example.test\": [\"127.0.0.1:$BAD_PORT\", \"127.0.0.1:$UB_PORT\"],
		\"spoof.example.test\": [\"127.0.0.1:$SPOOF_PORT\"],
		\"fe.example.test\": [\"127.0.0.1:$FORMERR_PORT\"],
		\"feu.example.test\": [\"127.0.0.1:$FORMERR_PORT\", \"127.0.0.1:$UB_PORT\"]}}"
timed a.tc.example.test A
is "$RC" "SERVFAIL" "upstream with TC but no TCP: SERVFAIL"
ok $([ "$MS" -lt 800 ]; echo $?) "... at once, on the refused connection ($MS ms)"
timed a.tcu.example.test A
is "$RC" "NXDOMAIN" "[TC without TCP, unbound]: unbound's NXDOMAIN"
ok $([ "$MS" -lt 800 ]; echo $?) "... at once ($MS ms)"
is "$(rdata a.slow.example.test)" "192.0.2.123" "TCP answer arriving one octet at a time"
is "$(rdata a.slow.example.test A +tcp)" "192.0.2.123" "... to a TCP client too"
timed a.bad.example.test A
is "$RC" "NXDOMAIN" "TCP answer with a wrong id ignored, next upstream asked"
ok $([ "$MS" -lt 800 ]; echo $?) "... at once ($MS ms)"
is "$(rdata a.spoof.example.test)" "192.0.2.123" \
	"wrong id, wrong question and a non-response ignored; the real answer taken"
is "$(rdata a.spoof.example.test A +tcp)" "192.0.2.123" "... for a TCP client too"
timed a.fe.example.test A
is "$RC" "SERVFAIL" "FORMERR without a question: SERVFAIL, not relayed"
ok $([ "$MS" -lt 800 ]; echo $?) "... at once ($MS ms)"
timed a.feu.example.test A
is "$RC" "NXDOMAIN" "[FORMERR, unbound]: unbound's answer"
ok $([ "$MS" -lt 800 ]; echo $?) "... at once ($MS ms)"
is "$(rdata www.example.test)" "192.0.2.10" "other names still go to unbound"
still_running
ok $? "taskdns still running"
stop_pid "$TASKDNS_PID"

# --- Not an open resolver ------------------------------------------------

fake_up echo;	ECHO_PORT=$UP_PORT
n0=$(bh_count)
tdns "{\"masters\": [\"127.0.0.1:$MASTER_PORT\"], \"refreshSeconds\": 1,
	\"resolvers\": [\"127.0.0.1:$UB_PORT\"], \"timeout\": 1, \"ednsUdpSize\": 600,
	\"zoneResolvers\": {\"echo.test\": [\"127.0.0.1:$ECHO_PORT\"],
		\"bind\": [\"127.0.0.1:$BH_PORT\"]},
	\"forwardAllow\": [\"127.0.0.2/32\", \"10.0.0.0/8\"]}"
D2="dig @127.0.0.1 -p $DNS_PORT +time=2 +tries=1 -b 127.0.0.2"
is "$($D2 +short www.example.test)" "192.0.2.10" "forwardAllow: 127.0.0.2 is forwarded"
is "$(status www.example.test)" "REFUSED" "forwardAllow: 127.0.0.1 is not: REFUSED"
is "$(status www.example.test A +tcp)" "REFUSED" "... over TCP too"
is "$(rdata nimbus.storm.mesos)" "10.0.1.1" "... while the domain is answered to everyone"
is "$(counter forward_denied)" "2" "... counted as forward_denied"
is "$($D2 +short +bufsize=4096 +dnssec +ednsopt=8:00011800c0a80a00 a.echo.test TXT)" \
	'"size=600 do=1 opts=0"' "upstream gets our EDNS: our size, the DO bit, no client option"
is "$($D2 +short +noedns a.echo.test TXT)" '"noopt"' "... and none when the client had none"
out=$($D2 +ignore +bufsize=4096 big.example.test)
like "$out" "flags: qr aa tc rd ra;" "a 674-octet answer to a client asking 4096: TC at our ednsUdpSize 600"
is "$($D2 +short +bufsize=4096 big.example.test | wc -l)" "40" "... and whole over TCP"
like "$($D2 version.bind CH TXT)" "status: REFUSED" "class CH is refused, not forwarded"
sleep 0.3
is "$(( $(bh_count) - n0 ))" 0 "... nothing of it sent upstream"
stop_pid "$TASKDNS_PID"

# --- externalon false ----------------------------------------------------

n0=$(bh_count)
tdns "{\"masters\": [\"127.0.0.1:$MASTER_PORT\"], \"refreshSeconds\": 1,
	\"resolvers\": [\"127.0.0.1:$BH_PORT\"], \"timeout\": 1, \"externalon\": false}"
is "$(status www.example.test)" "REFUSED" "externalon false: REFUSED outside the domain"
is "$(status www.example.test A +tcp)" "REFUSED" "... over TCP too"
is "$(rdata nimbus.storm.mesos)" "10.0.1.1" "... mesos names answered"
sleep 0.3
is "$(( $(bh_count) - n0 ))" 0 "... and nothing sent upstream"
stop_pid "$TASKDNS_PID"

done_testing
