#!/bin/bash
# mesosdns_diff.sh -- taskdns against answers recorded from the real
# Mesos-DNS (tests/differential/record.sh wrote tests/differential/expected/
# from the states and configs of tests/fixtures/mesosdns).
#
# For every case a fake master serves the case's state on 127.1.0.1:5050
# (the leader every fixture names, as when it was recorded), taskdns runs
# with the case's Mesos-DNS keys, and every (name, type) Mesos-DNS was asked
# is asked of taskdns with the same dig batch; the answer sections must be
# the same but for the deliberate, RFC-correct differences below. Then the
# other way round: every owner in taskdns's --dump-zone must be a name of
# Mesos-DNS's record set.
. "$(dirname "$0")/lib.sh"
need dig python3 ss
export PYTHONDONTWRITEBYTECODE=1

DIFF="$top_srcdir/tests/differential"
EXPECTED="$DIFF/expected"
CASES="$FIXTURES/mesosdns"

master_up() { python3 -c "import socket; socket.create_connection(('127.1.0.1', 5050), 1)" 2>/dev/null; }
master_down() { ! master_up; }

# compare CASE GOT ZONE CASE_KEYS: the verdict of one case on standard
# output: taskdns's answers GOT and --dump-zone ZONE against what Mesos-DNS
# gave; BAD, EXTRA and ZONEUNASKABLE lines, then one STATS line.
compare() {
	python3 - "$DIFF" "$EXPECTED/$1.answers" "$EXPECTED/$1.axfr.json" "$2" "$3" "$4" <<'PY'
import json, re, sys
sys.path.insert(0, sys.argv[1])
import dnsdiff

want, order = dnsdiff.parse_answers(dnsdiff.read_expected(sys.argv[2]))
axfr = dnsdiff.load_axfr(sys.argv[3])
with open(sys.argv[4]) as f:
    got, _ = dnsdiff.parse_answers(f.read())
zone_file, case_cfg = sys.argv[5], json.loads(sys.argv[6])
ttl = axfr["TTL"]
weight = next((v for k, v in case_cfg.items() if k.lower() == "srvrecorddefaultweight"), 1)
maps = {"A": axfr["Records"]["As"] or {}, "AAAA": axfr["Records"]["AAAAs"] or {},
        "SRV": axfr["Records"]["SRVs"] or {}}
raw_of = {}	# dig's presentation of a record-set name -> the name
for m in maps.values():
    for k in m:
        raw_of[dnsdiff.present(k)] = k
HASH = "[ybndrfg8ejkmcpqxot1uwisza345h769]{5}"

def norm(rrs):
    # DNS names compare case-insensitively (RFC 4343): owners are already
    # lower-cased by dnsdiff, SRV targets are too here.
    return sorted(r.lower() for r in rrs)

def long_canonical(target):
    """A target whose first label, "task-hash-agent", Mesos-DNS made longer
    than 63 octets; taskdns shortens its task part to fit. None when the
    rest of the name would still not fit in 255 octets."""
    labels = dnsdiff.labels(target)
    if not labels or len(labels[0]) <= 63 or not re.search("-%s-[^-]*$" % HASH, labels[0]):
        return None
    rest = labels[1:]
    if any(not l or len(l) > 63 for l in rest) or 64 + sum(len(l) + 1 for l in rest) + 1 > 255:
        return None
    return "." + ".".join(rest) + "."

def from_axfr(name, t, keys):
    """What the record set holds for NAME under the record-set keys KEYS:
    (exact RRs, [(port, suffix)] for long canonical targets, dropped)."""
    exact, shortened, dropped = [], [], 0
    for k in keys:
        for v in maps[t][k]:
            if t != "SRV":
                exact.append("%s %d %s %s" % (name.lower(), ttl, t, v))
                continue
            target, port = v.rsplit(":", 1)
            if dnsdiff.askable(target):
                exact.append("%s %d SRV 0 %d %s %s" % (name.lower(), ttl, weight, port,
                                                       dnsdiff.present(target)))
            elif long_canonical(target):
                shortened.append((port, long_canonical(target)))
            else:
                dropped += 1
    return norm(exact), sorted(shortened), dropped

stats = dict(match=0, total=0, unaskable=0, nodata=0, longcanon=0, unsendable=0, upper=0)
bad = []
for key in order:
    name, t = key
    wrc, wrrs = want[key]
    if wrc == "UNASKABLE":
        # Rule 2: a name the wire cannot carry is not asked (and must not be
        # in the zone: checked below).
        stats["unaskable"] += 1
        continue
    stats["total"] += 1
    grc, grrs = got.get(key, ("MISSING", []))
    wrrs, grrs = norm(wrrs), norm(grrs)
    raw = raw_of.get(name, name)
    if wrc in ("TIMEOUT", "SERVFAIL", "BADPACKET"):
        # Rule 3: Mesos-DNS could not send this answer: a target's canonical
        # label is over 63 octets (its packer fails: no reply) or a target is
        # over 255 octets (it sends a packet dig rejects). taskdns shortens
        # the task part of such canonical labels and serves those records
        # (same count, same ports, same ".F[.slave].domain." suffix), and
        # leaves out the targets the wire cannot carry at all.
        keys = [k for k in maps[t] if k.lower() == raw.lower()]
        exact, shortened, dropped = from_axfr(name, t, keys)
        rest = [r for r in grrs if r not in exact]
        # owner TTL SRV priority weight port target
        got_short = sorted((f[5], f[6][f[6].index("."):]) for f in (r.split() for r in rest)
                           if f[1:5] == [str(ttl), "srv", "0", str(weight)])
        ok = (all(r in grrs for r in exact) and got_short == shortened
              and len(rest) == len(shortened)
              and (grc == "NOERROR" or (not exact and not shortened and grc == "NXDOMAIN")))
        stats["longcanon" if shortened else "unsendable"] += 1
        if ok:
            stats["match"] += 1
        else:
            bad.append("%s %s: Mesos-DNS %s; want %s and %d shortened %s, got %s %s" % (
                name, t, wrc, exact, len(shortened), shortened, grc, grrs))
        continue
    if wrrs:
        # A NOERROR with answers must be a NOERROR with the same answers.
        if grc == "NOERROR" and grrs == wrrs:
            stats["match"] += 1
        else:
            bad.append("%s %s: want NOERROR %s, got %s %s" % (name, t, wrrs, grc, grrs))
        continue
    keys = [k for k in maps[t] if k.lower() == raw.lower()]
    if keys and raw.lower() not in maps[t]:
        # Rule 4: a record-set name with upper case (a DiscoveryInfo name
        # as given) that Mesos-DNS never matches, since it lower-cases the
        # question and not its keys; taskdns matches every name
        # case-insensitively (RFC 4343) and serves its records.
        exact, shortened, dropped = from_axfr(name, t, keys)
        stats["upper"] += 1
        if grc == "NOERROR" and grrs == exact and not shortened:
            stats["match"] += 1
        else:
            bad.append("%s %s: Mesos-DNS %s (it never matches upper case), want NOERROR %s, got %s %s"
                       % (name, t, wrc, exact, grc, grrs))
        continue
    # Rule 1: no answer. Mesos-DNS says NXDOMAIN for an existing name that
    # lacks the type (an empty non-terminal, the apex) and NOERROR for any
    # SRV miss; taskdns says NOERROR/NODATA and NXDOMAIN as RFC 2308 and
    # RFC 8020 want. Only the (empty) answer sections are compared.
    if not grrs and grc in ("NOERROR", "NXDOMAIN"):
        stats["match"] += 1
        if grc != wrc:
            stats["nodata"] += 1
    else:
        bad.append("%s %s: want %s with no answer, got %s %s" % (name, t, wrc, grc, grrs))

# The other way: every owner of taskdns's zone is a name of the record set,
# but for the apex (SOA, NS), the name server's own name, and canonical
# names taskdns shortened (rule 3); and no name the wire cannot carry.
domain = axfr["Domain"].lower() + "."
ns = axfr["Mname"].lower()
names = {dnsdiff.present(k).lower() for k in raw_of.values()}
unaskable = {dnsdiff.present(k).lower() for k in raw_of.values() if not dnsdiff.askable(k)}
long_suffixes = set()
for k in raw_of.values():
    first = dnsdiff.labels(k)[0] if dnsdiff.labels(k) else ""
    m = re.search("(-%s-[^-.]*)$" % HASH, first)
    if len(first) > 63 and m:
        long_suffixes.add((m.group(1) + "." + ".".join(dnsdiff.labels(k)[1:]) + ".").lower())
extra, in_zone_unaskable, shortened_seen = set(), set(), set()
for line in open(zone_file):
    if not line.strip() or line.startswith(";"):
        continue
    f = line.split()
    owner, rtype = f[0].lower(), f[3]
    if owner in unaskable:
        in_zone_unaskable.add(owner)
    if owner == domain and rtype in ("SOA", "NS") or owner == ns or owner in names:
        continue
    first, _, rest = owner.partition(".")
    m = re.search("(-%s-[^-.]*)$" % HASH, first)
    if m and (m.group(1) + "." + rest) in long_suffixes and len(first) <= 63:
        shortened_seen.add(owner)
        continue
    extra.add(owner)

for b in bad:
    print("BAD", b)
for o in sorted(extra):
    print("EXTRA", o)
for o in sorted(in_zone_unaskable):
    print("ZONEUNASKABLE", o)
print("STATS", " ".join("%s=%d" % kv for kv in sorted(stats.items())),
      "shortened=%d" % len(shortened_seen))
PY
}

# verdict_ok KIND DESCRIPTION: one test, passed when $verdict has no KIND
# line; the first 40 of them as diagnostics.
verdict_ok() {
	local lines
	lines=$(printf '%s\n' "$verdict" | sed -n "s/^$1 //p")
	ok "$([ -z "$lines" ]; echo $?)" "$2"
	[ -z "$lines" ] || printf '%s\n' "$lines" | head -n 40 | sed 's/^/#   /'
}

hold_leader_address

all_total=0 all_match=0 all_nodata=0 all_unask=0 all_long=0 all_unsend=0 all_upper=0
ncases=0
for answers in "$EXPECTED"/*.answers; do
	case=$(basename "$answers" .answers)
	# CASE is DIR (config.json) or DIR-X (config-X.json) of $CASES.
	dir=${case%%-*}
	cfile="$CASES/$dir/config.json"
	[ "$case" = "$dir" ] || cfile="$CASES/$dir/config-${case#*-}.json"
	if [ ! -f "$cfile" ] || [ ! -f "$CASES/$dir/state.json" ]; then
		ok 1 "$case: fixture $cfile and its state.json"
		continue
	fi
	ncases=$((ncases + 1))

	mkdir -p "$T/m-$case"
	cp "$CASES/$dir/state.json" "$T/m-$case/state.json"
	start_leader_master "$T/m-$case" ||
		bail "the fake master of $case could not listen on 127.1.0.1:5050"
	mpid=$LEADER_PID

	body=$(python3 - "$cfile" <<'PY'
import json, sys
body = {"masters": ["127.1.0.1:5050"], "listener": "127.0.0.1", "resolvers": ["127.0.0.1:9"]}
body.update(json.load(open(sys.argv[1])))
print(json.dumps(body))
PY
)
	# A second try: another test may take the port free_port picked.
	if ! start_taskdns "$body" && ! { stop_pid "$TASKDNS_PID"; start_taskdns "$body"; }; then
		ok 1 "$case: taskdns starts with $(basename "$cfile")"
		stop_pid "$mpid"
		continue
	fi
	domain=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("domain", "mesos"))' "$cfile")
	wait_for 10 sh -c "dig @127.0.0.1 -p $DNS_PORT +time=1 +tries=1 +short leader.$domain A | grep -q ." ||
		diag "$case: taskdns has no leader.$domain yet"
	grep -v '^#' "$answers" | awk -F'\t' '$2 != "-" {print $1, $2}' >"$T/$case.queries"
	python3 "$DIFF/dnsdiff.py" ask "$DNS_PORT" <"$T/$case.queries" >"$T/$case.got"
	"$TASKDNS" -config="$CONFIG" --dump-zone >"$T/$case.zone" 2>"$T/$case.zone.log"
	ok $? "$case: taskdns --dump-zone"

	verdict=$(compare "$case" "$T/$case.got" "$T/$case.zone" "$(cat "$cfile")")
	# A question whose answer differs is asked once more, with 3 s to
	# answer: two answers that differ from Mesos-DNS make a difference,
	# one lost to a loaded machine (the suite runs tests side by side)
	# does not. Every one asked again is counted.
	printf '%s\n' "$verdict" | sed -n 's/^BAD \([^ ]*\) \([A-Z]*\): .*/\1 \2/p' >"$T/$case.again"
	if [ -s "$T/$case.again" ]; then
		diag "$case: $(wc -l <"$T/$case.again") answers differ; asking them again"
		python3 - "$DIFF" "$DNS_PORT" "$T/$case.again" "$T/$case.got" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
import dnsdiff
qs = [tuple(l.split()) for l in open(sys.argv[3]) if l.strip()]
again = dnsdiff.ask(int(sys.argv[2]), qs, timeout=3)
lines = []
for line in open(sys.argv[4]):
    f = line.rstrip("\n").split("\t")
    key = (f[0], f[1])
    if key in again:
        rcode, rrs = again[key]
        line = dnsdiff.answers_line(key[0], key[1], rcode, rrs) + "\n"
    lines.append(line)
open(sys.argv[4], "w").writelines(lines)
PY
		verdict=$(compare "$case" "$T/$case.got" "$T/$case.zone" "$(cat "$cfile")")
	fi
	stop_pid "$TASKDNS_PID"
	stop_pid "$mpid"
	wait_for 10 master_down	# the next case waits longer if it must
	stats=$(printf '%s\n' "$verdict" | sed -n 's/^STATS //p')
	match=0 total=0 unaskable=0 nodata=0 longcanon=0 unsendable=0 upper=0 shortened=0
	[ -n "$stats" ] || { ok 1 "$case: the comparison ran"; continue; }
	eval "$stats"
	verdict_ok BAD "$case: taskdns answers as Mesos-DNS ($match of $total (name, type))"
	verdict_ok EXTRA "$case: every --dump-zone owner is in Mesos-DNS's record set"
	verdict_ok ZONEUNASKABLE "$case: --dump-zone holds none of the $unaskable names the wire cannot carry"
	if [ "$longcanon" -gt 0 ] || [ "$unsendable" -gt 0 ] || [ "$shortened" -gt 0 ]; then
		diag "$case: of the SRV answers Mesos-DNS cannot send (a canonical label over 63" \
			"octets, a target over 255), taskdns serves $longcanon with the task part of those" \
			"canonical labels shortened ($shortened shortened names in its zone) and $unsendable" \
			"without the targets that would still be over 255 octets"
	fi
	all_total=$((all_total + total)) all_match=$((all_match + match))
	all_nodata=$((all_nodata + nodata)) all_unask=$((all_unask + unaskable))
	all_long=$((all_long + longcanon)) all_unsend=$((all_unsend + unsendable))
	all_upper=$((all_upper + upper))
done

diag "deliberate differences: $all_nodata NXDOMAIN/NODATA rcodes (answers compared only)," \
	"$all_unask unaskable names skipped, $all_long SRV answers with long canonical targets," \
	"$all_unsend with targets over 255 octets, $all_upper upper-case names Mesos-DNS never matches"
diag "$all_match of $all_total (name, type) cases match Mesos-DNS across $ncases cases"
done_testing
