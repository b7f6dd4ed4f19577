#!/bin/bash
# dnsnotify.sh -- NOTIFY (RFC 1996) to the secondaries of "notify": fake
# secondaries (tests/fake_secondary.py decodes what arrives) that answer,
# stay silent or answer REFUSED; the message format, the retry schedule,
# coalescing, the metrics; a bad "notify" entry; and a real Knot
# secondary (knotd) that accepts our NOTIFY.
. "$(dirname "$0")/lib.sh"
need dig curl python3

FAKE_SECONDARY="$top_srcdir/tests/fake_secondary.py"

# start_secondary NAME [options...]: a fake secondary on a free port;
# sets SEC_PORT; what it gets goes to $T/sec-NAME.log.
start_secondary() {
	local name=$1
	shift
	SEC_PORT=$(free_port)
	: >"$T/sec-$name.log"
	python3 "$FAKE_SECONDARY" --port "$SEC_PORT" --log "$T/sec-$name.log" "$@" \
		2>>"$T/sec-$name.err" &
	PIDS+=($!)
	wait_for 10 sh -c "ss -lunH 'sport = :$SEC_PORT' | grep -q ." ||
		bail "fake secondary $name did not start"
}
# lines NAME [PATTERN]: NOTIFYs secondary NAME got (matching PATTERN).
lines() { grep -c -- "${2:-opcode=}" "$T/sec-$1.log"; }
# metric FAMILY TO: the value of FAMILY{to="TO"} in /metrics.
metric() {
	curl -s "http://127.0.0.1:$HTTP_PORT/metrics" |
		awk -v k="$1{to=\"$2\"}" '$1 == k { print $2 }'
}
fake() { # fake OP JSON: the fake master's control endpoint
	curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
		--data "$2" "http://$L/_fake/$1"
}
FW=8d9f7b3e-5a1c-4e3b-9f6a-0c1d2e3f4a5b-0000
AG=8d9f7b3e-5a1c-4e3b-9f6a-0c1d2e3f4a5b-S1
launch() { # launch TASK_ID NAME
	fake launch "{\"framework_id\": \"$FW\", \"agent_id\": \"$AG\", \"task_id\": \"$1\", \"name\": \"$2\"}"
}
serial() { dig @127.0.0.1 -p "$DNS_PORT" +time=2 +tries=1 +short mesos SOA | awk '{ print $3 }'; }

# A bad entry is a configuration error: one line, exit 2.
for bad in '"ns1.example.net"' '"127.0.0.1:0"' '"127.0.0.1:99999"' '""' \
	'"0.0.0.0"' '"127.0.0.1", "127.0.0.1:53"' '"10.0.0.1:53x"' '5'; do
	printf '{"masters": ["127.0.0.1:5050"], "notify": [%s]}' "$bad" >"$T/bad.json"
	out=$("$TASKDNS" -config="$T/bad.json" --check-config 2>&1)
	rc=$?
	is "$rc" 2 "--check-config: notify [$bad]: exit 2"
	like "$out" "key \"notify\": " "... one line naming the key: $(echo "$out" | head -n 1)"
done
printf '{"masters": ["127.0.0.1:5050"], "notify": ["127.0.0.1", "[::1]:5353", "10.0.0.2:5300"]}' >"$T/good.json"
is "$("$TASKDNS" -config="$T/good.json" --check-config 2>/dev/null |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["notify"])')" \
	"['127.0.0.1', '[::1]:5353', '10.0.0.2:5300']" "--check-config: notify as configured"
printf '{"masters": ["127.0.0.1:5050"]}' >"$T/none.json"
is "$("$TASKDNS" -config="$T/none.json" --check-config 2>/dev/null |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["notify"])')" \
	"[]" "--check-config: notify is empty by default"

# A cluster, three secondaries: one answers, one never does, one refuses.
start_master m --heartbeat 1
L=127.0.0.1:$MASTER_PORT
sample_state "$L" "$T/s0.json"
set_state "$MASTER_DIR" "$T/s0.json"
start_secondary good;	GOOD=127.0.0.1:$SEC_PORT
start_secondary silent --silent;	SILENT=127.0.0.1:$SEC_PORT
start_secondary refused --rcode REFUSED;	REFUSED=127.0.0.1:$SEC_PORT
HTTP_PORT=$(free_port)
T0=$(date +%s.%N)
start_taskdns "{\"masters\": [\"$L\"], \"httpon\": true, \"httpport\": $HTTP_PORT,
	\"notify\": [\"$GOOD\", \"$SILENT\", \"$REFUSED\"]}" || bail "taskdns did not start"

# At start: one NOTIFY of the cluster zone to each.
wait_for 5 grep -q 'qname=mesos\.' "$T/sec-good.log"
ok $? "a NOTIFY for mesos. arrives at start"
first=$(grep 'qname=mesos\.' "$T/sec-good.log" | head -n 1)
like "$first" ' opcode=4 ' "... opcode 4 (NOTIFY, RFC 1996 3.1)"
like "$first" ' flags=aa ' "... AA set, QR clear, nothing else"
like "$first" ' qd=1 an=0 ns=0 ar=0 ' "... one question, no other section"
like "$first" ' qname=mesos\. qtype=SOA qclass=IN ' "... the question: mesos. SOA IN"
like "$first" " src=127\.0\.0\.1:" "... from the address the secondary is reached from"
is "$(grep -c malformed "$T/sec-good.log")" 0 "nothing malformed"
wait_for 5 grep -q 'qname=mesos\.' "$T/sec-refused.log"
ok $? "the refusing secondary gets it too"

# The silent secondary: 5 tries, 1, 2, 4, 8 s apart, then no more (the
# first try and the four retries take 15 s; giving up 8 s later). A serial
# that moves meanwhile starts its own tries: the NOTIFY looked at is the
# one (by id) that was given up.
wait_for 30 sh -c "grep -q 'dnsnotify: $SILENT: zone mesos. serial [0-9]*: no answer to 5 tries; giving up' '$TASKDNS_LOG'"
ok $? "the silent secondary: one log line, giving up"
sleep 1
silent_tries() { # the lines of the id with the most tries
	awk '/qname=mesos\./ { print $11, $1 }' "$T/sec-silent.log" |
		python3 -c '
import sys, collections
by = collections.defaultdict(list)
for line in sys.stdin:
    i, t = line.split()
    by[i].append(float(t[2:]))
i = max(by, key=lambda k: len(by[k]))
print(len(by[i]), " ".join("%.2f" % (b - a) for a, b in zip(by[i], by[i][1:])))'
}
read -r ntries gaps < <(silent_tries)
diag "tries of one NOTIFY: $ntries, gaps: $gaps"
is "$ntries" 5 "... after 5 tries of one NOTIFY (one id)"
python3 - "$gaps" <<'PY2'
import sys
g = [float(x) for x in sys.argv[1].split()]
want = [1, 2, 4, 8]
ok = len(g) == 4 and all(abs(a - b) <= 0.5 for a, b in zip(g, want))
sys.exit(0 if ok else 1)
PY2
ok $? "... spaced 1, 2, 4, 8 s (within 0.5 s): $gaps"
is "$(grep -c "dnsnotify: $SILENT: .*giving up" "$TASKDNS_LOG")" 1 "... given up once"

# The refusing secondary: one NOTIFY per serial, not retried.
rids=$(awk '/qname=mesos\./ { print $11 }' "$T/sec-refused.log" | sort | uniq -d)
is "$rids" "" "REFUSED is not retried (no id twice)"
like "$(grep "dnsnotify: $REFUSED: .*answered" "$TASKDNS_LOG" | head -n 1)" \
	"zone mesos\. serial [0-9]+: NOTIFY answered REFUSED; not retried" "... and logged"

# The metrics count what the secondaries got, exactly.
n_good=$(lines good); n_sil=$(lines silent); n_ref=$(lines refused)
is "$(metric taskdns_notify_sent_total "$GOOD")" "$n_good" "sent{good} = NOTIFYs it got ($n_good)"
is "$(metric taskdns_notify_acked_total "$GOOD")" "$n_good" "acked{good} = all of them"
is "$(metric taskdns_notify_failed_total "$GOOD")" 0 "failed{good} = 0"
is "$(metric taskdns_notify_sent_total "$SILENT")" "$n_sil" "sent{silent} = NOTIFYs it got ($n_sil)"
is "$(metric taskdns_notify_acked_total "$SILENT")" 0 "acked{silent} = 0"
is "$(metric taskdns_notify_failed_total "$SILENT")" 1 "failed{silent} = 1 (given up once)"
is "$(metric taskdns_notify_sent_total "$REFUSED")" "$n_ref" "sent{refused} = NOTIFYs it got ($n_ref)"
is "$(metric taskdns_notify_acked_total "$REFUSED")" 0 "acked{refused} = 0"
is "$(metric taskdns_notify_failed_total "$REFUSED")" "$n_ref" "failed{refused} = each of them"

# A task launched through the fake master: a new serial, NOTIFY within 1 s.
s1=$(serial)
before=$(lines good)
t0=$(now_ms)
is "$(launch notify.1 NotifyOne)" 200 "fake master: a task launched"
wait_for 3 sh -c "[ \$(grep -c opcode= '$T/sec-good.log') -gt $before ]"
ok $? "a new NOTIFY arrives"
t1=$(awk '/opcode=/ { sub("t=", "", $1); t = $1 } END { printf "%.0f", t * 1000 }' "$T/sec-good.log")
diag "launch to NOTIFY: $((t1 - t0)) ms"
ok $([ $((t1 - t0)) -ge 0 ] && [ $((t1 - t0)) -le 1000 ]; echo $?) "... within 1 s of the launch"
like "$(tail -n 1 "$T/sec-good.log")" ' opcode=4 flags=aa .* qname=mesos\. qtype=SOA qclass=IN ' \
	"... of the same form"
s2=$(serial)
ok $([ -n "$s1" ] && [ -n "$s2" ] && [ "$s2" != "$s1" ]; echo $?) "the serial moved ($s1 -> $s2)"

# A burst of changes: the good secondary gets one NOTIFY per serial, the
# silent one, whose NOTIFY stays unanswered, far fewer (the newest serial
# replaces the one waiting; at most one try a second).
gb=$(lines good); sb=$(lines silent)
for i in 1 2 3 4 5 6 7 8; do
	launch "burst.$i" "Burst$i" >/dev/null
	sleep 0.1
done
sleep 1.5
ga=$(lines good); sa=$(lines silent)
changes=$((ga - gb)); silent_got=$((sa - sb))
diag "burst: $changes NOTIFYs to the good secondary, $silent_got to the silent one"
ok $([ "$changes" -ge 4 ]; echo $?) "the burst made several serials ($changes)"
ok $([ "$silent_got" -ge 1 ] && [ "$silent_got" -lt "$changes" ]; echo $?) \
	"... coalesced for the secondary with one unanswered ($silent_got < $changes)"
ok $([ "$silent_got" -le 3 ]; echo $?) "... at most one try a second, plus the first ($silent_got)"
is "$(metric taskdns_notify_sent_total "$GOOD")" "$(lines good)" "sent{good} still equals what it got"
is "$(metric taskdns_notify_acked_total "$GOOD")" "$(lines good)" "acked{good} too"

# A real secondary: Knot takes mesos. from taskdns, is told of a serial,
# and answers NOERROR (an accepted NOTIFY) in its log; a FORMERR or a
# NOTIMP would mean our format is not one it accepts.
if command -v knotd >/dev/null 2>&1; then
	KP=$(free_port)
	mkdir -p "$T/knot/db"
	cat >"$T/knot/knot.conf" <<CONF
server:
    rundir: "$T/knot"
    listen: 127.0.0.1@$KP
    tcp-workers: 1
    udp-workers: 1
    background-workers: 1
log:
  - target: "$T/knot/knot.log"
    any: debug
database:
    storage: "$T/knot/db"
remote:
  - id: taskdns
    address: 127.0.0.1@$DNS_PORT
acl:
  - id: notify_from_taskdns
    address: 127.0.0.0/8
    action: notify
template:
  - id: default
    storage: "$T/knot/db"
zone:
  - domain: mesos
    master: taskdns
    acl: notify_from_taskdns
CONF
	knotd -c "$T/knot/knot.conf" >"$T/knot/stdout" 2>&1 &
	KNOT_PID=$!
	PIDS+=($KNOT_PID)
	wait_for 10 sh -c "ss -lunH 'sport = :$KP' | grep -q ." || diag "knotd did not start: $(cat "$T/knot/stdout")"
	# A second taskdns, notifying Knot only.
	HTTP_PORT=$(free_port)
	start_taskdns "{\"masters\": [\"$L\"], \"httpon\": true, \"httpport\": $HTTP_PORT,
		\"notify\": [\"127.0.0.1:$KP\"]}" || bail "taskdns for Knot did not start"
	wait_for 10 sh -c "[ \"\$(curl -s http://127.0.0.1:$HTTP_PORT/metrics | awk '\$1 == \"taskdns_notify_acked_total{to=\\\"127.0.0.1:$KP\\\"}\" { print \$2 }')\" = 1 ]"
	ok $? "Knot answers our NOTIFY with NOERROR (acked = 1)"
	is "$(metric taskdns_notify_failed_total "127.0.0.1:$KP")" 0 "... failed = 0"
	like "$(grep -i notify "$T/knot/knot.log")" "\[mesos\.\] notify, incoming, remote 127\.0\.0\.1@[0-9]+" \
		"Knot's log: an incoming NOTIFY for mesos."
	ok $(grep -qiE 'FORMERR|malformed' "$T/knot/knot.log"; [ $? -ne 0 ]; echo $?) "... no FORMERR or malformed message"
	grep -i notify "$T/knot/knot.log" | head -n 3 | sed 's/^/# knot: /'
	stop_pid "$KNOT_PID"
else
	skip "Knot accepts our NOTIFY" "knotd not installed (apt-get install knot)"
fi

ok $(still_running; echo $?) "taskdns still runs"
done_testing
