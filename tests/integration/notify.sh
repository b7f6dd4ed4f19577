#!/bin/bash
# notify.sh -- systemd's notification protocol without systemd: taskdns runs
# with NOTIFY_SOCKET naming a datagram socket this test reads, and sends
# READY=1 before any master answers, STATUS= lines saying what it serves,
# WATCHDOG=1 at half of WATCHDOG_USEC, and STOPPING=1 on SIGTERM.
. "$(dirname "$0")/lib.sh"
need dig python3

if ! grep -q '^#define HAVE_SYSTEMD 1' "$top_builddir/autoconf.h" 2>/dev/null; then
	echo "1..0 # SKIP built without libsystemd (configure --with-systemd)"
	exit 0
fi

# notify_listen NAME: a socket at $T/NAME.sock; each datagram is written to
# $T/NAME.msgs as one line (newlines inside shown as |), with the
# milliseconds since the socket opened before it. Gone after 60 s.
notify_listen() {
	python3 - "$T/$1.sock" "$T/$1.msgs" >"$T/$1.ready" 2>&1 <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
t0 = time.monotonic()
print("ready", flush=True)
with open(sys.argv[2], "w") as out:
    while time.monotonic() - t0 < 60:
        s.settimeout(max(0.1, 60 - (time.monotonic() - t0)))
        try:
            d = s.recv(4096)
        except socket.timeout:
            break
        ms = int((time.monotonic() - t0) * 1000)
        out.write("%d %s\n" % (ms, d.decode(errors="replace").replace("\n", "|")))
        out.flush()
PY
	PIDS+=($!)
	wait_for 10 grep -q ready "$T/$1.ready" || bail "notify socket $1 did not open"
}

# run_notified NAME CONFIG [ENV...]: taskdns with NOTIFY_SOCKET=$T/NAME.sock
# and the given environment (WATCHDOG_PID=self: its own pid); sets PID.
run_notified() {
	local name=$1 config=$2
	shift 2
	env NOTIFY_SOCKET="$T/$name.sock" "$@" sh -c '
		[ "${WATCHDOG_PID:-}" = self ] && export WATCHDOG_PID=$$
		exec "$0" -config="$1" -v=1' "$TASKDNS" "$config" >"$T/$name.log" 2>&1 &
	PID=$!
	PIDS+=($PID)
}

# A master that is up but has no state yet (every fetch fails), reloaded
# every second: READY=1 must not wait for it.
start_master m
DNS_PORT=$(free_port)
cat >"$T/c.json" <<JSON
{"masters": ["127.0.0.1:$MASTER_PORT"], "refreshSeconds": 1, "port": $DNS_PORT,
 "listener": "127.0.0.1", "httpon": false, "resolvers": ["127.0.0.1:9"], "stateFeed": "poll"}
JSON
notify_listen a
run_notified a "$T/c.json" WATCHDOG_USEC=400000 WATCHDOG_PID=self
wait_for 10 grep -q 'READY=1' "$T/a.msgs"
like "$(grep 'READY=1' "$T/a.msgs")" '^[0-9]+ READY=1\|STATUS=no state from a Mesos master has been served yet: SERVFAIL for mesos\., forwarding the rest$' \
	"READY=1 with the first STATUS= before any state is loaded"
is "$(grep -c 'READY=1' "$T/a.msgs")" "1" "READY=1 is sent once"
is "$(status storm.mesos SOA)" "SERVFAIL" "after READY=1 the domain is answered, SERVFAIL until a state loads"

# WATCHDOG_USEC of 0.4 s: a ping every 0.2 s.
sleep 1.5
n=$(grep -c ' WATCHDOG=1$' "$T/a.msgs")
ok $([ "$n" -ge 5 ] && [ "$n" -le 10 ]; echo $?) "WATCHDOG=1 every 0.2 s for WATCHDOG_USEC=400000 ($n in about 1.5 s)"
like "$(cat "$T/a.log")" "notify: systemd watchdog: a ping every 200 ms" "the watchdog period is logged"

# Then the master has a state: STATUS= says it is served and from whom.
sample_state "127.0.0.1:$MASTER_PORT" "$T/state.json"
set_state "$MASTER_DIR" "$T/state.json"
wait_for 10 grep -q 'STATUS=serving' "$T/a.msgs"
like "$(grep 'STATUS=serving' "$T/a.msgs" | head -1)" "^[0-9]+ STATUS=serving mesos\. from the master 127\.0\.0\.1:$MASTER_PORT$" \
	"STATUS= names the master once its state is served"
sleep 2.5	# the status is asked every second
is "$(grep -c 'STATUS=serving' "$T/a.msgs")" "1" "an unchanged STATUS= is not sent again"

kill -TERM "$PID"
wait "$PID"
is "$?" "0" "SIGTERM: exit 0"
wait_for 5 grep -q 'STOPPING=1' "$T/a.msgs"
like "$(tail -1 "$T/a.msgs")" '^[0-9]+ STOPPING=1$' "SIGTERM: STOPPING=1 is the last message"

# WATCHDOG_PID naming another process: the watchdog is not ours, no pings.
notify_listen b
run_notified b "$T/c.json" WATCHDOG_USEC=400000 WATCHDOG_PID=1
wait_for 10 grep -q 'READY=1' "$T/b.msgs"
sleep 1
is "$(grep -c 'WATCHDOG=1' "$T/b.msgs")" "0" "no WATCHDOG=1 when WATCHDOG_PID is another process"
kill -TERM "$PID"; wait "$PID"

# No NOTIFY_SOCKET: nothing to tell, taskdns serves as ever (the other tests).
done_testing
