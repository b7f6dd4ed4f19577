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
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
fixtures="$top/tests/fixtures/mesosdns"
out="$here/expected"
MESOS_DNS_COMMIT=${MESOS_DNS_COMMIT:-e888ef40dcfdc3c35b32d2b4ae035b76416d7072}
export PYTHONDONTWRITEBYTECODE=1

[ $# -ge 1 ] || { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
mdns=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
shift
[ -x "$mdns" ] || { echo "record_http.sh: $mdns is not an executable" >&2; exit 2; }
for c in curl python3; do
	command -v "$c" >/dev/null || { echo "record_http.sh: $c is needed" >&2; exit 2; }
done
gover=$(go version "$mdns" 2>/dev/null | awk '{print $2}')
gover=${gover:-go?}
gover=${gover%.*}

top_srcdir=$top
# shellcheck source=../integration/lib.sh
. "$top/tests/integration/lib.sh"
work=$T

port_open() { python3 -c "import socket; socket.create_connection(('127.1.0.1', 5050), 1)" 2>/dev/null; }

record_case() { # CASE STATE_DIR CONFIG_FILE AXFR_JSON
	local case=$1 dir=$2 cfile=$3 axfr=$4 dport hport base cfg mpid dpid domain
	echo "== $case"
	if port_open; then
		echo "record_http.sh: 127.1.0.1:5050 is taken; stop what listens there" >&2
		exit 1
	fi
	mkdir -p "$work/$case"
	cp "$dir/state.json" "$work/$case/state.json"
	python3 "$top/tests/fake_master.py" --host 127.1.0.1 --port 5050 \
		--dir "$work/$case" 2>>"$work/$case/master.log" &
	mpid=$!
	PIDS+=($mpid)
	wait_for 10 port_open || { echo "record_http.sh: the fake master did not start" >&2; exit 1; }

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
	# Loaded once /v1/hosts knows the leader (/v1/axfr may be switched off).
	if ! wait_for 30 sh -c "curl -sf http://127.0.0.1:$hport/v1/hosts/leader.$domain | grep -q '\"ip\": \"[0-9]'"; then
		echo "record_http.sh: mesos-dns did not load the state; its log:" >&2
		sed 's/^/  /' "$work/$case/mesos-dns.log" >&2
		exit 1
	fi

	{
		printf '# recorded from mesos-dns %s (github.com/mesosphere/mesos-dns), %s, %s\n' \
			"$MESOS_DNS_COMMIT" "$gover" "$(date -u +%Y-%m-%d)"
		printf '# case %s: tests/fixtures/mesosdns/%s/state.json with %s\n' \
			"$case" "$(basename "$dir")" "$(basename "$cfile")"
		printf '# config (the case keys over loopback settings; port and httpport left out): %s\n' \
			"$(echo "$cfg" | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin), sort_keys=True))')"
		python3 "$here/httpask.py" record "$hport" "$axfr" "$domain"
	} >"$out/$case.http"
	echo "   $(grep -c '^> ' "$out/$case.http") requests"
	stop_pid "$dpid" || true
	stop_pid "$mpid" || true
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
		# The names to ask come from the case's recorded /v1/axfr, or
		# (EnumerationOn false) from that of the directory's config.json.
		axfr="$out/$case.axfr.json"
		[ -f "$axfr" ] || axfr="$out/$(basename "$dir").axfr.json"
		[ -f "$axfr" ] || {
			echo "record_http.sh: $case: run record.sh for it first" >&2; exit 1; }
		record_case "$case" "$dir" "$cfile" "$axfr"
	done
done
exit 0
