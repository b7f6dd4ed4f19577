#!/bin/bash
# fake_stream.sh -- the fake master's operator API event stream (POST
# /api/v1 SUBSCRIBE), checked with a small client of its own before
# taskdns relies on it: framing, the snapshot against /master/state,
# heartbeats, the events of a changing cluster, redirects and failures.
. "$(dirname "$0")/lib.sh"
need python3

SC="python3 $top_srcdir/tests/integration/streamclient.py"

start_master leader --heartbeat 1 --seed 7
LEADER_PORT=$MASTER_PORT LEADER_DIR=$MASTER_DIR L=127.0.0.1:$MASTER_PORT
sample_state "$L" "$T/s0.json"
set_state "$LEADER_DIR" "$T/s0.json"
start_master follower --follower-of "$L" --heartbeat 1
FOLLOWER_PORT=$MASTER_PORT FOLLOWER_DIR=$MASTER_DIR

# The states a test walks the cluster through, each from the one before.
P=8d9f7b3e-5a1c-4e3b-9f6a-0c1d2e3f4a5b
python3 - "$T" <<'PY'
import copy, json, sys
d = sys.argv[1]
st = json.load(open(d + "/s0.json"))
P = "8d9f7b3e-5a1c-4e3b-9f6a-0c1d2e3f4a5b"
marathon = st["frameworks"][0]
def save(n):
    json.dump(st, open("%s/s%d.json" % (d, n), "w"))
def running(ip, ts):
    return {"state": "TASK_RUNNING", "timestamp": ts, "container_status":
            {"network_infos": [{"ip_addresses": [{"ip_address": ip}]}]}}
def task(tid, fid, agent, state, statuses, port):
    return {"id": tid, "name": tid.split(".")[0], "framework_id": fid, "executor_id": "",
            "slave_id": agent, "state": state, "resources": {"cpus": 0.1, "ports":
            "[%d-%d]" % (port, port)}, "statuses": statuses, "labels": [], "role": "*"}
# 1: a task is launched; 2: it starts and runs with an address; 3: it gets
# another address; 4: it is killed (it vanishes) and db finishes.
fresh = task("fresh.1", marathon["id"], P + "-S1", "TASK_STAGING", [], 31500)
marathon["tasks"].append(fresh); save(1)
fresh["state"] = "TASK_RUNNING"
fresh["statuses"] = [{"state": "TASK_STARTING", "timestamp": 1700000100.0},
                     running("10.9.0.1", 1700000101.0)]
save(2)
fresh["statuses"][1] = running("10.9.0.2", 1700000102.0); save(3)
marathon["tasks"].remove(fresh)
db = [t for t in marathon["tasks"] if t["name"] == "db"][0]
marathon["tasks"].remove(db)
db["state"] = "TASK_FINISHED"
db["statuses"].append({"state": "TASK_FINISHED", "timestamp": 1700000103.0})
marathon["completed_tasks"].append(db); save(4)
# 5: an agent and a framework join, the framework with a task on the new
# agent (found as the agent registers) and one launched on S1.
st["slaves"].append({"id": P + "-S9", "pid": "slave(1)@10.0.1.9:5051",
                     "hostname": "agent9.cluster.example", "registered_time": 1700000104.0,
                     "resources": {"cpus": 4.0, "ports": "[31000-32000]"},
                     "attributes": {"rack": "r9"}, "active": True, "version": "1.11.0"})
spark = copy.deepcopy(st["frameworks"][1])
spark.update({"id": P + "-0009", "name": "spark", "hostname": "spark.cluster.example",
              "tasks": [task("exec.1", P + "-0009", P + "-S9", "TASK_RUNNING",
                             [running("10.9.1.1", 1700000105.0)], 31600),
                        task("exec.2", P + "-0009", P + "-S1", "TASK_RUNNING",
                             [running("10.9.1.2", 1700000105.0)], 31601)]})
st["frameworks"].append(spark); save(5)
# 6: marathon fails over to another host; 7: the agent leaves (its task
# with it); 8: the framework is torn down (its task with it).
marathon["hostname"] = "master2.cluster.example"; save(6)
st["slaves"].pop()
spark["tasks"] = [t for t in spark["tasks"] if t["id"] != "exec.1"]; save(7)
st["frameworks"].pop(); save(8)
# 9: nimbus is on another agent (as masters.sh moves it): in Mesos, the task
# ended and one with the same id was launched there.
st["frameworks"][1]["tasks"][0]["slave_id"] = P + "-S3"; save(9)
PY

# Three subscribers before anything changes, each until SUBSCRIBED and
# the 20 events below.
$SC "$L" --no-heartbeats --records 21 --seconds 30 --stats >"$T/sub1" 2>&1 &
SUB1=$!
$SC "$L" --no-heartbeats --records 21 --seconds 30 --stats >"$T/sub2" 2>&1 &
SUB2=$!
$SC "$L" --no-heartbeats --records 21 --seconds 30 --final >"$T/sub3" 2>&1 &
SUB3=$!
PIDS+=($SUB1 $SUB2 $SUB3)
wait_for 5 grep -q SUBSCRIBED "$T/sub1" && wait_for 5 grep -q SUBSCRIBED "$T/sub2" &&
	wait_for 5 sh -c "[ \$(cat '$LEADER_DIR/subscribes') -ge 3 ]"
ok $? "three subscribers are subscribed"

# The snapshot is the cluster of /master/state, field by field.
$SC "$L" --records 1 --summary >"$T/snap"
$SC "$L" --v0 >"$T/v0"
is "$(sed -n 2p "$T/snap")" "SUBSCRIBED agents=3 frameworks=3 tasks=12 completed=0 heartbeat=1.0" \
	"SUBSCRIBED first, with heartbeat_interval_seconds"
is "$(tail -n +3 "$T/snap")" "$(cat "$T/v0")" \
	"get_state has the agents, frameworks and tasks of /master/state (ids, ports, addresses, discovery, labels)"
like "$(cat "$T/v0")" "ips=192.168.255.5,fd01:b::2:8000:2 .*" "... addresses among them"
like "$(cat "$T/v0")" "disc=http:80/tcp,https:443/tcp" "... and DiscoveryInfo ports"
$SC "$L" --type GET_STATE --summary >"$T/getstate"
is "$(tail -n +3 "$T/getstate")" "$(cat "$T/v0")" "GET_STATE answers the same cluster"

# Heartbeats: one at once (as masters since 1.6), then every interval.
$SC "$L" --seconds 3.5 --times >"$T/hb"
hb=$(awk '$2 == "HEARTBEAT" {print $1}' "$T/hb" | paste -sd' ')
ok $(awk '$2 == "HEARTBEAT" {t[n++] = $1} END {
	if (n != 4 || t[0] > 300) exit 1
	for (i = 1; i < n; i++) if (t[i] - t[i-1] < 800 || t[i] - t[i-1] > 1200) exit 1
}' "$T/hb"; echo $?) "a heartbeat at once, then one a second (at $hb ms)"

# The cluster changes: each step's events, in order.
expect() { # expect STEP LINES...: apply state STEP, wait for the events
	local step=$1 n
	shift
	n=$(($(grep -vc '^HTTP\|^SUBSCRIBED\|^split' "$T/sub1") + $#))
	set_state "$LEADER_DIR" "$T/s$step.json"
	wait_for 5 sh -c "[ \$(grep -vc '^HTTP\|^SUBSCRIBED\|^split' '$T/sub1') -ge $n ]"
	sleep 0.2 # and nothing more
	is "$(grep -v '^HTTP\|^SUBSCRIBED\|^split' "$T/sub1" | tail -n "$#")" "$(printf '%s\n' "$@")" \
		"state $step: $(printf '%s\n' "$@" | awk '{print $1}' | sort -u | paste -sd' ')"
}
expect 1 "TASK_ADDED fresh.1 TASK_STAGING agent=$P-S1 statuses=0"
expect 2 "TASK_UPDATED fresh.1 TASK_STARTING status=TASK_STARTING source=SOURCE_EXECUTOR" \
	"TASK_UPDATED fresh.1 TASK_RUNNING status=TASK_RUNNING source=SOURCE_EXECUTOR ip=10.9.0.1"
expect 3 "TASK_UPDATED fresh.1 TASK_RUNNING status=TASK_RUNNING source=SOURCE_EXECUTOR ip=10.9.0.2"
expect 4 "TASK_UPDATED db.9c8d7e6f-0001 TASK_FINISHED status=TASK_FINISHED source=SOURCE_EXECUTOR" \
	"TASK_UPDATED fresh.1 TASK_KILLED status=TASK_KILLED source=SOURCE_EXECUTOR"
expect 5 "AGENT_ADDED $P-S9 agent9.cluster.example slave(1)@10.0.1.9:5051" \
	"FRAMEWORK_ADDED $P-0009 spark spark.cluster.example" \
	"TASK_ADDED exec.1 TASK_RUNNING agent=$P-S9 statuses=1" \
	"TASK_ADDED exec.2 TASK_STAGING agent=$P-S1 statuses=0" \
	"TASK_UPDATED exec.2 TASK_RUNNING status=TASK_RUNNING source=SOURCE_EXECUTOR ip=10.9.1.2"
expect 6 "FRAMEWORK_UPDATED $P-0000 marathon master2.cluster.example"
expect 7 "TASK_UPDATED exec.1 TASK_LOST status=TASK_LOST source=SOURCE_MASTER reason=REASON_AGENT_REMOVED" \
	"AGENT_REMOVED $P-S9"
expect 8 "TASK_UPDATED exec.2 TASK_KILLED status=TASK_KILLED source=SOURCE_MASTER reason=REASON_FRAMEWORK_REMOVED" \
	"FRAMEWORK_REMOVED $P-0009 spark"
expect 9 "TASK_UPDATED nimbus-1700000000 TASK_KILLED status=TASK_KILLED source=SOURCE_EXECUTOR" \
	"TASK_ADDED nimbus-1700000000 TASK_STAGING agent=$P-S3 statuses=0" \
	"TASK_UPDATED nimbus-1700000000 TASK_STARTING status=TASK_STARTING source=SOURCE_EXECUTOR" \
	"TASK_UPDATED nimbus-1700000000 TASK_RUNNING status=TASK_RUNNING source=SOURCE_EXECUTOR"
wait $SUB1 $SUB2 $SUB3
is "$(grep -v '^split' "$T/sub2")" "$(grep -v '^split' "$T/sub1")" "two subscribers get the same events"
is "$(tail -n +2 "$T/sub3")" "$($SC "$L" --v0 --live)" \
	"SUBSCRIBED and the events give what runs in the changed /master/state"
split=$(sed -n 's/^split //p' "$T/sub1")
ok $([ "${split:-0}" -gt 0 ]; echo $?) "records split across chunks: $split of them came in pieces"
$SC "$L" --records 1 --summary >"$T/snap9"
$SC "$L" --v0 >"$T/v09"
is "$(tail -n +3 "$T/snap9")" "$(cat "$T/v09")" "a new subscriber's snapshot is the changed /master/state"
wait_for 3 grep -q "subscriber [0-9]* dropped" "$T/master-leader.log"
ok $? "a subscriber that left is dropped"
ok $(kill -0 "$MASTER_PID_leader" 2>/dev/null; echo $?) "the master outlives its subscribers"

# Redirects, as from a master that is not the leader.
is "$($SC "127.0.0.1:$FOLLOWER_PORT")" "HTTP 307 //$L/api/v1" "a follower answers 307 to the leader"
is "$($SC "127.0.0.1:$FOLLOWER_PORT" --follow --records 1)" \
	"$(printf 'HTTP 307 //%s/api/v1\nHTTP 200\nSUBSCRIBED agents=3 frameworks=3 tasks=11 completed=1 heartbeat=1.0' "$L")" \
	"... and the leader's stream follows"
echo 307 >"$LEADER_DIR/api-mode"
is "$($SC "$L")" "HTTP 307 //$L/api/v1" "api-mode 307: a redirect to itself"
echo 503 >"$LEADER_DIR/api-mode"
is "$($SC "$L")" "HTTP 503 Master has not finished recovery" "api-mode 503: a master recovering"
echo 503 >"$FOLLOWER_DIR/api-mode"
is "$($SC "127.0.0.1:$FOLLOWER_PORT")" "HTTP 503 No leader elected" "api-mode 503 on a follower: no leader"
echo no-api >"$LEADER_DIR/api-mode"
is "$($SC "$L")" "HTTP 404" "no-api: 404, as a master without the v1 API"

# Streams that break.
echo drop >"$LEADER_DIR/api-mode"
is "$($SC "$L")" "$(printf 'HTTP 200\nSUBSCRIBED agents=3 frameworks=3 tasks=11 completed=1 heartbeat=1.0\nTRUNCATED 8/20\nEOF abrupt')" \
	"drop: SUBSCRIBED, half a record, then the connection closes"
echo silent >"$LEADER_DIR/api-mode"
t0=$(now_ms)
is "$($SC "$L" --timeout 3)" "$(printf 'HTTP 200\nSUBSCRIBED agents=3 frameworks=3 tasks=11 completed=1 heartbeat=1.0\nTIMEOUT')" \
	"silent: SUBSCRIBED, then no heartbeat within 3 intervals ($(( $(now_ms) - t0 )) ms)"
echo hang >"$LEADER_DIR/api-mode"
is "$($SC "$L" --timeout 1)" "TIMEOUT" "hang: no answer at all"
rm -f "$LEADER_DIR/api-mode"
n=$(cat "$LEADER_DIR/subscribes")
$SC "$L" --records 1 >/dev/null
is "$(cat "$LEADER_DIR/subscribes")" "$((n + 1))" "each request to /api/v1 is counted in DIR/subscribes ($n before)"

# Requests Mesos refuses, in Master::Http::api's order.
is "$($SC "$L" --method GET)" "HTTP 405 Expecting one of { 'POST' }, but received 'GET'" "GET: 405"
like "$($SC "$L" --content-type none)" "^HTTP 400 Expecting 'Content-Type' to be present" "no Content-Type: 400"
like "$($SC "$L" --content-type 'application/json; charset=utf-8')" "^HTTP 415 " \
	"Content-Type other than exactly application/json: 415"
like "$($SC "$L" --accept application/x-protobuf)" "^HTTP 406 " "Accept without JSON: 406"
like "$($SC "$L" --type NO_SUCH_CALL)" "^HTTP 400 Failed to convert JSON into Call" "an unknown call: 400"
like "$($SC "$L" --accept none --records 1)" "SUBSCRIBED" "no Accept header: JSON"

# HTTP basic authentication and HTTPS apply to /api/v1 too.
start_master secure --auth "taskdns:s3cret" --heartbeat 1
set_state "$MASTER_DIR" "$T/s0.json"
is "$($SC "127.0.0.1:$MASTER_PORT")" "HTTP 401" "--auth: 401 without credentials"
like "$($SC "127.0.0.1:$MASTER_PORT" --auth taskdns:s3cret --records 1)" "SUBSCRIBED agents=3" \
	"... the stream with them"
if command -v openssl >/dev/null; then
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
		-addext subjectAltName=IP:127.0.0.1 -keyout "$T/key.pem" -out "$T/cert.pem" \
		>/dev/null 2>&1
	start_master tls --tls "$T/cert.pem" "$T/key.pem" --heartbeat 1
	set_state "$MASTER_DIR" "$T/s0.json"
	is "$($SC "127.0.0.1:$MASTER_PORT" --cafile "$T/cert.pem" --seconds 1.5)" \
		"$(printf 'HTTP 200\nSUBSCRIBED agents=3 frameworks=3 tasks=12 completed=0 heartbeat=1.0\nHEARTBEAT\nHEARTBEAT\nEND')" \
		"--tls: the stream over HTTPS"
else
	skip "--tls: the stream over HTTPS" "no openssl"
fi
done_testing
