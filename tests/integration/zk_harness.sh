#!/bin/bash
# zk_harness.sh -- the ZooKeeper test harness itself: a real ZooKeeper per
# test (start_zookeeper), fake masters registering in it as Mesos masters
# do (tests/zkreg), how their nodes go when they stop, crash or lose their
# session, and what a ZooKeeper crash and restart does to them.
. "$(dirname "$0")/lib.sh"
need_zookeeper
T0=$(now_ms)

# gone NODE: true when PATH /mesos has no child NODE (a listing that fails
# is not "gone").
gone() {
	local l
	l=$(zk_list /mesos) || return 1
	! printf '%s\n' "$l" | grep -q "^$1\( \|$\)"
}

# wait_gone NODE MS: poll until NODE is gone, at most MS ms; prints the
# milliseconds it took (or "timeout").
wait_gone() {
	local t0 now
	t0=$(now_ms)
	while ! gone "$1"; do
		now=$(now_ms)
		if [ $((now - t0)) -gt "$2" ]; then
			echo timeout
			return 1
		fi
		sleep 0.05
	done
	echo $(($(now_ms) - t0))
}

# wait_grep FILE REGEX MS: poll until FILE has a line matching REGEX, at
# most MS ms; prints the milliseconds it took (or "timeout").
wait_grep() {
	local t0
	t0=$(now_ms)
	while ! grep -q "$2" "$1"; do
		if [ $(($(now_ms) - t0)) -gt "$3" ]; then
			echo timeout
			return 1
		fi
		sleep 0.02
	done
	echo $(($(now_ms) - t0))
}

# in_range N LOW HIGH: N is a number within [LOW, HIGH].
in_range() { [[ $1 =~ ^[0-9]+$ ]] && [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }

start_zookeeper zk
diag "ZooKeeper up on 127.0.0.1:$ZK_PORT after $(($(now_ms) - T0)) ms"
like "$(zk_cmd "$ZK_PORT" srvr)" "Mode: standalone" "ZooKeeper serves standalone on 127.0.0.1:$ZK_PORT"
like "$(zk_cmd "$ZK_PORT" conf)" "tickTime=200" "with a 200 ms tick (sessions of 400 ms to 60 s)"
ZK_FIRST_PORT=$ZK_PORT

# Three masters (m2 and m3 with 1000 ms sessions, to see them expire; the
# others keep zkreg's 4000 ms, which outlives a ZooKeeper restart). A
# fresh parent numbers its children from 0, in order of creation; the
# leader is the lowest json.info_ sequence.
start_zkreg m1 /mesos 10.0.0.1 5050 --id master-one || bail "zkreg m1"
is "$ZKREG_NODE" "json.info_0000000000" "the first master is json.info_0000000000"
start_zkreg m2 /mesos 10.0.0.2 5051 --session-ms 1000 --hostname m2.example || bail "zkreg m2"
is "$ZKREG_NODE" "json.info_0000000001" "the second master is json.info_0000000001"
start_zkreg m3 /mesos 10.0.0.3 5052 --session-ms 1000 || bail "zkreg m3"
is "$ZKREG_NODE" "json.info_0000000002" "the third master is json.info_0000000002"
like "$(cat "$T/zkreg-m2.log")" "connected: session 0x[0-9a-f]+, timeout 1000 ms" \
	"a session of 1000 ms is granted as asked"
like "$(cat "$T/zkreg-m1.log")" "connected: session 0x[0-9a-f]+, timeout 4000 ms" \
	"zkreg asks 4000 ms by default"

# Children that are not masters: the replicated log's directory, a
# protobuf-era (Mesos < 0.24) member, and a member whose data is not JSON.
# Each creation moves the parent's sequence on, persistent or not.
"$ZKREG" "$ZK_HOSTS" /mesos 10.0.0.9 5050 --name log_replicas --persistent \
	>"$T/logrep.out" 2>>"$T/zkreg-logrep.log"
is "$?:$(cat "$T/logrep.out")" "0:log_replicas" "a persistent log_replicas child (zkreg exits at once)"
start_zkreg pb /mesos 10.0.0.4 5053 --name info_ --id proto-one || bail "zkreg pb"
is "$ZKREG_NODE" "info_0000000004" "a protobuf-era info_ member"
start_zkreg junk /mesos 10.0.0.5 5054 --garbage || bail "zkreg junk"
is "$ZKREG_NODE" "json.info_0000000005" "a json.info_ member whose data is not JSON"

list=$(zk_list /mesos)
is "$(printf '%s\n' "$list" | cut -d' ' -f1 | tr '\n' ' ')" \
	"info_0000000004 json.info_0000000000 json.info_0000000001 json.info_0000000002 json.info_0000000005 log_replicas " \
	"zkreg --list: every child, by name"
is "$(printf '%s\n' "$list" | sed -n 's/^json\.info_0000000000 //p')" \
	'{"address":{"hostname":"10.0.0.1","ip":"10.0.0.1","port":5050},"capabilities":[{"type":"AGENT_UPDATE"},{"type":"AGENT_DRAINING"},{"type":"QUOTA_V2"}],"hostname":"10.0.0.1","id":"master-one","ip":16777226,"pid":"master@10.0.0.1:5050","port":5050,"version":"1.11.0"}' \
	"the MasterInfo JSON is a Mesos 1.11 master's, byte for byte"
is "$(printf '%s\n' "$list" | sed -n 's/^json\.info_0000000005 //p')" \
	'not MasterInfo JSON {"pid":"master@' "--garbage: data that does not parse"

# What a detector does (mesos-go's, in Mesos-DNS): the lowest json.info_
# sequence, its address.ip and address.port; other children ignored.
leader=$(printf '%s\n' "$list" | python3 -c '
import json, sys
members = {}
for line in sys.stdin:
    name, _, data = line.rstrip("\n").partition(" ")
    if name.startswith("json.info_") and name[10:].isdigit():
        members[int(name[10:])] = data
info = json.loads(members[min(members)])
a = info["address"]
print("%s:%d %s %s" % (a["ip"], a["port"], info["pid"], info["hostname"]))')
is "$leader" "10.0.0.1:5050 master@10.0.0.1:5050 10.0.0.1" "the lowest sequence names the leader"
m2=$(printf '%s\n' "$list" | sed -n 's/^json\.info_0000000001 //p')
is "$(printf '%s' "$m2" | python3 -c 'import json,sys; i=json.load(sys.stdin); print(i["hostname"], i["address"]["hostname"], i["ip"], i["port"], len(i["id"]))')" \
	"m2.example m2.example 33554442 5051 36" \
	"--hostname; ip in network order as an x86 integer; a UUID id by default"

# The info_ member: MasterInfo as protobuf (id 1, ip 2, port 3, pid 4,
# hostname 5, version 6).
pb=$(printf '%s\n' "$list" | sed -n 's/^info_0000000004 hex://p' | python3 -c '
import sys
b, i, f = bytes.fromhex(sys.stdin.read().strip()), 0, {}
def varint():
    global i
    v = s = 0
    while True:
        c = b[i]; i += 1; v |= (c & 0x7f) << s; s += 7
        if c < 0x80:
            return v
while i < len(b):
    key = varint()
    if key & 7 == 0:
        f[key >> 3] = varint()
    else:
        n = varint(); f[key >> 3] = b[i:i + n].decode(); i += n
print(" ".join("%d=%s" % kv for kv in sorted(f.items())))')
is "$pb" "1=proto-one 2=67108874 3=5053 4=master@10.0.0.4:5053 5=10.0.0.4 6=0.23.1" \
	"the info_ member holds MasterInfo as protobuf"

# SIGTERM: the session is closed, the leader's node goes at once and the
# next sequence leads.
kill -TERM "$ZKREG_PID_m1"
wait "$ZKREG_PID_m1"
is "$?" "0" "zkreg exits 0 on SIGTERM"
gone json.info_0000000000
ok $? "SIGTERM: the node is gone as soon as zkreg has exited"
is "$(zk_list /mesos | grep -m1 '^json\.info_' | cut -c1-20)" "json.info_0000000001" \
	"the next sequence is the lowest"

# SIGKILL: nothing closes the session; the server expires it (1000 ms,
# rounded up to its 200 ms tick, counted from the last ping, sent every
# third of the timeout) and deletes the node.
{ kill -9 "$ZKREG_PID_m2"; wait "$ZKREG_PID_m2"; } 2>/dev/null
ms=$(wait_gone json.info_0000000001 5000)
diag "SIGKILL of a 1000 ms session: its node gone after $ms ms"
in_range "$ms" 500 3000
ok $? "SIGKILL: the node goes when the session expires (500-3000 ms; took $ms ms)"

# A master that loses its session while it lives (stopped for longer
# than its timeout): ZooKeeper deletes its node; when it runs again it is
# told the session expired and exits 1, as a master that lost its
# election.
kill -STOP "$ZKREG_PID_m3"
ms=$(wait_gone json.info_0000000002 5000)
kill -CONT "$ZKREG_PID_m3"
diag "SIGSTOP of a 1000 ms session: its node gone after $ms ms"
in_range "$ms" 500 3000
ok $? "a stopped master's node goes when its session expires (took $ms ms)"
wait_for 10 sh -c "! kill -0 $ZKREG_PID_m3 2>/dev/null"
wait "$ZKREG_PID_m3"
is "$?" "1" "zkreg exits 1 when its session has expired"
like "$(cat "$T/zkreg-m3.log")" "session expired" "and says so"

# ZooKeeper crashes (SIGKILL) and comes back on the same port and data.
# Sessions and ephemeral nodes are in its transaction log: the server
# reloads them and starts every session's timeout afresh when it is up
# again, however long it was down (here longer than the dead master's
# session). So a live master's client reconnects (the C client retries on
# its own) to the same session, and its node is still there, with the
# same name: nothing to register again. A master that died while
# ZooKeeper was down comes back too, and its node goes one session
# timeout after the restart: until then it may still look like the
# leader. Sequences go on from where they were (the parent's counter is
# in the log), never reused.
# The C client retries every 1/60 of its timeout while the port is
# closed; it is back within milliseconds, but a connection it opens while
# the server is still starting can hang until its connect timeout (2/3
# of the session timeout) before it retries: a session shorter than
# about three times the server's start-up can be lost on a restart. The
# live master's session is 4000 ms for that reason.
start_zkreg live /mesos 10.0.0.6 5055 --session-ms 4000 || bail "zkreg live"
LIVE_NODE=$ZKREG_NODE
start_zkreg dead /mesos 10.0.0.7 5056 --session-ms 2000 || bail "zkreg dead"
DEAD_NODE=$ZKREG_NODE
is "$LIVE_NODE $DEAD_NODE" "json.info_0000000006 json.info_0000000007" "two more masters"
live_session=$(sed -n 's/.*connected: session \(0x[0-9a-f]*\).*/\1/p' "$T/zkreg-live.log" | head -n 1)
stop_zookeeper zk 9
{ kill -9 "$ZKREG_PID_dead"; wait "$ZKREG_PID_dead"; } 2>/dev/null
sleep 2.5	# down for longer than the dead session's timeout
t0=$(now_ms)
start_zookeeper zk
t_up=$(now_ms)
diag "ZooKeeper back after $((t_up - t0)) ms"
is "$ZK_PORT" "$ZK_FIRST_PORT" "ZooKeeper restarts on the same port"
list=$(zk_list /mesos | cut -d' ' -f1 | tr '\n' ' ')
like "$list" "$DEAD_NODE" "a master killed while ZooKeeper was down: its node is back after the restart"
ms=$(wait_grep "$T/zkreg-live.log" "reconnected: session $live_session" 10000)
in_range "$ms" 0 10000
ok $? "the live master's client reconnects to its session ($live_session)"
diag "live master reconnected $ms ms after ZooKeeper answered (its session: 4000 ms)"
ms=$(wait_gone "$DEAD_NODE" 8000)
ms_after_up=$(($(now_ms) - t_up))
diag "dead master's node gone $ms_after_up ms after ZooKeeper answered (2000 ms session)"
in_range "$ms_after_up" 1000 5000
ok $? "and goes when its session expires, one timeout after the restart (took $ms_after_up ms)"
sleep 0.5
list=$(zk_list /mesos | cut -d' ' -f1 | tr '\n' ' ')
is "$list" "info_0000000004 json.info_0000000005 $LIVE_NODE log_replicas " \
	"the live master's node survived, under the same name; nothing else came back"
kill -0 "$ZKREG_PID_live" 2>/dev/null
ok $? "the live master's zkreg still runs"
start_zkreg late /mesos 10.0.0.8 5057 || bail "zkreg late"
is "$ZKREG_NODE" "json.info_0000000008" "a registration after the restart takes the next sequence"

# A clean stop (SIGTERM) and restart behave the same.
stop_zookeeper zk
start_zookeeper zk
wait_for 10 sh -c "grep -c 'reconnected: session $live_session' '$T/zkreg-live.log' | grep -q 2"
ok $? "after a clean stop and restart, the live master reconnects to its session again"
like "$(zk_list /mesos | cut -d' ' -f1 | tr '\n' ' ')" "$LIVE_NODE json.info_0000000008 " \
	"and both live masters' nodes are there"

"$ZKREG" --list "$ZK_HOSTS" /nowhere >/dev/null 2>&1
is "$?" "1" "zkreg --list of a missing path exits 1"

total=$(($(now_ms) - T0))
diag "whole test: $total ms"
in_range "$total" 0 30000
ok $? "the whole test takes under 30 s ($total ms)"
done_testing
