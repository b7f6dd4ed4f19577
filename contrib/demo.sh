#!/bin/bash
# demo.sh -- install what is missing, build, and run taskdns in the
# foreground on the bundled sample cluster (contrib/sample) on
# 127.0.0.1 port 8053. Try, from another shell:
#   dig @127.0.0.1 -p 8053 nimbus.storm.mesos
#   dig @127.0.0.1 -p 8053 _web._tcp.marathon.mesos SRV
set -eu
cd "$(dirname "$0")/.."
contrib/deps.sh
[ -x configure ] || autoreconf -fi >/dev/null 2>&1
mkdir -p _build
cd _build
[ -f Makefile ] || ../configure -q
make -s -j"$(nproc)" src/taskdns
echo "taskdns: serving the sample cluster on 127.0.0.1 port 8053 (Ctrl-C stops)" >&2
exec ./src/taskdns -config=../contrib/sample/config.json
