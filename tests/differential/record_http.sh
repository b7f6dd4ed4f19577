#!/bin/bash
# record_http.sh -- record what the real Mesos-DNS's HTTP API answers for
# every case of tests/fixtures/mesosdns, for tests/integration/http_api.sh.
#
#   tests/differential/record_http.sh MESOS_DNS_BINARY [CASE...]
#
# The cases, the fake master and the loopback-only settings are those of
# record.sh (read it first). For each case this writes expected/CASE.http:
# every request made (/v1/version, /v1/config, /v1/axfr, /v1/enumerate,
# /v1/hosts/NAME for every A and AAAA name of the case, /v1/services/NAME
# for every SRV name, unknown and malformed names, unknown paths and
# methods) and what came back, as blocks of
#   > METHOD PATH
#   < STATUS CONTENT-TYPE
#   BODY (one line: the JSON as sent, re-serialised without spaces; a
#         body that is not JSON as a JSON string)
# Say which source the binary was built from with MESOS_DNS_COMMIT.
NAME=record_http.sh USAGE_LINES=2,17p NEEDS="curl python3"
# shellcheck source=recorder.sh
. "$(dirname "$0")/recorder.sh"

record_case() { # CASE STATE_DIR CONFIG_FILE
	local case=$1 dir=$2 cfile=$3 axfr
	# The names to ask come from the case's recorded /v1/axfr, or
	# (EnumerationOn false) from that of the directory's config.json.
	axfr="$out/$case.axfr.json"
	[ -f "$axfr" ] || axfr="$out/$(basename "$dir").axfr.json"
	[ -f "$axfr" ] || {
		echo "$NAME: $case: run record.sh for it first" >&2; exit 1; }
	# Loaded once /v1/hosts knows the leader (/v1/axfr may be switched off).
	start_case "$case" "$dir" "$cfile" \
		'curl -sf http://127.0.0.1:$hport/v1/hosts/leader.$domain | grep -q "\"ip\": \"[0-9]"'
	{
		case_header "$case" "$dir" "$cfile"
		python3 "$here/httpask.py" record "$hport" "$axfr" "$domain"
	} >"$out/$case.http"
	echo "   $(grep -c '^> ' "$out/$case.http") requests"
	stop_pid "$dpid" || true
	stop_pid "$mpid" || true
}

for_each_case record_case
