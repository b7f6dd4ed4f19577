# recorder.sh -- what record.sh and record_http.sh share: the arguments,
# a case's fake master and Mesos-DNS on loopback, the header of a recorded
# file, and the walk over the cases. Sourced; the caller sets NAME (its
# own name, for messages) and USAGE_LINES (the lines of its header comment
# that say how to call it) and needs the commands in NEEDS.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
fixtures="$top/tests/fixtures/mesosdns"
out="$here/expected"
MESOS_DNS_COMMIT=${MESOS_DNS_COMMIT:-e888ef40dcfdc3c35b32d2b4ae035b76416d7072}
export PYTHONDONTWRITEBYTECODE=1

[ $# -ge 1 ] || { sed -n "$USAGE_LINES" "$0" | sed 's/^# \{0,1\}//'; exit 2; }
mdns=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
shift
CASES_WANTED=("$@")
[ -x "$mdns" ] || { echo "$NAME: $mdns is not an executable" >&2; exit 2; }
for c in $NEEDS; do
	command -v "$c" >/dev/null || { echo "$NAME: $c is needed" >&2; exit 2; }
done
gover=$(go version "$mdns" 2>/dev/null | awk '{print $2}')
gover=${gover:-go?}
gover=${gover%.*}	# go1.19.8 -> go1.19

# free_port, wait_for, stop_pid, and T and PIDS cleaned up on exit.
top_srcdir=$top
# shellcheck source=../integration/lib.sh
. "$top/tests/integration/lib.sh"
work=$T

port_open() { python3 -c "import socket; socket.create_connection(('127.1.0.1', 5050), 1)" 2>/dev/null; }

# start_case CASE STATE_DIR CONFIG_FILE READY_COMMAND: a fake master serving
# STATE_DIR/state.json on 127.1.0.1:5050 (the leader every state names) and
# Mesos-DNS with the case's keys over loopback-only settings, until
# READY_COMMAND (run by sh, with $hport, $dport and $domain known) says the
# state is loaded. Sets mpid, dpid, dport, hport, cfg and domain.
start_case() {
	local case=$1 dir=$2 cfile=$3 ready=$4 base
	echo "== $case"
	if port_open; then
		echo "$NAME: 127.1.0.1:5050 is taken; stop what listens there" >&2
		exit 1
	fi
	mkdir -p "$work/$case"
	cp "$dir/state.json" "$work/$case/state.json"
	python3 "$top/tests/fake_master.py" --host 127.1.0.1 --port 5050 \
		--dir "$work/$case" 2>>"$work/$case/master.log" &
	mpid=$!
	PIDS+=($mpid)
	wait_for 10 port_open || { echo "$NAME: the fake master did not start" >&2; exit 1; }

	dport=$(free_port)
	hport=$(free_port)
	base='{"masters": ["127.1.0.1:5050"], "zk": "", "resolvers": ["127.0.0.1:9"],
		"externalon": false, "listener": "127.0.0.1", "dnson": true,
		"httpon": true, "HTTPListener": "127.0.0.1", "refreshSeconds": 3600}'
	cfg=$(python3 "$here/dnsdiff.py" merge "$base" "$cfile")
	python3 - "$cfg" "$dport" "$hport" >"$work/$case/config.json" <<'PY'
import json, sys
c = json.loads(sys.argv[1])
c["port"], c["httpport"] = int(sys.argv[2]), int(sys.argv[3])
json.dump(c, sys.stdout, indent=1)
PY
	"$mdns" -config="$work/$case/config.json" -v=2 >"$work/$case/mesos-dns.log" 2>&1 &
	dpid=$!
	PIDS+=($dpid)
	domain=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("domain", "mesos").lower())' "$cfile")
	export hport dport domain
	if ! wait_for 30 sh -c "$ready"; then
		echo "$NAME: mesos-dns did not load the state; its log:" >&2
		sed 's/^/  /' "$work/$case/mesos-dns.log" >&2
		exit 1
	fi
}

# case_header CASE STATE_DIR CONFIG_FILE: the comment lines that open a
# recorded file (after start_case: uses $cfg).
case_header() {
	printf '# recorded from mesos-dns %s (github.com/mesosphere/mesos-dns), %s, %s\n' \
		"$MESOS_DNS_COMMIT" "$gover" "$(date -u +%Y-%m-%d)"
	printf '# case %s: tests/fixtures/mesosdns/%s/state.json with %s\n' \
		"$1" "$(basename "$2")" "$(basename "$3")"
	printf '# config (the case keys over loopback settings; port and httpport left out): %s\n' \
		"$(echo "$cfg" | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin), sort_keys=True))')"
}

# for_each_case FUNCTION: FUNCTION CASE STATE_DIR CONFIG_FILE for every
# config file of every case directory (D/config.json is case D,
# D/config-X.json case D-X), or only the cases named on the command line.
for_each_case() {
	local dir cfile b case want w
	mkdir -p "$out"
	for dir in "$fixtures"/*/; do
		dir=${dir%/}
		for cfile in "$dir"/config.json "$dir"/config-*.json; do
			[ -f "$cfile" ] || continue
			b=$(basename "$cfile" .json)
			case=$(basename "$dir")
			[ "$b" = config ] || case="$case-${b#config-}"
			if [ ${#CASES_WANTED[@]} -gt 0 ]; then
				want=0
				for w in "${CASES_WANTED[@]}"; do [ "$w" = "$case" ] && want=1; done
				[ $want = 1 ] || continue
			fi
			"$1" "$case" "$dir" "$cfile"
		done
	done
	return 0
}
