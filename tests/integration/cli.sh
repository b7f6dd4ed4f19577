#!/bin/bash
# cli.sh -- command line, config.json validation, signals.
. "$(dirname "$0")/lib.sh"
need dig python3

out=$("$TASKDNS" -version); ok $? "-version exits 0"
like "$out" "^taskdns [0-9]+\.[0-9]+" "-version prints the version"
like "$("$TASKDNS" --help)" "-config=FILE" "--help lists the flags"
"$TASKDNS" --no-such-flag >/dev/null 2>&1
is "$?" "2" "an unknown flag exits 2"

# Bad configurations: one line naming the file and the key, exit 2.
bad() { # bad DESCRIPTION JSON REGEX
	local f="$T/bad.json" out rc
	printf '%s' "$2" >"$f"
	out=$("$TASKDNS" -config="$f" 2>&1 >/dev/null)
	rc=$?
	is "$rc" "2" "bad config exits 2: $1"
	like "$out" "$3" "bad config says why: $1"
}
bad "ttl not a number" '{"masters": ["127.0.0.1:5050"], "ttl": "60"}' \
	"^taskdns: $T/bad.json: key \"ttl\": must be an integer"
bad "port out of range" '{"masters": ["127.0.0.1:5050"], "Port": 70000}' 'key "port": must be an integer from 1 to 65535'
bad "domain" '{"masters": ["127.0.0.1:5050"], "domain": "-bad.example"}' 'key "domain": .*not a valid domain name'
bad "IPSources" '{"masters": ["127.0.0.1:5050"], "IPSources": ["host", "dhcp"]}' 'key "IPSources": unknown source "dhcp"'
bad "masters" '{"masters": ["10.0.0.1"]}' 'key "masters": "10.0.0.1" is not host:port'
bad "resolvers" '{"masters": ["127.0.0.1:5050"], "resolvers": ["dns.example"]}' 'key "resolvers": "dns.example" is not an IP address'
bad "zk" '{"zk": "zk://127.0.0.1/mesos"}' 'key "zk": "127.0.0.1" is not host:port'
bad "no source" '{}' 'key "masters": no masters, zk or stateFile'
bad "zoneResolvers in the domain" '{"masters": ["127.0.0.1:5050"], "zoneResolvers": {"x.mesos": ["127.0.0.1"]}}' \
	'key "zoneResolvers": zone "x.mesos" is inside domain "mesos"'
bad "threads" '{"masters": ["127.0.0.1:5050"], "threads": 65}' 'key "threads": must be an integer from 0 to 64'
bad "udpBatch" '{"masters": ["127.0.0.1:5050"], "udpBatch": 0}' 'key "udpBatch": must be an integer from 1 to 256'
bad "not JSON" '{"masters": ["127.0.0.1:5050"],' "bad.json: line [0-9]+ column [0-9]+"
bad "forwardAllow" '{"masters": ["127.0.0.1:5050"], "forwardAllow": ["10.0.0.0/33"]}' \
	'key "forwardAllow": "10.0.0.0/33" is not an address or network'
bad "user" '{"masters": ["127.0.0.1:5050"], "user": "no-such-user-xq"}' 'key "user": no such user "no-such-user-xq"'
bad "CertFile alone" '{"masters": ["127.0.0.1:5050"], "CertFile": "/etc/passwd"}' 'key "KeyFile": CertFile is set: KeyFile is missing'
bad "KeyFile unreadable" '{"masters": ["127.0.0.1:5050"], "CertFile": "/etc/passwd", "KeyFile": "/nonexistent/k.pem"}' \
	'key "KeyFile": /nonexistent/k.pem: No such file'
bad "tcpIoTimeoutMs" '{"masters": ["127.0.0.1:5050"], "tcpIoTimeoutMs": 50}' \
	'key "tcpIoTimeoutMs": must be an integer from 100 to 600000'
bad "17 resolvers" "{\"masters\": [\"127.0.0.1:5050\"], \"resolvers\": [$(seq -s, -f '"127.0.0.%g"' 1 17)]}" \
	'key "resolvers": 17 resolvers; at most 16'
"$TASKDNS" -config="$T/bad.json" -user=no-such-user-xq >/dev/null 2>"$T/user.err"
is "$?" "2" "-user with no such user exits 2"
out=$("$TASKDNS" -config="$T/missing.json" 2>&1); rc=$?
is "$rc" "2" "a missing config file exits 2"
like "$out" "missing.json: cannot read: No such file" "a missing config file is named"

# --check-config prints the effective configuration; keys match in any case.
cat >"$T/good.json" <<'JSON'
{"Masters": ["127.0.0.1:5050"], "TTL": 30, "soamname": "dns.mesos", "SOARname": "admin@example.com",
 "EnforceRFC952": true, "refreshseconds": 5, "someFutureKey": 1, "zk": "zk://127.0.0.1:2181/mesos"}
JSON
out=$("$TASKDNS" -config "$T/good.json" --check-config 2>"$T/check.err"); rc=$?
is "$rc" "0" "--check-config exits 0 on a good file"
is "$(echo "$out" | python3 -c 'import json,sys; c=json.load(sys.stdin); print(c["ttl"], c["SOAMname"], c["SOARname"], c["EnforceRFC952"], c["refreshSeconds"], c["port"], c["resolvers"])')" \
	"30 dns.mesos. admin.example.com. True 5 53 ['8.8.8.8']" "--check-config: keys in any case, defaults, FQDN SOA names"
like "$(cat "$T/check.err")" 'unknown key "someFutureKey" ignored' "an unknown key is a warning"
ok $(grep -q 'key "zk"' "$T/check.err"; [ $? -ne 0 ]; echo $?) "zk is supported: no warning"

# ./config.json is the default, as for Mesos-DNS; --config=FILE works too.
mkdir -p "$T/cwd"
cp "$T/good.json" "$T/cwd/config.json"
(cd "$T/cwd" && "$TASKDNS" --check-config >/dev/null 2>&1); ok $? "./config.json is read by default"
"$TASKDNS" --config="$T/good.json" --check-config >/dev/null 2>&1; ok $? "--config=FILE"

# --dump-zone prints the table as a master file NSD accepts.
PORT=$(free_port)
cat >"$T/sample.json" <<JSON
{"stateFile": "$top_srcdir/contrib/sample/state.json", "listener": "127.0.0.1", "port": $PORT,
 "SOAMinttl": 30, "httpon": false}
JSON
"$TASKDNS" -config="$T/sample.json" --dump-zone >"$T/dump.zone" 2>/dev/null
ok $? "--dump-zone exits 0"
if command -v nsd-checkzone >/dev/null; then
	nsd-checkzone mesos "$T/dump.zone" >/dev/null; ok $? "the dump is a valid zone (nsd-checkzone)"
else
	skip "the dump is a valid zone" "nsd-checkzone missing"
fi
is "$(grep -v '^;' "$T/dump.zone" | sed -E 's/(SOA\t[^ ]+ [^ ]+ )[0-9]+/\11/')" \
	"$(grep -v '^;' "$top_srcdir/zones/sample.zone")" "the dump equals zones/sample.zone"

# Signals: SIGHUP refreshes now (an unchanged refresh is a debug line), SIGTERM stops cleanly.
"$TASKDNS" -config="$T/sample.json" -v=1 >"$T/run.log" 2>&1 &
pid=$!
PIDS+=($pid)
wait_for 5 sh -c "dig @127.0.0.1 -p $PORT +short nimbus.storm.mesos | grep -q 10.0.1.1"
ok $? "serves the sample cluster"
n=$(grep -c "refresh: " "$T/run.log")
kill -HUP "$pid"
wait_for 5 sh -c "[ \$(grep -c 'refresh: ' $T/run.log) -gt $n ]"
ok $? "SIGHUP refreshes at once"
"$TASKDNS" -config="$T/sample.json" >"$T/second.log" 2>&1
is "$?" "1" "a second instance on the same port exits 1"
like "$(cat "$T/second.log")" "cannot listen: .*Address already in use" "and says why"
kill -TERM "$pid"
wait "$pid"
is "$?" "0" "SIGTERM: exit 0"

# -user: root is given up once the sockets are bound; the state is read as
# that user (from a directory it can read).
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
	ud=$(mktemp -d)
	chmod 755 "$ud"
	cp "$top_srcdir/contrib/sample/state.json" "$ud/state.json"
	chmod 644 "$ud/state.json"
	UPORT=$(free_port)
	cat >"$T/user.json" <<JSON
{"stateFile": "$ud/state.json", "listener": "127.0.0.1", "port": $UPORT, "resolvers": ["127.0.0.1:9"],
 "httpon": false}
JSON
	"$TASKDNS" -config="$T/user.json" -user=nobody >"$T/user.log" 2>&1 &
	upid=$!
	PIDS+=($upid)
	wait_for 5 sh -c "dig @127.0.0.1 -p $UPORT +short nimbus.storm.mesos | grep -q 10.0.1.1"
	ok $? "-user=nobody: serves the state it read as nobody"
	is "$(awk '/^Uid:/ {print $2, $3, $4, $5}' "/proc/$upid/status")" \
		"$(id -u nobody) $(id -u nobody) $(id -u nobody) $(id -u nobody)" \
		"... running as nobody (real, effective, saved, fs uid)"
	like "$(cat "$T/user.log")" "running as user nobody" "... and says so"
	stop_pid "$upid"
	rm -rf "$ud"
else
	skip "-user=nobody" "not root, or no user nobody"
	skip "... running as nobody" "not root"
	skip "... and says so" "not root"
fi

# Responder threads: one per CPU by default, -threads=N overrides; with
# several (SO_REUSEPORT) a second instance on the port still fails.
is "$("$TASKDNS" -config="$T/sample.json" --check-config 2>/dev/null |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["threads"])')" "$(nproc)" \
	"threads defaults to the number of CPUs"
"$TASKDNS" -config="$T/sample.json" -threads=3 >"$T/threads.log" 2>&1 &
pid=$!
PIDS+=($pid)
wait_for 5 sh -c "dig @127.0.0.1 -p $PORT +short nimbus.storm.mesos | grep -q 10.0.1.1"
like "$(cat "$T/threads.log")" "3 responder threads" "-threads=3 starts three responders"
n=0
for i in $(seq 1 30); do
	[ "$(dig @127.0.0.1 -p "$PORT" +time=2 +tries=1 +short nimbus.storm.mesos)" = 10.0.1.1 ] && n=$((n + 1))
	[ "$(dig @127.0.0.1 -p "$PORT" +time=2 +tries=1 +tcp +short nimbus.storm.mesos)" = 10.0.1.1 ] && n=$((n + 1))
done
is "$n" 60 "three responders answer every query, UDP and TCP (30 clients each)"
"$TASKDNS" -config="$T/sample.json" -threads=2 >"$T/second2.log" 2>&1
is "$?" "1" "a second multi-threaded instance on the same port exits 1"
like "$(cat "$T/second2.log")" "Address already in use" "and says why"
"$TASKDNS" -config="$T/sample.json" -threads=0 >/dev/null 2>&1
is "$?" "2" "-threads=0 is refused"
kill -TERM "$pid"
wait "$pid"
is "$?" "0" "three responders stop cleanly on SIGTERM"
like "$(tail -3 "$T/run.log")" "stats: .*queries_udp=" "the counters are logged on the way out"
done_testing
