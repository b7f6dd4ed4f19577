#!/bin/bash
# masters.sh -- leader detection over the masters list, refreshes, and a
# master that goes away, misbehaves, or comes back with a changed state.
. "$(dirname "$0")/lib.sh"
need dig python3

# The leader and a follower that names it in its "leader" field.
start_master leader
LEADER_PORT=$MASTER_PORT LEADER_DIR=$MASTER_DIR
sample_state "127.0.0.1:$LEADER_PORT" "$T/state.json"
set_state "$LEADER_DIR" "$T/state.json"
start_master follower --follower-of "127.0.0.1:$LEADER_PORT"
FOLLOWER_PORT=$MASTER_PORT
start_master redirector --follower-of "127.0.0.1:$LEADER_PORT" --redirect
REDIRECT_PORT=$MASTER_PORT
DEAD_PORT=$(free_port)

# Only the follower is configured: taskdns asks the leader it names.
start_taskdns "{\"masters\": [\"127.0.0.1:$FOLLOWER_PORT\"], \"refreshSeconds\": 1,
	\"resolvers\": [\"127.0.0.1:9\"]}" || bail "taskdns did not start"
is "$(rdata nimbus.storm.mesos)" "10.0.1.1" "a follower's view names the leader; its state is served"
like "$(cat "$TASKDNS_LOG")" "127.0.0.1:$LEADER_PORT \\(leader, via 127.0.0.1:$FOLLOWER_PORT\\)" \
	"the log says which master answered"
is "$(rdata leader.mesos)" "127.0.0.1" "leader.mesos from the state"
is "$(rdata _leader._tcp.mesos SRV)" "0 1 $LEADER_PORT leader.mesos." "leader port from the state"

# A follower that answers 307 with a protocol-relative Location.
start_taskdns "{\"masters\": [\"127.0.0.1:$REDIRECT_PORT\"], \"refreshSeconds\": 1,
	\"resolvers\": [\"127.0.0.1:9\"]}" || bail "taskdns did not start"
is "$(rdata nimbus.storm.mesos)" "10.0.1.1" "a 307 redirect to the leader is followed"

# A dead master first in the list: the next one is asked.
start_taskdns "{\"masters\": [\"127.0.0.1:$DEAD_PORT\", \"127.0.0.1:$LEADER_PORT\"],
	\"refreshSeconds\": 1, \"stateTimeoutSeconds\": 2, \"resolvers\": [\"127.0.0.1:9\"]}" ||
	bail "taskdns did not start"
is "$(rdata nimbus.storm.mesos)" "10.0.1.1" "a dead master is skipped"
is "$(rdata master.mesos)" "127.0.0.1" "master.mesos lists the configured masters"
# Both masters share 127.0.0.1: as in Mesos-DNS an address already under
# master.mesos gets no number of its own, so only the leader is master0.
is "$(rdata master0.mesos)" "127.0.0.1" "masterN numbers the masters with distinct addresses"
is "$(status master1.mesos)" "NXDOMAIN" "a master whose address is already listed gets no number"

# This instance polls the leader every second from here on.
wait_for 5 sh -c "[ \$(cat $LEADER_DIR/requests) -ge 3 ]"
ok $? "the leader is polled every refreshSeconds"

# A new task appears within one refresh.
python3 - "$T/state.json" "$T/state2.json" <<'PY'
import json, sys
st = json.load(open(sys.argv[1]))
fw = st["frameworks"][0]
t = json.loads(json.dumps(fw["tasks"][0]))
t["id"], t["name"], t["slave_id"] = "fresh.1", "fresh", st["slaves"][1]["id"]
fw["tasks"].append(t)
fw["tasks"] = [x for x in fw["tasks"] if x["name"] != "db"]
json.dump(st, open(sys.argv[2], "w"))
PY
serial1=$(rdata mesos SOA | awk '{print $3}')
t0=$(date +%s%N)
set_state "$LEADER_DIR" "$T/state2.json"
wait_for 5 sh -c "dig @127.0.0.1 -p $DNS_PORT +short fresh.marathon.mesos | grep -q 10.0.1.2"
ok $? "a task that starts resolves within a refresh ($(( ($(date +%s%N) - t0) / 1000000 )) ms)"
is "$(status db.marathon.mesos)" "NXDOMAIN" "a task that stopped is gone"
serial2=$(rdata mesos SOA | awk '{print $3}')
ok $([ "$serial2" -gt "$serial1" ]; echo $?) "the SOA serial moved ($serial1 -> $serial2)"
sleep 1.5
is "$(rdata mesos SOA | awk '{print $3}')" "$serial2" "the serial stays while nothing changes"

# The master misbehaves: the records in service stay.
for mode in garbage 500 close; do
	echo "$mode" >"$LEADER_DIR/mode"
	n=$(cat "$LEADER_DIR/requests")
	wait_for 5 sh -c "[ \$(cat $LEADER_DIR/requests) -ge $((n + 2)) ]"
	is "$(rdata fresh.marathon.mesos)" "10.0.1.2" "master answers '$mode': old records stay"
done
rm -f "$LEADER_DIR/mode"
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); s["leader"]="garbage"; json.dump(s, open(sys.argv[2],"w"))' \
	"$T/state2.json" "$T/badleader.json"
set_state "$LEADER_DIR" "$T/badleader.json"
n=$(cat "$LEADER_DIR/requests")
wait_for 5 sh -c "[ \$(cat $LEADER_DIR/requests) -ge $((n + 2)) ]"
is "$(rdata fresh.marathon.mesos)" "10.0.1.2" "a leader field that is not a pid: old records stay"
# The master counts a request when it arrives, before taskdns has read
# the answer and logged: wait for the line.
wait_for 5 grep -q 'leader "garbage" is not a pid' "$TASKDNS_LOG"
ok $? "and the log says why"
# A leader field that would make the poller fetch a URL of the master's
# choosing: refused, no request goes anywhere else.
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); s["leader"]="master@127.0.0.1/x?y:"+sys.argv[3]; json.dump(s, open(sys.argv[2],"w"))' \
	"$T/state2.json" "$T/urlleader.json" "$FOLLOWER_PORT"
set_state "$LEADER_DIR" "$T/urlleader.json"
wait_for 5 grep -qE 'leader "master@127.0.0.1/x\?y:[0-9]+" is not a pid' "$TASKDNS_LOG"
like "$(cat "$TASKDNS_LOG")" 'leader "master@127.0.0.1/x\?y:[0-9]+" is not a pid' \
	"a leader field holding a path is refused, not fetched"
is "$(rdata fresh.marathon.mesos)" "10.0.1.2" "... and the old records stay"
set_state "$LEADER_DIR" "$T/state2.json"
like "$(cat "$TASKDNS_LOG")" "keeping the records in service" "each failed refresh logs one line"

# A master that hangs: refreshes time out (stateTimeoutSeconds) while DNS
# answers at once.
echo hang >"$LEADER_DIR/mode"
sleep 1.5
t0=$(date +%s%N)
for i in $(seq 1 20); do rdata nimbus.storm.mesos >/dev/null; done
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
is "$(rdata nimbus.storm.mesos)" "10.0.1.1" "answers while the master hangs"
ok $([ "$ms" -lt 2000 ]; echo $?) "20 queries during a hung fetch take $ms ms (no blocking)"

# A master that hangs or trickles is abandoned after stateStallSeconds,
# not after stateTimeoutSeconds (300 s by default).
for mode in hang trickle; do
	start_master "stall$mode"
	set_state "$MASTER_DIR" "$T/state2.json"
	echo "$mode" >"$MASTER_DIR/mode"
	python3 - "$T/stall.json" "$MASTER_PORT" <<'PY'
import json, sys
json.dump({"masters": ["127.0.0.1:" + sys.argv[2]], "stateStallSeconds": 2,
           "resolvers": ["127.0.0.1:9"], "listener": "127.0.0.1", "port": 9}, open(sys.argv[1], "w"))
PY
	t0=$(now_ms)
	"$TASKDNS" -config="$T/stall.json" --dump-zone >"$T/stall.out" 2>&1
	rc=$? ms=$(( $(now_ms) - t0 ))
	ok $([ "$rc" -ne 0 ] && [ "$ms" -ge 1500 ] && [ "$ms" -lt 6000 ]; echo $?) \
		"a master that answers '$mode': given up after the 2 s stall ($ms ms)"
	like "$(cat "$T/stall.out")" "too slow|Less than 1024 bytes/sec" "... saying it was too slow"
done

# The master goes away, then comes back with a changed cluster.
kill "$MASTER_PID_leader"; wait "$MASTER_PID_leader" 2>/dev/null
sleep 2.5
is "$(rdata fresh.marathon.mesos)" "10.0.1.2" "master gone: the last good records are served"
rm -f "$LEADER_DIR/mode"
python3 - "$T/state2.json" "$T/state3.json" <<'PY'
import json, sys
st = json.load(open(sys.argv[1]))
st["frameworks"][1]["tasks"][0]["slave_id"] = st["slaves"][2]["id"]
json.dump(st, open(sys.argv[2], "w"))
PY
set_state "$LEADER_DIR" "$T/state3.json"
python3 "$FAKE_MASTER" --port "$LEADER_PORT" --dir "$LEADER_DIR" 2>>"$T/master-leader.log" &
PIDS+=($!)
wait_for 8 sh -c "dig @127.0.0.1 -p $DNS_PORT +short nimbus.storm.mesos | grep -q 10.0.1.3"
ok $? "master back with a changed state: new answers within a refresh"
ok $(still_running; echo $?) "taskdns is still running"

# HTTP basic authentication (mesosAuthentication "basic").
start_master secure --auth "taskdns:s3cret"
sample_state "127.0.0.1:$MASTER_PORT" "$T/state-secure.json"
set_state "$MASTER_DIR" "$T/state-secure.json"
start_taskdns "{\"masters\": [\"127.0.0.1:$MASTER_PORT\"], \"refreshSeconds\": 1,
	\"mesosAuthentication\": \"basic\",
	\"mesosCredentials\": {\"principal\": \"taskdns\", \"secret\": \"s3cret\"},
	\"resolvers\": [\"127.0.0.1:9\"]}" || bail "taskdns did not start"
is "$(rdata nimbus.storm.mesos)" "10.0.1.1" "basic authentication with mesosCredentials"
like "$(cat "$TASKDNS_LOG")" 'basic authentication over plain HTTP sends the secret in the clear' \
	"... over plain HTTP: a warning"

# HTTPS (MesosHTTPSOn, CACertFile), and no redirect from https to http.
SECURE_PORT=$MASTER_PORT
if command -v openssl >/dev/null; then
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
		-addext subjectAltName=IP:127.0.0.1 -keyout "$T/key.pem" -out "$T/cert.pem" \
		>/dev/null 2>&1
	start_master tls --tls "$T/cert.pem" "$T/key.pem"
	sample_state "127.0.0.1:$MASTER_PORT" "$T/state-tls.json"
	set_state "$MASTER_DIR" "$T/state-tls.json"
	TLS_PORT=$MASTER_PORT
	start_master plain
	set_state "$MASTER_DIR" "$T/state-tls.json"
	start_master tlsredirect --tls "$T/cert.pem" "$T/key.pem" \
		--redirect-url "http://127.0.0.1:$MASTER_PORT/master/state"
	for m in "$TLS_PORT" "$MASTER_PORT"; do
		printf '{"masters": ["127.0.0.1:%s"], "MesosHTTPSOn": true, "CACertFile": "%s", "port": 9}' \
			"$m" "$T/cert.pem" >"$T/https-$m.json"
	done
	"$TASKDNS" -config="$T/https-$TLS_PORT.json" --dump-zone >"$T/https.zone" 2>&1
	like "$(cat "$T/https.zone")" "^nimbus\.storm\.mesos\." "MesosHTTPSOn: the state over HTTPS, the CA of CACertFile"
	"$TASKDNS" -config="$T/https-$MASTER_PORT.json" --dump-zone >"$T/redirect.out" 2>&1
	rc=$?
	ok $([ "$rc" -ne 0 ]; echo $?) "a redirect from https to http is not followed"
	like "$(cat "$T/redirect.out")" "GET https://127.0.0.1:$MASTER_PORT/master/state: .*(http|[Pp]rotocol)" \
		"... and the failure names it"
	is "$(cat "$T/master-plain/requests" 2>/dev/null || echo 0)" "0" "... nothing went to the http master"
	# A master that requires a client certificate (CertFile, KeyFile).
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=taskdns \
		-keyout "$T/client-key.pem" -out "$T/client.pem" >/dev/null 2>&1
	start_master mtls --tls "$T/cert.pem" "$T/key.pem" --tls-client-ca "$T/client.pem"
	set_state "$MASTER_DIR" "$T/state-tls.json"
	printf '{"masters": ["127.0.0.1:%s"], "MesosHTTPSOn": true, "CACertFile": "%s", "port": 9}' \
		"$MASTER_PORT" "$T/cert.pem" >"$T/mtls-none.json"
	printf '{"masters": ["127.0.0.1:%s"], "MesosHTTPSOn": true, "CACertFile": "%s",
		"CertFile": "%s", "KeyFile": "%s", "port": 9}' \
		"$MASTER_PORT" "$T/cert.pem" "$T/client.pem" "$T/client-key.pem" >"$T/mtls.json"
	"$TASKDNS" -config="$T/mtls-none.json" --dump-zone >"$T/mtls-none.out" 2>&1
	ok $([ $? -ne 0 ]; echo $?) "a master requiring a client certificate refuses one without"
	"$TASKDNS" -config="$T/mtls.json" --dump-zone >"$T/mtls.zone" 2>&1
	like "$(cat "$T/mtls.zone")" "^nimbus\.storm\.mesos\." "CertFile and KeyFile: the client certificate is presented"
else
	skip "MesosHTTPSOn" "no openssl"
	skip "https to http redirect" "no openssl"
	skip "... names it" "no openssl"
	skip "... nothing went over http" "no openssl"
	skip "client certificate refused without" "no openssl"
	skip "CertFile and KeyFile" "no openssl"
fi
MASTER_PORT=$SECURE_PORT

# Before any state has been loaded, names in the domain are SERVFAIL (a
# resolver must not cache an NXDOMAIN for them), the rest still forwards.
PORT=$(free_port)
cat >"$T/nostate.json" <<JSON
{"masters": ["127.0.0.1:$MASTER_PORT"], "refreshSeconds": 1, "listener": "127.0.0.1",
 "port": $PORT, "resolvers": ["127.0.0.1:9"], "httpon": false}
JSON
"$TASKDNS" -config="$T/nostate.json" >>"$T/nostate.log" 2>&1 &
PIDS+=($!)
wait_for 5 sh -c "dig @127.0.0.1 -p $PORT +time=1 +tries=1 nimbus.storm.mesos | grep -q status:"
like "$(dig @127.0.0.1 -p "$PORT" +time=1 +tries=1 nimbus.storm.mesos)" "status: SERVFAIL" \
	"no state yet (401 from the master): SERVFAIL, not NXDOMAIN"
like "$(cat "$T/nostate.log")" "HTTP status 401" "the failed fetch says why"
done_testing
