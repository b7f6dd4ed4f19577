#!/bin/bash
# ptr.sh -- PTR records (reverseOn) with the real binary and real clients:
# dig -x, drill -x, getent hosts (the C library, in a network namespace);
# a task launched and killed through the fake master; negative answers;
# named zones; forwarding outside the zones (Unbound); --dump-zone;
# reverseOn false.
. "$(dirname "$0")/lib.sh"
need dig drill python3 curl

start_master m --heartbeat 1
L=127.0.0.1:$MASTER_PORT
M=$MASTER_DIR
sample_state "$L" "$T/s0.json"
set_state "$M" "$T/s0.json"

# ptrs ADDR [TOOL]: the PTR targets of ADDR, sorted, on one line.
ptrs() {
	if [ "${2:-dig}" = drill ]; then
		drill -p "$DNS_PORT" -x "$1" @127.0.0.1 | awk '!/^;/ && $4 == "PTR" { print $5 }'
	else
		dig @127.0.0.1 -p "$DNS_PORT" +time=2 +tries=1 +short -x "$1"
	fi | sort | tr '\n' ' ' | sed 's/ $//'
}
# flags ADDR, rstatus ADDR: the header flags, the status of a PTR query for ADDR.
flags() { dig @127.0.0.1 -p "$DNS_PORT" +time=2 +tries=1 -x "$1" | sed -n 's/^;; flags: \([a-z ]*\);.*/\1/p'; }
rstatus() { dig @127.0.0.1 -p "$DNS_PORT" +time=2 +tries=1 -x "$1" | sed -n 's/.*status: \([A-Z]*\),.*/\1/p'; }
# authority ADDR: the authority section of a PTR query, owner and type.
authority() {
	dig @127.0.0.1 -p "$DNS_PORT" +time=2 +tries=1 +noall +authority -x "$1" |
		awk '{ print $1, $4, $5 }'
}
fake() { # fake OP JSON: the fake master's control endpoint
	curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
		--data "$2" "http://$L/_fake/$1"
}

start_taskdns "{\"masters\": [\"$L\"], \"reverseOn\": true, \"externalon\": false}" ||
	bail "taskdns did not start"

# The sample cluster: host-network tasks share their agent's address.
is "$(ptrs 10.0.1.1)" \
	"agent1.cluster.example. nimbus.storm.mesos. web-api-v2.marathon.mesos. web.marathon.mesos." \
	"dig -x 10.0.1.1: agent1's hostname and its tasks' short names, web once"
is "$(ptrs 10.0.1.3 drill)" \
	"agent3.cluster.example. nginx.marathon.mesos. supervisor.storm.mesos. web.marathon.mesos." \
	"drill -x 10.0.1.3: the same for agent3"
is "$(ptrs 192.168.255.5)" "db.marathon.mesos." "a container address: its task"
is "$(ptrs fd01:b::2:8000:2)" "db.marathon.mesos." "an IPv6 container address (ip6.arpa)"
is "$(flags 10.0.1.1)" "qr aa rd ra" "the answer is authoritative"
# The leader and a scheduler are not given PTRs.
is "$(rstatus 10.0.0.11)" "REFUSED" "a scheduler's address: no zone (externalon false: REFUSED)"
is "$(rstatus 127.0.0.1)" "REFUSED" "the master's address: no zone"

# Negative answers carry the reverse zone's SOA.
is "$(rstatus 10.0.1.99)" "NXDOMAIN" "another host in a derived /24: NXDOMAIN"
is "$(authority 10.0.1.99)" "1.0.10.in-addr.arpa. SOA ns1.mesos." "... with the zone's SOA"
is "$(dig @127.0.0.1 -p "$DNS_PORT" +short 1.0.10.in-addr.arpa NS)" "ns1.mesos." \
	"the reverse zone's apex NS"
is "$(status 1.1.0.10.in-addr.arpa TXT)" "NOERROR" "TXT at a PTR owner: NODATA"
is "$(dig @127.0.0.1 -p "$DNS_PORT" +noall +authority 1.1.0.10.in-addr.arpa TXT | awk '{ print $1, $4 }')" \
	"1.0.10.in-addr.arpa. SOA" "... with the SOA"

# A task launched in a /24 of its own, then killed.
FW=8d9f7b3e-5a1c-4e3b-9f6a-0c1d2e3f4a5b-0000
AG=8d9f7b3e-5a1c-4e3b-9f6a-0c1d2e3f4a5b-S1
is "$(rstatus 10.0.77.5)" "REFUSED" "before the launch: no zone for 10.0.77.0/24"
is "$(fake launch "{\"framework_id\": \"$FW\", \"agent_id\": \"$AG\", \"task_id\": \"ptrtest.1\", \"name\": \"PtrTest\", \"ip\": \"10.0.77.5\"}")" \
	"200" "fake master: a task launched at 10.0.77.5"
wait_for 10 sh -c "dig @127.0.0.1 -p $DNS_PORT +short -x 10.0.77.5 | grep -qx ptrtest.marathon.mesos."
ok $? "its PTR appears"
is "$(ptrs 10.0.77.5)" "ptrtest.marathon.mesos." "... alone: the short name"
is "$(dig @127.0.0.1 -p "$DNS_PORT" +noall +answer 77.0.10.in-addr.arpa SOA | awk '{ print $1, $4, $5 }')" \
	"77.0.10.in-addr.arpa. SOA ns1.mesos." "its derived zone has an SOA"
is "$(fake kill "{\"framework_id\": \"$FW\", \"task_id\": \"ptrtest.1\"}")" "200" \
	"fake master: the task killed"
wait_for 10 sh -c "dig @127.0.0.1 -p $DNS_PORT -x 10.0.77.5 | grep -q 'status: REFUSED'"
ok $? "its PTR and its zone go"
is "$(ptrs 10.0.1.1)" \
	"agent1.cluster.example. nimbus.storm.mesos. web-api-v2.marathon.mesos. web.marathon.mesos." \
	"the others stay"
still_running
ok $? "taskdns still running"

# Named zones: an address outside them gets none.
start_taskdns "{\"masters\": [\"$L\"], \"reverseOn\": true, \"externalon\": false,
	\"reverseZones\": [\"10.0.0.0/16\", \"fd01::/16\"]}" || bail "taskdns did not start"
is "$(ptrs 10.0.1.2)" \
	"agent2.cluster.example. chronostasknightly-report-for-the-accounting-department-long-na.chronos-2.5.mesos. supervisor.storm.mesos. web.marathon.mesos." \
	"named 10.0.0.0/16: agent2's address"
is "$(authority 10.0.9.9)" "0.10.in-addr.arpa. SOA ns1.mesos." \
	"named: a host without PTR gets the named zone's SOA"
is "$(rstatus 192.168.255.5)" "REFUSED" "named: an address outside the zones: none"
is "$(ptrs fd01:b::2:8000:2)" "db.marathon.mesos." "named fd01::/16: the IPv6 address"
wait_for 5 grep -q "skipped 1 PTR records outside reverseZones" "$TASKDNS_LOG"
ok $? "named: the PTR outside is counted in the refresh log line"

# Outside every reverse zone a name is forwarded like any name outside the
# domain; inside one taskdns answers for the whole zone, even for an
# address the upstream knows (the documented shadowing of derived zones).
if command -v unbound >/dev/null; then
	UB_PORT=$(free_port)
	UB_DIR="$T/unbound"
	mkdir -p "$UB_DIR"
	unbound_conf "127.0.0.1@$UB_PORT" "$UB_DIR" >"$UB_DIR/unbound.conf" <<'UB'
	local-data: "1.2.0.10.in-addr.arpa. 300 IN PTR outside.example.test."
	local-data: "99.1.0.10.in-addr.arpa. 300 IN PTR shadowed.example.test."
UB
	unbound -d -c "$UB_DIR/unbound.conf" >>"$UB_DIR/stderr" 2>&1 &
	PIDS+=($!)
	wait_for 10 sh -c "dig @127.0.0.1 -p $UB_PORT +time=1 +tries=1 +short -x 10.0.2.1 | grep -qx outside.example.test."
	ok $? "unbound upstream serves 10.0.2.1 and 10.0.1.99"
	start_taskdns "{\"masters\": [\"$L\"], \"reverseOn\": true,
		\"resolvers\": [\"127.0.0.1:$UB_PORT\"], \"timeout\": 2}" || bail "taskdns did not start"
	is "$(ptrs 10.0.2.1)" "outside.example.test." "outside every reverse zone: forwarded"
	is "$(dig @127.0.0.1 -p "$DNS_PORT" +time=2 +tries=1 +noall +answer -x 10.0.2.1 | awk '{ print $2 }')" \
		"300" "... the upstream's answer (its TTL, not taskdns's 60)"
	is "$(rstatus 10.0.1.99)" "NXDOMAIN" "inside a derived zone: taskdns's NXDOMAIN, not the upstream's PTR"
else
	skip "forwarding outside the reverse zones" "unbound not installed"
fi

# reverseOn false (the default): nothing.
start_taskdns "{\"masters\": [\"$L\"], \"externalon\": false}" || bail "taskdns did not start"
is "$(rstatus 10.0.1.1)" "REFUSED" "reverseOn false: no reverse zone"

# --dump-zone prints the reverse zones after the domain.
PORT=$(free_port)
cat >"$T/dump.json" <<JSON
{"stateFile": "$top_srcdir/contrib/sample/state.json", "listener": "127.0.0.1",
 "port": $PORT, "httpon": false, "reverseOn": true}
JSON
"$TASKDNS" -config="$T/dump.json" --dump-zone >"$T/dump.zone" 2>/dev/null
ok $? "--dump-zone exits 0"
is "$(awk '$4 == "SOA" { print $1 }' "$T/dump.zone" | tr '\n' ' ')" \
	"mesos. 1.0.10.in-addr.arpa. 255.168.192.in-addr.arpa. 0.0.0.0.0.0.0.0.b.0.0.0.1.0.d.f.ip6.arpa. " \
	"--dump-zone: the domain, then each reverse zone with its SOA"
is "$(grep -c $'\tPTR\t' "$T/dump.zone")" "14" "--dump-zone: the 14 PTR records"

# A whole zone of zoneFiles with the apex of a derived reverse zone
# replaces it: its own SOA and records, not the generated PTRs.
cat >"$T/rev.zone" <<'ZONE'
$ORIGIN 1.0.10.in-addr.arpa.
@	300	IN	SOA	ns.corp.example. hostmaster.corp.example. 42 3600 600 86400 60
@	300	IN	NS	ns.corp.example.
1	300	IN	PTR	gateway.corp.example.
ZONE
cat >"$T/dump2.json" <<JSON
{"stateFile": "$top_srcdir/contrib/sample/state.json", "listener": "127.0.0.1",
 "port": $PORT, "httpon": false, "reverseOn": true, "zoneFiles": ["$T/rev.zone"]}
JSON
"$TASKDNS" -config="$T/dump2.json" --dump-zone >"$T/dump2.zone" 2>/dev/null
ok $? "--dump-zone with a zone file for a reverse zone exits 0"
is "$(awk '$4 == "SOA" && $1 == "1.0.10.in-addr.arpa." { print $5, $7 }' "$T/dump2.zone")" \
	"ns.corp.example. 42" "a zone file's reverse zone replaces the derived one: one SOA, the file's"
is "$(awk '$1 == "1.1.0.10.in-addr.arpa." && $4 == "PTR" { print $5 }' "$T/dump2.zone")" \
	"gateway.corp.example." "... and its PTR alone at 10.0.1.1"

# getent hosts ADDR: the C library's resolver talks to port 53 only, so it
# runs in a network namespace of its own, where taskdns listens on 53.
if [ "$(id -u)" -ne 0 ] || ! ip netns list >/dev/null 2>&1 ||
    [ -S /var/run/nscd/socket ] || [ -S /run/nscd/socket ] || ! command -v getent >/dev/null; then
	skip "getent hosts ADDR through taskdns" "needs root, ip netns, getent and no nscd"
else
	NS="tdnsptr-$$-$RANDOM"
	ip netns add "$NS" || bail "cannot create a network namespace"
	NETNS+=("$NS")	# cleanup ends what runs in it, then deletes it
	ip netns exec "$NS" ip link set lo up
	mkdir -p "/etc/netns/$NS"
	printf 'nameserver 127.0.0.1\noptions timeout:5 attempts:2\n' >"/etc/netns/$NS/resolv.conf"
	printf 'hosts: files dns\n' >"/etc/netns/$NS/nsswitch.conf"
	cat >"$T/ns.json" <<JSON
{"stateFile": "$top_srcdir/contrib/sample/state.json", "listener": "127.0.0.1",
 "port": 53, "httpon": false, "reverseOn": true, "externalon": false}
JSON
	ip netns exec "$NS" "$TASKDNS" -config="$T/ns.json" >"$T/ns.log" 2>&1 &
	PIDS+=($!)
	wait_for 10 sh -c "ip netns exec $NS dig @127.0.0.1 +time=1 +tries=1 +short -x 10.0.1.3 | grep -q ."
	ok $? "taskdns answers on port 53 in $NS"
	# glibc gives the first PTR as the name (taskdns shuffles the RRset).
	got=$(ip netns exec "$NS" getent hosts 10.0.1.3)
	like "$got" '^10\.0\.1\.3 +(agent3\.cluster\.example|nginx\.marathon\.mesos|supervisor\.storm\.mesos|web\.marathon\.mesos)( |$)' \
		"getent hosts 10.0.1.3: one of its PTR names"
	got=$(ip netns exec "$NS" getent hosts 192.168.255.5)
	is "$got" "192.168.255.5   db.marathon.mesos" "getent hosts 192.168.255.5: its task"
	ip netns exec "$NS" getent hosts 10.0.1.99 >/dev/null
	is "$?" "2" "getent hosts 10.0.1.99: not found"
fi

done_testing
