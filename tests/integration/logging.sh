#!/bin/bash
# logging.sh -- -log=stderr|syslog and -loglevel: where lines go, which
# levels pass, the syslog facility and priorities.
. "$(dirname "$0")/lib.sh"
need python3

"$TASKDNS" -log=journal --help >/dev/null 2>"$T/e"
is "$?" "2" "-log with another value exits 2"
like "$(cat "$T/e")" "-log needs stderr or syslog" "-log says what it takes"
"$TASKDNS" -loglevel=verbose --help >/dev/null 2>"$T/e"
is "$?" "2" "-loglevel with another value exits 2"
like "$(cat "$T/e")" "-loglevel needs error, warn, info or debug" "-loglevel says what it takes"

# The sample cluster from a file, with one unknown key (a warning line);
# --dump-zone loads it once and logs the refresh (an info line).
cat >"$T/c.json" <<JSON
{"masters": [], "stateFile": "$top_srcdir/contrib/sample/state.json",
 "httpon": false, "someFutureKey": 1}
JSON
dump() { "$TASKDNS" -config="$T/c.json" --dump-zone "$@" 2>"$T/err" >"$T/zone"; }

dump; ok $? "--dump-zone with the default level"
like "$(cat "$T/err")" " taskdns\[[0-9]+\]: info: refresh: " "default: info lines on stderr"
like "$(cat "$T/err")" " warning: config: .*someFutureKey" "default: warning lines on stderr"
is "$(grep -c ': debug: ' "$T/err")" "0" "default: no debug lines"

dump -loglevel=warn; ok $? "-loglevel=warn"
is "$(grep -c ': info: ' "$T/err")" "0" "-loglevel=warn: no info lines"
like "$(cat "$T/err")" " warning: config: .*someFutureKey" "-loglevel=warn: warnings stay"

dump -loglevel=error
is "$(cat "$T/err")" "" "-loglevel=error: nothing below error"
dump -v=1 -loglevel=error
is "$(cat "$T/err")" "" "-v=1 then -loglevel=error: the last flag wins"
dump -loglevel=error -v=0
like "$(cat "$T/err")" ": info: refresh: " "-loglevel=error then -v=0: info lines again"

# Debug lines: a server reloading the file every second logs each
# unchanged reload at debug, and nothing at debug without -loglevel=debug.
port=$(free_port)
cat >"$T/s.json" <<JSON
{"masters": [], "stateFile": "$top_srcdir/contrib/sample/state.json", "httpon": false,
 "refreshSeconds": 1, "port": $port, "listener": "127.0.0.1"}
JSON
"$TASKDNS" -config="$T/s.json" -loglevel debug >"$T/s.log" 2>&1 &
pid=$!
PIDS+=($pid)
wait_for 10 grep -q '(unchanged)' "$T/s.log"
like "$(cat "$T/s.log")" ": debug: refresh: .*\(unchanged\)" "-loglevel debug (two words): debug lines"
kill "$pid"; wait "$pid" 2>/dev/null
"$TASKDNS" -config="$T/s.json" -loglevel=info >"$T/s.log" 2>&1 &
pid=$!
PIDS+=($pid)
sleep 2.5
kill "$pid"; wait "$pid" 2>/dev/null
like "$(cat "$T/s.log")" ": info: main: .* serving mesos" "-loglevel=info: the server ran"
is "$(grep -c ': debug: ' "$T/s.log")" "0" "-loglevel=info: no debug lines"
is "$(cat "$T/zone" | grep -c 'IN.*SOA')" "1" "the zone still goes to stdout"

# syslog: /dev/log is a datagram socket this test opens, bound over
# /dev/log in a mount namespace of taskdns's own (a tmpfs /dev holding
# null, zero, random, urandom and the socket), so no system logger is
# involved and nothing outside the namespace changes.
if ! unshare -m true 2>/dev/null; then
	skip "-log=syslog" "no mount namespaces here (needs root)"
	done_testing
	exit 0
fi
mkdir -p "$T/olddev"
python3 - "$T/log" "$T/syslog.out" >"$T/syslogd.ready" 2>&1 <<'PY' &
import socket, sys, os
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("ready", flush=True)
s.settimeout(10)
with open(sys.argv[2], "wb") as out:
    try:
        while True:
            d = s.recv(65536)
            out.write(d.replace(b"\n", b"\\n") + b"\n")
            out.flush()
    except socket.timeout:
        pass
PY
PIDS+=($!)
wait_for 10 grep -q ready "$T/syslogd.ready" || bail "the fake /dev/log did not start"
unshare -m sh -c '
	mount --make-rprivate / && mount --rbind /dev "$1/olddev" &&
	mount -t tmpfs none /dev || exit 99
	for d in null zero random urandom; do
		touch /dev/$d && mount --bind "$1/olddev/$d" /dev/$d || exit 99
	done
	touch /dev/log && mount --bind "$1/log" /dev/log || exit 99
	shift
	exec "$@"' sh "$T" "$TASKDNS" -config="$T/c.json" --dump-zone -log=syslog \
	>"$T/zone" 2>"$T/err"
rc=$?
if [ "$rc" -eq 99 ]; then
	skip "-log=syslog" "cannot mount in a namespace here"
	done_testing
	exit 0
fi
ok $rc "--dump-zone -log=syslog exits 0"
is "$(cat "$T/err")" "" "-log=syslog: nothing on stderr"
wait_for 5 grep -q 'refresh: ' "$T/syslog.out"
# <PRI> is facility * 8 + severity: daemon is 3, warning 4, info 6.
like "$(grep 'refresh: ' "$T/syslog.out")" '^<30>.* taskdns\[[0-9]+\]: refresh: .*state.json' \
	"an info line goes to syslog as daemon.info with the pid"
like "$(grep 'someFutureKey' "$T/syslog.out")" '^<28>.* taskdns\[[0-9]+\]: config: ' \
	"a warning goes to syslog as daemon.warning"
is "$(grep -cE ' (info|warning): ' "$T/syslog.out")" "0" "syslog lines carry no level word (the priority says it)"
is "$(grep -c 'IN.*SOA' "$T/zone")" "1" "-log=syslog: the zone still goes to stdout"
done_testing
