# bench/lib.sh -- what the bench scripts share; sourced as ". bench/lib.sh NAME".
#
# W: a work directory (taskdns-NAME.XXXXXX under TMPDIR), removed on exit
# with the processes whose pids were added to PIDS; an interrupt exits 130
# through the same cleanup. say and die print on stderr (die exits 1).
# free_port: a free TCP port on 127.0.0.1. build_bench, pick_framework and
# start_fake_master: see each.

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
