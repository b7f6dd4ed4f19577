#!/bin/bash
# propagation.sh -- how fast a task change becomes visible in DNS.
#
#   bench/propagation.sh [-n EVENTS] [-t TASKS] [-a AGENTS] [-m stream|poll|both]
#                        [-r REFRESH_SECONDS] BINARY
#
# A fake master (tests/fake_master.py) serves a synthetic cluster of TASKS
# tasks (bench/gen_state.py; AGENTS defaults to TASKS/10, at least 1,000
# as in bench/run.sh); BINARY follows it with "stateFeed" "stream" (the
# /api/v1 SUBSCRIBE event stream) or "poll" (GET /master/state every
# REFRESH_SECONDS). Then EVENTS changes, one after the other, alternately
# a launch of a task with a name of its own (through the master's POST
# /_fake/launch) and the kill of the task just launched (/_fake/kill). For
# each: t0 is the master's clock when the change became observable (the
# events handed to its subscribers, /master/state changed: the reply of
# the control endpoint), t1 the arrival of the first answer that shows
# it, from a client asking taskdns for the name's A record every 1 ms
# (NOERROR with the task's address for a launch, NXDOMAIN for a kill),
# waiting at most 3 * REFRESH_SECONDS + 5 s. An event follows 20 ms after
# the previous one became visible; when polling, plus a random part of the
# interval (uniform in 0..REFRESH_SECONDS), or every change would come just
# after a poll and wait a whole interval: so a poll run takes about
# EVENTS * REFRESH_SECONDS. One launch and kill before the events warm up
# the master (its first change parses the whole state).
#
# Prints, per mode: t1 - t0 p50/p99/max in ms for launches, kills and
# both; taskdns's CPU time (utime+stime from /proc, all threads, over the
# event phase, which includes answering the client's queries) per event;
# its peak RSS (VmHWM); and the whole run's time. Defaults: 200 events,
# 5,000 tasks, both modes, refresh 5 s. Everything on 127.0.0.1; with 2
# CPUs or more the master and the client run on CPU 0, taskdns (one
# responder thread) on CPU 1. A binary that does not subscribe in stream
# mode (no "stateFeed": it warns of an unknown key and polls) has that
# mode skipped, and the exit status is 1.
set -u
cd "$(dirname "$0")/.."
TOP=$PWD
EVENTS=200 TASKS=5000 AGENTS="" MODE=both REFRESH=5
usage() {
	echo "usage: bench/propagation.sh [-n EVENTS] [-t TASKS] [-a AGENTS] [-m stream|poll|both] [-r REFRESH_SECONDS] BINARY" >&2
	exit 2
}
while getopts n:t:a:m:r: o; do
	case $o in
	n) EVENTS=$OPTARG ;;
	t) TASKS=$OPTARG ;;
	a) AGENTS=$OPTARG ;;
	m) MODE=$OPTARG ;;
	r) REFRESH=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || usage
case $MODE in stream | poll) MODES=$MODE ;; both) MODES="stream poll" ;; *) usage ;; esac
for v in "$EVENTS" "$TASKS" "$REFRESH" ${AGENTS:+"$AGENTS"}; do
	case $v in '' | *[!0-9]*) usage ;; esac
done
[ "$EVENTS" -ge 1 ] && [ "$REFRESH" -ge 1 ] && [ "$TASKS" -ge 1 ] || usage
: "${AGENTS:=$((TASKS / 10 > 1000 ? TASKS / 10 : 1000))}"
TASKDNS=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
[ -x "$TASKDNS" ] || { echo "propagation: $1 is not an executable" >&2; exit 2; }
TIMEOUT=$((3 * REFRESH + 5))
START_LIMIT=$((60 + TASKS / 1000))	# seconds for taskdns to serve the state

# shellcheck source=lib.sh
. bench/lib.sh propagation
T_START=$(date +%s%N)

if [ "$(nproc)" -gt 1 ]; then
	PIN_LOAD="taskset -c 0" PIN_SERVER="taskset -c 1"
else
	PIN_LOAD="" PIN_SERVER=""
fi

# ---- the cluster and its master ------------------------------------------

MPORT=$(free_port)
say "generating $AGENTS agents, $TASKS tasks"
mkdir -p "$W/m"
python3 bench/gen_state.py --agents "$AGENTS" --tasks "$TASKS" --seed 3 \
	--leader "127.0.0.1:$MPORT" >"$W/m/state.json" 2>"$W/gen.log" || die "gen_state failed: $(cat "$W/gen.log")"
# The framework the tasks go to: the smallest with a name that is a DNS
# label as it is (the master serialises again only the framework that
# changed); a running task of it with such a name, to see taskdns serve
# the state; the agents to place the new tasks on.
pick_framework "$W/m/state.json" "$W"
read -r FW_ID FW_NAME PROBE FW_TASKS <"$W/fw"
say "state: $(($(stat -c %s "$W/m/state.json") / 1000000)) MB; new tasks go to framework $FW_NAME ($FW_TASKS tasks)"

start_fake_master "$W/m" "$MPORT" $PIN_LOAD

subscriptions() { grep -c 'subscriber [0-9]* (ok)' "$W/m.log"; }

# ---- one mode --------------------------------------------------------------

STATUS=0
run_mode() { # run_mode stream|poll
	local mode=$1 dns cfg log pid subs0 i t0 t1
	dns=$(free_port)
	cfg="$W/taskdns-$mode.json"
	log="$W/taskdns-$mode.log"
	cat >"$cfg" <<EOF
{"masters": ["127.0.0.1:$MPORT"], "listener": "127.0.0.1", "port": $dns, "httpon": false,
 "refreshSeconds": $REFRESH, "resolvers": ["127.0.0.1:9"], "threads": 1,
 "stateFeed": "$mode"}
EOF
	subs0=$(subscriptions)
	say "$mode: starting taskdns (refreshSeconds $REFRESH)"
	t0=$(date +%s%N)
	$PIN_SERVER "$TASKDNS" -config="$cfg" >"$log" 2>&1 &
	pid=$!
	PIDS+=($pid)
	# Until it serves the initial state: a running task of the framework.
	python3 - "$dns" "$PROBE.$FW_NAME.mesos" "$START_LIMIT" <<'PY' || { echo "$mode: taskdns did not serve the state within $START_LIMIT s: $(tail -3 "$log")" >&2; kill "$pid"; wait "$pid" 2>/dev/null; STATUS=1; return; }
import socket, struct, sys, time
port, name, limit = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
q = struct.pack(">HHHHHH", 7, 0x0100, 1, 0, 0, 0) + b"".join(
    bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0" + struct.pack(">HH", 1, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.05)
deadline = time.time() + limit
while time.time() < deadline:
    s.sendto(q, ("127.0.0.1", port))
    try:
        r = s.recv(4096)
        if r[3] & 0xf == 0 and struct.unpack(">H", r[6:8])[0] > 0:
            sys.exit(0)
    except OSError:
        time.sleep(0.02)
sys.exit(1)
PY
	t1=$(date +%s%N)
	say "$mode: taskdns serves the state $(( (t1 - t0) / 1000000 )) ms after exec"
	if [ "$mode" = stream ]; then
		for i in $(seq 1 1800); do
			[ "$(subscriptions)" -gt "$subs0" ] && break
			sleep 0.1
		done
		if [ "$(subscriptions)" -le "$subs0" ]; then
			echo "stream: taskdns did not subscribe to the master's /api/v1 event stream (a binary without \"stateFeed\"?): skipped" |
				tee -a "$W/summary" >&2
			grep -m1 -i 'stateFeed' "$log" >&2
			kill "$pid"
			wait "$pid" 2>/dev/null
			STATUS=1
			return
		fi
	fi
	say "$mode: $EVENTS events"
	$PIN_LOAD python3 - "$mode" "$dns" "$MPORT" "$pid" "$FW_ID" "$FW_NAME" "$W/agents" \
		"$EVENTS" "$TIMEOUT" "$W/events-$mode" "$REFRESH" <<'PY' | tee -a "$W/summary"
import os, random, sys, time

sys.path.insert(0, "bench")
import eventlib

mode, dns, mport, pid, fid, fname, agents_file, n, timeout, out, refresh = sys.argv[1:]
dns, mport, pid, n, timeout, refresh = int(dns), int(mport), int(pid), int(n), float(timeout), float(refresh)
agents = open(agents_file).read().split()
HZ = os.sysconf("SC_CLK_TCK")


def cpu_ticks():
    return eventlib.cpu_ticks(pid)


def vm(key):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])  # kB
    return 0


def event(op, body, name, ip, wait_http):
    """Change the cluster while asking taskdns every 1 ms; (t0, t1 or None,
    queries sent)."""
    t0, t1, sent = eventlib.change(master, op, body, name, ip, {"taskdns": dns},
                                   timeout, wait_http)
    return t0, t1["taskdns"], sent


master = eventlib.Master(mport)


def gap():
    """20 ms between events; when polling, plus a random part of the
    interval: an event right after the last became visible is right after a
    poll, and every one would wait a whole interval (phase lock)."""
    time.sleep(0.02 + (random.uniform(0, refresh) if mode == "poll" else 0))


def launch_kill(i, tag, wait_http, record, enough):
    name = "prop-%s-%05d" % (tag, i)
    ip = "198.18.%d.%d" % ((i >> 8) & 255, i & 255)
    tid = "%s.%s" % (name, "%08x" % random.getrandbits(32))
    agent = agents[(i * 7) % len(agents)]
    dname = "%s.%s.mesos" % (name, fname)
    res = []
    t0, t1, q = event("launch", {"framework_id": fid, "agent_id": agent, "task_id": tid,
                                 "name": name, "ip": ip, "ports": [31999]}, dname, ip, wait_http)
    res.append(("launch", t0, t1, q))
    record(res[-1])
    if enough():
        return res
    gap()
    t0, t1, q = event("kill", {"framework_id": fid, "task_id": tid}, dname, ip, wait_http)
    res.append(("kill", t0, t1, q))
    record(res[-1])
    return res


# Warm up: the master's first change parses the state, its first GET after
# one serialises it; not measured.
w0 = time.time()
launch_kill(0, "warm" + mode[0], 600.0, lambda r: None, lambda: False)
print("%s: warm-up launch and kill took %.1f s" % (mode, time.time() - w0), file=sys.stderr)
time.sleep(0.02)

lines = []
rows = []


def rec(r):
    rows.append(r)
    kind, t0, t1, q = r
    lines.append("%s %.6f %s %d\n" % (kind, t0, "%.6f" % t1 if t1 else "-", q))


c0, w0 = cpu_ticks(), time.time()
i = 0
while len(rows) < n:
    launch_kill(i, mode, 60.0, rec, lambda: len(rows) >= n)
    i += 1
    if len(rows) < n:
        gap()
c1, w1 = cpu_ticks(), time.time()
open(out, "w").writelines(lines)


def pct(v, p):
    v = sorted(v)
    if not v:
        return float("nan")
    k = max(0, min(len(v) - 1, int(-(-p * len(v) // 1)) - 1))  # nearest rank
    return v[k]


def stats(kind):
    sel = [r for r in rows if kind in (None, r[0])]
    lat = [(t1 - t0) * 1000 for _, t0, t1, _ in sel if t1 is not None]
    lost = sum(1 for r in sel if r[2] is None)
    return "%-6s %5d %8.1f %8.1f %8.1f %5d" % (
        kind or "all", len(sel), pct(lat, 0.5), pct(lat, 0.99), max(lat) if lat else float("nan"), lost)


cpu = (c1 - c0) / HZ
print("%s mode: %d events in %.1f s (%d queries); taskdns CPU %.2f s (%.1f%% of one CPU): %.2f ms per event; peak RSS %.0f MB"
      % (mode, len(rows), w1 - w0, sum(r[3] for r in rows), cpu, 100 * cpu / (w1 - w0),
         cpu * 1000 / len(rows), vm("VmHWM") / 1024))
print("%-6s %5s %8s %8s %8s %5s   (ms from the master's change to the first answer showing it)"
      % ("event", "n", "p50", "p99", "max", "lost"))
for kind in ("launch", "kill", None):
    print(stats(kind))
print()
PY
	[ "${PIPESTATUS[0]}" -eq 0 ] || { echo "$mode: the event run failed (see above)" >&2; STATUS=1; }
	if [ "$mode" = stream ]; then
		echo "stream: $(($(subscriptions) - subs0)) subscription(s) to the event stream during the run" | tee -a "$W/summary"
	fi
	grep -m1 -i 'unknown key' "$log" | sed "s/^/$mode: taskdns said: /" | tee -a "$W/summary"
	kill "$pid"
	wait "$pid" 2>/dev/null
}

for m in $MODES; do
	run_mode "$m"
done

echo
echo "propagation: $TASKS tasks ($AGENTS agents), $EVENTS events, refreshSeconds $REFRESH, timeout ${TIMEOUT} s, $(nproc) CPUs, $(date -u +%Y-%m-%d)"
cat "$W/summary" 2>/dev/null
echo "total time $(( ($(date +%s%N) - T_START) / 1000000000 )) s"
exit $STATUS
