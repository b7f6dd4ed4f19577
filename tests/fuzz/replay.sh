#!/bin/bash
# replay.sh -- every seed corpus once through its fuzz harness, without
# libFuzzer (tests/fuzz/replay_NAME), one TAP result per harness. A fixed
# crash joins its corpus as fixed-*, so it stays fixed. REPLAY_WRAPPER runs
# each under e.g. valgrind.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
n=0
failed=0
for h in query state event config upstream tsig; do
	n=$((n + 1))
	bin="$top_builddir/tests/fuzz/replay_$h"
	log="$top_builddir/tests/fuzz/replay_$h.out"
	# shellcheck disable=SC2086
	if ${REPLAY_WRAPPER:-} "$bin" "$top_srcdir/tests/fuzz/corpus/$h" >"$log" 2>&1; then
		echo "ok $n - replay_$h: $(grep '^replayed' "$log" | tail -n 1)"
	else
		echo "not ok $n - replay_$h"
		tail -n 30 "$log" | sed 's/^/#   /'
		failed=$((failed + 1))
	fi
done
echo "1..$n"
[ "$failed" -eq 0 ]
