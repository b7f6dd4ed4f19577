#!/bin/bash
# xfr_server.sh -- how the server runs zone transfers, with raw TCP
# clients: a query pipelined behind an AXFR, a half-closed client, a
# client that stops reading (closed, counted aborted; others answered
# meanwhile), the cap of 16 transfers at once, IXFR over UDP, and the
# counters of /metrics. Secondaries (NSD, Knot) are xfr.sh's.
. "$(dirname "$0")/lib.sh"
need dig kdig python3 curl

# A zone of some size: 1,500 instances of 300 apps with their own
# addresses (about 10,000 records, 500 KB of transfer: more than the
# socket buffers hold, for the client that stops reading).
python3 - "$top_srcdir/contrib/sample/state.json" "$T/state.json" <<'PY'
import json, sys
st = json.load(open(sys.argv[1]))
fw = st["frameworks"][0]
for i in range(1500):
    fw["tasks"].append({"id": "bulk.%d" % i, "name": "bulk%d" % (i % 300),
        "framework_id": fw["id"], "slave_id": st["slaves"][i % 3]["id"],
        "state": "TASK_RUNNING", "resources": {"ports": "[%d-%d]" % (20000 + i, 20000 + i)},
        "statuses": [{"state": "TASK_RUNNING", "timestamp": 1.0, "container_status":
            {"network_infos": [{"ip_addresses": [{"ip_address": "10.7.%d.%d" % (i // 250, i % 250 + 1)}]}]}}]})
json.dump(st, open(sys.argv[2], "w"))
PY
HTTP_PORT=$(free_port)
start_taskdns "{\"masters\": [], \"stateFile\": \"$T/state.json\",
	\"transferAllow\": [\"127.0.0.1\"], \"tcpIoTimeoutMs\": 1000,
	\"httpon\": true, \"HTTPListener\": \"127.0.0.1\", \"httpport\": $HTTP_PORT}" ||
	bail "taskdns did not start"
metric() { # metric 'NAME{LABELS}': its value in /metrics
	curl -s "http://127.0.0.1:$HTTP_PORT/metrics" | awk -v k="$1" '$1 == k { print $2 }'
}
records=$(kdig @127.0.0.1 -p "$DNS_PORT" mesos AXFR +noall +stats 2>/dev/null |
	sed -n 's/.*(\([0-9]*\) messages, \([0-9]*\) records).*/\2/p')
ok $([ "${records:-0}" -gt 9000 ]; echo $?) "kdig takes the whole zone ($records records)"
is "$(metric 'taskdns_xfr_requests_total{type="axfr",answer="axfr"}')" 1 "counted as an AXFR answered whole"

# rawxfr.py MODE: one TCP client, as MODE says; prints what it saw.
cat >"$T/rawxfr.py" <<'PY'
import socket, struct, sys, time
mode, port = sys.argv[1], int(sys.argv[2])
def q(qid, qtype, name=b"\x05mesos\x00"):
    m = struct.pack(">HHHHHH", qid, 0, 1, 0, 0, 0) + name + struct.pack(">HH", qtype, 1)
    return struct.pack(">H", len(m)) + m
def read_msgs(s, until):
    """Messages until the SOA count reaches 2 for the AXFR, and any after."""
    buf, msgs = b"", []
    s.settimeout(10)
    while True:
        while len(buf) >= 2 and len(buf) >= 2 + struct.unpack(">H", buf[:2])[0]:
            n = struct.unpack(">H", buf[:2])[0]
            msgs.append(buf[2:2 + n]); buf = buf[2 + n:]
        if until(msgs):
            return msgs
        d = s.recv(65536)
        if not d:
            return msgs
        buf += d
s = socket.create_connection(("127.0.0.1", port))
if mode == "pipelined":
    # An AXFR, then an SOA query in the same segment: the SOA's answer
    # comes after the transfer's last message (RFC 5936 4.1: ordering).
    s.sendall(q(1, 252) + q(2, 6))
    msgs = read_msgs(s, lambda m: any(struct.unpack(">H", x[:2])[0] == 2 for x in m))
    ids = [struct.unpack(">H", x[:2])[0] for x in msgs]
    print("messages", len(msgs), "ids", ",".join(sorted(set(map(str, ids)))),
          "last", ids[-1], "soa_last", ids.index(2) == len(ids) - 1)
elif mode == "halfclose":
    s.sendall(q(3, 252))
    s.shutdown(socket.SHUT_WR)
    msgs = read_msgs(s, lambda m: False)
    print("messages", len(msgs), "bytes", sum(len(x) for x in msgs))
elif mode == "stall":
    # Ask, read nothing, wait to be closed: print how long it took.
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.sendall(q(4, 252))
    t0 = time.time()
    time.sleep(4)
    s.settimeout(5)
    try:
        while s.recv(65536):
            pass
        print("closed")
    except (ConnectionResetError, socket.timeout) as e:
        print("closed" if isinstance(e, ConnectionResetError) else "open")
elif mode in ("udp", "tcp"):
    # One query (type argv[3], name argv[4]): the rcode of the answer.
    name = b"".join(bytes([len(l)]) + l.encode() for l in sys.argv[4].split(".")) + b"\0"
    m = q(5, int(sys.argv[3]), name)
    if mode == "udp":
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.settimeout(5)
        u.sendto(m[2:], ("127.0.0.1", port))
        r = u.recv(65535)
    else:
        s.sendall(m)
        r = read_msgs(s, lambda x: len(x) >= 1)[0]
    print("rcode", r[3] & 15, "answers", struct.unpack(">H", r[6:8])[0])
elif mode == "hold":
    # N stalled transfers at once; then one more: its rcode.
    n = int(sys.argv[3])
    held = []
    for i in range(n):
        c = socket.create_connection(("127.0.0.1", port))
        c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        c.sendall(q(100 + i, 252))
        held.append(c)
    time.sleep(0.5)
    s.sendall(q(99, 252))
    m = read_msgs(s, lambda m: len(m) >= 1)
    print("rcode", m[0][3] & 15 if m else "none")
    for c in held:
        c.close()
PY

out=$(python3 "$T/rawxfr.py" pipelined "$DNS_PORT")
like "$out" "soa_last True" "a query pipelined behind an AXFR is answered after its last message ($out)"
out=$(python3 "$T/rawxfr.py" halfclose "$DNS_PORT")
like "$out" "^messages ([2-9][0-9]|[0-9]{3})" "a client that half-closes after asking still gets the whole transfer ($out)"

# A client that stops reading is closed after tcpIoTimeoutMs, and others
# are answered meanwhile.
python3 "$T/rawxfr.py" stall "$DNS_PORT" >"$T/stall.out" &
stall=$!
sleep 1
is "$(dig @127.0.0.1 -p "$DNS_PORT" +short +time=2 +tries=1 leader.mesos SOA | wc -l)" 0 \
	"a query while the transfer stalls: answered (NOERROR, no SOA at leader.mesos)"
is "$(status nimbus.storm.mesos A)" NOERROR "and a task name answers too"
wait $stall
is "$(cat "$T/stall.out")" closed "the stalled transfer's connection is closed"
is "$(metric 'taskdns_xfr_requests_total{type="axfr",answer="aborted"}')" 1 "counted as aborted"
like "$(grep 'xfr: axfr' "$TASKDNS_LOG" | tail -1)" "aborted" "and logged as aborted"

# 16 transfers at once; the 17th gets SERVFAIL and is counted busy.
out=$(python3 "$T/rawxfr.py" hold "$DNS_PORT" 16)
is "$out" "rcode 2" "the 17th transfer at once: SERVFAIL"
is "$(metric 'taskdns_xfr_requests_total{type="axfr",answer="busy"}')" 1 "counted as busy"
wait_for 10 sh -c "[ \"\$(curl -s http://127.0.0.1:$HTTP_PORT/metrics | awk '\$1 == \"taskdns_xfr_requests_total{type=\\\"axfr\\\",answer=\\\"aborted\\\"}\" {print \$2}')\" = 17 ]"
is "$(metric 'taskdns_xfr_requests_total{type="axfr",answer="aborted"}')" 17 "the 16 held ones aborted when their clients left"
ok $(kdig @127.0.0.1 -p "$DNS_PORT" mesos AXFR +noall +stats 2>/dev/null | grep -q "$records records"; echo $?) \
	"then a transfer runs again"

# IXFR: over UDP from the current serial, the SOA; from an unknown one,
# the SOA too (the whole zone does not fit a datagram: ask over TCP).
serial=$(dig @127.0.0.1 -p "$DNS_PORT" +short mesos SOA | awk '{print $3}')
out=$(kdig @127.0.0.1 -p "$DNS_PORT" +notcp mesos IXFR="$serial" +noall +answer)
is "$(echo "$out" | awk '$4 == "SOA" {print $7}')" "$serial" "IXFR over UDP, up to date: the SOA"
out=$(kdig @127.0.0.1 -p "$DNS_PORT" +notcp mesos IXFR=$((serial - 1000)) +noall +answer)
is "$(echo "$out" | wc -l)" 1 "IXFR over UDP from an unknown serial: the SOA alone"
out=$(kdig @127.0.0.1 -p "$DNS_PORT" mesos IXFR=$((serial - 1000)) +noall +stats 2>/dev/null)
like "$out" "$records records" "... and over TCP the whole zone"
is "$(metric 'taskdns_xfr_requests_total{type="ixfr",answer="uptodate"}')" 2 "IXFR counted: 2 up to date (the UDP fallback's SOA too)"
is "$(metric 'taskdns_xfr_requests_total{type="ixfr",answer="axfr"}')" 1 "... 1 whole zone"

# Outside transferAllow: REFUSED; below an apex: NOTAUTH; UDP AXFR: NOTIMP.
# (A second after the last refusal logged: they are logged once a second.)
sleep 1.1
is "$(dig @127.0.0.1 -p "$DNS_PORT" -b 127.0.0.2 +tcp mesos AXFR 2>&1 | grep -c 'XFR size')" 0 \
	"a client outside transferAllow gets no transfer"
is "$(metric 'taskdns_xfr_requests_total{type="axfr",answer="refused"}')" 1 "counted as refused"
like "$(grep 'xfr: AXFR of mesos. from 127.0.0.2' "$TASKDNS_LOG")" "refused: not in transferAllow \\(REFUSED\\)" \
	"and logged, with the client and the zone"
is "$(python3 "$T/rawxfr.py" tcp "$DNS_PORT" 252 storm.mesos)" "rcode 9 answers 0" \
	"AXFR below the apex: NOTAUTH"
is "$(python3 "$T/rawxfr.py" tcp "$DNS_PORT" 251 marathon.mesos)" "rcode 9 answers 0" \
	"IXFR below the apex: NOTAUTH"
is "$(python3 "$T/rawxfr.py" udp "$DNS_PORT" 252 mesos)" "rcode 4 answers 0" "AXFR over UDP: NOTIMP"
is "$(metric 'taskdns_xfr_requests_total{type="axfr",answer="udp"}')" 1 "counted as udp"
is "$(python3 "$T/rawxfr.py" tcp "$DNS_PORT" 252 example.com)" "rcode 5 answers 0" \
	"AXFR outside every zone: REFUSED"
is "$(python3 "$T/rawxfr.py" tcp "$DNS_PORT" 251 mesos)" "rcode 1 answers 0" \
	"IXFR without the client's SOA: FORMERR (RFC 1995 3)"
ok $(still_running; echo $?) "taskdns is still running"
done_testing
