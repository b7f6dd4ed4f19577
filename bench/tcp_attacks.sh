#!/bin/bash
# tcp_attacks.sh -- the TCP service a normal client gets while hostile
# clients attack, for one or more taskdns binaries side by side.
#
#   bench/tcp_attacks.sh [-c CONNS] [-s SECONDS] TASKDNS [TASKDNS...]
#
# Each binary serves the sample cluster plus a 150-address app on
# 127.0.0.1 with its defaults (tcpMaxConnections 1024, one responder
# thread); tests/integration/tcpattack.py runs each attack with CONNS
# connections (default 1100, more than the pool) for SECONDS (default 6)
# while a plain client asks over a fresh TCP connection every 0.2 s. One
# line per binary and attack: answered, within 1 s, p50/p99 latency.
# Everything stays on loopback and is bounded in connections and time.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
conns=1100 secs=6
while getopts c:s: o; do
	case $o in
	c) conns=$OPTARG ;;
	s) secs=$OPTARG ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || { echo "usage: $0 [-c CONNS] [-s SECONDS] TASKDNS..." >&2; exit 2; }
# Room for the attackers and for taskdns's own pools (it shrinks them to fit).
ulimit -n $((conns * 2 + 8192))
T=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$T"' EXIT
top_srcdir=$here
# shellcheck source=../tests/integration/lib.sh
. "$here/tests/integration/lib.sh"
big_state "$T/state.json"
port=$(free_port)
cat >"$T/config.json" <<EOF
{"stateFile": "$T/state.json", "masters": [], "port": $port, "listener": "127.0.0.1",
 "resolvers": ["127.0.0.1:9"], "threads": 1, "httpon": false}
EOF
printf '%-40s %-10s %9s %9s %8s %8s\n' binary attack answered within1s p50_ms p99_ms
for bin in "$@"; do
	"$bin" -config="$T/config.json" >"$T/log" 2>&1 &
	pid=$!
	wait_for 10 sh -c "dig @127.0.0.1 -p $port +short nimbus.storm.mesos | grep -q ." ||
		{ echo "$bin did not start"; cat "$T/log"; exit 1; }
	for a in none fullpool slowloris noread pipeline; do
		python3 "$here/tests/integration/tcpattack.py" --port "$port" --attack "$a" --reconnect-ms 0 \
			--conns "$conns" --seconds "$secs" |
			python3 -c 'import json,sys; r=json.loads(sys.stdin.read()); b=sys.argv[1]
print("%-40s %-10s %4d/%-4d %9d %8s %8s" % (b[-40:], r["attack"], r["answered"], r["queries"],
      r["within_1s"], r["p50_ms"], r["p99_ms"]))' "$bin"
		sleep 1
	done
	kill "$pid"
	wait "$pid" 2>/dev/null || true
done
