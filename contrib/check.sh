#!/bin/bash
# check.sh -- install what is missing, build with warnings as errors, run
# the whole test suite; then build with AddressSanitizer and
# UndefinedBehaviorSanitizer and run it again; then make distcheck (with
# the unit tests) and the Debian package built from its tarball, its
# contents checked and its binary run; then the unit tests and the
# fuzz seed corpora under valgrind, the threaded tests under
# ThreadSanitizer, and each libFuzzer harness for 30 s (clang). The last
# line of output is "N passed, N failed".
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
# make distcheck builds the tarball, then builds and checks it out of tree
# with a read-only source; it would rerun the whole suite, which the stage
# above just ran from the same files, so here it runs the unit tests and
# fuzz corpora only (TESTS=...): what it checks is the tarball.
echo "== make distcheck (unit tests) and the Debian package"
t0=$(date +%s)
if (cd _build-check && make -s distcheck DISTCHECK_CONFIGURE_FLAGS=--enable-werror \
	'TESTS=$(UNIT_TESTS) tests/fuzz/replay.sh') >_build-check/distcheck.out 2>&1; then
	passed=$((passed + 1))
else
	echo "make distcheck failed:"; grep -E 'ERROR|FAIL|Error' _build-check/distcheck.out | head -20
	failed=$((failed + 1))
fi
# debian/ is in the tarball: the package is built from it, as from a
# clean tree (contrib/deb.sh: build, lintian, contents, a scratch install).
if contrib/deb.sh _build-deb _build-check/taskdns-*.tar.gz >_build-check/deb.out 2>&1; then :; fi
while read -r line; do
	case $line in
	"ok "*) passed=$((passed + 1)) ;;
	"not ok"*) echo "deb: $line"; failed=$((failed + 1)) ;;
	"#"*) echo "$line" ;;
	esac
done <_build-check/deb.out
grep -qE '^(ok|not ok) ' _build-check/deb.out || { echo "deb.sh ran no check:"; tail -20 _build-check/deb.out; failed=$((failed + 1)); }
echo "($(($(date +%s) - t0)) s)"

echo "== build with ASan+UBSan and test"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	build_and_check _build-sanitizers --enable-werror --enable-sanitizers

echo "== unit tests under valgrind"
# --fair-sched=yes: valgrind runs one thread at a time, and without it
# test_rcu's readers may never get a turn while its writer publishes.
for t in _build-check/tests/unit/test_*; do
	[ -x "$t" ] || continue
	if top_srcdir=$top valgrind -q --fair-sched=yes --error-exitcode=1 --leak-check=full \
		--errors-for-leak-kinds=definite "$t" >/dev/null 2>"$t.valgrind"; then
		passed=$((passed + 1))
	else
		echo "valgrind: $t"; head -30 "$t.valgrind"
		failed=$((failed + 1))
	fi
done

echo "== fuzz seed corpora under valgrind"
[ -x _build-check/tests/fuzz/replay_query ] && while read -r line; do
	case $line in
	"ok "*) passed=$((passed + 1)) ;;
	"not ok"*) echo "valgrind: $line"; failed=$((failed + 1)) ;;
	"#"*) echo "$line" ;;
	esac
done < <(cd _build-check && top_srcdir=$top top_builddir=$PWD \
	REPLAY_WRAPPER="valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite" \
	bash "$top/tests/fuzz/replay.sh" 2>&1)

echo "== taskdns under valgrind"
for t in records protocol nsd_compare; do
	log="_build-check/tests/integration/$t.valgrind.log"
	if (cd _build-check && top_srcdir=$top top_builddir=$PWD \
		TASKDNS_WRAPPER="valgrind -q --fair-sched=yes --leak-check=full --errors-for-leak-kinds=definite" \
		bash "$top/tests/integration/$t.sh") >"$log" 2>&1; then
		passed=$((passed + 1))
	else
		echo "valgrind: tests/integration/$t.sh"; grep -E '^(not ok|#)' "$log" | head -30
		failed=$((failed + 1))
	fi
done

# ThreadSanitizer cannot share a build with ASan: a build of its own, the
# threaded unit test, and the integration tests with several responder
# threads (4, over the tests' "threads") while the state is refreshed, and
# zk.sh (the ZooKeeper detector's thread beside the client library's),
# follow.sh (the event stream's thread beside the writer's), xfr_server.sh
# (transfers on responder threads, holding zone tables), dnsnotify.sh
# (the NOTIFY sender's thread fed by the writer) and resync.sh (polls and
# stream events meeting in the writer). A
# report fails the test it came from. forward.sh keeps its own "threads"
# and only its reports count here: its timing checks do not hold under
# ThreadSanitizer's slowdown (the other builds check them).
echo "== ThreadSanitizer build: threaded tests"
t0=$(date +%s)
tsan=_build-tsan
rm -rf "$tsan"
mkdir -p "$tsan/tsan"
if (cd "$tsan" && "$top/configure" -q --enable-werror --enable-tsan &&
	make -s -j"$(nproc)" && make -s -j"$(nproc)" tests/unit/test_rcu tests/zkreg) >"$tsan/build.out" 2>&1; then
	printf '#!/bin/sh\nexec "%s/src/taskdns" "$@" -threads=4\n' "$top/$tsan" >"$tsan/taskdns-threads"
	chmod +x "$tsan/taskdns-threads"
	for t in unit/test_rcu integration/records.sh integration/protocol.sh \
		integration/masters.sh integration/forward.sh integration/zk.sh \
		integration/follow.sh integration/xfr_server.sh \
		integration/dnsnotify.sh integration/resync.sh; do
		name=$(basename "$t" .sh)
		case $t in
		*/forward.sh) cmd=(bash "$top/tests/$t") ;;
		*.sh) cmd=(env TASKDNS="$top/$tsan/taskdns-threads" bash "$top/tests/$t") ;;
		*) cmd=("tests/$t") ;;
		esac
		(cd "$tsan" && top_srcdir=$top top_builddir=$PWD \
			TSAN_OPTIONS="log_path=$top/$tsan/tsan/$name second_deadlock_stack=1" \
			"${cmd[@]}") >"$tsan/$name.log" 2>&1
		rc=$?
		[ "$name" = forward ] && rc=0
		if [ "$rc" -eq 0 ] && ! compgen -G "$tsan/tsan/$name.*" >/dev/null; then
			passed=$((passed + 1))
		else
			echo "ThreadSanitizer: tests/$t"
			grep -E '^(not ok|Bail)' "$tsan/$name.log" | head -20
			cat "$tsan/tsan/$name".* 2>/dev/null | head -60
			failed=$((failed + 1))
		fi
	done
else
	echo "build failed in $tsan"; tail -20 "$tsan/build.out"
	failed=$((failed + 1))
fi
echo "($(($(date +%s) - t0)) s)"

# libFuzzer needs clang: every harness of tests/fuzz for a short, fixed
# time from its seeds (make fuzz FUZZ_SECONDS=3600 by hand for real runs).
echo "== libFuzzer build (clang): each harness for 30 s"
t0=$(date +%s)
fuzz=_build-fuzz
rm -rf "$fuzz"
mkdir -p "$fuzz"
if (cd "$fuzz" && "$top/configure" -q --enable-werror --enable-fuzzing CC=clang &&
	make -s -j"$(nproc)") >"$fuzz/build.out" 2>&1; then
	(cd "$fuzz" && make -s fuzz FUZZ_SECONDS=30) >"$fuzz/fuzz.out" 2>&1
	grep -E '^(PASS|FAIL): |^  ' "$fuzz/fuzz.out"
	p=$(grep -c '^PASS: ' "$fuzz/fuzz.out")
	f=$(grep -c '^FAIL: ' "$fuzz/fuzz.out")
	passed=$((passed + p))
	failed=$((failed + f))
	if [ $((p + f)) -eq 0 ]; then
		echo "make fuzz ran no harness:"; tail -20 "$fuzz/fuzz.out"
		failed=$((failed + 1))
	fi
else
	echo "build failed in $fuzz"; tail -20 "$fuzz/build.out"
	failed=$((failed + 1))
fi
echo "($(($(date +%s) - t0)) s)"

echo "skipped: $skipped"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
