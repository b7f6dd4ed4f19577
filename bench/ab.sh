#!/bin/bash
# ab.sh -- two taskdns binaries side by side on the same records, in one run.
#
#   bench/ab.sh [-r ROUNDS] [-d SECONDS] [-t TASKS] BINARY_A BINARY_B
#
# For a change on the query path: is B as fast as A? Both serve the same
# synthetic cluster (bench/gen_state.py, TASKS tasks on TASKS/5 agents,
# 5,000 by default) from a state file, each with one responder thread on
# CPU 1; dnsperf (-c 20 -q 500, the queries bench/run.sh uses) drives
# them from CPU 0 in turns, A B A B ..., ROUNDS (4) rounds of SECONDS (10).
# Prints per round and binary the queries/s, the server's CPU share (its
# utime+stime from /proc over the run) and queries/s per core; then the
# medians and the ratio B/A per core. Everything on 127.0.0.1.
set -u
cd "$(dirname "$0")/.."
ROUNDS=4 DURATION=10 TASKS=5000
usage() { echo "usage: bench/ab.sh [-r ROUNDS] [-d SECONDS] [-t TASKS] BINARY_A BINARY_B" >&2; exit 2; }
while getopts r:d:t: o; do
	case $o in
	r) ROUNDS=$OPTARG ;;
	d) DURATION=$OPTARG ;;
	t) TASKS=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 2 ] && [ -x "$1" ] && [ -x "$2" ] || usage
contrib/deps.sh --bench >/dev/null || { echo "ab: cannot install the packages" >&2; exit 1; }
# shellcheck source=lib.sh
. bench/lib.sh ab
SERVER_CPU=$(( $(nproc) > 1 ? 1 : 0 ))

python3 bench/gen_state.py --agents $((TASKS / 5 > 0 ? TASKS / 5 : 1)) --tasks "$TASKS" --seed 2 >"$W/state.json" 2>/dev/null
declare -A PORT PID
for v in A B; do
	bin=$1
	shift
	PORT[$v]=$(free_port)
	cat >"$W/$v.json" <<EOF
{"stateFile": "$W/state.json", "listener": "127.0.0.1", "port": ${PORT[$v]}, "httpon": false,
 "refreshSeconds": 3600, "resolvers": ["127.0.0.1:9"], "threads": 1}
EOF
	[ "$v" = A ] && "$bin" -config="$W/A.json" --dump-zone >"$W/zone.txt" 2>/dev/null
	taskset -c "$SERVER_CPU" "$bin" -config="$W/$v.json" >"$W/$v.log" 2>&1 &
	PID[$v]=$!
	PIDS+=($!)
done
python3 bench/queries.py "$W/zone.txt" 200000 1 >"$W/q.txt"
for v in A B; do
	for i in $(seq 1 100); do
		dig @127.0.0.1 -p "${PORT[$v]}" +time=1 +tries=1 +short leader.mesos | grep -q . && break
		sleep 0.1
	done
done
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
for r in $(seq 1 "$ROUNDS"); do
	for v in A B; do
		c0=$(cpu "${PID[$v]}")
		t0=$(date +%s%N)
		q=$(taskset -c 0 dnsperf -s 127.0.0.1 -p "${PORT[$v]}" -d "$W/q.txt" -l "$DURATION" -c 20 -q 500 2>/dev/null |
			awk '/Queries per second/ { print $4 }')
		c1=$(cpu "${PID[$v]}")
		t1=$(date +%s%N)
		python3 -c "import sys; q, c, t = float(sys.argv[1]), float(sys.argv[2]) / $HZ, (int(sys.argv[3])) / 1e9
print('%s round %s: %.0f q/s, cpu %.3f, %.0f per core' % (sys.argv[4], sys.argv[5], q, c / t, q / (c / t)))" \
			"$q" "$((c1 - c0))" "$((t1 - t0))" "$v" "$r"
	done
done | tee "$W/rounds.txt"
python3 - "$W/rounds.txt" <<'PY'
import statistics, sys
per = {"A": [], "B": []}
for line in open(sys.argv[1]):
    f = line.split()
    per[f[0]].append(float(f[-3]))
a, b = statistics.median(per["A"]), statistics.median(per["B"])
print("median per core: A %.0f, B %.0f; B/A %.3f" % (a, b, b / a))
PY
