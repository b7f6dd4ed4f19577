#!/bin/bash
# contrib.sh -- what contrib/ ships is valid for the tools that read it:
# the Prometheus scrape config and alerts (promtool, and the alerts fire
# on the series they are for), the systemd unit (systemd-analyze), the
# Marathon app and the example configuration the package installs.
. "$(dirname "$0")/lib.sh"
need python3

C="$top_srcdir/contrib"

# The example /etc/taskdns/config.json is one taskdns accepts, and safe
# before anyone edits it: DNS and HTTP on loopback only.
out=$("$TASKDNS" -config="$C/systemd/config.json" --check-config 2>"$T/err"); rc=$?
is "$rc" "0" "--check-config accepts contrib/systemd/config.json"
is "$(echo "$out" | python3 -c 'import json,sys; c=json.load(sys.stdin); print(c["listener"], c["port"], c["HTTPListener"])')" \
	"127.0.0.1 53 127.0.0.1" "the example configuration listens on loopback, port 53"

if command -v promtool >/dev/null 2>&1; then
	out=$(cd "$C/prometheus" && promtool check config prometheus.yml 2>&1); rc=$?
	ok $rc "promtool check config prometheus.yml"
	[ "$rc" -eq 0 ] || diag "$out"
	like "$out" "SUCCESS: 1 rule files found" "prometheus.yml loads alerts.yml"
	out=$(promtool check rules "$C/prometheus/alerts.yml" 2>&1); rc=$?
	ok $rc "promtool check rules alerts.yml"
	[ "$rc" -eq 0 ] || diag "$out"
	# Each alert fires for the series it is for, after its "for", and
	# not for the others (tests/fixtures/prometheus/alerts_test.yml).
	out=$(cd "$FIXTURES/prometheus" && promtool test rules alerts_test.yml 2>&1); rc=$?
	ok $rc "promtool test rules: the alerts fire when they should"
	[ "$rc" -eq 0 ] || echo "$out" | sed 's/^/# /' | head -40
	# The alerts use only metric names taskdns exports (agreed names).
	used=$(grep -oE '\btaskdns_[a-z_]+' "$C/prometheus/alerts.yml" | sort -u)
	unknown=""
	for m in $used; do
		case $m in
		taskdns_model_age_seconds|taskdns_ready|taskdns_forward_failures_total|\
		taskdns_forward_timeouts_total|taskdns_forward_requests_total) ;;
		*) unknown="$unknown $m" ;;
		esac
	done
	is "$unknown" "" "alerts.yml names only metrics taskdns exports"
else
	skip "promtool checks" "promtool not installed (apt-get install prometheus)"
fi

if command -v systemd-analyze >/dev/null 2>&1; then
	# verify wants the command to exist: the unit with this build's binary.
	sed "s|/usr/sbin/taskdns|$TASKDNS|" "$C/systemd/taskdns.service" >"$T/taskdns.service"
	out=$(systemd-analyze verify --man=no "$T/taskdns.service" 2>&1)
	is "$out" "" "systemd-analyze verify: the unit is clean"
	level=$(systemd-analyze security --offline=yes "$T/taskdns.service" 2>&1 |
		sed -n 's/.*Overall exposure level for taskdns.service: \([0-9.]*\).*/\1/p')
	ok $(awk -v l="${level:-10}" 'BEGIN { exit !(l < 3) }'; echo $?) \
		"systemd-analyze security: exposure ${level:-?} is under 3 (hardened)"
else
	skip "systemd-analyze" "systemd not installed"
fi
has() { grep -qxE -- "$1" "$C/systemd/taskdns.service"; }	# a whole line
ok $(has 'Type=notify'; echo $?) "the unit is Type=notify"
ok $(has 'WatchdogSec=[0-9]+s?'; echo $?) "the unit sets a watchdog"
ok $(has 'ExecStart=/usr/sbin/taskdns -config=/etc/taskdns/config.json'; echo $?) \
	"the unit runs /usr/sbin/taskdns on /etc/taskdns/config.json"
ok $(has 'ExecReload=/bin/kill -HUP \$MAINPID'; echo $?) "reload is SIGHUP"
ok $(has 'User=taskdns' && has 'AmbientCapabilities=CAP_NET_BIND_SERVICE'; echo $?) \
	"the user taskdns may bind port 53"

# The Marathon app: one taskdns per agent on the host's port 53, healthy
# when /healthz on its HTTP port answers.
out=$(python3 - "$C/marathon/taskdns.json" <<'PY' 2>&1
import json, sys
a = json.load(open(sys.argv[1]))
errs = []
if ["hostname", "UNIQUE"] not in a.get("constraints", []):
    errs.append("no hostname UNIQUE constraint")
if a.get("networks") != [{"mode": "host"}]:
    errs.append("not host networking")
ports = a.get("portDefinitions", [])
if not ports or ports[0].get("port") != 53 or "udp" not in ports[0].get("protocol", ""):
    errs.append("port 53 (udp) is not the first port")
if not a.get("requirePorts"):
    errs.append("requirePorts is not set")
hc = a.get("healthChecks", [{}])[0]
idx = hc.get("portIndex", -1)
if hc.get("path") != "/healthz" or not (0 <= idx < len(ports)) or ports[idx].get("port") != 8123:
    errs.append("no health check on /healthz of the HTTP port 8123")
if a.get("upgradeStrategy", {}).get("maximumOverCapacity") != 0:
    errs.append("maximumOverCapacity must be 0: UNIQUE leaves no agent for an extra instance")
print("; ".join(errs))
PY
)
is "$out" "" "contrib/marathon/taskdns.json: one per agent, host port 53, /healthz"
done_testing
