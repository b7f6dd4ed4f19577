#!/bin/bash
# stream.sh -- src/stream.c (SUBSCRIBE, RecordIO, reconnects) against the
# fake master, through tests/streamcat: events of a changing cluster, the
# heartbeat watchdog, drops, 503, no API, a follower's 307, kick, stop.
. "$(dirname "$0")/lib.sh"
need python3

STREAMCAT=${STREAMCAT:-$top_builddir/tests/streamcat}
[ -x "$STREAMCAT" ] || bail "$STREAMCAT not built (make check builds it)"

# cat_start NAME ARGS...: streamcat in the background; output in $T/NAME
# (standard output) and $T/NAME.log (its log lines); sets CAT_PID.
cat_start() {
	local name=$1
	shift
	"$STREAMCAT" "$@" >"$T/$name" 2>"$T/$name.log" &
	CAT_PID=$!
	PIDS+=($CAT_PID)
}

# seen NAME REGEX [N]: at least N (1) lines of $T/NAME match REGEX.
seen() {
	[ "$(grep -cE -- "$2" "$T/$1")" -ge "${3:-1}" ]
}

subscribes() { cat "$1/subscribes" 2>/dev/null || echo 0; }

start_master leader --heartbeat 1 --seed 3
LEADER_DIR=$MASTER_DIR L=127.0.0.1:$MASTER_PORT
sample_state "$L" "$T/s0.json"
set_state "$LEADER_DIR" "$T/s0.json"
# s1: one more task (TASK_ADDED); s2: it runs (TASK_UPDATED).
python3 - "$T" <<'PY'
import json, sys
d = sys.argv[1]
st = json.load(open(d + "/s0.json"))
fw = st["frameworks"][0]
t = {"id": "fresh.1", "name": "fresh", "framework_id": fw["id"], "executor_id": "",
     "slave_id": st["slaves"][0]["id"], "state": "TASK_STAGING",
     "resources": {"cpus": 0.1, "ports": "[31500-31500]"}, "statuses": [], "labels": []}
fw["tasks"].append(t)
json.dump(st, open(d + "/s1.json", "w"))
t["state"] = "TASK_RUNNING"
t["statuses"] = [{"state": "TASK_RUNNING", "timestamp": 1700000101.0}]
json.dump(st, open(d + "/s2.json", "w"))
PY

# A subscription, then events as the cluster changes.
cat_start ok --seconds 30 "http://$L"
OK_PID=$CAT_PID
wait_for 5 seen ok '^status CONNECTED'
ok $? "SUBSCRIBE: connected"
is "$(head -n 2 "$T/ok")" "$(printf 'event SUBSCRIBED\nstatus CONNECTED')" \
	"SUBSCRIBED is the first event, then the status"
wait_for 3 seen ok '^event HEARTBEAT' 2
ok $? "heartbeats arrive as events"
set_state "$LEADER_DIR" "$T/s1.json"
wait_for 5 seen ok '^event TASK_ADDED'
ok $? "a task launched: TASK_ADDED"
set_state "$LEADER_DIR" "$T/s2.json"
wait_for 5 seen ok '^event TASK_UPDATED'
ok $? "it runs: TASK_UPDATED"
like "$(cat "$T/ok.log")" "info: stream: POST http://$L/api/v1: subscribed \(a heartbeat every 1 s\)" \
	"the subscription is logged with its heartbeat"
is "$(grep -c '^status' "$T/ok")" 1 "no status change on a healthy stream"

# Stop is prompt, even in the middle of a stream.
t0=$(now_ms)
kill "$OK_PID"
wait "$OK_PID"
t=$(( $(now_ms) - t0 ))
ok $([ $t -lt 1000 ]; echo $?) "stream_stop during a live stream returns at once ($t ms)"
is "$(tail -n 1 "$T/ok")" "stopped" "... and cleanly"

# The heartbeat watchdog: silence for max(3 H, H + 5) = 6 s with H = 1.
echo silent >"$LEADER_DIR/api-mode"
cat_start silent --seconds 30 --backoff 100 200 "http://$L"
SILENT_PID=$CAT_PID
wait_for 5 seen silent '^status CONNECTED'
t0=$(now_ms)
wait_for 12 seen silent '^status LOST'
ok $? "api-mode silent: the watchdog drops the subscription"
t=$(( $(now_ms) - t0 ))
ok $([ $t -ge 5000 ] && [ $t -le 8000 ]; echo $?) "... after about 6 s of silence ($t ms)"
like "$(grep '^status LOST' "$T/silent")" "no heartbeat: silent for 6\.[0-9] s \(heartbeats every 1 s\)" \
	"... saying why"
like "$(cat "$T/silent.log")" "warning: stream: POST http://$L/api/v1: no heartbeat: silent for 6\.[0-9] s" \
	"... in one log line"
rm -f "$LEADER_DIR/api-mode"
wait_for 5 seen silent '^status CONNECTED' 2
ok $? "... and reconnects"
stop_pid "$SILENT_PID"

# No heartbeat interval (masters before 1.5): noHeartbeatSeconds, or none.
start_master oldmaster --heartbeat 0
OLD_DIR=$MASTER_DIR OLD=127.0.0.1:$MASTER_PORT
set_state "$OLD_DIR" "$T/s0.json"
echo silent >"$OLD_DIR/api-mode"
cat_start nohb --seconds 30 --no-heartbeat 2 "http://$OLD"
wait_for 5 seen nohb '^status CONNECTED' && wait_for 5 seen nohb '^status LOST'
ok $? "no heartbeat interval, --no-heartbeat 2: dropped after 2 s of silence"
like "$(grep '^status LOST' "$T/nohb" | head -n 1)" "silent for 2\.[0-9] s \(noHeartbeatSeconds 2\)" \
	"... saying why"
stop_pid "$CAT_PID"
cat_start nohb0 --seconds 4 "http://$OLD"
wait "$CAT_PID"
is "$(cat "$T/nohb0")" "$(printf 'event SUBSCRIBED\nstatus CONNECTED\nstopped')" \
	"no heartbeat interval, no --no-heartbeat: silence is kept"

# A stream cut in the middle of a record: LOST, then a new subscription.
echo drop >"$LEADER_DIR/api-mode"
n=$(subscribes "$LEADER_DIR")
cat_start drop --seconds 30 --backoff 200 400 "http://$L"
wait_for 5 seen drop '^status LOST' && wait_for 5 seen drop '^status CONNECTED' 2
ok $? "api-mode drop: LOST, then connected again"
like "$(grep -m1 '^status LOST' "$T/drop")" "^status LOST (the master ended the stream in the middle of a record|stream broken: .*)" \
	"... saying the record was cut ($(grep -m1 '^status LOST' "$T/drop"))"
ok $([ $(( $(subscribes "$LEADER_DIR") - n )) -ge 2 ]; echo $?) "... by subscribing again"
stop_pid "$CAT_PID"
is "$(grep -c 'warning: stream: POST .*middle of a record\|warning: stream: POST .*stream broken' "$T/drop.log")" 1 \
	"the same loss again and again is logged once ($(grep -c '^status LOST' "$T/drop") losses)"

# 503 (a recovering master), then ok: connected.
echo 503 >"$LEADER_DIR/api-mode"
cat_start r503 --seconds 30 --backoff 50 100 "http://$L"
wait_for 5 seen r503 '^status LOST HTTP 503' 5
ok $? "503: LOST, retried"
like "$(grep -m1 '^status LOST' "$T/r503")" "^status LOST HTTP 503: Master has not finished recovery$" \
	"... with the master's reason"
rm -f "$LEADER_DIR/api-mode"
wait_for 5 seen r503 '^status CONNECTED'
ok $? "... then ok: connected"
stop_pid "$CAT_PID"
is "$(grep -c 'warning: stream: POST .*HTTP 503' "$T/r503.log")" 1 \
	"$(grep -c '^status LOST' "$T/r503") failures with 503, one log line"

# No operator API (404): NO_API, retried only after backoff_max_ms.
echo no-api >"$LEADER_DIR/api-mode"
n=$(subscribes "$LEADER_DIR")
cat_start noapi --seconds 2.5 --backoff 50 2000 "http://$L"
wait "$CAT_PID"
is "$(grep '^status' "$T/noapi" | sort -u)" "status NO_API HTTP 404" "no-api: status NO_API"
is "$(( $(subscribes "$LEADER_DIR") - n ))" 2 "... asked again only after backoff_max_ms (2 requests in 2.5 s)"
rm -f "$LEADER_DIR/api-mode"

# A follower answers 307 "//LEADER/api/v1": the POST follows to the leader.
start_master follower --follower-of "$L" --heartbeat 1
FOLLOWER_DIR=$MASTER_DIR F=127.0.0.1:$MASTER_PORT
n=$(subscribes "$LEADER_DIR")
cat_start follow --seconds 30 --events 3 "http://$F"
wait "$CAT_PID"
is "$(head -n 2 "$T/follow")" "$(printf 'event SUBSCRIBED\nstatus CONNECTED')" \
	"a follower's 307: subscribed at the leader"
is "$(subscribes "$FOLLOWER_DIR") $(( $(subscribes "$LEADER_DIR") - n ))" "1 1" \
	"... one request to each"

# Kick: the leader changed; reconnect at once, with no backoff.
echo "http://$L" >"$T/url"
cat_start kick --seconds 30 --backoff 5000 10000 --url-file "$T/url"
wait_for 5 seen kick '^status CONNECTED'
start_master other --heartbeat 1
OTHER_DIR=$MASTER_DIR
set_state "$OTHER_DIR" "$T/s0.json"
echo "http://127.0.0.1:$MASTER_PORT" >"$T/url"
t0=$(now_ms)
kill -USR1 "$CAT_PID"
wait_for 3 seen kick '^status CONNECTED' 2
ok $? "stream_kick: connected again"
t=$(( $(now_ms) - t0 ))
ok $([ $t -lt 1500 ]; echo $?) "... at once, not after the 5 s backoff ($t ms)"
is "$(subscribes "$OTHER_DIR")" 1 "... to the new leader"
is "$(grep '^status LOST' "$T/kick")" "status LOST reconnecting: the leader may have changed" \
	"... saying why"
stop_pid "$CAT_PID"

# No leader known: asked again every second, at once after a kick.
rm -f "$T/url"
cat_start noleader --seconds 30 --url-file "$T/url"
sleep 1.5
is "$(cat "$T/noleader")" "" "no leader known: nothing happens"
echo "http://$L" >"$T/url"
wait_for 3 seen noleader '^status CONNECTED'
ok $? "... a leader appears: connected"
stop_pid "$CAT_PID"

# A master that accepts and never answers: stop still returns at once.
echo hang >"$LEADER_DIR/api-mode"
cat_start hang --seconds 1 "http://$L"
t0=$(now_ms)
wait "$CAT_PID"
t=$(( $(now_ms) - t0 ))
ok $([ $t -lt 2000 ]; echo $?) "api-mode hang: stream_stop returns at once ($t ms)"
rm -f "$LEADER_DIR/api-mode"

# Connection refused: LOST with curl's reason, backoff, logged once.
cat_start refused --seconds 2 --backoff 50 100 "http://127.0.0.1:$(free_port)"
wait "$CAT_PID"
like "$(grep -m1 '^status LOST' "$T/refused")" "^status LOST Failed to connect" \
	"nothing listening: LOST with curl's reason"
is "$(grep -c 'warning: stream: POST' "$T/refused.log")" 1 \
	"... $(grep -c '^status LOST' "$T/refused") times, logged once"

# HTTP basic authentication.
start_master secure --auth "taskdns:s3cret" --heartbeat 1
SEC=127.0.0.1:$MASTER_PORT
set_state "$MASTER_DIR" "$T/s0.json"
cat_start noauth --seconds 1.5 --backoff 50 100 "http://$SEC"
wait "$CAT_PID"
is "$(grep '^status' "$T/noauth" | sort -u)" "status LOST HTTP 401" "--auth: 401 without credentials"
is "$(grep -c 'warning: stream: POST .*HTTP 401' "$T/noauth.log")" 1 "... logged once"
cat_start auth --seconds 10 --events 1 --auth taskdns:s3cret "http://$SEC"
wait "$CAT_PID"
is "$(head -n 1 "$T/auth")" "event SUBSCRIBED" "... subscribed with them"

done_testing
