#!/bin/bash
# protocol.sh -- EDNS0, truncation and TCP, header flags, and hostile or
# malformed packets, against the real binary.
. "$(dirname "$0")/lib.sh"
need dig python3
PROBE="python3 $top_srcdir/tests/integration/dnsprobe.py"

big_state "$T/state.json"
start_taskdns "{\"stateFile\": \"$T/state.json\", \"masters\": [], \"tcpIdleSeconds\": 2,
	\"resolvers\": [\"127.0.0.1:9\"]}" || bail "taskdns did not start"
D="dig @127.0.0.1 -p $DNS_PORT +time=2 +tries=1"

# EDNS0 (RFC 6891).
out=$($D nimbus.storm.mesos)
like "$out" "EDNS: version: 0, flags:; udp: 1232" "an EDNS query gets an OPT with our UDP size"
out=$($D +noedns nimbus.storm.mesos)
ok $(echo "$out" | grep -q "OPT PSEUDOSECTION"; [ $? -ne 0 ]; echo $?) "no OPT in answer to a query without one"
like "$($D +edns=1 +noednsneg nimbus.storm.mesos)" "status: BADVERS" "EDNS version 1: BADVERS"
like "$($D +dnssec nimbus.storm.mesos)" "flags: do;" "the DO bit is copied"
out=$($D +nocmd +ednsopt=65001:abcdef +ednsflags=0x40 nimbus.storm.mesos)
like "$out" "status: NOERROR" "unknown EDNS options and flags are ignored"
ok $(echo "$out" | grep -qE "65001|MBZ"; [ $? -ne 0 ]; echo $?) "nothing unknown is echoed"

# Truncation and TCP (RFC 1035 4.2, RFC 2181 9, RFC 7766).
out=$($D +ignore +bufsize=4096 big.marathon.mesos)
like "$out" "flags: qr aa tc" "150 A records over UDP: TC set"
size=$(echo "$out" | sed -n 's/.*MSG SIZE  rcvd: \([0-9]*\).*/\1/p')
ok $([ "$size" -le 1232 ] && [ "$size" -gt 1000 ]; echo $?) "the cut answer fills but fits our 1232-octet limit ($size)"
out=$($D +ignore +noedns big.marathon.mesos)
size=$(echo "$out" | sed -n 's/.*MSG SIZE  rcvd: \([0-9]*\).*/\1/p')
ok $([ "$size" -le 512 ]; echo $?) "without EDNS the answer fits 512 octets ($size)"
like "$out" "flags: qr aa tc" "without EDNS: TC set"
out=$($D +ignore +bufsize=600 big.marathon.mesos)
size=$(echo "$out" | sed -n 's/.*MSG SIZE  rcvd: \([0-9]*\).*/\1/p')
ok $([ "$size" -le 600 ] && [ "$size" -gt 512 ]; echo $?) "the client's 600-octet EDNS size is honoured ($size)"
is "$($D +short big.marathon.mesos | wc -l)" "150" "dig retries over TCP after TC and gets all 150"
is "$($D +tcp +short big.marathon.mesos | wc -l)" "150" "over TCP the answer is complete"
is "$($D +tcp +short _big._tcp.marathon.mesos SRV | wc -l)" "150" "150 SRV records over TCP"
out=$($D +ignore _web._tcp.marathon.mesos SRV +bufsize=512)
like "$out" "flags: qr aa rd ra;" "SRV whose additional data does not fit: no TC"
out=$($D +tcp +keepopen nimbus.storm.mesos web.marathon.mesos _web._tcp.marathon.mesos SRV)
is "$(echo "$out" | grep -c 'status: NOERROR')" "3" "three queries over one kept-open TCP connection"

# Header flags (RFC 1035 4.1.1, RFC 6840 5.7-5.9).
like "$($D +norec nimbus.storm.mesos)" "flags: qr aa ra;" "RD clear in the query: clear in the answer"
like "$($D +cdflag nimbus.storm.mesos)" "flags: qr aa rd ra cd;" "CD is copied"
like "$($D +adflag nimbus.storm.mesos)" "flags: qr aa rd ra;" "AD is not set by an authoritative server"
like "$($D +zflag nimbus.storm.mesos)" "flags: qr aa rd ra;" "the Z bit is ignored and clear"
like "$($D nimbus.storm.mesos CH)" "status: REFUSED" "class CH in the domain: REFUSED"
like "$($D mesos AXFR +notcp 2>&1)" "REFUSED|Transfer failed" "zone transfers are not offered"

# Malformed and hostile packets: never an answer to a response, FORMERR,
# NOTIMP, no crash.
for c in short response badlabel pointer truncated qdcount2 notify twoopt; do
	is "$($PROBE "$DNS_PORT" "$c")" "ok" "raw packet: $c"
done
is "$($PROBE "$DNS_PORT" garbage)" "ok" "300 randomly mutated packets, then a normal answer"
is "$($PROBE "$DNS_PORT" pipeline)" "ok" "pipelined TCP queries are all answered"
is "$($PROBE "$DNS_PORT" split)" "ok" "a TCP query split over segments is answered"
is "$($PROBE "$DNS_PORT" zerolen)" "ok" "a zero-length TCP message closes the connection"
is "$($PROBE "$DNS_PORT" backpressure)" "ok" "2000 pipelined queries with 5 MB of answers to a slow reader: all answered"
is "$($PROBE "$DNS_PORT" idle2)" "ok" "an idle TCP connection is closed after tcpIdleSeconds"
ok $(still_running; echo $?) "taskdns is still running"

# Counters: SIGUSR1 logs them.
kill -USR1 "$TASKDNS_PID"
wait_for 5 grep -q "stats:.*tcp_accepted" "$TASKDNS_LOG"
like "$(grep 'stats:' "$TASKDNS_LOG" | tail -1)" "outcome_formerr=[1-9].*outcome_notimp=[1-9]" \
	"SIGUSR1 logs the counters, malformed requests counted"
first_pid=$TASKDNS_PID

# A larger ednsUdpSize lets the same answer through over UDP.
start_taskdns "{\"stateFile\": \"$T/state.json\", \"masters\": [], \"ednsUdpSize\": 4096,
	\"resolvers\": [\"127.0.0.1:9\"]}" || bail "taskdns did not start"
out=$(dig @127.0.0.1 -p "$DNS_PORT" +ignore +bufsize=4096 big.marathon.mesos)
like "$out" "flags: qr aa rd ra;" "ednsUdpSize 4096: 150 A records fit in UDP"
like "$out" "udp: 4096" "ednsUdpSize is advertised"

# listener 0.0.0.0: every IPv4 and IPv6 address, and each answer leaves from
# the address its query went to (dig ignores a reply from another source).
start_taskdns "{\"stateFile\": \"$T/state.json\", \"masters\": [], \"listener\": \"0.0.0.0\",
	\"resolvers\": [\"127.0.0.1:9\"]}" || bail "taskdns did not start"
for addr in 127.0.0.1 127.0.0.2 127.1.2.3; do
	is "$(dig @$addr -p "$DNS_PORT" +time=2 +tries=1 +short nimbus.storm.mesos)" "10.0.1.1" \
		"listener 0.0.0.0: UDP to $addr is answered from $addr"
done
is "$(dig @127.0.0.2 -p "$DNS_PORT" +time=2 +tries=1 +tcp +short nimbus.storm.mesos)" "10.0.1.1" \
	"listener 0.0.0.0: TCP to 127.0.0.2"
if ip -6 addr show dev lo 2>/dev/null | grep -q '::1/128'; then
	is "$(dig @::1 -p "$DNS_PORT" +time=2 +tries=1 +short nimbus.storm.mesos)" "10.0.1.1" \
		"listener 0.0.0.0: IPv6 too (::1)"
else
	skip "listener 0.0.0.0: IPv6 too (::1)" "no IPv6 loopback"
fi
is "$(rdata ns1.mesos A)" "$(ip -o -4 addr show up | awk '$2 != "lo" {sub("/.*", "", $4); print $4}' | sort -u)" \
	"listener 0.0.0.0: ns1.mesos has this host's IPv4 addresses but loopback"

# externalon false: REFUSED outside the domain; recurseon false: no RA.
start_taskdns "{\"stateFile\": \"$T/state.json\", \"masters\": [], \"externalon\": false,
	\"recurseon\": false}" || bail "taskdns did not start"
like "$(dig @127.0.0.1 -p "$DNS_PORT" +time=2 +tries=1 www.example.com)" "status: REFUSED" \
	"externalon false: REFUSED outside the domain"
like "$(dig @127.0.0.1 -p "$DNS_PORT" +time=2 +tries=1 nimbus.storm.mesos)" "flags: qr aa rd;" \
	"recurseon false: no RA"
kill -0 "$first_pid"; ok $? "the first instance survived everything"
done_testing
