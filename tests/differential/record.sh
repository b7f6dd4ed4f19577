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
NAME=record.sh USAGE_LINES=2,9p NEEDS="dig curl python3"
# shellcheck source=recorder.sh
. "$(dirname "$0")/recorder.sh"

record_case() { # CASE STATE_DIR CONFIG_FILE
	local case=$1 dir=$2 cfile=$3 head
	# Without EnumerationOn there is no /v1/axfr to record from: such a
	# case is only for record_http.sh.
	if grep -qi '"EnumerationOn": *false' "$cfile"; then
		echo "== $case: EnumerationOn false, no /v1/axfr; skipped"
		return
	fi
	# /v1/axfr and DNS are served once the first state is loaded.
	start_case "$case" "$dir" "$cfile" \
		'curl -sf http://127.0.0.1:$hport/v1/axfr | grep -q "\"leader.$domain.\"" &&
		dig @127.0.0.1 -p $dport +time=1 +tries=1 leader.$domain A | grep -q "status: NOERROR"'
	head=$(case_header "$case" "$dir" "$cfile")
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

for_each_case record_case
