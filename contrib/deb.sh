#!/bin/bash
# deb.sh -- build the Debian package from a clean tree and check it (TAP):
# dpkg-buildpackage, lintian (errors fail; warnings are listed), the
# package's contents and control files, and the binary it installs,
# unpacked into a scratch root, run on the configuration it installs.
#
#   contrib/deb.sh WORKDIR [TARBALL]
#
# The clean tree is TARBALL (make dist's) unpacked, or without one, the
# files git tracks. WORKDIR is emptied first; the .deb is left in it.
set -u
cd "$(dirname "$0")/.."
top=$PWD
work=${1:?usage: contrib/deb.sh WORKDIR [TARBALL]}
tarball=${2:-}
n=0 nfail=0
ok() { n=$((n + 1)); if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; nfail=$((nfail + 1)); fi; }
diag() { sed 's/^/# /'; }

rm -rf "$work"
mkdir -p "$work/src"
case $work in /*) ;; *) work=$top/$work ;; esac
if [ -n "$tarball" ]; then
	tar -C "$work/src" --strip-components=1 -xzf "$tarball"
else
	git ls-files -z | tar --null -T - -cf - | tar -C "$work/src" -xf -
fi
ok $? "a clean tree in $work/src"
version=$(sed -n 's/^AC_INIT(\[taskdns\], \[\([^]]*\)\].*/\1/p' "$work/src/configure.ac")
changelog=$(cd "$work/src" && dpkg-parsechangelog -S Version)
[ -n "$version" ] && [ "$version" = "$changelog" ]
ok $? "debian/changelog's version ($changelog) is configure.ac's ($version)"

t0=$(date +%s)
(cd "$work/src" && DEB_BUILD_OPTIONS="parallel=$(nproc)" dpkg-buildpackage -us -uc -b) \
	>"$work/build.log" 2>&1
rc=$?
ok $rc "dpkg-buildpackage -us -uc -b ($(($(date +%s) - t0)) s)"
[ "$rc" -eq 0 ] || tail -30 "$work/build.log" | diag
deb=$(ls "$work"/taskdns_*.deb 2>/dev/null | head -1)
if [ -z "$deb" ]; then
	echo "Bail out! no .deb was built"
	exit 1
fi

# lintian refuses nothing as root but says it is not recommended.
lintian --fail-on error "$work"/taskdns_*.changes >"$work/lintian.out" 2>&1
rc=$?
grep -v 'root privileges' "$work/lintian.out" | diag
ok $rc "lintian: no error"
is_empty() { [ -z "$(grep -E '^W: ' "$work/lintian.out")" ]; }
is_empty
ok $? "lintian: no warning"

dpkg-deb -c "$deb" | awk '{print $NF}' >"$work/contents"
missing=""
for f in ./usr/sbin/taskdns ./usr/share/man/man8/taskdns.8.gz \
	./usr/share/man/man5/taskdns.json.5.gz ./lib/systemd/system/taskdns.service \
	./etc/taskdns/config.json ./usr/share/doc/taskdns/copyright; do
	grep -qxF "$f" "$work/contents" || missing="$missing $f"
done
[ -z "$missing" ]
ok $? "the package holds the binary, both man pages, the unit, the config${missing:+ (missing:$missing)}"
mkdir -p "$work/control"
dpkg-deb -e "$deb" "$work/control"
grep -qxF /etc/taskdns/config.json "$work/control/conffiles" 2>/dev/null
ok $? "/etc/taskdns/config.json is a conffile"
# (continuation lines joined)
sed -e ':a' -e '/\\$/{N;s/\\\n//;ba' -e '}' "$work/control/postinst" 2>/dev/null |
	grep -qE '^[[:space:]]*adduser --system .*--group .* taskdns$' &&
	sh -n "$work/control/postinst"
ok $? "the postinst makes the system user taskdns"
grep -q 'deb-systemd-helper' "$work/control/postinst" 2>/dev/null
ok $? "the postinst enables the unit (dh_installsystemd)"
cmp -s "$work/src/contrib/systemd/taskdns.service" <(dpkg-deb --fsys-tarfile "$deb" |
	tar -xOf - ./lib/systemd/system/taskdns.service)
ok $? "the unit installed is contrib/systemd/taskdns.service"

# The installed binary, unpacked into a scratch root (no maintainer
# scripts run, nothing changes outside WORKDIR).
root=$work/root
dpkg-deb -x "$deb" "$root"
out=$("$root/usr/sbin/taskdns" --version 2>&1)
[ "$out" = "taskdns $version" ]
ok $? "the installed taskdns --version prints \"taskdns $version\" (got \"$out\")"
"$root/usr/sbin/taskdns" -config="$root/etc/taskdns/config.json" --check-config \
	>"$work/check-config.out" 2>"$work/check-config.err"
ok $? "the installed taskdns --check-config accepts the installed config.json"
[ -s "$work/check-config.err" ] && diag <"$work/check-config.err"
[ "$nfail" -eq 0 ]
