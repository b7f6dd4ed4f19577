# lib.sh -- shared helpers for taskdns's integration tests (TAP output).
#
# A test sources this file, calls its helpers, and ends with done_testing.
# Everything runs on loopback (127.0.0.0/8, ::1) or in network namespaces
# the test creates; every process started here is killed by the EXIT trap.

set -u

: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
TASKDNS=${TASKDNS:-$top_builddir/src/taskdns}
FAKE_MASTER="$top_srcdir/tests/fake_master.py"
FIXTURES="$top_srcdir/tests/fixtures"

T=$(mktemp -d "${TMPDIR:-/tmp}/taskdns-test.XXXXXX")
PIDS=()
NETNS=()
TASKDNS_PIDS=()		# every taskdns started, stopped gracefully at the end
TASKDNS_LOGS=()		# and its log, scanned for sanitizer reports
TAP_N=0
TAP_FAILED=0

cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	for p in "${NETNS[@]}"; do
		ip netns del "$p" 2>/dev/null
		rm -rf "/etc/netns/$p"
	done
	rm -rf "$T"
}
trap cleanup EXIT

ok() { # ok COND_EXIT_STATUS DESCRIPTION
	TAP_N=$((TAP_N + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $TAP_N - $2"
	else
		echo "not ok $TAP_N - $2"
		TAP_FAILED=$((TAP_FAILED + 1))
	fi
}

skip() { # skip DESCRIPTION REASON
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $1 # SKIP $2"
}

diag() { echo "# $*"; }

is() { # is GOT WANT DESCRIPTION
	if [ "$1" = "$2" ]; then
		ok 0 "$3"
	else
		ok 1 "$3"
		diag "got:  $(printf '%s' "$1" | head -c 2000 | sed '2,$s/^/#       /')"
		diag "want: $(printf '%s' "$2" | head -c 2000 | sed '2,$s/^/#       /')"
	fi
}

like() { # like GOT REGEX DESCRIPTION
	if printf '%s' "$1" | grep -qE -- "$2"; then
		ok 0 "$3"
	else
		ok 1 "$3"
		diag "got: $(printf '%s' "$1" | head -c 2000)"
		diag "not matching: $2"
	fi
}

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# stop_pid PID: SIGTERM, wait at most 5 s, then SIGKILL (so a sanitizer
# build gets to run its exit-time checks before the logs are read).
stop_pid() {
	local i
	kill "$1" 2>/dev/null || return 0
	for i in $(seq 50); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

# counter NAME: the current value of taskdns's counter NAME (SIGUSR1 makes
# it log them all on one line).
counter() {
	local before after
	before=$(grep -c 'stats:' "$TASKDNS_LOG")
	kill -USR1 "$TASKDNS_PID"
	wait_for 5 sh -c "[ \$(grep -c 'stats:' '$TASKDNS_LOG') -gt $before ]" || {
		echo -1
		return
	}
	after=$(grep 'stats:' "$TASKDNS_LOG" | tail -n 1 | tr ' ' '\n' |
		sed -n "s/^$1=//p")
	echo "${after:-0}"
}

# One more test: stop every taskdns this test started and check that no
# log holds an AddressSanitizer, LeakSanitizer or UBSan report, or a
# valgrind one (TASKDNS_WRAPPER="valgrind -q ..." prints only errors).
no_sanitizer_reports() {
	local p bad pat='runtime error\|AddressSanitizer\|LeakSanitizer\|^==[0-9]*== '
	for p in "${TASKDNS_PIDS[@]}"; do
		stop_pid "$p"
	done
	bad=$(grep -l "$pat" "${TASKDNS_LOGS[@]}" 2>/dev/null)
	is "$bad" "" "no sanitizer or valgrind report in the ${#TASKDNS_LOGS[@]} taskdns logs"
	for p in $bad; do
		grep -A20 "$pat" "$p" | head -n 60 | sed 's/^/#   /'
	done
}

done_testing() {
	[ ${#TASKDNS_LOGS[@]} -gt 0 ] && no_sanitizer_reports
	echo "1..$TAP_N"
	[ "$TAP_FAILED" -eq 0 ]
}

bail() { echo "Bail out! $*"; exit 1; }

# A free port on 127.0.0.1 for both UDP and TCP.
free_port() {
	python3 - <<'PY'
import socket, random
for _ in range(200):
    p = random.randint(20000, 60000)
    try:
        t = socket.socket(); t.bind(("127.0.0.1", p))
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", p))
        t.close(); u.close(); print(p); break
    except OSError:
        pass
PY
}

# wait_for SECONDS CMD...: retry CMD every 0.1 s until it succeeds.
wait_for() {
	local deadline=$(( $(date +%s%N) / 1000000 + $1 * 1000 ))
	shift
	while ! "$@" >/dev/null 2>&1; do
		[ $(( $(date +%s%N) / 1000000 )) -ge $deadline ] && return 1
		sleep 0.1
	done
	return 0
}

# start_master NAME [fake_master options...]: a fake master on a free port;
# sets MASTER_PORT and MASTER_DIR (state from DIR/state.json).
start_master() {
	local name=$1
	shift
	MASTER_DIR="$T/master-$name"
	mkdir -p "$MASTER_DIR"
	MASTER_PORT=$(free_port)
	python3 "$FAKE_MASTER" --port "$MASTER_PORT" --dir "$MASTER_DIR" "$@" \
		2>>"$T/master-$name.log" &
	PIDS+=($!)
	eval "MASTER_PID_$name=$!"
	wait_for 10 python3 -c "import socket; socket.create_connection(('127.0.0.1', $MASTER_PORT), 1)" ||
		bail "fake master $name did not start"
}

# set_state DIR FILE: atomically replace the state a fake master serves.
set_state() {
	cp "$2" "$1/state.json.tmp" && mv "$1/state.json.tmp" "$1/state.json"
}

# start_taskdns CONFIG_JSON_BODY: write config with "port" and "listener"
# filled in, start taskdns, wait until it answers SOA for its domain.
# Sets DNS_PORT, TASKDNS_PID, TASKDNS_LOG, CONFIG.
start_taskdns() {
	DNS_PORT=$(free_port)
	CONFIG="$T/config-$DNS_PORT.json"
	TASKDNS_LOG="$T/taskdns-$DNS_PORT.log"
	python3 - "$CONFIG" "$DNS_PORT" "$1" <<'PY'
import json, sys
path, port, body = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
body.setdefault("port", port)
body.setdefault("listener", "127.0.0.1")
body.setdefault("httpon", False)
json.dump(body, open(path, "w"), indent=1)
PY
	${TASKDNS_WRAPPER:-} "$TASKDNS" -config="$CONFIG" -v=1 >>"$TASKDNS_LOG" 2>&1 &
	TASKDNS_PID=$!
	PIDS+=($TASKDNS_PID)
	TASKDNS_PIDS+=($TASKDNS_PID)
	TASKDNS_LOGS+=("$TASKDNS_LOG")
	local domain
	domain=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1])).get('domain','mesos'))" "$CONFIG")
	if ! wait_for 20 sh -c "dig @127.0.0.1 -p $DNS_PORT +time=1 +tries=1 $domain SOA | grep -q 'status: NOERROR'"; then
		diag "taskdns did not come up; log:"
		sed 's/^/#   /' "$TASKDNS_LOG"
		return 1
	fi
}

# q NAME [TYPE] [dig options...]: the answer section, sorted, TTL kept.
q() {
	local name=$1 type=${2:-A}
	shift 2 2>/dev/null || shift $#
	dig @127.0.0.1 -p "$DNS_PORT" +time=2 +tries=1 +noall +answer "$@" "$name" "$type" |
		awk '{print $1, $2, $4, substr($0, index($0,$5))}' | sort
}

# rdata NAME [TYPE] [dig options...]: just the RDATA, sorted.
rdata() {
	local name=$1 type=${2:-A}
	shift 2 2>/dev/null || shift $#
	dig @127.0.0.1 -p "$DNS_PORT" +time=2 +tries=1 +short "$@" "$name" "$type" | sort
}

# status NAME [TYPE] [dig options...]: the rcode word (NOERROR, NXDOMAIN...).
status() {
	local name=$1 type=${2:-A}
	shift 2 2>/dev/null || shift $#
	dig @127.0.0.1 -p "$DNS_PORT" +time=2 +tries=1 "$@" "$name" "$type" |
		sed -n 's/.*status: \([A-Z]*\),.*/\1/p'
}

# need CMD...: skip the whole test when a tool is missing.
need() {
	local c
	for c in "$@"; do
		if ! command -v "$c" >/dev/null 2>&1; then
			echo "1..0 # SKIP $c not installed"
			exit 0
		fi
	done
}

still_running() { kill -0 "$TASKDNS_PID" 2>/dev/null; }

# unbound_conf INTERFACE DIR <EXTRA: an Unbound configuration serving only
# local data ("." is static: it never asks the Internet): example.test with
# its SOA, big.example.test with 40 addresses (a 674-octet answer, over the
# 512 of UDP without EDNS), and the server: lines on standard input.
unbound_conf() {
	cat <<CONF
server:
	interface: $1
	do-ip6: no
	do-not-query-localhost: no
	username: ""
	chroot: ""
	directory: "$2"
	pidfile: "$2/unbound.pid"
	use-syslog: no
	logfile: "$2/unbound.log"
	verbosity: 1
	num-threads: 1
	module-config: "iterator"
	access-control: 127.0.0.0/8 allow
	local-zone: "." static
	local-zone: "example.test." static
	local-data: "example.test. 300 IN SOA ns.example.test. host.example.test. 1 3600 900 86400 300"
CONF
	for i in $(seq 1 40); do
		echo "	local-data: \"big.example.test. 300 IN A 198.51.100.$i\""
	done
	cat
	printf 'remote-control:\n\tcontrol-enable: no\n'
}

# sample_state LEADER_HOSTPORT OUT: the sample cluster led by a fake master
# (so taskdns never leaves loopback to follow the leader field).
sample_state() {
	python3 - "$top_srcdir/contrib/sample/state.json" "$1" "$2" <<'PY'
import json, sys
st = json.load(open(sys.argv[1]))
st["leader"] = "master@" + sys.argv[2]
st["pid"] = st["leader"]
st["leader_info"]["pid"] = st["leader"]
json.dump(st, open(sys.argv[3], "w"))
PY
}

# big_state OUT: the sample cluster plus one app "big" of 150 instances, each
# with its own container IP: its A RRset (150 x 16 octets) does not fit a
# 1232-octet UDP answer, and over TCP it is about 2.4 KB.
big_state() {
	python3 - "$top_srcdir/contrib/sample/state.json" "$1" <<'PY'
import json, sys
st = json.load(open(sys.argv[1]))
fw = st["frameworks"][0]
for i in range(150):
    fw["tasks"].append({"id": "big.%d" % i, "name": "big", "framework_id": fw["id"],
        "slave_id": st["slaves"][i % 3]["id"], "state": "TASK_RUNNING",
        "resources": {"ports": "[%d-%d]" % (20000 + i, 20000 + i)},
        "statuses": [{"state": "TASK_RUNNING", "timestamp": 1.0, "container_status":
            {"network_infos": [{"ip_addresses": [{"ip_address": "10.9.%d.%d" % (i // 200, i % 200 + 1)}]}]}}]})
json.dump(st, open(sys.argv[2], "w"))
PY
}
