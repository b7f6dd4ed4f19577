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

# netns_kill NS: end what still runs in network namespace NS (started by
# the test) by its id, politely then not, before the namespace is deleted.
netns_kill() {
	local p i
	for p in $(ip netns pids "$1" 2>/dev/null); do
		kill "$p" 2>/dev/null
	done
	for i in $(seq 20); do
		[ -z "$(ip netns pids "$1" 2>/dev/null)" ] && return
		sleep 0.1
	done
	for p in $(ip netns pids "$1" 2>/dev/null); do
		kill -9 "$p" 2>/dev/null
	done
}

# cleanup: on exit, the processes of PIDS, the namespaces of NETNS (and
# what runs in them), the work directory and the ports claimed.
cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	for p in "${NETNS[@]}"; do
		netns_kill "$p"
		ip netns del "$p" 2>/dev/null
		rm -rf "/etc/netns/$p"
	done
	rm -rf "$T"
	for p in "$PORTS_DIR"/*/owner; do
		[ "$(cat "$p" 2>/dev/null)" = "$$" ] && rm -rf "${p%/owner}"
	done
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

# A free port on 127.0.0.1 for both UDP and TCP, claimed for this test:
# tests run in parallel, taskdns binds with SO_REUSEPORT, and two tests
# handed the same port would share its datagrams. A claim is a directory
# in PORTS_DIR naming the test's shell; cleanup releases them.
PORTS_DIR="${TMPDIR:-/tmp}/taskdns-ports.$(id -u)"
mkdir -p "$PORTS_DIR"
free_port() {
	OWNER=$$ PORTS_DIR="$PORTS_DIR" python3 - <<'PY'
import os, socket, random
d, owner = os.environ["PORTS_DIR"], os.environ["OWNER"]
# Outside the kernel's ephemeral range, which clients (dig, curl, the
# forwarder) draw their source ports from while other tests run.
try:
    with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
        lo, hi = map(int, f.read().split())
except (OSError, ValueError):
    lo, hi = 32768, 60999
span = (10000, lo - 1) if lo > 12000 else (hi + 1, 65000)
for _ in range(200):
    p = random.randint(*span)
    try:
        t = socket.socket(); t.bind(("127.0.0.1", p))
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", p))
        t.close(); u.close()
    except OSError:
        continue
    try:
        os.mkdir(os.path.join(d, str(p)))
    except FileExistsError:
        # Claimed by a test that has not bound it yet, or one whose shell
        # is gone (its claim is stale: take it over).
        try:
            with open(os.path.join(d, str(p), "owner")) as f:
                os.kill(int(f.read()), 0)
            continue
        except (OSError, ValueError):
            pass
    with open(os.path.join(d, str(p), "owner"), "w") as f:
        f.write(owner)
    print(p)
    break
PY
}

# hold_leader_address: the recorded Mesos-DNS cases name 127.1.0.1:5050 as
# their leader, so the tests that serve them there take turns: this waits
# (at most 900 s) for the others and holds the turn until the test exits.
hold_leader_address() {
	exec 9>"$PORTS_DIR/127.1.0.1-5050.lock"
	flock -w 900 9 || bail "another test held 127.1.0.1:5050 for 900 s"
}

# start_leader_master DIR: a fake master serving DIR/state.json on
# 127.1.0.1:5050 (call hold_leader_address first); sets LEADER_PID. It is
# ours once the listening socket is this process's: until every checkout
# takes turns, another one's test may hold the address a while, so this
# waits for it (300 s at most) and tries again (5 times).
start_leader_master() {
	local try
	LEADER_PID=
	for try in 1 2 3 4 5; do
		wait_for 300 sh -c "! ss -ltnH 'src 127.1.0.1:5050' | grep -q ." || break
		python3 "$FAKE_MASTER" --host 127.1.0.1 --port 5050 --dir "$1" \
			2>>"$1/log" &
		LEADER_PID=$!
		PIDS+=($LEADER_PID)
		wait_for 10 sh -c "ss -ltnpH 'src 127.1.0.1:5050' | grep -q 'pid=$LEADER_PID,'" && return 0
		stop_pid "$LEADER_PID"
		LEADER_PID=
	done
	return 1
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
	local name=$1 host=127.0.0.1 a
	shift
	for a in "$@"; do	# --host ADDR: listen there, not on 127.0.0.1
		[ "${prev:-}" = "--host" ] && host=$a
		local prev=$a
	done
	MASTER_DIR="$T/master-$name"
	mkdir -p "$MASTER_DIR"
	MASTER_PORT=$(free_port)
	python3 "$FAKE_MASTER" --port "$MASTER_PORT" --dir "$MASTER_DIR" "$@" \
		2>>"$T/master-$name.log" &
	PIDS+=($!)
	eval "MASTER_PID_$name=$!"
	wait_for 10 python3 -c "import socket; socket.create_connection(('$host', $MASTER_PORT), 1)" ||
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

# ZooKeeper: a real server per test (Debian's zookeeper package, the same
# Java server Mesos masters register in) and fake masters registering in
# it (tests/zkreg, built by make check).
ZKREG=${ZKREG:-$top_builddir/tests/zkreg}
ZK_JAR=${ZK_JAR:-/usr/share/java/zookeeper.jar}

# need_zookeeper: skip the whole test without the ZooKeeper server or zkreg.
need_zookeeper() {
	need java python3
	if [ ! -r "$ZK_JAR" ]; then
		echo "1..0 # SKIP ZooKeeper not installed (apt-get install zookeeper)"
		exit 0
	fi
	if [ ! -x "$ZKREG" ]; then
		echo "1..0 # SKIP $ZKREG not built (make check builds it)"
		exit 0
	fi
}

# zk_cmd PORT WORD: the server's answer to a four-letter word (srvr, mntr,
# dump: the sessions and their ephemeral nodes, cons...).
zk_cmd() {
	python3 - "$1" "$2" <<'PY'
import socket, sys
try:
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 2)
    s.settimeout(2)
    s.sendall(sys.argv[2].encode())
    out = b""
    while True:
        d = s.recv(65536)
        if not d:
            break
        out += d
except OSError:
    sys.exit(1)
sys.stdout.write(out.decode(errors="replace"))
PY
}

# start_zookeeper NAME: a standalone ZooKeeper on a free loopback port, in
# the foreground of this shell (no system service, nothing in /etc or
# /var/lib/zookeeper): config, data and transaction log in $T/zk-NAME,
# its log in $T/zk-NAME/zookeeper.log. A tick of 200 ms lets sessions
# last 400 ms to 60 s (a client asking 1000 ms gets 1000 ms; the server
# expires a silent session between its timeout and one tick later). Called
# again after stop_zookeeper NAME, it restarts on the same port and data
# (sessions and ephemeral nodes survive: see zk_harness.sh). Sets ZK_PORT,
# ZK_HOSTS (127.0.0.1:PORT), ZK_PORT_NAME and ZK_PID_NAME; waits (20 s at
# most) until the server answers "srvr" as a standalone server.
start_zookeeper() {
	local name=$1 dir="$T/zk-$1" port pid cp i
	if [ -f "$dir/zoo.cfg" ]; then
		port=$(sed -n 's/^clientPort=//p' "$dir/zoo.cfg")
	else
		port=$(free_port)
		mkdir -p "$dir/data" "$dir/datalog" "$dir/tmp"
		cat >"$dir/zoo.cfg" <<CFG
tickTime=200
initLimit=10
syncLimit=5
minSessionTimeout=400
maxSessionTimeout=60000
dataDir=$dir/data
dataLogDir=$dir/datalog
clientPort=$port
clientPortAddress=127.0.0.1
maxClientCnxns=0
admin.enableServer=false
4lw.commands.whitelist=*
preAllocSize=1024
autopurge.purgeInterval=0
CFG
	fi
	cp=$ZK_JAR	# its manifest names the other jars
	[ -r /usr/share/java/slf4j-simple.jar ] && cp="$cp:/usr/share/java/slf4j-simple.jar"
	echo "=== start_zookeeper $name $(date +%T.%N)" >>"$dir/zookeeper.log"
	java -Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData \
		-Djava.awt.headless=true -Djava.io.tmpdir="$dir/tmp" \
		-Dzookeeper.admin.enableServer=false -Dzookeeper.jmx.log4j.disable=true \
		-Dorg.slf4j.simpleLogger.showDateTime=true \
		-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS \
		-cp "$cp" org.apache.zookeeper.server.quorum.QuorumPeerMain "$dir/zoo.cfg" \
		>>"$dir/zookeeper.log" 2>&1 </dev/null &
	pid=$!
	PIDS+=($pid)
	eval "ZK_PID_$name=$pid ZK_PORT_$name=$port"
	ZK_PORT=$port
	ZK_HOSTS="127.0.0.1:$port"
	for i in $(seq 200); do
		zk_cmd "$port" srvr 2>/dev/null | grep -q '^Mode: standalone' && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	diag "ZooKeeper $name did not start on 127.0.0.1:$port; its log:"
	tail -n 30 "$dir/zookeeper.log" | sed 's/^/#   /'
	bail "ZooKeeper $name did not start"
}

# stop_zookeeper NAME [SIGNAL]: stop it (SIGTERM, then SIGKILL after 5 s);
# with SIGNAL 9 (or KILL), kill it at once: a crash.
stop_zookeeper() {
	local pid
	eval "pid=\${ZK_PID_$1:-}"
	[ -n "$pid" ] || return 0
	case ${2:-TERM} in
	9 | KILL | -9)
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null ;;
	*)
		stop_pid "$pid" ;;
	esac
	eval "ZK_PID_$1="
	return 0
}

# start_zkreg NAME PATH IP PORT [zkreg options...]: a fake master at IP:PORT
# registered in the ZooKeeper at ZK_HOSTS under PATH (see tests/zkreg.c);
# waits (10 s at most) for its node. Sets ZKREG_NODE (json.info_NNNNNNNNNN)
# and ZKREG_PID_NAME; its messages go to $T/zkreg-NAME.log. The EXIT trap
# stops it with SIGTERM: it closes its session, its node goes at once.
start_zkreg() {
	local name=$1 out="$T/zkreg-$1.out" pid i
	shift
	: >"$out"
	"$ZKREG" "$ZK_HOSTS" "$@" >"$out" 2>>"$T/zkreg-$name.log" &
	pid=$!
	PIDS+=($pid)
	eval "ZKREG_PID_$name=$pid"
	for i in $(seq 100); do
		if [ -s "$out" ]; then
			ZKREG_NODE=$(head -n 1 "$out")
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	diag "zkreg $name did not register; its log:"
	sed 's/^/#   /' "$T/zkreg-$name.log"
	return 1
}

# zk_list PATH: the children of PATH in ZK_HOSTS by name, "NAME DATA" each.
zk_list() {
	"$ZKREG" --list "$ZK_HOSTS" "$1"
}
