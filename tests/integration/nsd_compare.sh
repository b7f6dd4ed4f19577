#!/bin/bash
# nsd_compare.sh -- NSD serves the expected zone of the sample cluster
# (zones/sample.zone); taskdns serves the sample cluster itself. Every
# name in the zone, names that do not exist, empty non-terminals, other
# types and other letter cases must get the same answer from both:
# rcode, AA, answer and authority sections (the SOA serial aside).
. "$(dirname "$0")/lib.sh"
need nsd dig

ZONE="$top_srcdir/zones/sample.zone"
NSD_PORT=$(free_port)
mkdir -p "$T/nsd"
cp "$ZONE" "$T/nsd/sample.zone"
cat >"$T/nsd/nsd.conf" <<CONF
server:
	ip-address: 127.0.0.1
	port: $NSD_PORT
	username: ""
	chroot: ""
	zonesdir: "$T/nsd"
	database: ""
	pidfile: "$T/nsd/nsd.pid"
	xfrdfile: "$T/nsd/xfrd.state"
	zonelistfile: "$T/nsd/zone.list"
	xfrdir: "$T/nsd"
	logfile: "$T/nsd/nsd.log"
	server-count: 1
	minimal-responses: yes
	refuse-any: no
	verbosity: 1
remote-control:
	control-enable: no
zone:
	name: mesos
	zonefile: sample.zone
CONF
nsd -d -c "$T/nsd/nsd.conf" 2>>"$T/nsd/stderr" &
PIDS+=($!)
wait_for 10 sh -c "dig @127.0.0.1 -p $NSD_PORT +time=1 +tries=1 mesos SOA | grep -q 'status: NOERROR'" ||
	{ sed 's/^/# /' "$T/nsd/stderr" "$T/nsd/nsd.log"; bail "nsd did not start"; }

start_taskdns "$(python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); c["stateFile"]=sys.argv[2]; c.pop("port"); c.pop("listener"); print(json.dumps(c))' \
	"$top_srcdir/contrib/sample/config.json" "$top_srcdir/contrib/sample/state.json")" ||
	bail "taskdns did not start"

# The answer of a server, normalised: rcode, aa, answer and authority,
# records sorted, the SOA serial replaced, lower-cased (names compare
# without regard to case, and a server may compress names in its data
# against the question's spelling), additional data left out.
answer() { # answer PORT NAME TYPE
	dig @127.0.0.1 -p "$1" +time=2 +tries=1 +norec +noall +comments +answer +authority "$2" "$3" |
		awk '
		/->>HEADER<<-/ { match($0, /status: [A-Z]+/); print substr($0, RSTART, RLENGTH); next }
		/^;; flags:/ { aa = ($0 ~ / aa[ ;]/) ? "aa" : "-"; print "flags " aa; next }
		/^;/ || /^$/ { next }
		{ if ($4 == "SOA") $7 = "SERIAL"; print tolower($0) }' |
		sort
}

names=$(awk '!/^;/ && NF { print $1 }' "$ZONE" | sort -u)
count=0
mismatch=0
compare() { # compare NAME TYPE
	local a b
	a=$(answer "$NSD_PORT" "$1" "$2")
	b=$(answer "$DNS_PORT" "$1" "$2")
	count=$((count + 1))
	if [ "$a" != "$b" ]; then
		mismatch=$((mismatch + 1))
		if [ $mismatch -le 5 ]; then
			diag "differs: $1 $2"
			diag "nsd:     $(echo "$a" | tr '\n' '|')"
			diag "taskdns: $(echo "$b" | tr '\n' '|')"
		fi
	fi
}

for n in $names; do
	for t in A AAAA SRV; do
		compare "$n" "$t"
	done
done
is "$mismatch" 0 "every name in the zone, A/AAAA/SRV: taskdns answers as NSD does ($count questions)"

mismatch=0; count=0
for n in $names; do
	compare "$n" TXT
	compare "$n" MX
	compare "$n" TYPE65000
done
is "$mismatch" 0 "other types at existing names are NODATA with the SOA, as NSD says ($count questions)"

mismatch=0; count=0
for n in nope.mesos nope.storm.mesos x.web.marathon.mesos _web._udp.storm.mesos \
	_tcp.marathon.mesos _udp.storm.slave.mesos marathon.slave.mesos storm.slave.mesos \
	slave.mesos master.mesos mesos _tcp.mesos _leader.mesos a.b.c.d.e.mesos \
	chronos-2.5.slave.mesos 2.5.mesos 5.mesos; do
	for t in A AAAA SRV TXT; do
		compare "$n" "$t"
	done
done
is "$mismatch" 0 "missing names, empty non-terminals and the apex: NXDOMAIN/NODATA as NSD says ($count questions)"

mismatch=0; count=0
for t in SOA NS; do
	compare mesos "$t"
	compare storm.mesos "$t"
	compare nope.mesos "$t"
done
is "$mismatch" 0 "SOA and NS at the apex and elsewhere as NSD answers them ($count questions)"

mismatch=0; count=0
for n in NiMbUs.StOrM.MeSoS _WEB._TCP.MARATHON.MESOS DB.marathon.MESOS MESOS NOPE.Mesos; do
	for t in A AAAA SRV; do
		compare "$n" "$t"
	done
done
is "$mismatch" 0 "names in other letter cases match the same data ($count questions)"

ok $(still_running; echo $?) "taskdns is still running"
done_testing
