#!/bin/bash
# static_zones.sh -- zoneFiles against the real binary: names inside the
# domain, a whole local zone, a collision with a task launched and killed
# through the fake master, SIGHUP reloads good and bad, an over-limit file.
. "$(dirname "$0")/lib.sh"
need dig drill curl python3

ZF="$top_srcdir/tests/fixtures/zones"
mkdir -p "$T/zones"
cp "$ZF/in.zone" "$ZF/corp.zone" "$T/zones/"

start_master leader --heartbeat 1
set_state "$MASTER_DIR" "$FIXTURES/state/cluster.json"
M=127.0.0.1:$MASTER_PORT
FW=4a1b2c3d-0000-4000-8000-000000000001-0000	# marathon
AG=4a1b2c3d-0000-4000-8000-000000000001-S1

launch() { # launch TASK_ID NAME IP
	curl -sf -X POST -d "{\"framework_id\": \"$FW\", \"agent_id\": \"$AG\", \"task_id\": \"$1\", \"name\": \"$2\", \"ip\": \"$3\"}" \
		"http://$M/_fake/launch" >/dev/null
}
kill_task() { # kill_task TASK_ID
	curl -sf -X POST -d "{\"framework_id\": \"$FW\", \"task_id\": \"$1\"}" \
		"http://$M/_fake/kill" >/dev/null
}
has() { [ "$(q "$@")" != "" ]; }
logged() { grep -qF -- "$1" "$TASKDNS_LOG"; }
serial() { dig @127.0.0.1 -p "$DNS_PORT" +short "$1" SOA | awk '{print $3}'; }

# zones/ is relative to the config file, which start_taskdns writes in $T.
start_taskdns "{\"masters\": [\"$M\"], \"refreshSeconds\": 60, \"zoneFiles\": [\"zones/in.zone\", \"zones/corp.zone\"]}" ||
	bail "taskdns did not start"

# Names inside the cluster domain.
is "$(q info.mesos TXT)" 'info.mesos. 30 TXT "hello from a zone file"' "TXT inside the domain"
is "$(dig @127.0.0.1 -p "$DNS_PORT" +noall +answer +additional mail.mesos MX |
	awk '{print $1, $4, substr($0, index($0, $5))}')" \
	"$(printf 'mail.mesos. MX 10 mx1.mesos.\nmx1.mesos. A 10.9.9.9')" \
	"MX with its exchange's address in the additional section"
launch web2.1 web2 10.50.0.2 || bail "cannot launch a task"
wait_for 10 has web2.marathon.mesos A
ok $? "a task launched through the master is served"
is "$(dig @127.0.0.1 -p "$DNS_PORT" +noall +answer www.mesos A | awk '{print $1, $4, $5}')" \
	"$(printf 'www.mesos. CNAME web2.marathon.mesos.\nweb2.marathon.mesos. A 10.50.0.2')" \
	"CNAME to a task name, followed to its A"
is "$(status nowhere.mesos A)" "NXDOMAIN" "a CNAME to a missing name inside the domain: NXDOMAIN"
is "$(dig @127.0.0.1 -p "$DNS_PORT" +noall +answer nowhere.mesos A | awk '{print $4, $5}')" \
	"CNAME missing.mesos." "... with the CNAME"

# A whole local zone: its own SOA, NS and negative answers.
is "$(rdata corp.example SOA)" "ns1.corp.example. hostmaster.corp.example. 2026120101 3600 600 86400 120" \
	"whole zone: the file's SOA and serial"
is "$(rdata corp.example NS)" "$(printf 'ns1.corp.example.\nns2.corp.example.')" \
	"whole zone: the file's NS records"
is "$(status nosuch.corp.example A)" "NXDOMAIN" "whole zone: NXDOMAIN"
is "$(dig @127.0.0.1 -p "$DNS_PORT" +noall +authority nosuch.corp.example A | awk '{print $1, $4}')" \
	"corp.example. SOA" "... with its own SOA"
is "$(drill -p "$DNS_PORT" web.corp.example A @127.0.0.1 | awk '$1 !~ /^;/ && ($4 == "A" || $4 == "CNAME") {print $1, $4, $5}')" \
	"$(printf 'web.corp.example.\tCNAME\tdb.corp.example.\ndb.corp.example.\tA\t192.0.2.10' | tr '\t' ' ')" \
	"drill: a CNAME inside the whole zone, followed"
like "$("$TASKDNS" -config="$CONFIG" --dump-zone 2>/dev/null)" \
	"corp.example.[[:space:]]+300[[:space:]]+IN[[:space:]]+SOA[[:space:]]+ns1.corp.example. hostmaster.corp.example. 2026120101 " \
	"--dump-zone prints the whole zone with its SOA"

# A collision: the static name api.marathon.mesos and a task named api.
is "$(q api.marathon.mesos TXT)" 'api.marathon.mesos. 30 TXT "static api"' "the static name"
is "$(q api.marathon.mesos A)" "" "... no address while no task is named api"
launch api.1 api 10.50.0.1 || bail "cannot launch a task"
wait_for 10 logged "zone: api.marathon.mesos.: static records hide 1 generated records"
ok $? "the collision is logged when it starts"
is "$(q api.marathon.mesos A)" "" "... the generated A is withheld"
is "$(q api.marathon.mesos TXT)" 'api.marathon.mesos. 30 TXT "static api"' "... the static TXT stays"
kill_task api.1 || bail "cannot kill the task"
wait_for 10 logged "zone: api.marathon.mesos.: static records no longer hide generated records"
ok $? "the collision is logged when it ends"
is "$(grep -c 'zone: api.marathon.mesos.: static records' "$TASKDNS_LOG")" "2" "... each once"

# SIGHUP, good: a new name, and the whole zone's new serial.
sed -i 's/^info /added TXT "after SIGHUP"\ninfo /' "$T/zones/in.zone"
sed -i 's/2026120101/2026120102/; s/^db .*/db 300 A 192.0.2.11/' "$T/zones/corp.zone"
python3 - "$CONFIG" <<'PY'
import json, sys
c = json.load(open(sys.argv[1])); c["ttl"] = 7
json.dump(c, open(sys.argv[1], "w"))
PY
kill -HUP "$TASKDNS_PID"
wait_for 10 has added.mesos TXT
ok $? "SIGHUP: a name added to a zone file is served"
is "$(serial corp.example)" "2026120102" "SIGHUP: the whole zone takes its file's new serial"
is "$(rdata db.corp.example A)" "192.0.2.11" "SIGHUP: and its new records"
wait_for 5 logged "main: SIGHUP: ttl changed; it takes effect at restart"
ok $? "SIGHUP: a key that needs a restart is logged"
is "$(grep -c 'takes effect at restart' "$TASKDNS_LOG")" "1" "... and no other key"
is "$(q web2.marathon.mesos A | awk '{print $2}')" "60" "... and keeps its old value"

# SIGHUP, bad: one line, everything stays.
printf 'broken A 10.0.0\n' >>"$T/zones/in.zone"
kill -HUP "$TASKDNS_PID"
wait_for 5 logged "main: SIGHUP: $T/zones/in.zone:"
ok $? "SIGHUP with a bad zone file: the error is logged with its line"
like "$(grep 'main: SIGHUP: .*in.zone:' "$TASKDNS_LOG")" \
	"in.zone:[0-9]+: Syntax error.*; keeping the configuration and zones in service" "... on one line"
is "$(q added.mesos TXT)" 'added.mesos. 30 TXT "after SIGHUP"' "... the answers stay"
is "$(serial corp.example)" "2026120102" "... and the serial"
ok $(still_running; echo $?) "... taskdns still runs"

# An over-limit file: refused with one line at startup.
awk 'BEGIN { for (i = 0; i <= 100000; i++) printf "n%d TXT x\n", i }' >"$T/zones/big.zone"
printf '{"masters": ["%s"], "zoneFiles": ["zones/big.zone"]}' "$M" >"$T/big.json"
out=$("$TASKDNS" -config="$T/big.json" --check-config 2>&1 >/dev/null)
is "$?" "2" "a file over 100,000 records: exit 2"
is "$out" "taskdns: $T/zones/big.zone:100001: over 100000 records (the limit of a zone file)" \
	"... one line naming the file and line"

done_testing
