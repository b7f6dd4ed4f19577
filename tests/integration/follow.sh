#!/bin/bash
# follow.sh -- taskdns follows the master's event stream: a task change is
# served long before the next poll (refreshSeconds is 300 here), a silent
# or dropped stream is noticed and resumed, a master without the operator
# API is polled, stateFeed "poll" never subscribes, a new leader's short
# agent list keeps tasks for agentGraceSeconds, and withdrawUnhealthy.
. "$(dirname "$0")/lib.sh"
need python3 dig

# The sample cluster, then the same with one more running task ("fresh").
start_master leader --heartbeat 1 --seed 3
L=127.0.0.1:$MASTER_PORT LDIR=$MASTER_DIR
sample_state "$L" "$T/s0.json"
python3 - "$T" <<'PY'
import copy, json, sys
d = sys.argv[1]
st = json.load(open(d + "/s0.json"))
fw = st["frameworks"][0]
agent = st["slaves"][0]["id"]
def running(ip, ts, healthy=None):
    s = {"state": "TASK_RUNNING", "timestamp": ts, "container_status":
         {"network_infos": [{"ip_addresses": [{"ip_address": ip}]}]}}
    if healthy is not None:
        s["healthy"] = healthy
    return s
fresh = {"id": "fresh.1", "name": "fresh", "framework_id": fw["id"], "executor_id": "",
         "slave_id": agent, "state": "TASK_RUNNING",
         "resources": {"ports": "[31777-31777]"}, "labels": [], "role": "*",
         "statuses": [running("10.77.0.1", 1700000100.0)]}
fw["tasks"].append(fresh)
json.dump(st, open(d + "/s1.json", "w"))
# s2: fresh gets a failing health check; s3: healthy again.
fresh["statuses"].append(running("10.77.0.1", 1700000101.0, False))
json.dump(st, open(d + "/s2.json", "w"))
fresh["statuses"].append(running("10.77.0.1", 1700000102.0, True))
json.dump(st, open(d + "/s3.json", "w"))
# s4: an agent's tasks (and the agent) missing, as a new leader lists them
# before the agent re-registered.
gone = st["slaves"][1]["id"]
st["slaves"] = [s for s in st["slaves"] if s["id"] != gone]
for f in st["frameworks"]:
    f["tasks"] = [t for t in f["tasks"] if t["slave_id"] != gone]
json.dump(st, open(d + "/s4.json", "w"))
PY
set_state "$LDIR" "$T/s0.json"

# led_by IN HOSTPORT OUT: state IN as the master at HOSTPORT serves it.
led_by() {
	python3 - "$1" "$3" "$2" <<'PY'
import json, sys
st = json.load(open(sys.argv[1]))
st["leader"] = st["pid"] = st["leader_info"]["pid"] = "master@" + sys.argv[3]
json.dump(st, open(sys.argv[2], "w"))
PY
}

start_taskdns "{\"masters\": [\"$L\"], \"refreshSeconds\": 300, \"resolvers\": [], \"externalon\": false}" ||
	bail "taskdns did not start"
wait_for 10 grep -q "event stream subscribed" "$TASKDNS_LOG"
ok $? "taskdns subscribes to the leader's event stream"
is "$(status fresh.marathon.mesos)" "NXDOMAIN" "fresh does not exist yet"

# A change is served within a second though the next poll is 300 s away.
t0=$(now_ms)
set_state "$LDIR" "$T/s1.json"
wait_for 5 sh -c "dig @127.0.0.1 -p $DNS_PORT +short fresh.marathon.mesos | grep -q 10.77.0.1"
ok $? "a launched task is served from the stream"
diag "seen after $(( $(now_ms) - t0 )) ms (includes the fake master's 50 ms file watch)"
is "$(rdata _fresh._tcp.marathon.mesos SRV | awk '{print $3}')" "31777" \
	"its SRV record has its port"

# Health: off by default, a healthy:false task stays.
set_state "$LDIR" "$T/s2.json"
sleep 1
is "$(rdata fresh.marathon.mesos)" "10.77.0.1" "without withdrawUnhealthy an unhealthy task is served"

# The task ends: gone from DNS.
set_state "$LDIR" "$T/s0.json"
wait_for 5 sh -c "dig @127.0.0.1 -p $DNS_PORT fresh.marathon.mesos | grep -q NXDOMAIN"
ok $? "a killed task is withdrawn from the stream"
n=$(counter events)
[ "${n:-0}" -ge 3 ]
ok $? "events are counted ($n)"

# The leader restarts on its port with its state (subscribers are cut).
LPID=$MASTER_PID_leader
restart_leader() {
	stop_pid "$LPID"
	python3 "$FAKE_MASTER" --port "${L#*:}" --dir "$LDIR" --heartbeat 1 \
		2>>"$T/master-leader2.log" &
	LPID=$!
	PIDS+=($LPID)
	wait_for 10 python3 -c "import socket; socket.create_connection(('127.0.0.1', ${L#*:}), 1)"
}

# A master cutting the stream mid-record: subscribed again, with backoff.
echo drop >"$LDIR/api-mode"
subs=$(cat "$LDIR/subscribes")
restart_leader
wait_for 15 sh -c "[ \$(cat $LDIR/subscribes) -ge $((subs + 2)) ]"
ok $? "a dropped stream is subscribed again ($(cat $LDIR/subscribes) after $subs)"
sleep 2
n1=$(cat "$LDIR/subscribes")
sleep 3
n2=$(cat "$LDIR/subscribes")
[ $((n2 - n1)) -le 3 ]
ok $? "with backoff: $((n2 - n1)) attempts in 3 s"
echo ok >"$LDIR/api-mode"
still_running
ok $? "taskdns still runs"
is "$(rdata web.marathon.mesos | wc -l)" "3" "and still serves the last records"
# A subscription that lasts over 10 s resets the backoff, as below.
n=$(grep -c 'event stream subscribed' "$TASKDNS_LOG")
wait_for 40 sh -c "[ \$(grep -c 'event stream subscribed' $TASKDNS_LOG) -gt $n ]"
ok $? "subscribed again once the master stops cutting"
sleep 11

# A stream that goes silent (no heartbeat for 3 intervals) is resumed.
echo silent >"$LDIR/api-mode"
subs=$(cat "$LDIR/subscribes")
restart_leader
# The watchdog waits 6 s, then the backoff.
wait_for 30 sh -c "[ \$(cat $LDIR/subscribes) -ge $((subs + 2)) ]"
ok $? "a silent stream is given up and subscribed again"
grep -q "no heartbeat\|silent\|heartbeat" "$TASKDNS_LOG"
ok $? "the silence is logged"
echo ok >"$LDIR/api-mode"
n=$(grep -c 'event stream subscribed' "$TASKDNS_LOG")
wait_for 30 sh -c "[ \$(grep -c 'event stream subscribed' $TASKDNS_LOG) -gt $n ]"
ok $? "and subscribed once the master talks again"
set_state "$LDIR" "$T/s1.json"
wait_for 15 sh -c "dig @127.0.0.1 -p $DNS_PORT +short fresh.marathon.mesos | grep -q 10.77.0.1"
ok $? "after the stream came back, changes are served again"

# stateFeed "poll": never subscribes; a change waits for the poll.
start_master polled --heartbeat 1
P=127.0.0.1:$MASTER_PORT PDIR=$MASTER_DIR
sample_state "$P" "$T/p0.json"
set_state "$PDIR" "$T/p0.json"
start_taskdns "{\"masters\": [\"$P\"], \"refreshSeconds\": 1, \"stateFeed\": \"poll\", \"resolvers\": [], \"externalon\": false}" ||
	bail "taskdns did not start"
led_by "$T/s1.json" "$P" "$T/p1.json"
set_state "$PDIR" "$T/p1.json"
wait_for 5 sh -c "dig @127.0.0.1 -p $DNS_PORT +short fresh.marathon.mesos | grep -q 10.77.0.1"
ok $? "stateFeed poll: changes come with the polls"
is "$(cat "$PDIR/subscribes" 2>/dev/null || echo 0)" "0" "stateFeed poll never subscribes"

# A master without the operator API: polled, logged once.
start_master old --heartbeat 1
O=127.0.0.1:$MASTER_PORT ODIR=$MASTER_DIR
echo no-api >"$ODIR/api-mode"
sample_state "$O" "$T/o0.json"
set_state "$ODIR" "$T/o0.json"
start_taskdns "{\"masters\": [\"$O\"], \"refreshSeconds\": 1, \"resolvers\": [], \"externalon\": false}" ||
	bail "taskdns did not start"
wait_for 5 grep -q "operator API" "$TASKDNS_LOG"
ok $? "a master without the operator API is logged"
is "$(grep -c 'operator API' "$TASKDNS_LOG")" "1" "once"
is "$(rdata leader.mesos)" "127.0.0.1" "and its state is served from polls"

# withdrawUnhealthy: the healthy:false task goes, and comes back.
start_master health --heartbeat 1
H=127.0.0.1:$MASTER_PORT HDIR=$MASTER_DIR
for i in 1 2 3; do
	led_by "$T/s$i.json" "$H" "$T/h$i.json"
done
set_state "$HDIR" "$T/h1.json"
start_taskdns "{\"masters\": [\"$H\"], \"refreshSeconds\": 300, \"withdrawUnhealthy\": true, \"resolvers\": [], \"externalon\": false}" ||
	bail "taskdns did not start"
wait_for 10 grep -q "event stream subscribed" "$TASKDNS_LOG"
is "$(rdata fresh.marathon.mesos)" "10.77.0.1" "withdrawUnhealthy: a task without a failed check is served"
set_state "$HDIR" "$T/h2.json"
wait_for 5 sh -c "dig @127.0.0.1 -p $DNS_PORT fresh.marathon.mesos | grep -q NXDOMAIN"
ok $? "healthy:false withdraws it"
is "$(status _fresh._tcp.marathon.mesos SRV)" "NXDOMAIN" "its SRV records too"
set_state "$HDIR" "$T/h3.json"
wait_for 5 sh -c "dig @127.0.0.1 -p $DNS_PORT +short fresh.marathon.mesos | grep -q 10.77.0.1"
ok $? "healthy:true brings it back"

# A new leader lists one agent less: its tasks stay for agentGraceSeconds.
start_master grace --heartbeat 1
G=127.0.0.1:$MASTER_PORT GDIR=$MASTER_DIR
for i in 3 4; do
	led_by "$T/s$i.json" "$G" "$T/g$i.json"
done
set_state "$GDIR" "$T/g3.json"
start_taskdns "{\"masters\": [\"$G\"], \"refreshSeconds\": 300, \"agentGraceSeconds\": 3, \"resolvers\": [], \"externalon\": false}" ||
	bail "taskdns did not start"
wait_for 10 grep -q "event stream subscribed" "$TASKDNS_LOG"
is "$(rdata slave.mesos | wc -l)" "3" "three agents"
# The master restarts (its subscribers are dropped) and knows one agent
# less: the agent has not re-registered yet.
gport=${G#*:}
stop_pid "$(eval echo \$MASTER_PID_grace)"
set_state "$GDIR" "$T/g4.json"
python3 "$FAKE_MASTER" --port "$gport" --dir "$GDIR" --heartbeat 1 2>>"$T/master-grace2.log" &
PIDS+=($!)
wait_for 10 sh -c "[ \$(grep -c 'event stream subscribed' $TASKDNS_LOG) -ge 2 ]"
ok $? "taskdns subscribes to the restarted master"
is "$(rdata slave.mesos | wc -l)" "3" "the missing agent is kept during agentGraceSeconds"
is "$(rdata db.marathon.slave.mesos)" "10.0.1.2" "and so are its tasks"
wait_for 10 sh -c "[ \$(dig @127.0.0.1 -p $DNS_PORT +short slave.mesos | wc -l) -eq 2 ]"
ok $? "after agentGraceSeconds the agent is withdrawn"
is "$(status db.marathon.slave.mesos)" "NXDOMAIN" "with its tasks"
still_running
ok $? "taskdns still runs"

done_testing
