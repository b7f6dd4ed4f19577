#!/bin/bash
# records.sh -- every record family of the Mesos-DNS namespace, from a fake
# master over HTTP, asked with dig and with drill.
. "$(dirname "$0")/lib.sh"
need dig drill python3

start_master leader
sample_state "127.0.0.1:$MASTER_PORT" "$T/state.json"
set_state "$MASTER_DIR" "$T/state.json"
start_taskdns "{\"masters\": [\"127.0.0.1:$MASTER_PORT\"], \"refreshSeconds\": 60,
	\"SOAMinttl\": 30, \"resolvers\": [\"127.0.0.1:9\"]}" || bail "taskdns did not start"

# Task A records from the IP sources (netinfo first, then the agent).
is "$(rdata nimbus.storm.mesos)" "10.0.1.1" "dig: task A record"
is "$(drill @127.0.0.1 -p "$DNS_PORT" nimbus.storm.mesos A | awk '/^nimbus/ {print $5}')" \
	"10.0.1.1" "drill: task A record"
is "$(rdata web.marathon.mesos)" "$(printf '10.0.1.1\n10.0.1.2\n10.0.1.3')" \
	"several instances: one A record each"
is "$(rdata db.marathon.mesos)" "192.168.255.5" "container IP from the latest TASK_RUNNING status"
is "$(rdata db.marathon.mesos AAAA)" "fd01:b::2:8000:2" "AAAA from the container's NetworkInfo"
is "$(drill @127.0.0.1 -p "$DNS_PORT" db.marathon.mesos AAAA | awk '!/^;/ && $4 == "AAAA" {print $5}')" \
	"fd01:b::2:8000:2" "drill: AAAA"
is "$(rdata db.marathon.slave.mesos)" "10.0.1.2" ".slave names hold the agent address"
is "$(rdata web-mdtfd-s1.marathon.mesos)" "10.0.1.1" "canonical task name"
is "$(rdata web-mdtfd-s1.marathon.slave.mesos)" "10.0.1.1" "canonical .slave name"
is "$(rdata web-api-v2.marathon.mesos)" "10.0.1.1" "task name cleaned to RFC 1123 (Web.API_v2)"

# SRV per protocol and per DiscoveryInfo port.
is "$(rdata _web._tcp.marathon.mesos SRV)" "$(printf '%s\n' \
	'0 1 31000 web-mdtfd-s1.marathon.slave.mesos.' \
	'0 1 31005 web-pueew-s2.marathon.slave.mesos.' \
	'0 1 31010 web-bxeqc-s3.marathon.slave.mesos.')" "SRV _web._tcp"
is "$(rdata _web._udp.marathon.mesos SRV)" "$(rdata _web._tcp.marathon.mesos SRV)" "SRV _web._udp"
is "$(rdata _web._tcp.marathon.slave.mesos SRV)" "$(rdata _web._tcp.marathon.mesos SRV)" "SRV .slave variant"
is "$(rdata _nimbus._tcp.storm.mesos SRV)" "$(printf '%s\n' \
	'0 1 31100 nimbus-rotcr-s1.storm.slave.mesos.' \
	'0 1 31101 nimbus-rotcr-s1.storm.slave.mesos.')" "SRV for every port of a range"
is "$(rdata _nginx._tcp.marathon.mesos SRV)" "$(printf '%s\n' \
	'0 1 443 nginx-ut4kc-s3.marathon.mesos.' '0 1 80 nginx-ut4kc-s3.marathon.mesos.')" \
	"DiscoveryInfo ports point at the task name"
is "$(rdata _http._nginx._tcp.marathon.mesos SRV)" "0 1 80 nginx-ut4kc-s3.marathon.mesos." \
	"DiscoveryInfo named port"
is "$(status _nginx._udp.marathon.mesos SRV)" "NXDOMAIN" "DiscoveryInfo tcp port: no _udp name"
is "$(rdata _nginx._udp.marathon.slave.mesos SRV | wc -l)" "2" \
	"resource ports of a DiscoveryInfo task are under .slave"
is "$(dig @127.0.0.1 -p "$DNS_PORT" +noall +additional _web._tcp.marathon.mesos SRV |
	awk '{print $1, $4, $5}' | sort)" "$(printf '%s\n' \
	'web-bxeqc-s3.marathon.slave.mesos. A 10.0.1.3' \
	'web-mdtfd-s1.marathon.slave.mesos. A 10.0.1.1' \
	'web-pueew-s2.marathon.slave.mesos. A 10.0.1.2')" "SRV targets' addresses in the additional section"
is "$(drill @127.0.0.1 -p "$DNS_PORT" _web._tcp.marathon.mesos SRV |
	awk '!/^;/ && $4 == "SRV" {print $8}' | sort)" "$(printf '%s\n' \
	web-bxeqc-s3.marathon.slave.mesos. web-mdtfd-s1.marathon.slave.mesos. \
	web-pueew-s2.marathon.slave.mesos.)" "drill: SRV"

# Masters, agents, frameworks, the name server.
is "$(rdata leader.mesos)" "127.0.0.1" "leader.mesos"
is "$(rdata master.mesos)" "127.0.0.1" "master.mesos"
is "$(rdata master0.mesos)" "127.0.0.1" "master0.mesos numbers the configured masters"
is "$(rdata _leader._tcp.mesos SRV)" "0 1 $MASTER_PORT leader.mesos." "_leader._tcp SRV"
is "$(rdata _leader._udp.mesos SRV)" "0 1 $MASTER_PORT leader.mesos." "_leader._udp SRV"
is "$(rdata slave.mesos)" "$(printf '10.0.1.1\n10.0.1.2\n10.0.1.3')" "slave.mesos: every agent"
is "$(rdata _slave._tcp.mesos SRV)" "0 1 5051 slave.mesos." "_slave._tcp SRV"
is "$(rdata marathon.mesos)" "10.0.0.11" "framework name: scheduler address from its pid"
is "$(rdata _framework._tcp.marathon.mesos SRV)" "0 1 38001 marathon.mesos." "_framework._tcp SRV"
is "$(rdata chronos-2.5.mesos)" "10.0.0.13" "framework without pid: hostname address, dots kept"
is "$(rdata ns1.mesos)" "127.0.0.1" "the name server's own name has the listener address"
is "$(rdata mesos SOA | awk '{print $1, $2, $4, $5, $6, $7}')" \
	"ns1.mesos. root.ns1.mesos. 60 600 86400 30" "SOA at the apex in the answer section"
is "$(rdata mesos NS)" "ns1.mesos." "NS at the apex"
is "$(q nimbus.storm.mesos A | awk '{print $2}')" "60" "TTL is the configured ttl"

# Not served: finished, staging; and names that do not exist.
is "$(status old.marathon.mesos)" "NXDOMAIN" "a finished task has no name"
is "$(status new.marathon.mesos)" "NXDOMAIN" "a staging task has no name"

# Rudimentary load balancing: the order changes between queries.
orders=$(for i in $(seq 1 30); do
	dig @127.0.0.1 -p "$DNS_PORT" +short web.marathon.mesos | tr '\n' ' '; echo
done | sort -u | wc -l)
ok $([ "$orders" -gt 1 ]; echo $?) "several instances come back in varying order ($orders orders in 30 queries)"

# A name the DNS cannot carry (a framework name cleaned to nothing leaves
# an empty label) is logged once with its task id, however many refreshes
# see it, and once more when it is gone.
python3 - "$T/state.json" "$T/state-bad.json" <<'PY'
import json, sys
st = json.load(open(sys.argv[1]))
fw = dict(st["frameworks"][0], id="fw-bad", name="___", pid="", tasks=[])
task = dict(st["frameworks"][0]["tasks"][0], id="bad.task.1", framework_id="fw-bad")
fw["tasks"].append(task)
st["frameworks"].append(fw)
json.dump(st, open(sys.argv[2], "w"))
PY
set_state "$MASTER_DIR" "$T/state-bad.json"
kill -HUP "$TASKDNS_PID"; sleep 0.5; kill -HUP "$TASKDNS_PID"; sleep 0.5; kill -HUP "$TASKDNS_PID"
wait_for 5 grep -q 'records: not served' "$TASKDNS_LOG"
sleep 1
n=$(grep 'records: not served: ' "$TASKDNS_LOG" | grep -c '(task bad.task.1)')
ok $([ "$n" -ge 1 ]; echo $?) "a name the DNS cannot carry is logged with its task id"
is "$(grep 'records: not served: ' "$TASKDNS_LOG" | sort | uniq -d | wc -l)" "0" \
	"... each such name once, over several refreshes"
like "$(grep 'records: not served: .*(task bad.task.1)' "$TASKDNS_LOG" | head -1)" '"[^"]*\.\.mesos" \(task bad.task.1\): an empty label' \
	"... spelled as Mesos-DNS forms it, with the reason"
set_state "$MASTER_DIR" "$T/state.json"
kill -HUP "$TASKDNS_PID"
wait_for 5 grep -q 'names not served before are gone' "$TASKDNS_LOG"
ok $? "... and once more when its task is gone"

ok $(still_running; echo $?) "taskdns is still running"
done_testing
