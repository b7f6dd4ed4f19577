# bench/lib.sh -- what the bench scripts share; sourced as ". bench/lib.sh NAME".
#
# W: a work directory (taskdns-NAME.XXXXXX under TMPDIR), removed on exit
# with the processes whose pids were added to PIDS; an interrupt exits 130
# through the same cleanup. say and die print on stderr (die exits 1).
# free_port: a free TCP port on 127.0.0.1; HZ: clock ticks a second.
# build_bench, pick_framework, start_fake_master, cpu_ticks, measure,
# median, med and wait_dns: see each.

BENCH_NAME=$1
W=$(mktemp -d "${TMPDIR:-/tmp}/taskdns-$BENCH_NAME.XXXXXX")
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
say() { echo "== $*" >&2; }
die() { echo "$BENCH_NAME: $*" >&2; exit 1; }
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# build_bench: build taskdns with -O2 in _build-bench (again when a source
# is newer than the binary) and set TASKDNS to it. From the top directory.
build_bench() {
	local top=$PWD b=$PWD/_build-bench
	if [ ! -x "$b/src/taskdns" ] || [ -n "$(find src -newer "$b/src/taskdns" -name '*.[ch]' 2>/dev/null)" ]; then
		say "building taskdns (-O2)"
		[ -x configure ] || autoreconf -fi >/dev/null 2>&1
		mkdir -p "$b"
		(cd "$b" && { [ -f Makefile ] || "$top/configure" -q CFLAGS="-O2 -g"; } &&
			make -s -j"$(nproc)" src/taskdns) >&2 || die "build failed"
	fi
	TASKDNS=$b/src/taskdns
}

# pick_framework STATE DIR: the framework new tasks go to, the smallest
# whose name and one of whose running tasks' names are DNS labels as they
# are (the master serialises again only the framework that changed), into
# DIR/fw ("ID NAME PROBE_TASK_NAME TASKS"), and 200 agents to place them
# on into DIR/agents.
pick_framework() {
	python3 - "$1" "$2" <<'PY' || die "no suitable framework in the state"
import json, re, sys
st = json.load(open(sys.argv[1]))
ok = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
fws = [f for f in st["frameworks"] if ok.match(f["name"])
       and any(ok.match(t["name"]) for t in f["tasks"])]
f = min(fws, key=lambda f: len(f["tasks"]))
probe = next(t["name"] for t in f["tasks"] if ok.match(t["name"]))
with open(sys.argv[2] + "/fw", "w") as out:
    print(f["id"], f["name"], probe, len(f["tasks"]), file=out)
with open(sys.argv[2] + "/agents", "w") as out:
    for a in st["slaves"][:200]:
        print(a["id"], file=out)
PY
}

# start_fake_master DIR PORT [PIN...]: tests/fake_master.py serving
# DIR/state.json on PORT (--whole-chunks), run under PIN (e.g. taskset -c
# 0), logging to DIR.log; sets MASTER_PID once it accepts connections.
start_fake_master() {
	local dir=$1 port=$2 i
	shift 2
	"$@" python3 tests/fake_master.py --port "$port" --dir "$dir" --whole-chunks \
		>/dev/null 2>"$dir.log" &
	MASTER_PID=$!
	PIDS+=($MASTER_PID)
	for i in $(seq 1 100); do
		python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" 2>/dev/null && return
		[ "$i" -eq 100 ] && die "the fake master did not start: $(tail -3 "$dir.log")"
		sleep 0.1
	done
}

HZ=$(getconf CLK_TCK)

# All CPU time of a process and its descendants (NSD's server is a
# grandchild of the process started), in clock ticks.
descendants() {
	local c
	echo "$1"
	for c in $(pgrep -P "$1"); do descendants "$c"; done
}
cpu_ticks() {
	local p t=0
	for p in $(descendants "$1"); do
		[ -r "/proc/$p/stat" ] || continue
		# utime and stime, counted after "(comm)", which may hold spaces.
		t=$((t + $(sed 's/.*) //' "/proc/$p/stat" | awk '{print $12 + $13}')))
	done
	echo "$t"
}

# measure: dnsperf against PORT for DURATION from QUERIES on LOAD_CPU; prints
# "qps cpu_share avg_latency_us lost_pct" measuring server PID's CPU.
measure() { # measure PORT PID QUERIES [dnsperf options...]
	local port=$1 pid=$2 q=$3 c0 c1 t0 t1 out
	shift 3
	c0=$(cpu_ticks "$pid")
	t0=$(date +%s%N)
	out=$(taskset -c $LOAD_CPU dnsperf -s 127.0.0.1 -p "$port" -d "$q" -l "$DURATION" \
		-c 20 -q 500 -t 2 "$@" 2>&1)
	t1=$(date +%s%N)
	c1=$(cpu_ticks "$pid")
	echo "$out" | awk -v c="$((c1 - c0))" -v hz="$HZ" -v dt="$((t1 - t0))" '
		/Queries per second/ { qps = $4 }
		/Queries lost:/ { lostp = $4; gsub(/[()%]/, "", lostp) }
		/Average Latency/ { lat = $4 * 1e6 }
		END { share = (c / hz) / (dt / 1e9); printf "%.0f %.3f %.0f %s\n", qps, share, lat, lostp + 0 }'
}

# median: the median of the numbers on standard input, one a line.
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# med "N N ...": the median of a list of numbers.
med() { echo "$1" | tr ' ' '\n' | grep . | median; }

# wait_dns PORT NAME [SECONDS]: until the server on 127.0.0.1 PORT answers
# NAME (30 s by default); the status says whether it did.
wait_dns() {
	local i
	for i in $(seq 1 $((${3:-30} * 10))); do
		dig @127.0.0.1 -p "$1" +time=1 +tries=1 +short "$2" 2>/dev/null | grep -q . && return 0
		sleep 0.1
	done
	return 1
}
