#!/bin/bash
# resync.sh -- a poll (the resync beside the event stream) whose state is
# older than stream events received during its fetch does not undo them:
# the fake master's "slow" mode sends /master/state as it was when asked,
# 2 s later, while tasks are launched and killed through the stream; a
# task launched must never vanish, one killed never come back.
. "$(dirname "$0")/lib.sh"
need python3 dig curl

start_master leader --heartbeat 1 --seed 5
L=127.0.0.1:$MASTER_PORT LDIR=$MASTER_DIR
sample_state "$L" "$T/s0.json"
set_state "$LDIR" "$T/s0.json"
start_taskdns "{\"masters\": [\"$L\"], \"refreshSeconds\": 1, \"resolvers\": [],
	\"externalon\": false}" || bail "taskdns did not start"
wait_for 10 grep -q "event stream subscribed" "$TASKDNS_LOG"
ok $? "taskdns follows the event stream"
echo slow >"$LDIR/mode"

fake() { # fake OP JSON: the fake master's control endpoint
	curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
		--data "$2" "http://$L/_fake/$1"
}
FW=8d9f7b3e-5a1c-4e3b-9f6a-0c1d2e3f4a5b-0000
AG=8d9f7b3e-5a1c-4e3b-9f6a-0c1d2e3f4a5b-S1

# watch NAME WANT SECONDS: ask every 50 ms for SECONDS; print how many
# answers were not WANT (NOERROR or NXDOMAIN).
watch() {
	local bad=0 end=$(( $(now_ms) + $3 * 1000 )) st
	while [ "$(now_ms)" -lt "$end" ]; do
		st=$(status "$1" A)
		[ "$st" = "$2" ] || bad=$((bad + 1))
		sleep 0.05
	done
	echo "$bad"
}

# Polls now take 2 s and start every second: one is always in flight.
wait_for 10 sh -c "[ \$(cat '$LDIR/requests' 2>/dev/null || echo 0) -ge 3 ]"
is "$(fake launch "{\"framework_id\": \"$FW\", \"agent_id\": \"$AG\", \"task_id\": \"late.1\", \"name\": \"late\"}")" 200 \
	"a task launched while a poll is in flight"
wait_for 3 sh -c "dig @127.0.0.1 -p $DNS_PORT +short late.marathon.mesos | grep -q ."
ok $? "... is served from the stream at once"
requests=$(cat "$LDIR/requests")
is "$(watch late.marathon.mesos NOERROR 6)" 0 "... and stays served for 6 s, over the polls older than it"
ok $([ "$(cat "$LDIR/requests")" -ge $((requests + 2)) ]; echo $?) "... while polls went on ($(( $(cat "$LDIR/requests") - requests )) more)"
is "$(fake kill "{\"framework_id\": \"$FW\", \"task_id\": \"late.1\"}")" 200 "the task killed"
wait_for 3 sh -c "dig @127.0.0.1 -p $DNS_PORT late.marathon.mesos | grep -q NXDOMAIN"
ok $? "... is gone at once"
is "$(watch late.marathon.mesos NXDOMAIN 6)" 0 "... and does not come back from the older polls"
ok $(still_running; echo $?) "taskdns is still running"
done_testing
