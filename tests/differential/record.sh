#!/bin/bash
# record.sh -- record what the real Mesos-DNS answers for every case of
# tests/fixtures/mesosdns, for tests/integration/mesosdns_diff.sh.
#
#   tests/differential/record.sh MESOS_DNS_BINARY [CASE...]
#
# MESOS_DNS_BINARY is an already-built mesos-dns; this script never builds
# it. Say which source it was built from with MESOS_DNS_COMMIT (default: the
# commit the files in expected/ come from).
#
# A case is a directory D of tests/fixtures/mesosdns with state.json (a
# Mesos /master/state) and config.json and/or config-X.json (the Mesos-DNS
# keys the case varies); each config file is one case, named D or D-X. For
# each case: a fake master serves D/state.json on 127.1.0.1:5050 (the
# leader every state names), Mesos-DNS runs with the case's keys over
# loopback-only settings, and this script writes
#   expected/CASE.axfr.json  its record set from /v1/axfr (sorted; the
#                            serial, a clock reading, left out)
#   expected/CASE.answers    its answer to dig for every name of that set
#                            and a few probes, types A, AAAA and SRV (see
#                            dnsdiff.py for the format)
# Everything stays on loopback: resolvers 127.0.0.1:9, no ZooKeeper, no
# external forwarding.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
fixtures="$top/tests/fixtures/mesosdns"
out="$here/expected"
MESOS_DNS_COMMIT=${MESOS_DNS_COMMIT:-e888ef40dcfdc3c35b32d2b4ae035b76416d7072}
export PYTHONDONTWRITEBYTECODE=1

[ $# -ge 1 ] || { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
mdns=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
shift
[ -x "$mdns" ] || { echo "record.sh: $mdns is not an executable" >&2; exit 2; }
for c in dig curl python3; do
	command -v "$c" >/dev/null || { echo "record.sh: $c is needed" >&2; exit 2; }
done
gover=$(go version "$mdns" 2>/dev/null | awk '{print $2}')
gover=${gover:-go?}
gover=${gover%.*}	# go1.19.8 -> go1.19

# free_port, wait_for, stop_pid, and T and PIDS cleaned up on exit.
top_srcdir=$top
# shellcheck source=../integration/lib.sh
. "$top/tests/integration/lib.sh"
work=$T

port_open() { python3 -c "import socket; socket.create_connection(('127.1.0.1', 5050), 1)" 2>/dev/null; }

record_case() { # CASE STATE_DIR CONFIG_FILE
	local case=$1 dir=$2 cfile=$3 dport hport base cfg mpid dpid domain
	echo "== $case"
	if port_open; then
		echo "record.sh: 127.1.0.1:5050 is taken; stop what listens there" >&2
		exit 1
	fi
	mkdir -p "$work/$case"
	cp "$dir/state.json" "$work/$case/state.json"
	python3 "$top/tests/fake_master.py" --host 127.1.0.1 --port 5050 \
		--dir "$work/$case" 2>>"$work/$case/master.log" &
	mpid=$!
	PIDS+=($mpid)
	wait_for 10 port_open || { echo "record.sh: the fake master did not start" >&2; exit 1; }

	dport=$(free_port)
	hport=$(free_port)
	base='{"masters": ["127.1.0.1:5050"], "zk": "", "resolvers": ["127.0.0.1:9"],
		"externalon": false, "listener": "127.0.0.1", "dnson": true,
		"httpon": true, "HTTPListener": "127.0.0.1", "refreshSeconds": 3600}'
	cfg=$(python3 "$here/dnsdiff.py" merge "$base" "$cfile")
	python3 - "$cfg" "$dport" "$hport" >"$work/$case/config.json" <<'PY'
import json, sys
c = json.loads(sys.argv[1])
c["port"], c["httpport"] = int(sys.argv[2]), int(sys.argv[3])
json.dump(c, sys.stdout, indent=1)
PY
	"$mdns" -config="$work/$case/config.json" -v=2 >"$work/$case/mesos-dns.log" 2>&1 &
	dpid=$!
	PIDS+=($dpid)
	domain=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("domain", "mesos").lower())' "$cfile")
	# /v1/axfr and DNS are served once the first state is loaded.
	if ! wait_for 30 sh -c "curl -sf http://127.0.0.1:$hport/v1/axfr | grep -q '\"leader.$domain.\"' &&
		dig @127.0.0.1 -p $dport +time=1 +tries=1 leader.$domain A | grep -q 'status: NOERROR'"; then
		echo "record.sh: mesos-dns did not load the state; its log:" >&2
		sed 's/^/  /' "$work/$case/mesos-dns.log" >&2
		exit 1
	fi

	local head
	head=$(printf '# recorded from mesos-dns %s (github.com/mesosphere/mesos-dns), %s, %s\n# case %s: tests/fixtures/mesosdns/%s/state.json with %s\n# config (the case keys over loopback settings; port and httpport left out): %s\n' \
		"$MESOS_DNS_COMMIT" "$gover" "$(date -u +%Y-%m-%d)" \
		"$case" "$(basename "$dir")" "$(basename "$cfile")" \
		"$(echo "$cfg" | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin), sort_keys=True))')")
	curl -sf "http://127.0.0.1:$hport/v1/axfr" >"$work/$case/axfr.raw"
	{
		echo "$head"
		python3 - "$work/$case/axfr.raw" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))
a.pop("Serial", None)
for kind, rrs in a["Records"].items():
    a["Records"][kind] = {k: sorted(v) for k, v in (rrs or {}).items()}
print(json.dumps(a, indent=1, sort_keys=True))
PY
	} >"$out/$case.axfr.json"
	python3 "$here/dnsdiff.py" queries "$out/$case.axfr.json" >"$work/$case/queries"
	{
		echo "$head"
		echo "# NAME TYPE RCODE [owner TTL TYPE rdata]... (tab-separated; answer RRs sorted)"
		python3 "$here/dnsdiff.py" ask "$dport" <"$work/$case/queries"
	} >"$out/$case.answers"
	echo "   $(grep -vc '^#' "$out/$case.answers") (name, type) lines," \
		"$(grep -c 'UNASKABLE' "$out/$case.answers") unaskable," \
		"$(grep -c -E $'\t(TIMEOUT|SERVFAIL|BADPACKET)' "$out/$case.answers") without an answer"
	stop_pid "$dpid"
	stop_pid "$mpid"
}

mkdir -p "$out"
for dir in "$fixtures"/*/; do
	dir=${dir%/}
	for cfile in "$dir"/config.json "$dir"/config-*.json; do
		[ -f "$cfile" ] || continue
		b=$(basename "$cfile" .json)
		case=$(basename "$dir")
		[ "$b" = config ] || case="$case-${b#config-}"
		if [ $# -gt 0 ]; then
			want=0
			for w in "$@"; do [ "$w" = "$case" ] && want=1; done
			[ $want = 1 ] || continue
		fi
		# Without EnumerationOn there is no /v1/axfr to record from: such a
		# case is only for record_http.sh.
		if grep -qi '"EnumerationOn": *false' "$cfile"; then
			echo "== $case: EnumerationOn false, no /v1/axfr; skipped"
			continue
		fi
		record_case "$case" "$dir" "$cfile"
	done
done
