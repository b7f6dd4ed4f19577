#!/bin/bash
# check.sh -- install what is missing, build with warnings as errors, run
# the whole test suite; then build with AddressSanitizer and
# UndefinedBehaviorSanitizer and run it again; then the unit tests under
# valgrind. The last line of output is "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
top=$PWD
contrib/deps.sh --test || { echo "0 passed, 1 failed"; exit 1; }
autoreconf -fi >/dev/null 2>&1 || { echo "autoreconf failed"; echo "0 passed, 1 failed"; exit 1; }

passed=0 failed=0 skipped=0
count() { # count BUILD_DIR: add up automake's summary in test-suite.log
	local log="$1/test-suite.log" p f x e s xp
	if [ ! -f "$log" ]; then
		failed=$((failed + 1))
		return
	fi
	p=$(sed -n 's/^# PASS: *//p' "$log" | head -1)
	f=$(sed -n 's/^# FAIL: *//p' "$log" | head -1)
	x=$(sed -n 's/^# XFAIL: *//p' "$log" | head -1)
	xp=$(sed -n 's/^# XPASS: *//p' "$log" | head -1)
	e=$(sed -n 's/^# ERROR: *//p' "$log" | head -1)
	s=$(sed -n 's/^# SKIP: *//p' "$log" | head -1)
	passed=$((passed + ${p:-0} + ${x:-0}))
	failed=$((failed + ${f:-0} + ${xp:-0} + ${e:-0}))
	skipped=$((skipped + ${s:-0}))
}

build_and_check() { # build_and_check DIR CONFIGURE_ARGS...
	local dir=$1
	shift
	rm -rf "$dir"
	mkdir -p "$dir"
	(cd "$dir" && "$top/configure" -q "$@" && make -s -j"$(nproc)") ||
		{ echo "build failed in $dir"; failed=$((failed + 1)); return; }
	(cd "$dir" && make -s -j2 check >check.out 2>&1) || {
		echo "test failures in $dir:"
		grep -E '^(FAIL|ERROR|XPASS)' "$dir/test-suite.log" | head -40
		for l in "$dir"/tests/*/*.log; do
			grep -qE '^not ok' "$l" 2>/dev/null || continue
			echo "--- $l"
			grep -E '^(not ok|#)' "$l" | head -30
		done
	}
	sed -n '/^# TOTAL/,/^# ERROR/p' "$dir/test-suite.log" 2>/dev/null
	count "$dir"
}

echo "== build (warnings are errors) and test"
build_and_check _build-check --enable-werror
echo "== build with ASan+UBSan and test"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	build_and_check _build-sanitizers --enable-werror --enable-sanitizers

echo "== unit tests under valgrind"
for t in _build-check/tests/unit/test_*; do
	[ -x "$t" ] || continue
	if top_srcdir=$top valgrind -q --error-exitcode=1 --leak-check=full \
		--errors-for-leak-kinds=definite "$t" >/dev/null 2>"$t.valgrind"; then
		passed=$((passed + 1))
	else
		echo "valgrind: $t"; head -30 "$t.valgrind"
		failed=$((failed + 1))
	fi
done

echo "== taskdns under valgrind"
for t in records protocol nsd_compare; do
	log="_build-check/tests/integration/$t.valgrind.log"
	if (cd _build-check && top_srcdir=$top top_builddir=$PWD \
		TASKDNS_WRAPPER="valgrind -q --leak-check=full --errors-for-leak-kinds=definite" \
		bash "$top/tests/integration/$t.sh") >"$log" 2>&1; then
		passed=$((passed + 1))
	else
		echo "valgrind: tests/integration/$t.sh"; grep -E '^(not ok|#)' "$log" | head -30
		failed=$((failed + 1))
	fi
done

echo "skipped: $skipped"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
