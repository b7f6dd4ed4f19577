#!/bin/bash
# metrics.sh -- /metrics after known traffic: each family's values exactly
# (as differences from a first scrape), the records of the reviewed sample
# zone, the event stream's families against a fake master, promtool clean.
. "$(dirname "$0")/lib.sh"
need dig curl python3 promtool

ZONE="$top_srcdir/zones/sample.zone"

# A fake upstream on UDP: "answer" replies NOERROR to everything, with one
# A record, or 40 for big.example.test (674 octets, over 512: a client
# without EDNS gets it cut, with TC); "blackhole" reads and never answers.
cat >"$T/up.py" <<'PY'
import socket, struct, sys
port, mode = int(sys.argv[1]), sys.argv[2]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", port))
print("ready", flush=True)
while True:
    q, peer = s.recvfrom(4096)
    if mode == "blackhole" or len(q) < 12:
        continue
    i = 12
    while i < len(q) and q[i]:
        i += 1 + q[i]
    question = q[12:i + 5]
    name = question[:-4].lower()
    n = 40 if name == b"\x03big\x07example\x04test\x00" else 1
    head = q[:2] + struct.pack(">HHHHH", 0x8180 | (q[2] & 1) << 8, 1, n, 0, 0)
    rrs = b"".join(b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 300, 4) +
                   bytes([192, 0, 2, k + 1]) for k in range(n))
    s.sendto(head + question + rrs, peer)
PY
start_up() { # start_up MODE: sets UP_PORT
	UP_PORT=$(free_port)
	python3 "$T/up.py" "$UP_PORT" "$1" >"$T/up-$1.out" 2>&1 &
	PIDS+=($!)
	wait_for 10 grep -q ready "$T/up-$1.out" || bail "fake upstream $1 did not start"
}
start_up answer;	ANS_PORT=$UP_PORT
start_up blackhole;	BH_PORT=$UP_PORT
CLOSED_PORT=$(free_port)	# nothing listens: ICMP port unreachable

# scrape OUT: GET /metrics into OUT. @return curl's status.
scrape() {
	curl -sf --max-time 5 "http://127.0.0.1:$HTTP_PORT/metrics" -o "$1"
}
# m FILE SERIES: the value of one series ('name' or 'name{labels}'), or "none".
m() {
	awk -v s="$2" '$1 == s { print $2; f = 1 } END { if (!f) print "none" }' "$1"
}
# d SERIES: its value in after.txt minus before.txt.
d() {
	local a b
	a=$(m "$T/after.txt" "$1")
	b=$(m "$T/before.txt" "$1")
	[ "$a" = none ] || [ "$b" = none ] && { echo "none"; return; }
	python3 -c "import sys; print(round(float(sys.argv[1]) - float(sys.argv[2]), 9))" "$a" "$b" |
		sed 's/\.0$//'
}

# --- Serving the sample cluster from its state file ------------------------
HTTP_PORT=$(free_port)
start_taskdns "$(python3 - "$top_srcdir/contrib/sample/config.json" \
	"$top_srcdir/contrib/sample/state.json" "$HTTP_PORT" "$ANS_PORT" "$BH_PORT" "$CLOSED_PORT" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c.pop("port"); c.pop("listener")
c.update({"stateFile": sys.argv[2], "refreshSeconds": 3600, "httpon": True,
          "HTTPListener": "127.0.0.1", "httpport": int(sys.argv[3]),
          "resolvers": ["127.0.0.1:" + sys.argv[4]],
          "zoneResolvers": {"slow.test": ["127.0.0.1:" + sys.argv[5]],
                            "closed.test": ["127.0.0.1:" + sys.argv[6]]},
          "timeout": 1, "forwardAllow": ["127.0.0.2/32"], "tcpIdleSeconds": 1})
print(json.dumps(c))
PY
)" || bail "taskdns did not start"
wait_for 10 scrape "$T/before.txt" || bail "no /metrics on port $HTTP_PORT"
is "$(curl -s -D - -o /dev/null "http://127.0.0.1:$HTTP_PORT/metrics" | tr -d '\r' |
	sed -n 's/^Content-Type: //Ip')" "text/plain; version=0.0.4; charset=utf-8" \
	"/metrics: the text format's content type"

DIG="dig @127.0.0.1 -p $DNS_PORT +time=3 +tries=1"
for i in 1 2 3 4 5; do $DIG web.marathon.mesos A >/dev/null; done
for i in 1 2 3; do $DIG +tcp _web._tcp.marathon.mesos SRV >/dev/null; done
is "$(status nope.mesos)" "NXDOMAIN" "an NXDOMAIN"
is "$(status www.example.test A -b 127.0.0.1)" "REFUSED" \
	"a REFUSED: 127.0.0.1 is not in forwardAllow"
is "$(rdata www.example.test A -b 127.0.0.2)" "192.0.2.1" "a forward answered"
out=$($DIG -b 127.0.0.2 +noedns +ignore big.example.test A)
like "$(echo "$out" | grep 'flags:')" " tc" "a forwarded answer cut for UDP: TC"
is "$(status x.slow.test A -b 127.0.0.2 +time=4)" "SERVFAIL" "the black hole: SERVFAIL"
is "$(status x.closed.test A -b 127.0.0.2)" "SERVFAIL" "a closed upstream port: SERVFAIL"
# A TCP client that sends nothing: closed after tcpIdleSeconds (1 s).
is "$(python3 -c '
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 2)
s.settimeout(5)
t = time.monotonic()
print("closed" if s.recv(1) == b"" and time.monotonic() - t < 4.5 else "open")' "$DNS_PORT" 2>&1)" \
	"closed" "an idle TCP client is closed by taskdns"
# The TCP clients have closed: wait for taskdns to see it.
wait_for 5 sh -c "curl -sf http://127.0.0.1:$HTTP_PORT/metrics | grep -qx 'taskdns_tcp_connections_open 0'"
scrape "$T/after.txt"
ok $? "/metrics after the queries"

# The expected values below are counted from the queries above, by hand.
is "$(d 'taskdns_dns_requests_total{proto="udp",type="A"}')" 11 \
	"requests udp A: 5 + NXDOMAIN + REFUSED + 4 forwarded"
is "$(d 'taskdns_dns_requests_total{proto="tcp",type="SRV"}')" 3 "requests tcp SRV: 3"
is "$(d 'taskdns_dns_requests_total{proto="udp",type="SRV"}')" 0 "requests udp SRV: 0"
is "$(d 'taskdns_dns_requests_total{proto="tcp",type="A"}')" 0 "requests tcp A: 0"
is "$(d 'taskdns_dns_responses_total{rcode="NOERROR"}')" 10 \
	"responses NOERROR: 5 A, 3 SRV, 2 forwarded (+ the cut one)"
is "$(d 'taskdns_dns_responses_total{rcode="NXDOMAIN"}')" 1 "responses NXDOMAIN: 1"
is "$(d 'taskdns_dns_responses_total{rcode="REFUSED"}')" 1 "responses REFUSED: 1"
is "$(d 'taskdns_dns_responses_total{rcode="SERVFAIL"}')" 2 "responses SERVFAIL: the timeout, the closed port"
is "$(d 'taskdns_dns_responses_total{rcode="FORMERR"}')" 0 "responses FORMERR: 0"
is "$(d taskdns_dns_request_duration_seconds_count)" 14 "request duration: 14 answers observed"
is "$(d 'taskdns_dns_request_duration_seconds_bucket{le="+Inf"}')" 14 "... +Inf bucket: all of them"
# The timed-out forward took the 1 s timeout: the only answer over 0.512 s.
is "$(python3 -c "print($(m "$T/after.txt" 'taskdns_dns_request_duration_seconds_bucket{le="+Inf"}') - $(m "$T/after.txt" 'taskdns_dns_request_duration_seconds_bucket{le="0.512"}') - ($(m "$T/before.txt" 'taskdns_dns_request_duration_seconds_bucket{le="+Inf"}') - $(m "$T/before.txt" 'taskdns_dns_request_duration_seconds_bucket{le="0.512"}')))")" \
	1 "... exactly one answer slower than 0.512 s: the timed-out forward"
sum=$(d taskdns_dns_request_duration_seconds_sum)
ok $(python3 -c "import sys; sys.exit(not 0.95 <= float('$sum') < 2)"; echo $?) \
	"... their sum is about the 1 s timeout ($sum s)"
is "$(d taskdns_dns_truncated_responses_total)" 1 "truncated: the cut forward"
is "$(d "taskdns_forward_requests_total{to=\"127.0.0.1:$ANS_PORT\"}")" 2 "forward requests to the answering upstream: 2"
is "$(d "taskdns_forward_requests_total{to=\"127.0.0.1:$BH_PORT\"}")" 1 "forward requests to the black hole: 1"
is "$(d "taskdns_forward_request_duration_seconds_count{to=\"127.0.0.1:$ANS_PORT\"}")" 2 "forward duration: 2 answers"
is "$(d "taskdns_forward_request_duration_seconds_count{to=\"127.0.0.1:$BH_PORT\"}")" 0 "forward duration: none from the black hole"
is "$(d "taskdns_forward_timeouts_total{to=\"127.0.0.1:$BH_PORT\"}")" 1 "forward timeouts: the black hole"
is "$(d "taskdns_forward_timeouts_total{to=\"127.0.0.1:$ANS_PORT\"}")" 0 "forward timeouts: none from the answering one"
is "$(d "taskdns_forward_errors_total{to=\"127.0.0.1:$ANS_PORT\"}")" 0 "forward errors: none from the answering one"
is "$(d "taskdns_forward_errors_total{to=\"127.0.0.1:$CLOSED_PORT\"}")" 1 "forward errors: the closed port"
is "$(d "taskdns_forward_requests_total{to=\"127.0.0.1:$CLOSED_PORT\"}")" 1 "forward requests to the closed port: 1"
is "$(d "taskdns_forward_timeouts_total{to=\"127.0.0.1:$CLOSED_PORT\"}")" 0 "forward timeouts: none from the closed port"
is "$(d taskdns_forward_failures_total)" 2 "forward failures: the black hole, the closed port"
is "$(d 'taskdns_forward_refused_total{reason="denied"}')" 1 "forward refused, denied: 1"
is "$(d 'taskdns_forward_refused_total{reason="full"}')" 0 "forward refused, full: 0"
is "$(d taskdns_tcp_connections_accepted_total)" 4 "TCP accepted: 3 dig, 1 idle"
is "$(d taskdns_tcp_connections_refused_total)" 0 "TCP refused: 0"
is "$(d 'taskdns_tcp_connections_closed_total{reason="client"}')" 3 "TCP closed by the client: 3"
is "$(d 'taskdns_tcp_connections_closed_total{reason="timeout"}')" 1 "TCP closed on timeout: the idle one"
is "$(d 'taskdns_tcp_connections_closed_total{reason="error"}')" 0 "TCP closed on error: 0"
is "$(m "$T/after.txt" taskdns_tcp_connections_open)" 0 "TCP open: 0"

# The zone: the records of zones/sample.zone (reviewed by hand), the SOA
# serial as dig sees it, one state loaded from the file, one generation.
for t in A AAAA SRV NS PTR; do
	want=$(awk -v t="$t" '!/^;/ && $4 == t' "$ZONE" | wc -l)
	is "$(m "$T/after.txt" "taskdns_records{zone=\"mesos.\",type=\"$t\"}")" "$want" \
		"records $t: $want as in sample.zone"
done
is "$(m "$T/after.txt" 'taskdns_records{zone="mesos.",type="other"}')" 0 "records other: 0"
is "$(m "$T/after.txt" 'taskdns_zone_serial{zone="mesos."}')" \
	"$($DIG +short mesos SOA | awk '{print $3}')" "zone serial: the SOA's"
is "$(m "$T/after.txt" 'taskdns_state_fetches_total{result="success"}')" 1 "state fetches: 1 success"
is "$(m "$T/after.txt" 'taskdns_state_fetches_total{result="failure"}')" 0 "state fetches: no failure"
is "$(m "$T/after.txt" taskdns_generations_total)" 1 "generations: 1"
is "$(m "$T/after.txt" taskdns_generation_build_duration_seconds_count)" 1 "generation build: 1 observed"
is "$(m "$T/after.txt" taskdns_dns_programming_duration_seconds_count)" 1 \
	"programming: 1 observed (the state file's)"
is "$(m "$T/after.txt" taskdns_ready)" 1 "ready"
is "$(m "$T/after.txt" "taskdns_build_info{version=\"$(sed -n 's/^AC_INIT(\[taskdns\], \[\([^]]*\)\].*/\1/p' "$top_srcdir/configure.ac")\"}")" 1 \
	"build_info: the version of configure.ac"
# contrib/sample/state.json: 3 frameworks, 3 agents, 12 tasks (one finished).
is "$(m "$T/after.txt" taskdns_cluster_frameworks)" 3 "cluster frameworks: 3"
is "$(m "$T/after.txt" taskdns_cluster_agents)" 3 "cluster agents: 3"
is "$(m "$T/after.txt" taskdns_cluster_tasks)" 12 "cluster tasks: 12"
is "$(m "$T/after.txt" taskdns_events_total)" 0 "events: 0 without a stream"
is "$(m "$T/after.txt" taskdns_stream_subscriptions_total)" 0 "stream subscriptions: 0"
is "$(m "$T/after.txt" taskdns_stream_disconnects_total)" 0 "stream disconnects: 0"
# The state file was read once, at start: the model is as old as that.
age=$(m "$T/after.txt" taskdns_model_age_seconds)
ok $(python3 -c "import sys; sys.exit(not 0 < float('$age') < 60)"; echo $?) \
	"model age: seconds since the state file was read ($age)"
sleep 1.2
scrape "$T/later.txt"
ok $(python3 -c "import sys; sys.exit(not float('$(m "$T/later.txt" taskdns_model_age_seconds)') - float('$age') >= 1.1)"; echo $?) \
	"model age: grows while no master says anything"
out=$(promtool check metrics <"$T/after.txt" 2>&1)
is "$out" "" "promtool check metrics: clean"

# --- Following a fake master's event stream --------------------------------
start_master stream --heartbeat 1
M=127.0.0.1:$MASTER_PORT
sample_state "$M" "$T/s0.json"
set_state "$MASTER_DIR" "$T/s0.json"
HTTP_PORT=$(free_port)
start_taskdns "{\"masters\": [\"$M\"], \"stateFeed\": \"stream\", \"refreshSeconds\": 3600,
	\"httpon\": true, \"HTTPListener\": \"127.0.0.1\", \"httpport\": $HTTP_PORT,
	\"resolvers\": [\"127.0.0.1:$BH_PORT\"]}" || bail "taskdns did not start"
wait_for 10 sh -c "curl -sf http://127.0.0.1:$HTTP_PORT/metrics | grep -qx 'taskdns_stream_subscriptions_total 1'"
ok $? "stream subscriptions: 1 once subscribed"
# SUBSCRIBED is the one event so far (heartbeats are not applied).
wait_for 5 sh -c "curl -sf http://127.0.0.1:$HTTP_PORT/metrics | grep -qx 'taskdns_events_total 1'"
ok $? "events: 1, the SUBSCRIBED"
sleep 0.3	# let the writer publish what it took
scrape "$T/before.txt"
read -r FW AG <<<"$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(s["frameworks"][0]["id"], s["slaves"][0]["id"])' "$T/s0.json")"
t0=$(now_ms)
reply=$(curl -sf --max-time 5 -X POST -d "{\"framework_id\": \"$FW\", \"agent_id\": \"$AG\",
	\"task_id\": \"metrics.1\", \"name\": \"metricsapp\", \"ip\": \"10.9.9.9\"}" "http://$M/_fake/launch")
nev=$(echo "$reply" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["events"]))')
wait_for 5 sh -c "dig @127.0.0.1 -p $DNS_PORT +time=1 +tries=1 +short metricsapp.marathon.mesos | grep -qx 10.9.9.9"
ok $? "the launched task resolves"
t1=$(now_ms)
wait_for 5 sh -c "curl -sf http://127.0.0.1:$HTTP_PORT/metrics | grep -qx 'taskdns_events_total $((1 + nev))'"
ok $? "events: the master's $nev more"
sleep 0.3
scrape "$T/after.txt"
is "$(d taskdns_cluster_tasks)" 1 "cluster tasks: one more"
gens=$(d taskdns_generations_total)
ok $([ "$gens" -ge 1 ]; echo $?) "generations: published for the events ($gens)"
is "$(d taskdns_dns_programming_duration_seconds_count)" "$gens" \
	"programming: one observation per generation that changed the records"
sum=$(d taskdns_dns_programming_duration_seconds_sum)
ok $(python3 -c "import sys; sys.exit(not 0 < float('$sum') <= $gens * ($t1 - $t0) / 1000)"; echo $?) \
	"programming: within the launch-to-answer window ($sum s for $gens, window $((t1 - t0)) ms)"
is "$(d taskdns_generation_build_duration_seconds_count)" "$gens" "generation build: one per generation"
sleep 1.5
scrape "$T/later.txt"
age=$(m "$T/later.txt" taskdns_model_age_seconds)
ok $(python3 -c "import sys; sys.exit(not float('$age') < 1.5)"; echo $?) \
	"model age: the 1 s heartbeats keep it young ($age s)"
is "$(m "$T/later.txt" taskdns_stream_disconnects_total)" 0 "stream disconnects: 0 while it lasts"
stop_pid "$MASTER_PID_stream"
wait_for 10 sh -c "curl -sf http://127.0.0.1:$HTTP_PORT/metrics | grep -qx 'taskdns_stream_disconnects_total 1'"
ok $? "stream disconnects: 1 once the master is gone"
scrape "$T/last.txt"
out=$(promtool check metrics <"$T/last.txt" 2>&1)
is "$out" "" "promtool check metrics: clean (stream)"

done_testing
