#!/bin/bash
# xfr.sh -- zone transfers: the AXFR of a large zone, answers while they
# run, and how fast a master's change reaches Knot and NSD as secondaries.
#
#   bench/xfr.sh [-s axfr|notify|both] [-T AXFR_TASKS] [-t "TASKS ..."]
#                [-n EVENTS] [-r ROUNDS] [-d DURATION] [BINARY]
#
# BINARY defaults to _build-bench/src/taskdns, built -O2 as bench/run.sh
# builds it. Everything on 127.0.0.1; the load side (dnsperf, the
# transfer clients, the fake master and the event client) on CPU 0,
# taskdns (one responder thread) on CPU 1.
#
# axfr: taskdns serves a bench/gen_state.py cluster of AXFR_TASKS tasks
# (100,000, with 10,000 agents) from a state file. bench/axfr.py transfers
# the cluster zone three times (records, bytes, messages, wall time; the
# median), checked once against kdig's count. Then dnsperf (-c 20 -q 500,
# bench/queries.py's mix from that zone, DURATION s) alone and during
# back-to-back AXFRs (one client, at most 1,000 transfers and DURATION + 5
# s), alternating for ROUNDS rounds: queries/s, average latency, loss and
# taskdns's CPU, the medians, and the ratio during/alone; then the same at
# a fixed 20,000 q/s, latency p50/p99 alone and during.
#
# notify: for each TASKS (5,000 and 100,000), taskdns follows a fake
# master (tests/fake_master.py --whole-chunks) by its event stream
# ("stateFeed": "stream"), with "notify" to a Knot and an NSD that are its
# secondaries for the cluster zone (Knot transfers from 127.0.0.2, NSD
# from 127.0.0.3, so taskdns's log tells them apart; both accept NOTIFY
# from 127.0.0.1; NSD with xfrd-reload-timeout 0). Then EVENTS changes,
# alternately the launch of a task of its own (POST /_fake/launch) and its
# kill (/_fake/kill), as bench/propagation.sh makes them. t0 is the
# master's clock when the change became observable (its reply); a client
# asks taskdns, Knot and NSD for the name's A record every 1 ms each, and
# t1 per server is the first answer showing the change (NOERROR with the
# task's address; NXDOMAIN after a kill), at most 10 s later. The next
# event follows 20 ms after all three showed it. Prints per server t1 - t0
# p50/p99/max and lost, the secondaries' lag behind taskdns, and the
# transfers each secondary made (IXFR or AXFR, from Knot's log and
# taskdns's).
#
# STATE_CACHE=DIR keeps the generated states (DIR/xfr-TASKS/state.json and
# the master port it names) for the next run: 100,000 tasks take minutes.
# Not part of make check.
set -u
cd "$(dirname "$0")/.."
TOP=$PWD
PARTS="axfr notify" AXFR_TASKS=100000 NOTIFY_TASKS="5000 100000" EVENTS=100
ROUNDS=3 DURATION=10 WAIT=10
usage() {
	echo "usage: bench/xfr.sh [-s axfr|notify|both] [-T AXFR_TASKS] [-t \"TASKS ...\"] [-n EVENTS] [-r ROUNDS] [-d DURATION] [BINARY]" >&2
	exit 2
}
while getopts s:T:t:n:r:d: o; do
	case $o in
	s) case $OPTARG in axfr | notify) PARTS=$OPTARG ;; both) ;; *) usage ;; esac ;;
	T) AXFR_TASKS=$OPTARG ;;
	t) NOTIFY_TASKS=$OPTARG ;;
	n) EVENTS=$OPTARG ;;
	r) ROUNDS=$OPTARG ;;
	d) DURATION=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -le 1 ] || usage
for v in "$AXFR_TASKS" $NOTIFY_TASKS "$EVENTS" "$ROUNDS" "$DURATION"; do
	case $v in '' | *[!0-9]* | 0) usage ;; esac
done

# shellcheck source=lib.sh
. bench/lib.sh xfr
T_START=$(date +%s%N)

if [ $# -eq 1 ]; then
	TASKDNS=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
else
	contrib/deps.sh --bench || die "cannot install the packages"
	build_bench
fi
[ -x "$TASKDNS" ] || die "$TASKDNS is not an executable"
for t in dnsperf knotd nsd kdig dig; do
	command -v $t >/dev/null || die "$t is missing (contrib/deps.sh --bench)"
done

if [ "$(nproc)" -gt 1 ]; then
	LOAD_CPU=0 SERVER_CPU=1
else
	LOAD_CPU=0 SERVER_CPU=0
fi



# state TASKS: STATE (a state file of TASKS tasks, seed 3) and MPORT (the
# master port it names as the leader), from STATE_CACHE when it has them
# and that port is free.
state() {
	local tasks=$1 agents cache=${STATE_CACHE:+$STATE_CACHE/xfr-$1}
	agents=$((tasks / 10 > 1000 ? tasks / 10 : 1000))
	if [ -n "$cache" ] && [ -s "$cache/state.json" ] && MPORT=$(cat "$cache/port") &&
		python3 -c "import socket; socket.socket().bind(('127.0.0.1', $MPORT))" 2>/dev/null; then
		say "$tasks tasks: the cluster from $cache"
		STATE=$cache/state.json
		return
	fi
	MPORT=$(free_port)
	STATE=$W/state-$tasks.json
	say "generating $agents agents, $tasks tasks"
	python3 bench/gen_state.py --agents "$agents" --tasks "$tasks" --seed 3 \
		--leader "127.0.0.1:$MPORT" >"$STATE" 2>"$W/gen.log" || die "gen_state failed: $(cat "$W/gen.log")"
	if [ -n "$cache" ]; then
		mkdir -p "$cache"
		mv "$STATE" "$cache/state.json"
		echo "$MPORT" >"$cache/port"
		STATE=$cache/state.json
	fi
}

# ---- axfr: one large zone -------------------------------------------------

# Latency percentiles (microseconds) from dnsperf -v output on stdin.
percentiles() {
	awk '/^> / && $NF ~ /^[0-9.]+$/ { print $NF * 1e6 }' | sort -n | awk '
		{ v[NR] = $1 } END {
			if (!NR) { print "- - -"; exit }
			printf "%.0f %.0f %.0f\n", v[int(NR * 0.5) + 1], v[int(NR * 0.99) + 1], v[NR] }'
}

# with_axfrs CMD...: CMD while one client transfers the zone back to back
# (at most 1,000 transfers, DURATION + 5 s); the transfers done go to
# $W/loop.out.
with_axfrs() {
	local loop
	rm -f "$W/stop"
	taskset -c $LOAD_CPU python3 bench/axfr.py "$AX_PORT" "$ZONE" loop 1000 $((DURATION + 5)) "$W/stop" >"$W/loop.out" 2>"$W/loop.err" &
	loop=$!
	PIDS+=($loop)
	sleep 0.5
	"$@"
	touch "$W/stop"
	wait $loop || echo "axfr loop failed: $(cat "$W/loop.err")" >&2
}

axfr_part() {
	local cfg=$W/axfr.json log=$W/axfr.log pid i r out records bytes msgs secs
	state "$AXFR_TASKS"
	AX_PORT=$(free_port)
	cat >"$cfg" <<XEOF
{"stateFile": "$STATE", "listener": "127.0.0.1", "port": $AX_PORT, "httpon": false,
 "refreshSeconds": 3600, "resolvers": ["127.0.0.1:9"], "threads": 1,
 "transferAllow": ["127.0.0.0/8"]}
XEOF
	"$TASKDNS" -config="$cfg" --dump-zone >"$W/axfr.zone" 2>/dev/null || die "dump failed"
	ZONE=$(awk '$4 == "SOA" { sub(/\.$/, "", $1); print $1; exit }' "$W/axfr.zone")
	python3 bench/queries.py "$W/axfr.zone" 200000 1 >"$W/axfr-queries.txt"
	rm -f "$W/axfr.zone"
	taskset -c $SERVER_CPU "$TASKDNS" -config="$cfg" >"$log" 2>&1 &
	pid=$!
	PIDS+=($pid)
	wait_dns "$AX_PORT" "leader.$ZONE" 120 || die "taskdns did not start: $(tail -3 "$log")"
	say "axfr: $AXFR_TASKS tasks, zone $ZONE"
	kd=$(kdig @127.0.0.1 -p "$AX_PORT" AXFR "$ZONE" +noall +stats 2>&1 | grep -o 'Received.*')
	local times="" last=""
	for i in 1 2 3; do
		out=$(taskset -c $LOAD_CPU python3 bench/axfr.py "$AX_PORT" "$ZONE") || die "axfr failed"
		read -r records bytes msgs secs <<<"$out"
		times+="$secs "
		last=$out
	done
	read -r records bytes msgs secs <<<"$last"
	{
	echo "axfr of $ZONE, $AXFR_TASKS tasks: $records records, $bytes bytes (with the length prefixes), $msgs messages;" \
		"median $(awk -v t="$(med "$times")" 'BEGIN { printf "%.0f", t * 1000 }') ms over 3 (runs: $(for t in $times; do awk -v t="$t" 'BEGIN { printf "%.0f ", t * 1000 }'; done)ms)"
	echo "kdig: $kd"
	echo "taskdns's log: $(grep 'xfr: axfr' "$log" | tail -1 | sed 's/.*xfr: //')"
	} | tee -a "$W/summary"

	local -a Q L X S
	local loops=""
	for r in $(seq 1 "$ROUNDS"); do
		say "round $r/$ROUNDS: alone"
		read -r q s l x < <(measure "$AX_PORT" "$pid" "$W/axfr-queries.txt")
		Q[0]+="$q " L[0]+="$l " X[0]+="$x " S[0]+="$s "
		say "round $r/$ROUNDS: during AXFRs"
		with_axfrs measure "$AX_PORT" "$pid" "$W/axfr-queries.txt" >"$W/m.out"
		read -r q s l x <"$W/m.out"
		Q[1]+="$q " L[1]+="$l " X[1]+="$x " S[1]+="$s "
		read -r n _ _ t <"$W/loop.out"
		loops+="$(awk -v n="$n" -v t="$t" 'BEGIN { printf "%.2f", n / t }') "
	done
	say "fixed rate: 20,000 q/s, alone and during AXFRs"
	local pa pd
	pa=$(taskset -c $LOAD_CPU dnsperf -s 127.0.0.1 -p "$AX_PORT" -d "$W/axfr-queries.txt" -l "$DURATION" -Q 20000 -v 2>/dev/null | percentiles)
	with_axfrs sh -c "taskset -c $LOAD_CPU dnsperf -s 127.0.0.1 -p $AX_PORT -d $W/axfr-queries.txt -l $DURATION -Q 20000 -v 2>/dev/null" >"$W/fixed.out"
	pd=$(percentiles <"$W/fixed.out")
	read -r n _ _ t <"$W/loop.out"
	{
	echo
	echo "answers while AXFRs run back to back (dnsperf -c 20 -q 500, ${DURATION} s, medians of $ROUNDS rounds):"
	printf "%-16s %10s %12s %7s %12s\n" "" "queries/s" "avg latency" "lost" "taskdns CPU"
	printf "%-16s %10s %9s us %6s%% %12s\n" alone "$(med "${Q[0]}")" "$(med "${L[0]}")" "$(med "${X[0]}")" "$(med "${S[0]}")"
	printf "%-16s %10s %9s us %6s%% %12s\n" "during AXFRs" "$(med "${Q[1]}")" "$(med "${L[1]}")" "$(med "${X[1]}")" "$(med "${S[1]}")"
	awk -v a="$(med "${Q[0]}")" -v d="$(med "${Q[1]}")" -v la="$(med "${L[0]}")" -v ld="$(med "${L[1]}")" -v r="$(med "$loops")" 'BEGIN {
		printf "ratio during/alone: queries/s %.2f, avg latency %.2f; AXFRs completed per second during the runs: %s\n", d / a, ld / la, r }'
	read -r a50 a99 amax <<<"$pa"
	read -r d50 d99 dmax <<<"$pd"
	echo "at 20,000 q/s, latency p50/p99/max (us): alone $a50/$a99/$amax, during AXFRs $d50/$d99/$dmax ($n AXFRs in $t s)"
	echo "taskdns peak RSS $(awk '/VmHWM/ {printf "%.0f MB", $2 / 1024}' "/proc/$pid/status")"
	echo
	} | tee -a "$W/summary"
	kill "$pid"
	wait "$pid" 2>/dev/null
}

# ---- notify: a change through taskdns to Knot and NSD ---------------------

notify_part() {
	local tasks=$1 tag=n$1 d=$W/n$1 td kp np cfg log pid kpid npid limit
	state "$tasks"
	mkdir -p "$d/m" "$d/knot" "$d/nsd"
	ln -s "$STATE" "$d/m/state.json"
	pick_framework "$STATE" "$d"
	local fw_id fw_name probe fw_tasks
	read -r fw_id fw_name probe fw_tasks <"$d/fw"
	start_fake_master "$d/m" "$MPORT" taskset -c $LOAD_CPU
	local master=$MASTER_PID
	td=$(free_port) kp=$(free_port) np=$(free_port)
	limit=$((60 + tasks / 500))
	cfg=$d/taskdns.json log=$d/taskdns.log
	# SERIAL_FILE=no: without serialFile (and its fsync per new serial).
	local sf=", \"serialFile\": \"$d/serials\""
	[ "${SERIAL_FILE:-yes}" = no ] && sf=""
	cat >"$cfg" <<XEOF
{"masters": ["127.0.0.1:$MPORT"], "listener": "127.0.0.1", "port": $td, "httpon": false,
 "refreshSeconds": 60, "resolvers": ["127.0.0.1:9"], "threads": 1, "stateFeed": "stream",
 "transferAllow": ["127.0.0.0/8"], "notify": ["127.0.0.1:$kp", "127.0.0.1:$np"]$sf}
XEOF
	say "$tasks tasks: starting taskdns"
	# Debug: the log then has every NOTIFY sent and answered.
	taskset -c $SERVER_CPU "$TASKDNS" -config="$cfg" -loglevel=debug >"$log" 2>&1 &
	pid=$!
	PIDS+=($pid)
	wait_dns "$td" "$probe.$fw_name.mesos" "$limit" || die "taskdns did not serve the state: $(tail -3 "$log")"

	# The secondaries, unpinned.
	cat >"$d/knot/knot.conf" <<XEOF
server:
    rundir: "$d/knot"
    listen: 127.0.0.1@$kp
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
database:
    storage: "$d/knot"
log:
  - target: "$d/knot/knot.log"
    any: info
remote:
  - id: taskdns
    address: 127.0.0.1@$td
    via: 127.0.0.2
acl:
  - id: notify-from-taskdns
    address: 127.0.0.1
    action: notify
zone:
  - domain: mesos
    master: taskdns
    acl: notify-from-taskdns
    file: "$d/knot/mesos.zone"
    zonefile-sync: -1
    zonefile-load: none
    journal-content: changes
XEOF
	knotd -c "$d/knot/knot.conf" >"$d/knot/stderr" 2>&1 &
	PIDS+=($!)
	kpid=$!
	cat >"$d/nsd/nsd.conf" <<XEOF
server:
	ip-address: 127.0.0.1
	port: $np
	username: ""
	chroot: ""
	zonesdir: "$d/nsd"
	database: ""
	pidfile: "$d/nsd/nsd.pid"
	xfrdfile: "$d/nsd/xfrd.state"
	zonelistfile: "$d/nsd/zone.list"
	xfrdir: "$d/nsd"
	logfile: "$d/nsd/nsd.log"
	server-count: 1
	verbosity: 2
	rrl-ratelimit: 0
	xfrd-reload-timeout: 0
	zonefiles-write: 0
remote-control:
	control-enable: no
zone:
	name: mesos
	zonefile: mesos.zone
	request-xfr: 127.0.0.1@$td NOKEY
	allow-notify: 127.0.0.1 NOKEY
	outgoing-interface: 127.0.0.3
XEOF
	nsd -d -c "$d/nsd/nsd.conf" >"$d/nsd/stderr" 2>&1 &
	PIDS+=($!)
	npid=$!
	local t0
	t0=$(date +%s%N)
	wait_dns "$kp" "$probe.$fw_name.mesos" "$limit" || die "knot did not get the zone: $(tail -3 "$d/knot/knot.log")"
	say "$tasks tasks: Knot has the zone after $(( ($(date +%s%N) - t0) / 1000000 )) ms"
	wait_dns "$np" "$probe.$fw_name.mesos" "$limit" || die "nsd did not get the zone: $(tail -3 "$d/nsd/nsd.log" "$d/nsd/stderr")"
	say "$tasks tasks: NSD has the zone after $(( ($(date +%s%N) - t0) / 1000000 )) ms"
	cp "$d/knot/knot.log" "$d/knot/start.log"
	local kstart
	kstart=$(wc -l <"$d/knot/knot.log")
	local xstart nstart
	xstart=$(wc -l <"$log")
	nstart=$(wc -l <"$d/nsd/nsd.log")

	say "$tasks tasks: $EVENTS events"
	taskset -c $LOAD_CPU python3 - "$td" "$kp" "$np" "$MPORT" "$pid" "$fw_id" "$fw_name" "$d/agents" \
		"$EVENTS" "$WAIT" "$d/events" "$tasks" <<'PY' | tee -a "$W/summary"
import os, random, sys, time

sys.path.insert(0, "bench")
import eventlib

td, kp, np_, mport, pid, fid, fname, agents_file, n, wait, out, tasks = sys.argv[1:]
ports = {"taskdns": int(td), "knot": int(kp), "nsd": int(np_)}
SERVERS = ("taskdns", "knot", "nsd")
mport, pid, n, wait = int(mport), int(pid), int(n), float(wait)
agents = open(agents_file).read().split()
HZ = os.sysconf("SC_CLK_TCK")


def cpu_ticks():
    return eventlib.cpu_ticks(pid)


def event(op, body, name, ip, wait_http):
    """Change the cluster while asking the three servers every 1 ms;
    (t0, {server: t1 or None})."""
    t0, t1, _ = eventlib.change(master, op, body, name, ip, ports, wait, wait_http)
    return t0, t1


master = eventlib.Master(mport)


def launch_kill(i, tag, wait_http, record, enough):
    name = "xfr-%s-%05d" % (tag, i)
    ip = "198.18.%d.%d" % ((i >> 8) & 255, i & 255)
    tid = "%s.%s" % (name, "%08x" % random.getrandbits(32))
    agent = agents[(i * 7) % len(agents)]
    dname = "%s.%s.mesos" % (name, fname)
    t0, t1 = event("launch", {"framework_id": fid, "agent_id": agent, "task_id": tid,
                              "name": name, "ip": ip, "ports": [31999]}, dname, ip, wait_http)
    record(("launch", t0, t1))
    if enough():
        return
    time.sleep(0.02)
    t0, t1 = event("kill", {"framework_id": fid, "task_id": tid}, dname, ip, wait_http)
    record(("kill", t0, t1))


w0 = time.time()
launch_kill(0, "warm", 600.0, lambda r: None, lambda: False)
print("%s tasks: warm-up launch and kill took %.1f s" % (tasks, time.time() - w0), file=sys.stderr)
time.sleep(0.02)

rows = []
c0, w0 = cpu_ticks(), time.time()
i = 0
while len(rows) < n:
    launch_kill(i, "e", 60.0, rows.append, lambda: len(rows) >= n)
    i += 1
    if len(rows) < n:
        time.sleep(0.02)
c1, w1 = cpu_ticks(), time.time()
with open(out, "w") as f:
    for kind, t0, t1 in rows:
        f.write("%s %.6f %s\n" % (kind, t0, " ".join(
            "%.6f" % t1[s] if t1[s] else "-" for s in SERVERS)))


def pct(v, p):
    v = sorted(v)
    if not v:
        return float("nan")
    return v[max(0, min(len(v) - 1, int(-(-p * len(v) // 1)) - 1))]


def line(label, lat, lost):
    return "%-22s %5d %9.1f %9.1f %9.1f %5d" % (
        label, len(lat) + lost, pct(lat, 0.5), pct(lat, 0.99), max(lat) if lat else float("nan"), lost)


cpu = (c1 - c0) / HZ
print("%s tasks: %d events in %.1f s; taskdns CPU %.2f s (%.1f ms per event)"
      % (tasks, len(rows), w1 - w0, cpu, cpu * 1000 / len(rows)))
print("%-22s %5s %9s %9s %9s %5s   (ms from the master's change to the first answer showing it)"
      % ("server, event", "n", "p50", "p99", "max", "lost"))
for s in SERVERS:
    for kind in ("launch", "kill", None):
        sel = [r for r in rows if kind in (None, r[0])]
        lat = [(r[2][s] - r[1]) * 1000 for r in sel if r[2][s] is not None]
        print(line("%s, %s" % (s, kind or "all"), lat, len(sel) - len(lat)))
for s in ("knot", "nsd"):
    lag = [(r[2][s] - r[2]["taskdns"]) * 1000 for r in rows
           if r[2][s] is not None and r[2]["taskdns"] is not None]
    print(line("%s behind taskdns" % s, lag, len(rows) - len(lag)))
PY
	[ "${PIPESTATUS[0]}" -eq 0 ] || { echo "$tasks tasks: the event run failed (see above)" >&2; STATUS=1; }

	# The transfers during the events: Knot's log (its own count), and
	# taskdns's log per secondary (Knot from 127.0.0.2, NSD from
	# 127.0.0.3; IXFR over UDP is not logged by taskdns).
	local kl=$d/knot/events.log xl=$d/xfr-events.log
	tail -n +$((kstart + 1)) "$d/knot/knot.log" >"$kl"
	tail -n +$((xstart + 1)) "$log" >"$xl"
	{
	echo "Knot's log during the events: $(grep -c 'IXFR, incoming.*finished' "$kl") IXFR, $(grep -c 'AXFR, incoming.*finished' "$kl") AXFR finished;" \
		"$(grep -ci 'fallback to AXFR' "$kl") IXFR fell back to AXFR; $(grep -ci 'error\|failed' "$kl") error lines"
	for who in "knot 127.0.0.2" "nsd 127.0.0.3"; do
		set -- $who
		echo "taskdns's log, transfers to $1 ($2): $(grep -c "xfr: ixfr of .* to $2#.*done" "$xl") IXFR," \
			"$(grep -c "xfr: axfr of .* to $2#.*done" "$xl") AXFR, $(grep -c "to $2#.*aborted" "$xl") aborted"
	done
	echo "NSD's log during the events: $(tail -n +$((nstart + 1)) "$d/nsd/nsd.log" | grep -c 'is updated to') updates committed"
	echo "Knot, applying each update (its log's \"zone updated, N seconds\"): $(grep -o 'zone updated, [0-9.]* seconds' "$kl" | awk '{ print $3 * 1000 }' | sort -n | awk '{ v[NR] = $1 } END { if (NR) printf "p50 %.0f ms, max %.0f ms", v[int(NR / 2) + 1], v[NR] }')"
	echo "taskdns: $(grep -c 'dnsnotify.*warn\|warn.*dnsnotify' "$log") NOTIFY warnings; peak RSS $(awk '/VmHWM/ {printf "%.0f MB", $2 / 1024}' "/proc/$pid/status")"
	echo
	} | tee -a "$W/summary"
	[ -n "${KEEP:-}" ] && cp -r "$d" "$KEEP/"
	kill "$pid" "$kpid" "$npid" "$master" 2>/dev/null
	wait "$pid" "$kpid" "$npid" "$master" 2>/dev/null
}

STATUS=0
case " $PARTS " in *" axfr "*) axfr_part ;; esac
case " $PARTS " in *" notify "*) for t in $NOTIFY_TASKS; do notify_part "$t"; done ;; esac

echo
echo "xfr: $(date -u +%Y-%m-%d), $(nproc) CPUs, $("$TASKDNS" -version 2>&1 | head -1) ($TASKDNS), $(knotd -V | head -1), $(nsd -v 2>&1 | head -1)"
cat "$W/summary" 2>/dev/null
echo "total time $(( ($(date +%s%N) - T_START) / 1000000000 )) s"
exit $STATUS
