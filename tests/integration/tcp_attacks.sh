#!/bin/bash
# tcp_attacks.sh -- hostile TCP clients (slow-loris, clients that never
# read, pipelining without reading, a full pool, forwarded answers piling
# up) cannot take TCP from a normal client: during each attack dig +tcp
# and a plain TCP client keep getting their answers within a second.
. "$(dirname "$0")/lib.sh"
need dig python3 unbound
ATTACK="python3 $top_srcdir/tests/integration/tcpattack.py"
POOL=100	# tcpMaxConnections
CONNS=150	# attacking connections: more than the pool

# An upstream with a ~48 KB answer (3000 addresses), for forwarded answers
# that pile up on a client that does not read.
UB_PORT=$(free_port)
UB_DIR="$T/unbound"
mkdir -p "$UB_DIR"
for i in $(seq 0 2999); do
	echo "	local-data: \"huge.example.test. 300 IN A 10.88.$((i >> 8)).$((i & 255))\""
done | unbound_conf "127.0.0.1@$UB_PORT" "$UB_DIR" >"$UB_DIR/unbound.conf"
unbound -d -c "$UB_DIR/unbound.conf" >>"$UB_DIR/stderr" 2>&1 &
PIDS+=($!)
wait_for 10 sh -c "dig @127.0.0.1 -p $UB_PORT +tcp +time=1 +tries=1 +short huge.example.test | grep -q 10.88" ||
	bail "unbound did not start"

big_state "$T/state.json"
start_taskdns "{\"stateFile\": \"$T/state.json\", \"masters\": [], \"threads\": 1,
	\"tcpMaxConnections\": $POOL, \"tcpMaxMemoryMB\": 16,
	\"resolvers\": [\"127.0.0.1:$UB_PORT\"]}" || bail "taskdns did not start"
is "$(dig @127.0.0.1 -p "$DNS_PORT" +tcp +short huge.example.test | wc -l)" "3000" \
	"the 48 KB forwarded answer arrives whole over TCP"

# attack KIND [tcpattack options]: run it for 3 s while dig +tcp asks five
# times; every answer must come within a second. A run that misses is run
# once more (its figures printed): on a machine shared with the rest of
# the suite one query can wait a second for the CPU, while an attack that
# starves the others misses every time.
attack() {
	local kind=$1 out digs i try
	shift
	for try in 1 2; do
		digs=0
		$ATTACK --port "$DNS_PORT" --attack "$kind" --conns "$CONNS" --seconds 3 "$@" \
			>"$T/attack-$kind.json" 2>"$T/attack-$kind.err" &
		local apid=$!
		sleep 1
		for i in 1 2 3 4 5; do
			out=$(dig @127.0.0.1 -p "$DNS_PORT" +tcp +time=1 +tries=1 +short nimbus.storm.mesos)
			[ "$out" = "10.0.1.1" ] && digs=$((digs + 1))
			sleep 0.3
		done
		wait "$apid"
		out=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["queries"] > 5 and r["within_1s"] == r["queries"])' \
			"$T/attack-$kind.json" 2>&1)
		[ "$digs" = 5 ] && [ "$out" = "True" ] && break
		[ "$try" = 1 ] && diag "$kind: missed once (dig $digs of 5; $(cat "$T/attack-$kind.json")); once more"
	done
	is "$digs" "5" "$kind: dig +tcp answered within 1 s, 5 times of 5"
	is "$out" "True" "$kind: every query of a plain TCP client answered within 1 s"
	[ "$out" = "True" ] || diag "$(cat "$T/attack-$kind.json" "$T/attack-$kind.err")"
}

attack none
attack fullpool
ok $([ "$(counter tcp_evicted)" -gt 0 ]; echo $?) "fullpool: the idlest connections were evicted"
attack slowloris
# Fewer than the pool, so nothing is evicted: the query deadline
# (tcpIoTimeoutMs, 2 s) alone must close every trickling connection.
before=$(counter tcp_timeouts)
$ATTACK --port "$DNS_PORT" --attack slowloris --conns 20 --seconds 4 >"$T/loris20.json"
closed=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["attack_conns_closed_by_server"])' "$T/loris20.json")
ok $([ "$closed" -ge 20 ] && [ "$(counter tcp_timeouts)" -ge $((before + 20)) ]; echo $?) \
	"slowloris below the pool: all 20 trickled queries ran out of time ($closed closed)"
attack noread
attack pipeline
attack pipeline --big huge.example.test
# One client alone, so that the answers surely come: its forwarded answers
# pile up to the 512 KB cap and the connection is closed.
before=$(counter tcp_overflow)
$ATTACK --port "$DNS_PORT" --attack pipeline --conns 1 --seconds 5 --big huge.example.test \
	>"$T/overflow.json"
ok $([ "$(counter tcp_overflow)" -gt "$before" ]; echo $?) \
	"forwarded answers to a client that does not read: closed at the output cap"
ok $(still_running; echo $?) "taskdns survived every attack"
is "$(dig @127.0.0.1 -p "$DNS_PORT" +tcp +short big.marathon.mesos | wc -l)" "150" \
	"a large answer over TCP after the attacks"
done_testing
