#!/bin/bash
# deps.sh -- install the Debian 12 packages taskdns builds with (and with
# --test, tests with, the Debian package's tools included; with --bench,
# benchmarks with), only those that are
# missing. Needs root (or sudo) when something is.
set -eu
pkgs="build-essential autoconf automake pkg-config libldns-dev libevent-dev
libcurl4-openssl-dev libjansson-dev libyajl-dev libzookeeper-mt-dev libsystemd-dev libssl-dev"
case "${1:-}" in
--test) pkgs="$pkgs dnsutils ldnsutils python3 nsd knot knot-dnsutils unbound iproute2 valgrind
	clang libclang-rt-14-dev libfuzzer-14-dev mandoc bsdextrautils zookeeper
	debhelper lintian devscripts fakeroot prometheus systemd curl" ;;
--bench) pkgs="$pkgs dnsutils python3 nsd knot dnsperf util-linux procps" ;;
esac
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# Debian starts nsd, knot and unbound as services on install; the tests start
# their own instances on free ports, so keep the packaged ones from
# grabbing port 53 (and prometheus its 9090). (ZooKeeper: "zookeeper" is the server without a
# service, the tests run their own; zookeeperd, its service on port 2181,
# is not installed, and would be held back here too.)
if [ -d /usr/sbin ] && [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
	$SUDO chmod +x /usr/sbin/policy-rc.d
	trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
