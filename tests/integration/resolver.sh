#!/bin/bash
# resolver.sh -- the C library's stub resolver (getent) through taskdns on
# port 53, inside a network namespace of its own, with Unbound upstream.

. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"

need dig python3 unbound getent ip

# The C resolver only talks to port 53: that needs a namespace, and root.
if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP needs root for ip netns"
	exit 0
fi
if ! ip netns list >/dev/null 2>&1; then
	echo "1..0 # SKIP ip netns unavailable"
	exit 0
fi
# nscd would answer getent from outside the namespace.
if [ -S /var/run/nscd/socket ] || [ -S /run/nscd/socket ]; then
	echo "1..0 # SKIP nscd is running; getent would bypass the namespace"
	exit 0
fi

NS="tdns-$$-$RANDOM"
if ! ip netns add "$NS" 2>"$T/netns.err"; then
	echo "1..0 # SKIP cannot create a network namespace: $(cat "$T/netns.err")"
	exit 0
fi
NETNS+=("$NS")	# cleanup ends what runs in it, then deletes it
nsx() { ip netns exec "$NS" "$@"; }
nsx ip link set lo up || bail "cannot bring up lo in $NS"
# 127.0.0.2 for Unbound. Addresses matter to getaddrinfo too: with
# AI_ADDRCONFIG (getent ahosts*) glibc asks nothing for IPv4 unless the host
# has an IPv4 address other than 127.0.0.1, nor for IPv6 without one other
# than ::1 (sysdeps/unix/sysv/linux/check_pf.c). 2001:db8::/32 is RFC 3849's.
nsx ip addr add 127.0.0.2/8 dev lo || bail "cannot add 127.0.0.2 in $NS"
HAVE6=1
nsx ip addr add 2001:db8:ffff::1/128 dev lo 2>/dev/null || HAVE6=


# ip netns exec bind-mounts /etc/netns/NS/FILE over /etc/FILE.
mkdir -p "/etc/netns/$NS"
cat >"/etc/netns/$NS/resolv.conf" <<'EOF'
nameserver 127.0.0.1
options timeout:2 attempts:1
EOF
if [ -f /etc/nsswitch.conf ] && ! grep -Eq '^hosts:.*[[:space:]]dns([[:space:]]|$)' /etc/nsswitch.conf; then
	sed 's/^hosts:.*/hosts: files dns/' /etc/nsswitch.conf >"/etc/netns/$NS/nsswitch.conf"
fi

# Unbound on 127.0.0.2 port 53 in the namespace: the "outside world".
UB_DIR="$T/unbound"
mkdir -p "$UB_DIR"
unbound_conf "127.0.0.2@53" "$UB_DIR" >"$UB_DIR/unbound.conf" <<EOF
	local-data: "svc.example.test. 300 IN A 192.0.2.20"
	local-data: "svc6.example.test. 300 IN AAAA 2001:db8::20"
EOF
# Not through nsx: "ip netns exec" execs the program, so $! is its pid.
ip netns exec "$NS" unbound -d -c "$UB_DIR/unbound.conf" >>"$UB_DIR/stderr" 2>&1 &
PIDS+=($!)
if ! wait_for 10 sh -c "ip netns exec $NS dig @127.0.0.2 +time=1 +tries=1 +short svc.example.test | grep -qx 192.0.2.20"; then
	sed 's/^/# /' "$UB_DIR/stderr" "$UB_DIR/unbound.log" 2>/dev/null
	bail "unbound did not start in $NS"
fi

# taskdns on 127.0.0.1 port 53 in the namespace, the sample cluster from a file.
CONFIG="$T/config.json"
TASKDNS_LOG="$T/taskdns.log"
cat >"$CONFIG" <<EOF
{
	"stateFile": "$top_srcdir/contrib/sample/state.json",
	"refreshSeconds": 60,
	"listener": "127.0.0.1",
	"port": 53,
	"httpon": false,
	"resolvers": ["127.0.0.2"],
	"timeout": 2
}
EOF
ip netns exec "$NS" ${TASKDNS_WRAPPER:-} "$TASKDNS" -config="$CONFIG" -v=1 >>"$TASKDNS_LOG" 2>&1 &
TASKDNS_PID=$!
PIDS+=($TASKDNS_PID)
TASKDNS_PIDS+=($TASKDNS_PID)
TASKDNS_LOGS+=("$TASKDNS_LOG")
if ! wait_for 20 sh -c "ip netns exec $NS dig @127.0.0.1 +time=1 +tries=1 mesos SOA | grep -q 'status: NOERROR'"; then
	sed 's/^/#   /' "$TASKDNS_LOG"
	bail "taskdns did not start in $NS"
fi

# gent DB KEY: getent's output in the namespace; sets GRC (exit status) and
# MS (milliseconds taken).
gent() {
	local t0
	t0=$(now_ms)
	OUT=$(timeout 10 ip netns exec "$NS" getent "$@" 2>&1)
	GRC=$?
	MS=$(( $(now_ms) - t0 ))
	printf '%s\n' "$OUT"
}

out=$(gent hosts nimbus.storm.mesos)
is "$out" "10.0.1.1        nimbus.storm.mesos" "getent hosts nimbus.storm.mesos"
out=$(gent ahostsv4 web.marathon.mesos | awk '{print $1}' | sort -u)
is "$out" "10.0.1.1
10.0.1.2
10.0.1.3" "getent ahostsv4 web.marathon.mesos: all three tasks"
out=$(gent ahostsv4 web.marathon.mesos | awk '$2 == "STREAM" {print $3}')
is "$out" "web.marathon.mesos" "... canonical name as asked"
out=$(gent hosts supervisor.storm.mesos | awk '{print $1}' | sort)
like "$out" '^10\.0\.1\.[23]$' "getent hosts supervisor.storm.mesos: one of its two tasks"
out=$(gent hosts NIMBUS.Storm.Mesos | awk '{print $1}')
is "$out" "10.0.1.1" "names are case-insensitive"

out=$(gent hosts svc.example.test)
is "$out" "192.0.2.20      svc.example.test" "an outside name resolves through forwarding"
out=$(gent hosts svc6.example.test)
is "$out" "2001:db8::20    svc6.example.test" "... an AAAA too"

# getaddrinfo(AF_UNSPEC) sends A and AAAA at once from one socket.
if [ -n "$HAVE6" ]; then
	n0=$(counter outcome_nodata)
	out=$(gent ahosts nimbus.storm.mesos | awk '{print $1}' | sort -u)
	is "$out" "10.0.1.1" "getent ahosts (A and AAAA in parallel): nimbus.storm.mesos"
	is "$(( $(counter outcome_nodata) - n0 ))" 1 "... the AAAA query got its NODATA"
	out=$(gent ahosts svc6.example.test | awk '{print $1}' | sort -u)
	is "$out" "2001:db8::20" "... and a forwarded name with only an AAAA"
else
	skip "getent ahosts, A and AAAA in parallel" "no IPv6 in the namespace"
	skip "getent ahosts, the AAAA query" "no IPv6 in the namespace"
	skip "getent ahosts, a forwarded AAAA" "no IPv6 in the namespace"
fi

# No EDNS from glibc: TC from taskdns, then glibc asks again over TCP.
n0=$(counter queries_tcp)
out=$(gent ahostsv4 big.example.test | awk '$2 == "STREAM" {print $1}' | sort -u | wc -l)
is "$out" 40 "40 addresses for a forwarded name: glibc's TCP retry gets them all"
is "$(( $(counter queries_tcp) - n0 ))" 1 "... one query over TCP"
out=$(timeout 10 ip netns exec "$NS" dig @127.0.0.1 +time=2 +tries=1 +noedns +ignore big.example.test | grep -c 'flags:.* tc')
is "$out" 1 "... (the UDP answer had TC)"

gent hosts nope.storm.mesos >/dev/null
is "$GRC" 2 "nope.storm.mesos: getent exits 2 (not found)"
ok $([ "$MS" -lt 1500 ]; echo $?) "... from an NXDOMAIN, not a timeout ($MS ms)"
gent hosts nope.example.test >/dev/null
is "$GRC" 2 "a forwarded NXDOMAIN: getent exits 2 too"
gent ahostsv4 nope.storm.mesos >/dev/null
is "$GRC" 2 "getent ahostsv4 nope.storm.mesos exits 2"

# A search list: "web" is tried as web.marathon.mesos first (ndots 1).
cat >"/etc/netns/$NS/resolv.conf" <<'EOF'
nameserver 127.0.0.1
search marathon.mesos storm.mesos
options timeout:2 attempts:1
EOF
out=$(gent hosts nimbus | awk '{print $1, $2}')
is "$out" "10.0.1.1 nimbus.storm.mesos" "search list: nimbus is nimbus.storm.mesos"

still_running
ok $? "taskdns still running"
done_testing
