#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# valgrind memcheck over every unit suite (tests/unit/check_*, in one process:
# CK_FORK=no) and over the fuzz corpora replayed through every harness: no
# invalid read or write, no use of uninitialised memory, no definitely lost
# byte.  Suppressions (tests/unit/valgrind.supp) cover third-party noise only.
# Skips (77) when valgrind is not installed, unless TCPTOP_REQUIRE_BPF=1 (CI).
#
# Each test case runs on its own (CK_RUN_CASE, names read from the suite's
# source), so the cases in VALGRIND_SKIP_CASES can be left out: they only
# scale up code the other cases already cover and take minutes under
# memcheck.  VALGRIND_FULL=1 (make check-long) runs them too.
set -u
VALGRIND_SKIP_CASES=${VALGRIND_SKIP_CASES:-check_flow_table:growth}
[ "${VALGRIND_FULL:-0}" = 1 ] && VALGRIND_SKIP_CASES=""

: "${top_srcdir:?run from make check}" "${top_builddir:?run from make check}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tcptop-valgrind-unit.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

if ! command -v valgrind > /dev/null 2>&1; then
	[ "${TCPTOP_REQUIRE_BPF:-0}" = 1 ] && { echo "FAIL: valgrind is missing (apt-get install valgrind)"; exit 1; }
	echo "SKIP: valgrind is missing (apt-get install valgrind)"
	exit 77
fi
if nm -D "$top_builddir/cli/tcptop" 2>/dev/null | grep -q __asan_init; then
	echo "SKIP: an AddressSanitizer build cannot run under valgrind"
	exit 77
fi

# Add --track-origins=yes by hand to find where an uninitialised value comes from.
VALGRIND="valgrind --tool=memcheck --error-exitcode=99 --leak-check=full
	--errors-for-leak-kinds=definite --show-leak-kinds=definite
	--suppressions=$top_srcdir/tests/unit/valgrind.supp"
# libtool runs the real binary under valgrind even where it built a wrapper script.
run() {
	label=$1
	shift
	log="$tmp/$(echo "$label" | tr -c 'A-Za-z0-9_\n' '_').log"
	CK_FORK=no "$top_builddir/libtool" --mode=execute $VALGRIND --log-file="$log" "$@" \
		> "$tmp/out" 2>&1
	rc=$?
	summary=$(grep 'ERROR SUMMARY' "$log" | sed 's/^==[0-9]*== //')
	lost=$(grep 'definitely lost:' "$log" | sed 's/^==[0-9]*== *//')
	echo "$label: exit $rc; ${lost:-no leak}; $summary"
	if [ "$rc" != 0 ]; then
		echo "FAIL: $label"
		tail -n 20 "$tmp/out"
		grep -v 'unhandled eBPF' "$log" | tail -n 60
		failed=1
	fi
}

failed=0
n=0
for t in "$top_builddir"/tests/unit/check_*; do
	case $t in *.o | *.log | *.trs) continue ;; esac
	[ -x "$t" ] && [ -f "$t" ] || continue
	suite=$(basename "$t")
	n=$((n + 1))
	cases=$(sed -n 's/.*tcase_create("\([^"]*\)").*/\1/p' "$top_srcdir/tests/$suite.c" 2>/dev/null)
	if [ -z "$cases" ]; then
		run "$suite" "$t"
		continue
	fi
	for c in $cases; do
		case " $VALGRIND_SKIP_CASES " in
		*" $suite:$c "*)
			echo "$suite/$c: not run under valgrind (VALGRIND_SKIP_CASES; VALGRIND_FULL=1 runs it)"
			continue
			;;
		esac
		CK_RUN_CASE=$c run "$suite/$c" "$t"
	done
done
[ "$n" -gt 0 ] || { echo "FAIL: no unit suite found in $top_builddir/tests"; exit 1; }
for h in cli_args cli_output ident plugin_conf; do
	run "replay_$h" "$top_builddir/tests/fuzz/replay_$h" "$top_srcdir/tests/fuzz/corpus/$h"
done
[ "$failed" = 0 ] || exit 1
echo "PASS: $n unit suites and 4 fuzz corpora clean under memcheck"
