#!/bin/bash
# xfr.sh -- zone transfers to real secondaries. taskdns serves the sample
# cluster (the cluster zone, derived reverse zones, a static zone) to NSD
# (AXFR only) and Knot (IXFR) as their primary, with NOTIFY to both:
#   - each secondary loads each zone at taskdns's serial, its AXFR holds
#     the same records as taskdns's, and it answers a sample of every name
#     and type (A, AAAA, SRV, PTR, NS, SOA, CNAME, NXDOMAIN) as taskdns does;
#   - a task launched and then killed through the fake master reaches both
#     within 5 s of taskdns (the lag is printed), Knot by IXFR;
#   - refused transfers: a client outside transferAllow, a name that is
#     not a zone's apex, a name outside every zone, AXFR over UDP;
#   - TSIG (hmac-sha256): with the key, without, with a wrong secret, and
#     Knot transferring with the key and accepting the signed NOTIFY.
. "$(dirname "$0")/lib.sh"
need dig kdig nsd nsd-control knotd knotc python3 curl

SAMPLE_ZONES="mesos 1.0.10.in-addr.arpa corp.example"
KEY_NAME=xfr-key
KEY_SECRET=$(printf 'taskdns xfr.sh test key, 32 oct' | base64)	# 32 octets
BAD_SECRET=$(printf 'not the key of the xfr.sh tests!' | base64)

start_master m --heartbeat 1
L=127.0.0.1:$MASTER_PORT
sample_state "$L" "$T/s0.json"
set_state "$MASTER_DIR" "$T/s0.json"
FW=8d9f7b3e-5a1c-4e3b-9f6a-0c1d2e3f4a5b-0000	# marathon
AG=8d9f7b3e-5a1c-4e3b-9f6a-0c1d2e3f4a5b-S1	# agent1, 10.0.1.1
mkdir -p "$T/zones"
cp "$FIXTURES/zones/corp.zone" "$T/zones/"

# -- helpers -----------------------------------------------------------

# dq PORT [dig options and queries...]: dig at 127.0.0.1:PORT, 2 s, no retry.
dq() {
	local port=$1
	shift
	dig @127.0.0.1 -p "$port" +time=2 +tries=1 "$@"
}

# serial PORT ZONE: the serial of ZONE's SOA at PORT (empty: none).
serial() { dq "$1" +norec +short "$2" SOA 2>/dev/null | awk 'NF == 7 { print $3 }'; }

# xfr_status PORT [dig options...]: how a transfer ended as dig saw it:
# "transfer" when records with an SOA came, else the rcode of the answer
# (dig prints its header with +comments), else dig's complaint.
xfr_status() {
	local port=$1 out
	shift
	out=$(dq "$port" +comments "$@" 2>&1)
	if printf '%s\n' "$out" | grep -qE '^[^;].*[[:space:]]SOA[[:space:]]'; then
		echo "transfer"
	elif printf '%s\n' "$out" | grep -q 'status: '; then
		printf '%s\n' "$out" | sed -n 's/.*status: \([A-Z]*\),.*/\1/p' | head -n 1
	else
		printf '%s\n' "$out" | grep -m1 '^;' | sed 's/^;* *//'
	fi
}

# udp_xfr PORT NAME TYPE: a query of TYPE (252 AXFR, 251 IXFR) for NAME over
# UDP, as "RCODE ANCOUNT TYPES" (the answer's record types), "none" when
# nothing came back within 2 s.
udp_xfr() {
	python3 - "$@" <<'PY2'
import socket, struct, sys
port, qname, qtype = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
q = struct.pack(">HHHHHH", 0x5a5a, 0, 1, 0, 0, 0)
for label in qname.strip(".").split("."):
    q += bytes([len(label)]) + label.encode()
q += b"\0" + struct.pack(">HH", qtype, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.sendto(q, ("127.0.0.1", port))
try:
    r = s.recv(65535)
except socket.timeout:
    print("none")
    sys.exit()
rcodes = ["NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN",
          "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE"]
flags, qd, an = struct.unpack(">HHH", r[2:8])
def skip_name(o):
    while r[o]:
        if r[o] >= 0xc0:
            return o + 2
        o += r[o] + 1
    return o + 1
o = 12
for _ in range(qd):
    o = skip_name(o) + 4
types = []
for _ in range(an):
    o = skip_name(o)
    t, _c, _ttl, rdlen = struct.unpack(">HHIH", r[o:o + 10])
    types.append({6: "SOA"}.get(t, str(t)))
    o += 10 + rdlen
rc = flags & 15
print(rcodes[rc] if rc < len(rcodes) else rc, an, *types)
PY2
}

# axfr_set PORT ZONE [dig options...]: the records of an AXFR of ZONE,
# one per line (owner TTL class type rdata, single spaces), sorted and
# deduplicated (the SOA comes twice); empty when the transfer failed.
axfr_set() {
	local port=$1 zone=$2
	shift 2
	dq "$port" +nocmd +nocomments +nostats "$@" AXFR "$zone" 2>/dev/null |
		norm | grep -v '^[^ ]* [0-9]* ANY TSIG ' | sort -u
}

# norm: the records of dig's output (comments dropped), one a line with
# single spaces and the owner in lower case.
norm() {
	awk '!/^;/ && NF { r = tolower($1); for (i = 2; i <= NF; i++) r = r " " $i; print r }'
}

# answers PORT QUERIES: for each "NAME TYPE" line of QUERIES, a line
# "== NAME TYPE RCODE" and the answer section (TTL kept), sorted; one
# dig for them all, non-recursive.
answers() {
	# shellcheck disable=SC2046
	dq "$1" +tcp +norec +noall +comments +question +answer $(printf '%s\n' "$2") |
		awk '/status: / { st = $6; sub(/,$/, "", st) }
			/^;[^;]/ && NF == 3 { print "==", tolower(substr($1, 2)), $3, st; next }
			!/^;/ && NF { r = tolower($1); for (i = 2; i <= NF; i++) r = r " " $i; print r }' |
		awk '/^==/ { n++; print n, 0, $0; next } { print n, 1, $0 }' |
		sort -k1,1n -k2,2n -k3 | cut -d' ' -f3-
}

# same_set GOT WANT DESCRIPTION: is, but two empty sets are no success.
same_set() {
	if [ -z "$2" ]; then
		ok 1 "$3"
		diag "nothing to compare with: the primary's set is empty"
	else
		is "$1" "$2" "$3"
	fi
}

fake() { # fake OP JSON: the fake master's control endpoint, the HTTP status
	curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
		--data "$2" "http://$L/_fake/$1"
}

# -- the secondaries ---------------------------------------------------

# nsd_start PRIMARY_PORT ZONE...: NSD on NSD_PORT, secondary of each
# ZONE, asking PRIMARY_PORT for AXFR (never IXFR), taking NOTIFY from and
# giving AXFR to loopback. Its files are in $T/nsd.
nsd_start() {
	local primary=$1 z
	shift
	NSD_DIR="$T/nsd"
	mkdir -p "$NSD_DIR"
	{
		cat <<CONF
server:
	ip-address: 127.0.0.1@$NSD_PORT
	do-ip6: no
	username: ""
	chroot: ""
	zonesdir: "$NSD_DIR"
	database: ""
	zonelistfile: "$NSD_DIR/zone.list"
	xfrdfile: "$NSD_DIR/xfrd.state"
	xfrdir: "$NSD_DIR"
	pidfile: "$NSD_DIR/nsd.pid"
	logfile: "$NSD_DIR/nsd.log"
	verbosity: 2
	server-count: 1
	xfrd-reload-timeout: 0
	zonefiles-write: 0
remote-control:
	control-enable: yes
	control-interface: "$NSD_DIR/nsd.sock"
CONF
		for z in "$@"; do
			cat <<CONF
zone:
	name: "$z"
	request-xfr: AXFR 127.0.0.1@$primary NOKEY
	allow-notify: 127.0.0.0/8 NOKEY
	provide-xfr: 127.0.0.0/8 NOKEY
CONF
		done
	} >"$NSD_DIR/nsd.conf"
	nsd -d -c "$NSD_DIR/nsd.conf" >>"$NSD_DIR/stderr" 2>&1 &
	NSD_PID=$!
	PIDS+=($NSD_PID)
}

# knot_start NAME PORT PRIMARY_PORT KEY ZONE...: Knot on PORT with its
# files in $T/knot-NAME, secondary of each ZONE from PRIMARY_PORT (IXFR,
# AXFR when it must), with TSIG key KEY (its secret; "" for none) on the
# transfers and on the NOTIFY it accepts from loopback; AXFR to loopback
# without a key. Its log is $T/knot-NAME/knot.log.
knot_start() {
	local name=$1 port=$2 primary=$3 key=$4 z keyref=""
	shift 4
	KNOT_DIR="$T/knot-$name"
	mkdir -p "$KNOT_DIR"
	{
		cat <<CONF
server:
    rundir: "$KNOT_DIR"
    listen: 127.0.0.1@$port
control:
    listen: "$KNOT_DIR/knot.sock"
database:
    storage: "$KNOT_DIR"
log:
  - target: "$KNOT_DIR/knot.log"
    any: info
CONF
		if [ -n "$key" ]; then
			keyref="    key: $KEY_NAME"
			printf 'key:\n  - id: %s\n    algorithm: hmac-sha256\n    secret: %s\n' \
				"$KEY_NAME" "$key"
		fi
		cat <<CONF
remote:
  - id: primary
    address: 127.0.0.1@$primary
$keyref
acl:
  - id: notify
    address: 127.0.0.0/8
    action: notify
$keyref
  - id: transfer
    address: 127.0.0.0/8
    action: transfer
template:
  - id: default
    storage: "$KNOT_DIR"
    zonefile-load: none
    zonefile-sync: -1
    journal-content: changes
    master: primary
    acl: [notify, transfer]
zone:
CONF
		for z in "$@"; do
			echo "  - domain: $z"
		done
	} >"$KNOT_DIR/knot.conf"
	knot_run "$KNOT_DIR"
}

# knot_run DIR: knotd with DIR/knot.conf, checked first (a bad one bails
# out with Knot's complaint), until its control socket answers (10 s).
knot_run() {
	knotc -c "$1/knot.conf" conf-check >"$1/conf-check" 2>&1 ||
		bail "Knot rejects $1/knot.conf: $(grep -m1 error "$1/conf-check")"
	knotd -c "$1/knot.conf" >>"$1/stderr" 2>&1 &
	PIDS+=($!)
	wait_for 10 knotc -s "$1/knot.sock" status ||
		bail "knotd did not start: $(tail -n 3 "$1/stderr")"
}

# synced PORT ZONE...: PORT serves every ZONE at the primary's serial.
synced() {
	local port=$1 z s
	shift
	for z in "$@"; do
		s=$(serial "$PRIMARY_PORT" "$z")
		[ -n "$s" ] && [ "$(serial "$port" "$z")" = "$s" ] || return 1
	done
}

# race OP JSON NAME TYPE WANT: POST OP to the fake master, then query NAME
# TYPE every 50 ms (5 s at most) at the primary and both secondaries until
# each answers it (WANT "present": NOERROR with an answer) or denies it
# ("absent": NXDOMAIN); prints "PRIMARY_MS NSD_MS KNOT_MS", the time from
# the POST to each one's first such answer, -1 for never.
race() {
	python3 - "$L" "$1" "$2" "$3" "$4" "$5" "$PRIMARY_PORT" "$NSD_PORT" "$KNOT_SEC_PORT" <<'PY'
import select, socket, struct, sys, time, urllib.request
master, op, body, qname, qtype, want = sys.argv[1:7]
ports = [int(p) for p in sys.argv[7:]]
types = {"A": 1, "NS": 2, "SOA": 6, "PTR": 12, "AAAA": 28, "SRV": 33}

def query(qid):
    q = struct.pack(">HHHHHH", qid, 0, 1, 0, 0, 0)	# RD clear
    for label in qname.strip(".").split("."):
        q += bytes([len(label)]) + label.encode()
    return q + b"\0" + struct.pack(">HH", types[qtype], 1)

def done(r):
    rcode, an = struct.unpack(">H", r[2:4])[0] & 15, struct.unpack(">H", r[6:8])[0]
    return (rcode == 0 and an > 0) if want == "present" else rcode == 3

req = urllib.request.Request("http://%s/_fake/%s" % (master, op), body.encode(),
                             {"Content-Type": "application/json"})
socks = []
for p in ports:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect(("127.0.0.1", p))
    socks.append(s)
t0 = time.monotonic()
urllib.request.urlopen(req, timeout=5).read()
seen = [-1] * len(ports)
qid = 0
# Rounds every 50 ms: a query to each server not there yet, then their
# answers (a late one counts in the round it comes in).
while time.monotonic() - t0 < 5 and -1 in seen:
    start = time.monotonic()
    qid = (qid + 1) & 0xffff
    for i, s in enumerate(socks):
        if seen[i] < 0:
            try:
                s.send(query(qid))
            except OSError:
                pass
    while True:
        left = start + 0.05 - time.monotonic()
        if left <= 0:
            break
        ready, _, _ = select.select([s for i, s in enumerate(socks) if seen[i] < 0], [], [], left)
        for s in ready:
            i = socks.index(s)
            try:
                r = s.recv(65535)
            except OSError:
                continue
            if len(r) >= 12 and struct.unpack(">H", r[:2])[0] == qid and done(r):
                seen[i] = int((time.monotonic() - t0) * 1000)
print(*seen)
PY
}

# -- taskdns and its two secondaries -----------------------------------

NSD_PORT=$(free_port)
KNOT_SEC_PORT=$(free_port)
BASE="\"masters\": [\"$L\"], \"refreshSeconds\": 60, \"reverseOn\": true,
	\"externalon\": false, \"zoneFiles\": [\"zones/corp.zone\"]"
start_taskdns "{$BASE, \"transferAllow\": [\"127.0.0.0/8\"],
	\"notify\": [\"127.0.0.1:$NSD_PORT\", \"127.0.0.1:$KNOT_SEC_PORT\"]}" ||
	bail "taskdns did not start"
TASKDNS_PORT=$DNS_PORT
PRIMARY_PORT=$DNS_PORT
nsd_start "$PRIMARY_PORT" $SAMPLE_ZONES
knot_start sec "$KNOT_SEC_PORT" "$PRIMARY_PORT" "" $SAMPLE_ZONES

# 1. Each secondary loads each zone, at the primary's serial.
for z in $SAMPLE_ZONES; do
	wait_for 10 synced "$NSD_PORT" "$z"
	ok $? "NSD loads $z at the primary's serial ($(serial "$PRIMARY_PORT" "$z"))"
	wait_for 10 synced "$KNOT_SEC_PORT" "$z"
	ok $? "Knot loads $z at the primary's serial"
done

# 2. The secondaries' AXFR holds the records of taskdns's, and kdig reads
# taskdns's AXFR as dig does.
for z in $SAMPLE_ZONES; do
	want=$(axfr_set "$PRIMARY_PORT" "$z")
	ok $([ "$(printf '%s\n' "$want" | grep -c .)" -ge 3 ]; echo $?) \
		"the primary's AXFR of $z has records ($(printf '%s\n' "$want" | grep -c .))"
	same_set "$(axfr_set "$NSD_PORT" "$z")" "$want" "NSD's AXFR of $z: the same record set"
	same_set "$(axfr_set "$KNOT_SEC_PORT" "$z")" "$want" "Knot's AXFR of $z: the same record set"
	same_set "$(kdig @127.0.0.1 -p "$PRIMARY_PORT" +time=2 +retry=0 +noall +answer AXFR "$z" |
		norm | sort -u)" "$want" "kdig reads the primary's AXFR of $z as dig does"
done

# Every name and type of the transferred zones, and names that are not
# there: each secondary answers as taskdns does (rcode and answer).
SAMPLE=$(for z in $SAMPLE_ZONES; do axfr_set "$PRIMARY_PORT" "$z"; done |
	awk '{ print $1, $4 }' | sort -u)
SAMPLE="$SAMPLE
nosuch.mesos A
nosuch.marathon.mesos SRV
_nosuch._tcp.marathon.mesos SRV
web.marathon.mesos TXT
99.1.0.10.in-addr.arpa PTR
nosuch.corp.example A
web.corp.example A"
n=$(printf '%s\n' "$SAMPLE" | grep -c .)
is "$(for t in A AAAA SRV PTR NS SOA CNAME; do
	printf '%s\n' "$SAMPLE" | grep -q " $t\$" || echo "$t"
done)" "" "the sample asks every type: A AAAA SRV PTR NS SOA CNAME"
want=$(answers "$TASKDNS_PORT" "$SAMPLE")
ok $(printf '%s\n' "$want" | grep -q '^== nosuch\.mesos\. A NXDOMAIN$'; echo $?) \
	"taskdns answers the $n queries of the sample (nosuch.mesos: NXDOMAIN)"
is "$(answers "$NSD_PORT" "$SAMPLE")" "$want" "NSD answers the $n queries as taskdns (rcode and answer)"
is "$(answers "$KNOT_SEC_PORT" "$SAMPLE")" "$want" "Knot answers the $n queries as taskdns (rcode and answer)"

# 3. A task launched then killed through the fake master: both secondaries
# follow taskdns within 5 s (NOTIFY, then a transfer), its A name and its
# PTR in the reverse zone. The lag behind the primary is printed.
# lagged WHAT TIMES: the checks for one race (see race).
lagged() {
	local p n k
	read -r p n k <<<"$2"
	ok $([ "$p" -ge 0 ]; echo $?) "$1: the primary answers it ($p ms after the master)"
	ok $([ "$n" -ge 0 ]; echo $?) "$1: NSD follows within 5 s"
	ok $([ "$k" -ge 0 ]; echo $?) "$1: Knot follows within 5 s"
	[ "$p" -ge 0 ] && [ "$n" -ge 0 ] && [ "$k" -ge 0 ] &&
		diag "$1: lag behind the primary: NSD $((n - p)) ms, Knot $((k - p)) ms"
}
TASK="{\"framework_id\": \"$FW\", \"agent_id\": \"$AG\", \"task_id\": \"xfrtest.1\", \"name\": \"xfrtest\", \"ip\": \"10.0.1.77\"}"
KILL="{\"framework_id\": \"$FW\", \"task_id\": \"xfrtest.1\"}"
S0=$(serial "$PRIMARY_PORT" mesos)
is "$(serial "$KNOT_SEC_PORT" mesos)" "$S0" "before the launch, Knot is at the primary's serial"
lagged "a launched task's A" "$(race launch "$TASK" xfrtest.marathon.mesos A present)"
wait_for 5 sh -c "dig @127.0.0.1 -p $KNOT_SEC_PORT +norec +short -x 10.0.1.77 | grep -q xfrtest"
ok $? "... and its PTR reaches Knot in 1.0.10.in-addr.arpa"
wait_for 5 sh -c "dig @127.0.0.1 -p $NSD_PORT +norec +short -x 10.0.1.77 | grep -q xfrtest"
ok $? "... and NSD"
lagged "a killed task's A" "$(race kill "$KILL" xfrtest.marathon.mesos A absent)"
for z in $SAMPLE_ZONES; do
	wait_for 5 synced "$NSD_PORT" "$z" && wait_for 5 synced "$KNOT_SEC_PORT" "$z"
	ok $? "after the changes both secondaries serve $z at the primary's serial"
	want=$(axfr_set "$PRIMARY_PORT" "$z")
	same_set "$(axfr_set "$NSD_PORT" "$z")" "$want" "after the changes NSD's AXFR of $z is the primary's"
	same_set "$(axfr_set "$KNOT_SEC_PORT" "$z")" "$want" "after the changes Knot's AXFR of $z is the primary's"
done

# Knot asked IXFR after its first load, and took changesets, not a whole
# zone again (an AXFR-style IXFR or a fallback to AXFR; RFC 1995 4).
KLOG="$T/knot-sec/knot.log"
for z in mesos 1.0.10.in-addr.arpa; do
	zl="\[${z//./\\.}\.\]"
	like "$(grep "$zl IXFR, incoming" "$KLOG")" 'finished' "Knot's log: an incoming IXFR of $z finished"
	is "$(grep "$zl" "$KLOG" | grep -c 'AXFR-style IXFR\|fallback to AXFR')" "0" \
		"Knot's log: no AXFR-style IXFR and no fallback to AXFR for $z"
	is "$(grep "$zl AXFR, incoming" "$KLOG" | grep -c finished)" "1" \
		"Knot's log: one AXFR of $z, its first load"
done
like "$(grep -c '\[mesos\.\] notify, incoming' "$KLOG")" '^[1-9]' "Knot's log: NOTIFY for mesos came in"
grep -E 'zone updated|AXFR-style|fallback' "$KLOG" | tail -n 6 | sed 's/^/#   knot: /'

# 4. IXFR straight from taskdns (RFC 1995): from the serial before the
# launch, the incremental form (the new SOA, then the old one opening the
# first difference); from a serial it never had, the AXFR form (the new
# SOA, then the zone); over UDP, the SOA alone when nothing newer fits.
S1=$(serial "$TASKDNS_PORT" mesos)
ixfr_types() { # ixfr_types SERIAL [dig options...]: "TYPE SERIAL_OF_SOA" per record
	local n=$1
	shift
	dq "$TASKDNS_PORT" +nocmd +nocomments +nostats "$@" IXFR="$n" mesos |
		awk '!/^;/ && NF { print $4, ($4 == "SOA" ? $7 : "") }'
}
like "$(ixfr_types "$S0" | head -n 2 | tr '\n' ' ')" "^SOA $S1 +SOA $S0 " \
	"IXFR from $S0 (before the launch): incremental, SOA $S1 then SOA $S0"
is "$(ixfr_types "$S0" | tail -n 1)" "SOA $S1" "... closed by SOA $S1"
is "$(ixfr_types "$S1" | tr '\n' ' ')" "SOA $S1 " "IXFR from the current serial: the SOA alone"
like "$(ixfr_types 1 | head -n 2 | tr '\n' ' ')" "^SOA $S1 +[A-Z]+ +\$" \
	"IXFR from serial 1 (unknown): the AXFR form (SOA $S1, then no SOA)"
is "$(ixfr_types 1 | grep -c .)" "$(dq "$TASKDNS_PORT" +nocmd +nocomments +nostats AXFR mesos | grep -c '^[^;]')" \
	"... as many records as the AXFR"
is "$(ixfr_types "$S1" +notcp | tr '\n' ' ')" "SOA $S1 " "IXFR over UDP from the current serial: the SOA alone"
like "$(ixfr_types 1 +notcp | head -n 1)" "^SOA $S1" "IXFR over UDP from an unknown serial: starts with the current SOA"

# 5. Refused transfers, from a taskdns allowing 127.0.0.1/32 only: dig
# from 127.0.0.2 is outside. A name below a zone's apex is NOTAUTH, one
# outside every zone REFUSED, and AXFR over UDP gets no transfer.
start_taskdns "{$BASE, \"transferAllow\": [\"127.0.0.1/32\"]}" || bail "taskdns did not start"
is "$(xfr_status "$DNS_PORT" -b 127.0.0.1 AXFR mesos)" "transfer" "AXFR from 127.0.0.1, inside transferAllow: the transfer"
is "$(xfr_status "$DNS_PORT" -b 127.0.0.2 AXFR mesos)" "REFUSED" "AXFR from 127.0.0.2, outside transferAllow: REFUSED"
is "$(xfr_status "$DNS_PORT" -b 127.0.0.2 IXFR="$S0" mesos)" "REFUSED" "IXFR from 127.0.0.2: REFUSED"
is "$(xfr_status "$DNS_PORT" -b 127.0.0.2 AXFR corp.example)" "REFUSED" "AXFR of the static zone from 127.0.0.2: REFUSED"
is "$(dq "$DNS_PORT" -b 127.0.0.2 +short web.marathon.mesos A | wc -l)" "3" "... while its queries are answered"
is "$(xfr_status "$DNS_PORT" AXFR marathon.mesos)" "NOTAUTH" "AXFR of marathon.mesos, inside mesos but not its apex: NOTAUTH"
is "$(xfr_status "$DNS_PORT" AXFR 1.1.0.10.in-addr.arpa)" "NOTAUTH" "AXFR of a PTR owner below 1.0.10.in-addr.arpa: NOTAUTH"
is "$(xfr_status "$DNS_PORT" IXFR=1 db.corp.example)" "NOTAUTH" "IXFR of a name below corp.example: NOTAUTH"
is "$(xfr_status "$DNS_PORT" AXFR example.org)" "REFUSED" "AXFR of example.org, outside every zone: REFUSED"
is "$(xfr_status "$DNS_PORT" AXFR 10.in-addr.arpa)" "REFUSED" "AXFR of 10.in-addr.arpa, above the derived zones: REFUSED"
like "$(udp_xfr "$DNS_PORT" mesos 252)" '^(FORMERR|NOTIMP) 0$' "AXFR over UDP: FORMERR or NOTIMP, no records"
is "$(udp_xfr "$DNS_PORT" mesos 252 | cut -d' ' -f2)" "0" "... no transfer over UDP"
still_running
ok $? "taskdns still running"

# 6. TSIG (RFC 8945, hmac-sha256): with a key configured, only transfers
# signed with it are served; NOTIFY is signed, so a Knot that accepts
# NOTIFY and transfers only with the key follows a launched task.
KNOT_TSIG_PORT=$(free_port)
start_taskdns "{$BASE, \"transferAllow\": [\"127.0.0.0/8\"],
	\"tsig\": {\"name\": \"$KEY_NAME\", \"algorithm\": \"hmac-sha256\", \"secret\": \"$KEY_SECRET\"},
	\"notify\": [\"127.0.0.1:$KNOT_TSIG_PORT\"]}" || bail "taskdns did not start"
is "$(xfr_status "$DNS_PORT" -y "hmac-sha256:$KEY_NAME:$KEY_SECRET" AXFR mesos)" "transfer" \
	"TSIG: dig -y with the key: the transfer"
same_set "$(axfr_set "$DNS_PORT" mesos -y "hmac-sha256:$KEY_NAME:$KEY_SECRET" | grep -v ' SOA ')" \
	"$(axfr_set "$TASKDNS_PORT" mesos | grep -v ' SOA ')" "TSIG: ... the same records as the unsigned transfer (SOA apart)"
like "$(xfr_status "$DNS_PORT" AXFR mesos)" '^(NOTAUTH|REFUSED)$' "TSIG: without the key: NOTAUTH or REFUSED"
bad=$(dq "$DNS_PORT" +comments -y "hmac-sha256:$KEY_NAME:$BAD_SECRET" AXFR mesos 2>&1)
like "$(printf '%s\n' "$bad" | sed -n 's/.*status: \([A-Z]*\),.*/\1/p')" '^NOTAUTH$' "TSIG: a wrong secret: NOTAUTH"
like "$(printf '%s\n' "$bad" | grep -E '[[:space:]]TSIG[[:space:]]')" 'BADSIG' "... its TSIG record says BADSIG (dig)"
like "$(kdig @127.0.0.1 -p "$DNS_PORT" +time=2 +retry=0 -y "hmac-sha256:$KEY_NAME:$BAD_SECRET" AXFR mesos 2>&1)" \
	"error 'BADSIG'" "... kdig: the server replied BADSIG"
like "$(kdig @127.0.0.1 -p "$DNS_PORT" +time=2 +retry=0 -y "hmac-sha256:other-key:$KEY_SECRET" AXFR mesos 2>&1)" \
	"error 'BADKEY'" "an unknown key name: BADKEY (kdig)"
PRIMARY_PORT=$DNS_PORT
knot_start tsig "$KNOT_TSIG_PORT" "$DNS_PORT" "$KEY_SECRET" mesos
wait_for 10 synced "$KNOT_TSIG_PORT" mesos
ok $? "TSIG: Knot with the key loads mesos at taskdns's serial"
TSIG_TASK="{\"framework_id\": \"$FW\", \"agent_id\": \"$AG\", \"task_id\": \"xfrtsig.1\", \"name\": \"xfrtsig\", \"ip\": \"10.0.1.78\"}"
is "$(fake launch "$TSIG_TASK")" "200" "fake master: a task launched"
wait_for 5 sh -c "dig @127.0.0.1 -p $KNOT_TSIG_PORT +norec +short xfrtsig.marathon.mesos A | grep -qx 10.0.1.78"
ok $? "TSIG: Knot serves the launched task within 5 s (signed NOTIFY, signed IXFR)"
KTLOG="$T/knot-tsig/knot.log"
like "$(grep '\[mesos\.\] notify, incoming' "$KTLOG")" "serial" "TSIG: Knot's log: a NOTIFY came in"
is "$(grep -c 'ACL, denied\|TSIG\|BADSIG\|BADKEY' "$KTLOG")" "0" "TSIG: Knot's log: no denied NOTIFY, no TSIG error"
still_running
ok $? "taskdns still running"

done_testing
