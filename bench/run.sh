#!/bin/bash
# run.sh -- taskdns measured side by side with NSD and Knot, in one run.
#
#   bench/run.sh [quick] [auth] [threads] [forward] [refresh] [huge] [xfr]
#
# Installs what is missing (dnsperf, nsd, knot), builds taskdns with -O2,
# generates a synthetic cluster (bench/gen_state.py), has taskdns dump its
# record table as a zone that NSD and Knot then serve, and drives each
# server with dnsperf from the same query file (bench/queries.py),
# alternating the servers round after round. The load generator runs on
# CPU 0, the servers on CPU 1. Prints, per server, the median queries/s,
# the server's CPU share, queries/s per server core, average latency and
# loss, and the ratio taskdns/NSD; then the cost of forwarding, the effect
# of upstream queries in flight on authoritative answers, and refreshes of
# 1,000 agents/5,000 tasks and 10,000 agents/100,000 tasks under load;
# "huge" (not run by default: 15 minutes to generate the states, 1.3 GB
# each; STATE_CACHE=DIR keeps them) the same at 100,000 agents/1,000,000
# tasks, refreshing every 60 s; "xfr" (not by default either: about 10
# minutes) runs bench/xfr.sh, zone transfers and NOTIFY to Knot and NSD.
#
# Everything talks over loopback. Environment: ROUNDS (5), DURATION
# (seconds per dnsperf run, 10), BIG_TASKS (100000), BIG_AGENTS (10000).
# "quick" is one round of 5 s and a 20,000-task big cluster. Naming
# sections runs only those (all by default).
set -u
cd "$(dirname "$0")/.."
TOP=$PWD
ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-10}
BIG_TASKS=${BIG_TASKS:-100000}
BIG_AGENTS=${BIG_AGENTS:-10000}
SECTIONS=""
for a in "$@"; do
	case $a in
	quick) ROUNDS=1 DURATION=5 BIG_TASKS=20000 BIG_AGENTS=2000 QUICK=1 ;;
	auth|threads|forward|refresh|huge|xfr) SECTIONS="$SECTIONS $a" ;;
	*) echo "usage: bench/run.sh [quick] [auth] [threads] [forward] [refresh] [huge] [xfr]" >&2; exit 2 ;;
	esac
done
: "${SECTIONS:= auth threads forward refresh}"
want() { case " $SECTIONS " in *" $1 "*) return 0 ;; esac; return 1; }

# shellcheck source=lib.sh
. bench/lib.sh bench

# ---- setup ---------------------------------------------------------------

contrib/deps.sh --bench || die "cannot install the packages"
build_bench

NCPU=$(nproc)
LOAD_CPU=0
SERVER_CPU=$(( NCPU > 1 ? 1 : 0 ))



# Latency percentiles (microseconds) from dnsperf -v output on stdin.
percentiles() {
	awk '/^> / && $NF ~ /^[0-9.]+$/ { print $NF * 1e6 }' | sort -n | awk '
		{ v[NR] = $1 } END {
			if (!NR) { print "- - -"; exit }
			printf "%.0f %.0f %.0f\n", v[int(NR * 0.5) + 1], v[int(NR * 0.99) + 1], v[NR] }'
}

# ---- the records ---------------------------------------------------------

say "generating a 1,000-agent, 5,000-task cluster and its zone"
python3 bench/gen_state.py --agents 1000 --tasks 5000 --seed 1 >"$W/state.json" 2>/dev/null
cat >"$W/dump.json" <<EOF
{"stateFile": "$W/state.json", "listener": "127.0.0.1", "port": 53, "httpon": false}
EOF
"$TASKDNS" -config="$W/dump.json" --dump-zone >"$W/mesos.zone" 2>/dev/null || die "dump failed"
python3 bench/queries.py "$W/mesos.zone" 200000 1 >"$W/queries.txt"
NAME=$(awk '$1 == "leader.mesos." {print $1; exit}' "$W/mesos.zone")
RECORDS=$(grep -vc '^;' "$W/mesos.zone")

# ---- the servers, on SERVER_CPU ------------------------------------------

start_taskdns() { # start_taskdns PORT [config json fields] [flags]
	local port=$1 extra=${2:-} cfg="$W/taskdns-$1.json"
	shift 2 2>/dev/null || shift $#
	cat >"$cfg" <<EOF
{"stateFile": "$W/state.json", "listener": "127.0.0.1", "port": $port,
 "httpon": false, "refreshSeconds": 3600, "resolvers": ["127.0.0.1:9"] $extra}
EOF
	taskset -c $SERVER_CPU "$TASKDNS" -config="$cfg" "$@" >>"$W/taskdns-$port.log" 2>&1 &
	PIDS+=($!)
	LAST_PID=$!
	wait_dns "$port" "$NAME" || die "taskdns did not start: $(tail -3 "$W/taskdns-$port.log")"
}

# nsd_conf DIR PORT ZONE FILE: an NSD configuration serving ZONE from
# DIR/FILE on 127.0.0.1:PORT, everything in DIR, as DIR/nsd.conf.
nsd_conf() {
	cat >"$1/nsd.conf" <<EOF
server:
	ip-address: 127.0.0.1
	port: $2
	username: ""
	chroot: ""
	zonesdir: "$1"
	database: ""
	pidfile: "$1/nsd.pid"
	xfrdfile: "$1/xfrd.state"
	zonelistfile: "$1/zone.list"
	xfrdir: "$1"
	logfile: "$1/nsd.log"
	server-count: 1
	verbosity: 0
	# Debian builds NSD with response rate limiting (200 q/s per /24):
	# off, or it drops the benchmark's queries.
	rrl-ratelimit: 0
remote-control:
	control-enable: no
zone:
	name: $3
	zonefile: $4
EOF
}

if want auth; then
TD_PORT=$(free_port)
start_taskdns "$TD_PORT" "" -threads=1
TD_PID=$LAST_PID
TD1_PORT=$(free_port)
start_taskdns "$TD1_PORT" ', "udpBatch": 1' -threads=1
TD1_PID=$LAST_PID

NSD_PORT=$(free_port)
mkdir -p "$W/nsd"
cp "$W/mesos.zone" "$W/nsd/mesos.zone"
nsd_conf "$W/nsd" "$NSD_PORT" mesos mesos.zone
taskset -c $SERVER_CPU nsd -d -c "$W/nsd/nsd.conf" >>"$W/nsd/stderr" 2>&1 &
PIDS+=($!)
NSD_PID=$!
wait_dns "$NSD_PORT" "$NAME" || die "nsd did not start: $(tail -3 "$W/nsd/stderr" "$W/nsd/nsd.log")"

KNOT_PORT=$(free_port)
mkdir -p "$W/knot"
cp "$W/mesos.zone" "$W/knot/mesos.zone"
cat >"$W/knot/knot.conf" <<EOF
server:
    rundir: "$W/knot"
    listen: 127.0.0.1@$KNOT_PORT
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
database:
    storage: "$W/knot"
log:
  - target: stderr
    any: error
zone:
  - domain: mesos
    file: "$W/knot/mesos.zone"
    journal-content: none
    zonefile-sync: -1
EOF
taskset -c $SERVER_CPU knotd -c "$W/knot/knot.conf" >>"$W/knot/stderr" 2>&1 &
PIDS+=($!)
KNOT_PID=$!
wait_dns "$KNOT_PORT" "$NAME" || die "knot did not start: $(tail -3 "$W/knot/stderr")"

# The three serve the same records: compare a sample of answers.
same=0 diff=0
while read -r n t; do
	a=$(dig @127.0.0.1 -p "$TD_PORT" +short "$n" "$t" | sort)
	b=$(dig @127.0.0.1 -p "$NSD_PORT" +short "$n" "$t" | sort)
	c=$(dig @127.0.0.1 -p "$KNOT_PORT" +short "$n" "$t" | sort)
	if [ "$a" = "$b" ] && [ "$b" = "$c" ]; then same=$((same + 1)); else diff=$((diff + 1)); fi
done < <(head -200 "$W/queries.txt")
say "same answers from all three for $same of $((same + diff)) sampled queries"

# ---- authoritative throughput ---------------------------------------------

declare -A QPS SHARE PERCORE LAT LOST
servers="taskdns nsd knot taskdns-nobatch"
port_of() { case $1 in taskdns) echo "$TD_PORT";; nsd) echo "$NSD_PORT";; knot) echo "$KNOT_PORT";; taskdns-nobatch) echo "$TD1_PORT";; esac; }
pid_of() { case $1 in taskdns) echo "$TD_PID";; nsd) echo "$NSD_PID";; knot) echo "$KNOT_PID";; taskdns-nobatch) echo "$TD1_PID";; esac; }
for r in $(seq 1 "$ROUNDS"); do
	for s in $servers; do
		say "round $r/$ROUNDS: $s"
		read -r qps share lat lost < <(measure "$(port_of $s)" "$(pid_of $s)" "$W/queries.txt")
		QPS[$s]+="$qps "
		SHARE[$s]+="$share "
		PERCORE[$s]+="$(awk -v q="$qps" -v s="$share" 'BEGIN { printf "%.0f", (s > 0 ? q / s : 0) }') "
		LAT[$s]+="$lat "
		LOST[$s]+="$lost "
	done
done

{
echo "taskdns benchmark, $(date -u +%Y-%m-%d), $(nproc) CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "records: $RECORDS (1,000 agents, 5,000 tasks); $ROUNDS rounds of ${DURATION} s per server, alternating;"
echo "dnsperf -c 20 -q 500 on CPU $LOAD_CPU, each server on CPU $SERVER_CPU, one thread/process"
echo
printf "%-16s %10s %8s %14s %12s %7s\n" server "queries/s" "cpu" "q/s per core" "avg latency" "lost"
for s in $servers; do
	printf "%-16s %10s %8s %14s %10s us %6s%%\n" "$s" "$(med "${QPS[$s]}")" \
		"$(med "${SHARE[$s]}")" "$(med "${PERCORE[$s]}")" "$(med "${LAT[$s]}")" "$(med "${LOST[$s]}")"
done
echo
awk -v t="$(med "${PERCORE[taskdns]}")" -v n="$(med "${PERCORE[nsd]}")" -v k="$(med "${PERCORE[knot]}")" \
	-v tq="$(med "${QPS[taskdns]}")" -v nq="$(med "${QPS[nsd]}")" \
	-v b="$(med "${PERCORE[taskdns-nobatch]}")" 'BEGIN {
	printf "ratio taskdns/NSD, queries/s per server core: %.2f (queries/s: %.2f)\n", t / n, tq / nq
	printf "ratio taskdns/Knot, queries/s per server core: %.2f\n", t / k
	printf "recvmmsg/sendmmsg batches (udpBatch 32 vs 1): %.2fx queries/s per core\n", t / b }'
} | tee "$W/result-auth.txt"
echo
fi

# ---- several responder threads ------------------------------------------

if want threads && [ "$NCPU" -gt 1 ]; then
	say "responder threads: 1 and $NCPU, unpinned"
	for n in 1 "$NCPU"; do
		p=$(free_port)
		cat >"$W/threads-$n.json" <<EOF
{"stateFile": "$W/state.json", "listener": "127.0.0.1", "port": $p, "httpon": false,
 "refreshSeconds": 3600, "resolvers": ["127.0.0.1:9"], "threads": $n}
EOF
		"$TASKDNS" -config="$W/threads-$n.json" >>"$W/threads.log" 2>&1 &
		PIDS+=($!)
		pid=$!
		wait_dns "$p" "$NAME" || die "taskdns (threads $n) did not start"
		read -r qps share lat lost < <(LOAD_CPU="0-$((NCPU - 1))" measure "$p" "$pid" "$W/queries.txt" -T "$NCPU")
		echo "threads $n: $qps queries/s with $share CPUs of taskdns ($(awk -v q="$qps" -v s="$share" 'BEGIN { printf "%.0f", (s > 0 ? q / s : 0) }') per core), dnsperf sharing the same $NCPU CPUs"
		kill "$pid"
	done | tee "$W/result-threads.txt"
	echo
fi

# ---- forwarding -----------------------------------------------------------

if want forward; then
say "forwarding: taskdns in front of NSD serving example.test, and directly"
UP_PORT=$(free_port)
mkdir -p "$W/up"
{
	echo 'example.test. 300 IN SOA ns.example.test. host.example.test. 1 3600 900 86400 300'
	echo 'example.test. 300 IN NS ns.example.test.'
	echo 'ns.example.test. 300 IN A 192.0.2.1'
	for i in $(seq 1 1000); do echo "h$i.example.test. 300 IN A 198.18.$((i / 250)).$((i % 250 + 1))"; done
} >"$W/up/example.zone"
nsd_conf "$W/up" "$UP_PORT" example.test example.zone
taskset -c $SERVER_CPU nsd -d -c "$W/up/nsd.conf" >>"$W/up/stderr" 2>&1 &
PIDS+=($!)
UP_PID=$!
wait_dns "$UP_PORT" ns.example.test || die "upstream nsd did not start"
for i in $(seq 1 100000); do echo "h$((i % 1000 + 1)).example.test A"; done >"$W/fwd-queries.txt"
FWD_PORT=$(free_port)
start_taskdns "$FWD_PORT" ", \"resolvers\": [\"127.0.0.1:$UP_PORT\"], \"forwardMaxPending\": 65536" -threads=1
FWD_PID=$LAST_PID
wait_dns "$FWD_PORT" h1.example.test || die "forwarding does not work"
{
	read -r qd sd ld xd < <(measure "$UP_PORT" "$UP_PID" "$W/fwd-queries.txt")
	read -r qf sf lf xf < <(measure "$FWD_PORT" "$FWD_PID" "$W/fwd-queries.txt")
	echo "forwarding, most queries/s: $qd asking NSD directly, $qf through taskdns ($sf CPU of taskdns; lost $xf%)"
	d=$(taskset -c $LOAD_CPU dnsperf -s 127.0.0.1 -p "$UP_PORT" -d "$W/fwd-queries.txt" -l "$DURATION" -Q 5000 -v 2>/dev/null | percentiles)
	f=$(taskset -c $LOAD_CPU dnsperf -s 127.0.0.1 -p "$FWD_PORT" -d "$W/fwd-queries.txt" -l "$DURATION" -Q 5000 -v 2>/dev/null | percentiles)
	read -r d50 d99 dmax <<<"$d"
	read -r f50 f99 fmax <<<"$f"
	echo "forwarding latency at 5,000 q/s (p50/p99 us): direct $d50/$d99, through taskdns $f50/$f99; added median $((f50 - d50)) us"
} | tee "$W/result-fwd.txt"

say "authoritative answers while thousands of forwarded queries wait on a silent upstream"
BH_PORT=$(free_port)
python3 -c "import socket,time; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('127.0.0.1', $BH_PORT)); time.sleep(3600)" >/dev/null 2>&1 &
PIDS+=($!)
SLOW_PORT=$(free_port)
start_taskdns "$SLOW_PORT" ", \"zoneResolvers\": {\"slow.test\": [\"127.0.0.1:$BH_PORT\"]}, \"forwardMaxPending\": 65536, \"timeout\": 5" -threads=1
SLOW_PID=$LAST_PID
for i in $(seq 1 100000); do echo "q$i.slow.test A"; done >"$W/slow-queries.txt"
{
	base=$(taskset -c $LOAD_CPU dnsperf -s 127.0.0.1 -p "$SLOW_PORT" -d "$W/queries.txt" -l "$DURATION" -Q 20000 -v 2>/dev/null | percentiles)
	taskset -c $LOAD_CPU dnsperf -s 127.0.0.1 -p "$SLOW_PORT" -d "$W/slow-queries.txt" -l $((DURATION + 6)) -Q 2000 -q 20000 -t 10 >/dev/null 2>&1 &
	slow=$!
	sleep 5
	load=$(taskset -c $LOAD_CPU dnsperf -s 127.0.0.1 -p "$SLOW_PORT" -d "$W/queries.txt" -l "$DURATION" -Q 20000 -v 2>/dev/null | percentiles)
	wait $slow
	read -r b50 b99 bmax <<<"$base"
	read -r l50 l99 lmax <<<"$load"
	echo "authoritative latency at 20,000 q/s (p50/p99 us): alone $b50/$b99, with ~10,000 forwarded queries in flight $l50/$l99"
} | tee "$W/result-inflight.txt"
echo
fi

# ---- refreshes under load -------------------------------------------------

refresh_run() { # refresh_run AGENTS TASKS REFRESH_SECONDS LABEL
	local agents=$1 tasks=$2 every=$3 label=$4 mport cfg log pid t0 t1 name lines smax
	local cache=${STATE_CACHE:+$STATE_CACHE/$label}
	mkdir -p "$W/m-$label"
	# STATE_CACHE=DIR keeps the generated states (and the master port they
	# name as the leader) for the next run: a million tasks take minutes.
	if [ -n "$cache" ] && [ -s "$cache/b.json" ] && mport=$(cat "$cache/port") &&
		python3 -c "import socket; socket.socket().bind(('127.0.0.1', $mport))" 2>/dev/null; then
		say "$label: the cluster from $cache"
		ln -s "$cache/a.json" "$W/m-$label/a.json"
		ln -s "$cache/b.json" "$W/m-$label/b.json"
	else
		mport=$(free_port)
		say "$label: generating the cluster"
		python3 bench/gen_state.py --agents "$agents" --tasks "$tasks" --seed 2 --leader "127.0.0.1:$mport" >"$W/m-$label/a.json" 2>/dev/null
		python3 bench/gen_state.py --agents "$agents" --tasks "$tasks" --seed 2 --generation 1 --leader "127.0.0.1:$mport" >"$W/m-$label/b.json" 2>/dev/null
		if [ -n "$cache" ]; then
			mkdir -p "$cache"
			mv "$W/m-$label/a.json" "$W/m-$label/b.json" "$cache/"
			ln -s "$cache/a.json" "$W/m-$label/a.json"
			ln -s "$cache/b.json" "$W/m-$label/b.json"
			echo "$mport" >"$cache/port"
		fi
	fi
	ln -sfn a.json "$W/m-$label/state.json"
	# The master is the load generator's side, below dnsperf in priority.
	taskset -c $LOAD_CPU nice -n 10 python3 tests/fake_master.py --port "$mport" --dir "$W/m-$label" >/dev/null 2>&1 &
	PIDS+=($!)
	local master=$!
	for i in $(seq 1 100); do
		python3 -c "import socket; socket.create_connection(('127.0.0.1', $mport), 1)" 2>/dev/null && break
		sleep 0.1
	done
	DNS=$(free_port)
	cfg="$W/refresh-$label.json"
	log="$W/refresh-$label.log"
	# stateMaxMB: twice the state, at least the default.
	smax=$(( $(stat -L -c %s "$W/m-$label/a.json") / 524288 ))
	[ "$smax" -lt 1024 ] && smax=1024
	cat >"$cfg" <<EOF
{"masters": ["127.0.0.1:$mport"], "listener": "127.0.0.1", "port": $DNS, "httpon": false,
 "refreshSeconds": $every, "resolvers": ["127.0.0.1:9"], "threads": 1, "stateFeed": "poll",
 "stateMaxMB": $smax}
EOF
	# The zone (for the query file) and a task's name, from taskdns itself:
	# no JSON parser here has to hold a million tasks.
	"$TASKDNS" -config="$cfg" --dump-zone >"$W/zone-$label.txt" 2>/dev/null
	name=$(awk -F'\t' '$4 == "A" && $1 !~ /^(leader|master|ns1|slave)/ && split($1, l, ".") == 4 { print substr($1, 1, length($1) - 1); exit }' "$W/zone-$label.txt")
	[ -n "$name" ] || die "$label: no task name in the zone"
	# Polls only: the two generations differ in every task, so a stream
	# would carry some 10,000 events a second per 1,000 tasks, a churn no
	# cluster has (bench/propagation.sh measures the stream).
	# From exec to the first answer for a task, three times; the median.
	local starts=""
	for i in 1 2 3; do
		t0=$(date +%s%N)
		taskset -c $SERVER_CPU "$TASKDNS" -config="$cfg" >"$log" 2>&1 &
		pid=$!
		PIDS+=($pid)
		python3 - "$DNS" "$name" <<'PY'
import socket, struct, sys, time
port, name = int(sys.argv[1]), sys.argv[2]
q = struct.pack(">HHHHHH", 7, 0x0100, 1, 0, 0, 0) + b"".join(
    bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0" + struct.pack(">HH", 1, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.01)
deadline = time.time() + 60
while time.time() < deadline:
    s.sendto(q, ("127.0.0.1", port))
    try:
        r = s.recv(4096)
        if r[3] & 0xf == 0 and struct.unpack(">H", r[6:8])[0] > 0:
            break
    except OSError:
        pass
    # 100 queries a second: a client answered SERVFAIL at once and asking
    # again at once would take the CPU that taskdns is loading with.
    time.sleep(0.01)
PY
		t1=$(date +%s%N)
		starts+="$(( (t1 - t0) / 1000000 )) "
		[ $i -lt 3 ] && { kill "$pid"; wait "$pid" 2>/dev/null; }
		true
	done
	echo "$label: from exec to answering $name: median $(echo "$starts" | tr ' ' '\n' | grep . | median) ms (runs: $starts)"
	# The same from taskdns's own log: its first line to the first table.
	python3 - "$log" <<'PY'
import datetime, re, sys
ts = [datetime.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S.%f")
      for m in (re.match(r"(\S+)Z ", l) for l in open(sys.argv[1])) if m]
lines = open(sys.argv[1]).read().splitlines()
first = next(i for i, l in enumerate(lines) if "refresh:" in l and "frameworks" in l)
print("%s: in taskdns's log, start to first table served: %.0f ms" % (
    sys.argv[1].split("refresh-")[1][:-4], (ts[first] - ts[0]).total_seconds() * 1000))
PY
	python3 bench/queries.py "$W/zone-$label.txt" 200000 3 >"$W/q-$label.txt"
	rm -f "$W/zone-$label.txt"
	# Alternate two generations of the cluster every second, as a live
	# one changes: an atomic switch of a symbolic link, no copying.
	(while sleep 1; do
		ln -sfn b.json "$W/m-$label/.s" && mv -T "$W/m-$label/.s" "$W/m-$label/state.json"
		sleep 1
		ln -sfn a.json "$W/m-$label/.s" && mv -T "$W/m-$label/.s" "$W/m-$label/state.json"
	done) >/dev/null 2>&1 &
	local flip=$!
	PIDS+=($flip)
	out=$(taskset -c $LOAD_CPU dnsperf -s 127.0.0.1 -p "$DNS" -d "$W/q-$label.txt" -l 30 -Q 20000 -S 1 -v 2>&1)
	lines=$(echo "$out" | percentiles)
	read -r p50 p99 pmax <<<"$lines"
	echo "$label: refreshing every $every s under 20,000 q/s for 30 s: latency p50 ${p50} us, p99 ${p99} us, max ${pmax} us; $(echo "$out" | grep -E 'Queries lost' | sed 's/^ *//')"
	echo "$out" | awk '/^[0-9.]+: [0-9.]+$/ { n++; v = $2; if (!min || v < min) min = v } END {
		printf "'"$label"': per second, fewest answered: %.0f of 20,000 offered (%.1f%%) over %d seconds\n", min, min / 200, n }'
	# The first refresh is the start; then fetch+parse (the body is parsed
	# as it arrives) and applying the diff to the model and publishing,
	# per refresh.
	local f b n
	n=$(grep -c 'fetch+parse' "$log")
	f=$(grep -o 'fetch+parse [0-9]* ms' "$log" | tail -n +2 | awk '{print $2}' | median)
	b=$(grep -o 'apply+publish [0-9]* ms' "$log" | tail -n +2 | awk '{print $2}' | median)
	echo "$label: $((n - 1)) refreshes, median fetch+parse $f ms, median apply+publish $b ms (request to table served: $((${f%.*} + ${b%.*})) ms)"
	echo "$label: peak RSS $(awk '/VmHWM/ {printf "%.0f MB", $2 / 1024}' "/proc/$pid/status"), state $(($(stat -L -c %s "$W/m-$label/a.json") / 1000000)) MB"
	kill "$pid" "$flip" "$master" 2>/dev/null
	wait "$pid" "$flip" "$master" 2>/dev/null
}

want refresh && {
	refresh_run 1000 5000 1 "1k-5k"
	refresh_run "$BIG_AGENTS" "$BIG_TASKS" 1 "$((BIG_AGENTS / 1000))k-$((BIG_TASKS / 1000))k"
	refresh_run "$BIG_AGENTS" "$BIG_TASKS" 5 "$((BIG_AGENTS / 1000))k-$((BIG_TASKS / 1000))k-every5s"
} | tee "$W/result-refresh.txt"
want huge && refresh_run 100000 1000000 60 "100k-1000k-every60s"

# ---- zone transfers ---------------------------------------------------------

# bench/xfr.sh with this build (STATE_CACHE passes through); "quick" makes
# it one round of 5 s, a 20,000-task zone and 20 events at 5,000 tasks.
want xfr && {
	if [ "$ROUNDS" -eq 1 ] && [ "$BIG_TASKS" -eq 20000 ]; then
		bench/xfr.sh -r 1 -d "$DURATION" -T "$BIG_TASKS" -t 5000 -n 20 "$TASKDNS"
	else
		bench/xfr.sh -r "$ROUNDS" -d "$DURATION" -T "$BIG_TASKS" "$TASKDNS"
	fi
} | tee "$W/result-xfr.txt"
