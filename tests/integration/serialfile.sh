#!/bin/bash
# serialfile.sh -- serialFile: SOA serials that never go back across a
# restart (RFC 1982, RFC 1996), with the real binary, dig and the fake
# master's event stream: changes faster than one a second run the serial
# ahead of the clock; a restart serves greater serials; the file's content;
# a corrupt or oversized file (logged, the server still serves); a missing
# directory (refused by --check-config and at start); a whole zone of a
# zone file keeps its own serial.
. "$(dirname "$0")/lib.sh"
need dig python3 curl

start_master m --heartbeat 1
L=127.0.0.1:$MASTER_PORT
sample_state "$L" "$T/s0.json"
set_state "$MASTER_DIR" "$T/s0.json"

FW=8d9f7b3e-5a1c-4e3b-9f6a-0c1d2e3f4a5b-0000
AG=8d9f7b3e-5a1c-4e3b-9f6a-0c1d2e3f4a5b-S1
fake() { # fake OP JSON: the fake master's control endpoint
	curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
		--data "$2" "http://$L/_fake/$1"
}
# serial ZONE: the SOA serial taskdns serves for ZONE ("" if none).
serial() {
	dig @127.0.0.1 -p "$DNS_PORT" +time=2 +tries=1 +short "$1" SOA | awk '{ print $3 }'
}
# saved ZONE: the serial serialFile holds for ZONE ("" if none).
saved() { awk -v z="$1." '$1 == z { print $2 }' "$SF" 2>/dev/null; }
# covers ZONE: whether serialFile's serial for ZONE is at least the one
# served and at most SERIAL_FILE_MARGIN (1000) above it: the file holds a
# reservation, written again only once the serials pass it.
covers() {
	local f s
	f=$(saved "$1") s=$(serial "$1")
	[ -n "$f" ] && [ -n "$s" ] && [ "$f" -ge "$s" ] && [ $((f - s)) -le 1000 ] && return 0
	echo "# $1: file $f, served $s" >&2
	return 1
}
# gt A B: whether serial A is greater than serial B (RFC 1982 3.2, 32 bits).
gt() {
	[ -n "$1" ] && [ -n "$2" ] || return 1
	local d=$(( ($1 - $2) & 0xffffffff ))
	[ "$d" -gt 0 ] && [ "$d" -lt 2147483648 ]
}

mkdir -p "$T/sf"
SF="$T/sf/serials"
CONF="{\"masters\": [\"$L\"], \"reverseOn\": true, \"externalon\": false,
	\"serialFile\": \"$SF\"}"
start_taskdns "$CONF" || bail "taskdns did not start"
wait_for 10 sh -c "dig @127.0.0.1 -p $DNS_PORT +short web.marathon.mesos | grep -q ."
ok $? "the sample cluster is served"
grep -q "serialFile $SF: no file yet" "$TASKDNS_LOG"
ok $? "a first start without the file is logged as such"
wait_for 5 sh -c "grep -q '^mesos\\. ' '$SF'"
covers mesos
ok $? "serialFile holds a serial at most 1000 above the one served for mesos."
covers 1.0.10.in-addr.arpa
ok $? "... and for a reverse zone, 1.0.10.in-addr.arpa."
is "$(head -n 1 "$SF" | cut -c1-1)" "#" "... after a comment line"
is "$(grep -cv '^#' "$SF")" "4" "... one line per generated zone: mesos. and the 3 reverse zones"
is "$(ls -A "$T/sf" | wc -l)" "1" "... and no temporary file is left beside it"

# Changes faster than one a second: the serial runs ahead of the clock;
# the file is written only when the serial passes its reservation.
WRITTEN=$(saved mesos)
i=0
ahead=0
while [ $i -lt 80 ]; do
	i=$((i + 1))
	code=$(fake launch "{\"framework_id\": \"$FW\", \"agent_id\": \"$AG\", \"task_id\": \"sf.$i\", \"name\": \"Sf$i\", \"ip\": \"10.0.77.$i\"}")
	[ "$code" = 200 ] || { diag "launch $i: HTTP $code"; break; }
	sleep 0.15
	s=$(serial mesos)
	if [ -n "$s" ] && [ "$s" -gt $(( $(date +%s) + 10 )) ]; then
		ahead=1
		break
	fi
done
wait_for 10 sh -c "dig @127.0.0.1 -p $DNS_PORT +short -x 10.0.77.$i | grep -q ."
ok $? "$i tasks launched, one every 0.15 s; the last one's PTR is served"
BEFORE=$(serial mesos)
REV_BEFORE=$(serial 77.0.10.in-addr.arpa)
NOW=$(date +%s)
ok $(( !(ahead == 1 && BEFORE > NOW) )) "the serial ($BEFORE) ran ahead of the clock ($NOW)"
[ "$ahead" = 1 ] || diag "serial $BEFORE, clock $NOW after $i launches"
is "$(saved mesos)" "$WRITTEN" "the file's serial for mesos. did not move for $i changes within its margin"
covers mesos
ok $? "serialFile covers the last serial served (mesos.)"
covers 77.0.10.in-addr.arpa
ok $? "... and the derived zone's (77.0.10.in-addr.arpa.)"

# A restart: every zone starts above its last serial, though the clock is behind.
stop_pid "$TASKDNS_PID"
start_taskdns "$CONF" || bail "taskdns did not start again"
FIRST=$(serial mesos)
gt "$FIRST" "$BEFORE"
ok $? "after a restart, the first serial served ($FIRST) is greater than the last before ($BEFORE)"
grep -q "serialFile $SF: 5 zones; each starts above its saved serial" "$TASKDNS_LOG"
ok $? "the saved serials are logged as read (5 zones)"
wait_for 10 sh -c "dig @127.0.0.1 -p $DNS_PORT +short -x 10.0.77.$i | grep -q ."
ok $? "the tasks are served again"
AFTER=$(serial mesos)
gt "$AFTER" "$BEFORE"
ok $? "... with a serial ($AFTER) still greater than $BEFORE"
REV_AFTER=$(serial 77.0.10.in-addr.arpa)
gt "$REV_AFTER" "$REV_BEFORE"
ok $? "the derived reverse zone's serial ($REV_AFTER) is greater than its last ($REV_BEFORE)"
gt "$(saved mesos)" "$WRITTEN"
ok $? "serialFile is rewritten above the new serial ($(saved mesos), was $WRITTEN)"
covers mesos
ok $? "... covering it"

# The control: without serialFile the same restart sends the serial back
# (it is ahead of the clock), which is what the file prevents.
stop_pid "$TASKDNS_PID"
LAST=$(saved mesos)
start_taskdns "{\"masters\": [\"$L\"], \"externalon\": false}" || bail "taskdns did not start"
wait_for 10 sh -c "dig @127.0.0.1 -p $DNS_PORT +short sf1.marathon.mesos | grep -q ."
NOFILE=$(serial mesos)
gt "$LAST" "$NOFILE"
ok $? "control: without serialFile the serial goes back ($LAST, then $NOFILE)"
stop_pid "$TASKDNS_PID"

# A corrupt file: a clear error, the server serves, the file is rewritten.
printf 'mesos. 12\nthis is not a serial file\n' >"$SF"
start_taskdns "$CONF" || bail "taskdns did not start with a corrupt serialFile"
like "$(grep 'serialFile' "$TASKDNS_LOG")" \
	"error: refresh: serialFile $SF:2: \"this\" is not a fully qualified zone name; starting without the saved serials" \
	"a corrupt serialFile: the line and what is wrong are logged"
is "$(status web.marathon.mesos)" "NOERROR" "... and the server serves"
wait_for 10 sh -c "grep -q '^mesos\\. ' '$SF' && ! grep -q 'this is not' '$SF'"
ok $? "... and rewrites the file"
covers mesos
ok $? "... covering the serial served"
stop_pid "$TASKDNS_PID"

# An oversized file: refused whole, logged, the server serves.
{
	echo "mesos. 5"
	for n in $(seq 2000); do
		echo "# padding padding padding padding padding padding padding $n"
	done
} >"$SF"
start_taskdns "$CONF" || bail "taskdns did not start with an oversized serialFile"
like "$(grep 'serialFile' "$TASKDNS_LOG")" "error: refresh: serialFile $SF: over (65536 octets|1024 lines);" \
	"an oversized serialFile: logged as such"
is "$(status web.marathon.mesos)" "NOERROR" "... and the server serves"
stop_pid "$TASKDNS_PID"

# A missing directory: refused before anything is served.
cat >"$T/nodir.json" <<JSON
{"masters": ["$L"], "listener": "127.0.0.1", "port": $(free_port), "httpon": false,
 "serialFile": "$T/no-such-dir/serials"}
JSON
out=$("$TASKDNS" -config="$T/nodir.json" --check-config 2>&1 >/dev/null)
is "$?" "2" "--check-config with serialFile in a missing directory exits 2"
is "$out" "taskdns: $T/nodir.json: key \"serialFile\": directory $T/no-such-dir of \"$T/no-such-dir/serials\": No such file or directory" \
	"... naming the key and the directory"
timeout 10 "$TASKDNS" -config="$T/nodir.json" >"$T/nodir.log" 2>&1
is "$?" "2" "starting with it exits 2 too"
grep -q 'key "serialFile": directory' "$T/nodir.log"
ok $? "... with the same line"
out=$("$TASKDNS" -config="$CONFIG" --check-config 2>/dev/null |
	python3 -c 'import json, sys; print(json.load(sys.stdin)["serialFile"])')
is "$out" "$SF" "--check-config prints serialFile"
printf '{"masters": ["%s"], "serialFile": "sf/serials"}' "$L" >"$T/rel.json"
out=$("$TASKDNS" -config="$T/rel.json" --check-config 2>/dev/null |
	python3 -c 'import json, sys; print(json.load(sys.stdin)["serialFile"])')
is "$out" "$T/sf/serials" "a relative serialFile is relative to the configuration file"

# A whole zone of a zone file keeps its file's serial and is not saved.
cat >"$T/corp.zone" <<'ZONE'
$ORIGIN corp.test.
@	300	IN	SOA	ns.corp.test. hostmaster.corp.test. 42 3600 600 86400 60
@	300	IN	NS	ns.corp.test.
ns	300	IN	A	192.0.2.1
ZONE
start_taskdns "{\"masters\": [\"$L\"], \"externalon\": false, \"serialFile\": \"$SF\",
	\"zoneFiles\": [\"$T/corp.zone\"]}" || bail "taskdns did not start with a zone file"
is "$(serial corp.test)" "42" "a zone file's zone: its own serial"
wait_for 5 sh -c "grep -q '^mesos\\. ' '$SF'"
is "$(saved corp.test)" "" "... which serialFile does not hold"

done_testing
