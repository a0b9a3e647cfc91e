#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The AddressSanitizer + UndefinedBehaviorSanitizer build, checked from an
# ordinary make check: configures the source again with --enable-sanitizers
# in tests/sanitizer-build under this build tree, builds what these need and
# runs them there:
#  - every unit suite and the fuzz corpora replayed through every harness;
#  - the live lifecycle tests (100 rounds of the core, 100 of the plugin
#    glue, the CLI ended by signals) and the hostile-COMM test, which runs
#    the sanitized CLI and the sanitized tcptop.so inside collectd
#    (tests/collectd/sanitizer_collectd.sh preloads the ASan runtime).
# Any sanitizer report fails the run (-fno-sanitize-recover, ASan aborts).
# In a build that is itself configured with --enable-sanitizers the whole
# suite already runs sanitized, so this test skips (77).
set -u

: "${top_srcdir:?run from make check}" "${top_builddir:?run from make check}"
if nm -D "$top_builddir/cli/tcptop" 2>/dev/null | grep -q __asan_init; then
	echo "SKIP: this build is the sanitizer build; the whole suite runs sanitized"
	exit 77
fi
src=$(cd "$top_srcdir" && pwd)
dir="$top_builddir/tests/sanitizer-build"
jobs=$(nproc 2>/dev/null || echo 2)

fail() {
	echo "FAIL: $*"
	exit 1
}

units="tests/unit/check_cli_args tests/unit/check_cli_rows tests/unit/check_cli_screen tests/unit/check_cli_json
	tests/unit/check_flow_table tests/unit/check_flow_format tests/unit/check_plugin_ident
	tests/unit/check_plugin_filter tests/unit/check_plugin_conf tests/unit/check_plugin_units
	tests/unit/check_plugin_glue tests/unit/check_plugin_names tests/unit/check_plugin_roles
	tests/unit/check_listeners"
live="tests/lifecycle/lifecycle_core tests/lifecycle/lifecycle_plugin"
scripts="tests/lifecycle/lifecycle_cli.sh tests/live/hostile_comm.sh"
replays="tests/fuzz/replay_cli_args tests/fuzz/replay_cli_output tests/fuzz/replay_ident
	tests/fuzz/replay_plugin_conf"
helpers="cli/tcptop plugin/tcptop.la tests/traffic/tcptop-traffic tests/live/hostile_traffic"

mkdir -p "$dir" || fail "cannot create $dir"
if [ ! -f "$dir/Makefile" ]; then
	echo "configuring $dir"
	(cd "$dir" && "$src/configure" --enable-sanitizers --enable-werror \
		${COLLECTD:+COLLECTD="$COLLECTD"} > configure.log 2>&1) ||
		{ tail -n 30 "$dir/configure.log"; fail "configure --enable-sanitizers failed"; }
fi
# A clean make: the outer make check's jobserver is not ours to use.
unset MAKEFLAGS MFLAGS MAKELEVEL
# shellcheck disable=SC2086
make -C "$dir" -j"$jobs" $helpers $units $live $replays > "$dir/build.log" 2>&1 ||
	{ grep -E 'error|Error' "$dir/build.log" | head -n 30; fail "the sanitizer build failed"; }
echo "built with: $(sed -n 's/^SANITIZER_FLAGS = //p' "$dir/Makefile")"

for r in $replays; do
	h=${r#tests/fuzz/replay_}
	out=$("$dir/$r" "$src/tests/fuzz/corpus/$h" 2>&1) || { echo "$out" | tail -n 40; fail "replay of corpus/$h"; }
	echo "ok: sanitized $r: $out"
done

# shellcheck disable=SC2086
make -C "$dir" check-TESTS TESTS="$(echo $units $live $scripts)" > "$dir/check.log" 2>&1
rc=$?
grep -E '^(PASS|FAIL|SKIP|ERROR|XPASS|XFAIL):' "$dir/check.log"
grep -E '^# (TOTAL|PASS|SKIP|FAIL|ERROR):' "$dir/check.log"
if [ "$rc" != 0 ]; then
	for t in $units $live $scripts; do
		log="$dir/${t%.sh}.log"
		[ -f "$log" ] && grep -q ':test-result: \(FAIL\|ERROR\)' "$dir/${t%.sh}.trs" 2>/dev/null &&
			{ echo "----- $log"; tail -n 60 "$log"; }
	done
	fail "tests failed in the sanitizer build"
fi
# A skip of a live test here would hide the sanitizer run it stands for.
if grep -q '^SKIP:' "$dir/check.log" && [ "${TCPTOP_REQUIRE_BPF:-0}" = 1 ]; then
	fail "tests skipped in the sanitizer build although TCPTOP_REQUIRE_BPF=1"
fi
echo "PASS: ASan+UBSan build: unit suites, fuzz corpora, lifecycle and hostile-COMM tests"
