#!/bin/bash
# fuzz.sh SECONDS NAME:MAX_LEN... -- run each libFuzzer harness
# tests/fuzz/fuzz_NAME for SECONDS on its corpus in
# $top_builddir/tests/fuzz/run/NAME/corpus (the seeds of tests/fuzz/corpus/NAME
# copied in; what it finds stays for the next run); print one line per
# harness, "PASS: ..." with the executions and coverage or "FAIL: ..." with
# the reproducer. Exit status 1 when any harness crashed. (make fuzz)
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$PWD}"
export top_srcdir
secs=${1:?usage: fuzz.sh SECONDS NAME:MAX_LEN...}
shift
failed=0
for spec in "$@"; do
	h=${spec%%:*}
	maxlen=${spec#*:}
	bin="$top_builddir/tests/fuzz/fuzz_$h"
	dir="$top_builddir/tests/fuzz/run/$h"
	log="$dir/fuzz.log"
	mkdir -p "$dir/corpus" "$dir/crashes"
	cp -n "$top_srcdir/tests/fuzz/corpus/$h"/* "$dir/corpus/" 2>/dev/null
	dict=()
	[ -f "$top_srcdir/tests/fuzz/dict/$h.dict" ] && dict=(-dict="$top_srcdir/tests/fuzz/dict/$h.dict")
	before=$(ls "$dir/crashes" | wc -l)
	start=$(date +%s)
	"$bin" -max_total_time="$secs" -max_len="$maxlen" -timeout=25 \
		-print_final_stats=1 -artifact_prefix="$dir/crashes/" "${dict[@]}" \
		"$dir/corpus" >"$log" 2>&1
	rc=$?
	took=$(($(date +%s) - start))
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	last=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -n 1)
	cov=$(echo "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	if [ "$rc" -eq 0 ]; then
		echo "PASS: fuzz_$h: ${execs:-?} executions in ${took}s, cov: ${cov:-?}, ft: ${ft:-?}, corpus: $(ls "$dir/corpus" | wc -l) inputs"
	else
		failed=$((failed + 1))
		crash=$(ls -t "$dir/crashes" | head -n 1)
		echo "FAIL: fuzz_$h: exit status $rc after ${execs:-?} executions in ${took}s, cov: ${cov:-?}"
		grep -m 3 -E 'ERROR: |runtime error|invariant failed|Test unit written' "$log" | sed 's/^/  /'
		[ "$(ls "$dir/crashes" | wc -l)" -gt "$before" ] &&
			echo "  reproduce: tests/fuzz/replay_$h $dir/crashes/$crash (or tests/fuzz/fuzz_$h FILE)"
		echo "  log: $log"
	fi
done
[ "$failed" -eq 0 ]
