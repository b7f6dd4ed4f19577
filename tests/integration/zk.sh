#!/bin/bash
# zk.sh -- the leading master from a real ZooKeeper: watched, followed at
# once, and never the reason taskdns stops answering (a ZooKeeper down at
# start, killed, restarted; no leader for longer than zkDetectionTimeout).
. "$(dirname "$0")/lib.sh"
need dig
need_zookeeper

start_zookeeper zk

# Two fake masters on their own loopback addresses; each serves the sample
# cluster with itself as the leader, so the leader taskdns reports is the
# one it asked (ZooKeeper's, first).
A_IP=127.0.1.1 B_IP=127.0.1.2
start_master A --host "$A_IP"
A_PORT=$MASTER_PORT A_DIR=$MASTER_DIR
start_master B --host "$B_IP"
B_PORT=$MASTER_PORT B_DIR=$MASTER_DIR
sample_state "$A_IP:$A_PORT" "$T/state-A.json"
set_state "$A_DIR" "$T/state-A.json"
sample_state "$B_IP:$B_PORT" "$T/state-B.json"
set_state "$B_DIR" "$T/state-B.json"

start_zkreg A /mesos "$A_IP" "$A_PORT" || bail "zkreg A"
start_zkreg B /mesos "$B_IP" "$B_PORT" || bail "zkreg B"

# refreshSeconds 300: every change below comes from ZooKeeper's watch.
start_taskdns "{\"zk\": \"zk://$ZK_HOSTS/mesos\", \"masters\": [], \"refreshSeconds\": 300,
	\"zkDetectionTimeout\": 2, \"resolvers\": [\"127.0.0.1:9\"]}" || bail "taskdns did not start"
is "$(rdata nimbus.storm.mesos)" "10.0.1.1" "zk: the state of the leader ZooKeeper names"
is "$(rdata leader.mesos)" "$A_IP" "zk: leader.mesos is the lowest json.info_ node"
is "$(rdata _leader._tcp.mesos SRV)" "0 1 $A_PORT leader.mesos." "zk: _leader._tcp"
is "$(rdata master.mesos)" "$(printf '%s\n%s' "$A_IP" "$B_IP")" "zk: master.mesos holds every master ZooKeeper names"
is "$(rdata master0.mesos)" "$A_IP" "zk: master0 is the leader"
is "$(rdata master1.mesos)" "$B_IP" "zk: master1 the next by sequence"
like "$(cat "$TASKDNS_LOG")" "zk: the leading master is $A_IP:$A_PORT \(2 masters in /mesos\)" \
	"zk: the leader is logged"

# The leader leaves ZooKeeper (its session closed): B leads at once.
t0=$(now_ms)
kill -TERM "$ZKREG_PID_A"
wait_for 5 sh -c "dig @127.0.0.1 -p $DNS_PORT +short leader.mesos | grep -qx $B_IP"
ok $? "zk: a new leader is followed ($(( $(now_ms) - t0 )) ms, refreshSeconds is 300)"
is "$(rdata _leader._tcp.mesos SRV)" "0 1 $B_PORT leader.mesos." "zk: _leader._tcp follows"
is "$(rdata master0.mesos)" "$B_IP" "zk: master0 is the new leader"
is "$(status master1.mesos)" "NXDOMAIN" "zk: the master gone from ZooKeeper is gone from masterN"

# No master in ZooKeeper for longer than zkDetectionTimeout: Mesos-DNS
# exits; taskdns logs it once and keeps answering.
kill -9 "$ZKREG_PID_B"
wait_for 10 grep -q "zkDetectionTimeout" "$TASKDNS_LOG"
ok $? "zk: no leader for zkDetectionTimeout (2 s): logged"
is "$(grep -c 'zkDetectionTimeout' "$TASKDNS_LOG")" "1" "... once"
is "$(rdata nimbus.storm.mesos)" "10.0.1.1" "... and the records in service are still served"
ok $(still_running; echo $?) "... taskdns did not exit"

# A master registers again: followed.
start_zkreg A2 /mesos "$A_IP" "$A_PORT" || bail "zkreg A2"
wait_for 5 sh -c "dig @127.0.0.1 -p $DNS_PORT +short leader.mesos | grep -qx $A_IP"
ok $? "zk: a master registering again is followed"

# ZooKeeper itself dies and comes back: answers never stop.
stop_zookeeper zk 9
n=0
for i in $(seq 1 10); do
	[ "$(rdata nimbus.storm.mesos)" = "10.0.1.1" ] && n=$((n + 1))
	sleep 0.1
done
is "$n" "10" "zk: ZooKeeper killed: every answer still comes"
wait_for 10 grep -q "zk: connection to $ZK_HOSTS lost" "$TASKDNS_LOG"
ok $? "... the lost connection is logged"
start_zookeeper zk
wait_for 15 sh -c "[ \$(grep -c 'zk: connected to $ZK_HOSTS' '$TASKDNS_LOG') -ge 2 ]"
ok $? "zk: ZooKeeper back: connected again"
is "$(rdata leader.mesos)" "$A_IP" "... the leader still followed"
first=$TASKDNS_PID FIRST_LOG=$TASKDNS_LOG FIRST_PORT=$DNS_PORT

# A ZooKeeper that cannot be reached at start does not stop taskdns: the
# masters list is asked meanwhile (Mesos-DNS fails to start).
DEAD=$(free_port)
start_taskdns "{\"zk\": \"zk://127.0.0.1:$DEAD/mesos\", \"masters\": [\"$B_IP:$B_PORT\"],
	\"refreshSeconds\": 1, \"resolvers\": [\"127.0.0.1:9\"]}"
ok $? "zk unreachable at start: taskdns starts"
is "$(rdata leader.mesos)" "$B_IP" "... and serves the state of the masters list"
wait_for 10 grep -q "cannot be reached" "$TASKDNS_LOG"
ok $? "... saying ZooKeeper cannot be reached"

# --dump-zone finds the leader through ZooKeeper too.
printf '{"zk": "zk://%s/mesos", "masters": [], "port": 9}' "$ZK_HOSTS" >"$T/dump.json"
"$TASKDNS" -config="$T/dump.json" --dump-zone >"$T/dump.zone" 2>"$T/dump.err"
ok $? "--dump-zone with zk exits 0"
like "$(grep '^leader\.mesos\.' "$T/dump.zone")" "$A_IP" "... with the leader ZooKeeper names"

# A json.info_ node that is not a MasterInfo is left out, logged once.
start_zkreg G /mesos 127.0.0.9 5050 --garbage || bail "zkreg garbage"
wait_for 5 grep -q "not a MasterInfo with an address; ignored" "$FIRST_LOG"
ok $? "zk: a node that is not a MasterInfo is left out, logged"
is "$(dig @127.0.0.1 -p "$FIRST_PORT" +short leader.mesos)" "$A_IP" "... the leader unchanged"
kill -0 "$first"
ok $? "the first taskdns is still running"
done_testing
