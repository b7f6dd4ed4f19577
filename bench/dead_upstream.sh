#!/bin/bash
# dead_upstream.sh -- forwarded answers when the first resolver is a black
# hole and the second is alive, for one or more taskdns binaries.
#
#   bench/dead_upstream.sh [-n QUERIES] TASKDNS [TASKDNS...]
#
# Unbound serves www.example.test from local data on loopback; a python
# socket reads and never answers. Each taskdns gets "resolvers": [black
# hole, unbound] and the default "timeout" (5 s), and is asked QUERIES
# (default 60) names one after the other over UDP, each client waiting up
# to 6 s (longer than glibc's 5 s, so a slow answer is measured, not lost).
# Prints answered, p50, p99 and max latency per binary.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
n=60
while getopts n: o; do
	case $o in
	n) n=$OPTARG ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || { echo "usage: $0 [-n QUERIES] TASKDNS..." >&2; exit 2; }
top_srcdir=$here
# shellcheck source=../tests/integration/lib.sh
. "$here/tests/integration/lib.sh"
command -v unbound >/dev/null || { echo "unbound is needed" >&2; exit 1; }

UB_PORT=$(free_port)
mkdir -p "$T/unbound"
echo '	local-data: "www.example.test. 300 IN A 192.0.2.10"' |
	unbound_conf "127.0.0.1@$UB_PORT" "$T/unbound" >"$T/unbound/unbound.conf"
unbound -d -c "$T/unbound/unbound.conf" >"$T/unbound/stderr" 2>&1 &
PIDS+=($!)
BH_PORT=$(free_port)
python3 -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", int(sys.argv[1])))
while True: s.recv(65535)' "$BH_PORT" &
PIDS+=($!)
wait_for 10 sh -c "dig @127.0.0.1 -p $UB_PORT +short www.example.test | grep -q 192.0.2.10" ||
	{ echo "unbound did not start" >&2; exit 1; }

printf '%-40s %9s %8s %8s %8s\n' binary answered p50_ms p99_ms max_ms
for bin in "$@"; do
	port=$(free_port)
	cat >"$T/config.json" <<EOF
{"stateFile": "$here/contrib/sample/state.json", "masters": [], "port": $port,
 "listener": "127.0.0.1", "httpon": false,
 "resolvers": ["127.0.0.1:$BH_PORT", "127.0.0.1:$UB_PORT"]}
EOF
	"$bin" -config="$T/config.json" >"$T/log" 2>&1 &
	pid=$!
	wait_for 10 sh -c "dig @127.0.0.1 -p $port +short nimbus.storm.mesos | grep -q ." ||
		{ echo "$bin did not start"; cat "$T/log"; exit 1; }
	python3 - "$port" "$n" "$bin" <<'PY'
import socket, struct, sys, time
port, n, name = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
q = lambda i: struct.pack(">HHHHHH", i, 0x0100, 1, 0, 0, 0) + \
    b"\x03www\x07example\x04test\x00" + struct.pack(">HH", 1, 1)
lat = []
for i in range(n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(6)
    t0 = time.time()
    s.sendto(q(i + 1), ("127.0.0.1", port))
    try:
        ok = (s.recv(65535)[3] & 0xf) == 0
    except socket.timeout:
        ok = False
    lat.append((time.time() - t0) * 1000 if ok else None)
    s.close()
v = sorted(x if x is not None else 6000.0 for x in lat)
print("%-40s %4d/%-4d %8.1f %8.1f %8.1f" % (name[-40:], sum(x is not None for x in lat),
      n, v[n // 2], v[min(n - 1, int(n * 0.99))], v[-1]))
PY
	kill "$pid"
	wait "$pid" 2>/dev/null || true
done
