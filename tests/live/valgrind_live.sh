#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# valgrind memcheck on live runs with real BPF and real loopback traffic:
#  1. tcptop -j under valgrind, ended by SIGINT: memcheck clean, and the JSON
#     still carries the generator's exact bytes;
#  2. collectd -f under valgrind with tcptop.so, through init, reads with
#     traffic, and SIGTERM: memcheck clean (our plugin, the core and libbpf,
#     and collectd around them), exact totals in csv.
# Clean means: no invalid read or write, no uninitialised value used, no
# definitely lost byte.  tests/unit/valgrind.supp holds third-party noise only.
# Exits 77 (skip) when BPF cannot be loaded here, unless TCPTOP_REQUIRE_BPF=1;
# a missing valgrind is a skip too, except in CI (TCPTOP_REQUIRE_BPF=1).
set -u
name=valgrind_live
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/collectd/plugin_lib.sh"
tcptop="$top_builddir/cli/tcptop"

require_common
command -v valgrind > /dev/null 2>&1 || skip "valgrind is missing (apt-get install valgrind)"
nm -D "$tcptop" 2>/dev/null | grep -q __asan_init && skip "an AddressSanitizer build cannot run under valgrind"
"$tcptop" -j 1 1 > /dev/null 2> "$tmp/probe.err" || skip "tcptop cannot trace here: $(cat "$tmp/probe.err")"

VALGRIND="valgrind --tool=memcheck --error-exitcode=99 --leak-check=full
	--errors-for-leak-kinds=definite --show-leak-kinds=definite
	--suppressions=$top_srcdir/tests/unit/valgrind.supp"

# The verdict of valgrind log $1: prints the summary lines, fails on any error.
verdict() {
	lost=$(grep 'definitely lost:' "$1" | sed 's/^==[0-9]*== *//')
	summary=$(grep 'ERROR SUMMARY' "$1" | sed 's/^==[0-9]*== //')
	heap=$(grep -E 'in use at exit|total heap usage' "$1" | sed 's/^==[0-9]*== *//' | tr '\n' ' ')
	say "$2: $heap; ${lost:-definitely lost: 0 bytes}; $summary"
	[ -n "$summary" ] || fail "$2: valgrind wrote no summary"
	echo "$summary" | grep -q '^ERROR SUMMARY: 0 errors' || {
		grep -v 'unhandled eBPF' "$1" | tail -n 80
		fail "$2: memcheck found errors"
	}
}

# Waits up to $3 seconds until file $2 has $1 lines.
wait_lines() {
	i=0
	while [ "$(wc -l < "$2")" -lt "$1" ] && [ $i -lt $(($3 * 10)) ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ "$(wc -l < "$2")" -ge "$1" ]
}

# ---- 1: the CLI ----------------------------------------------------------------------
: > "$tmp/cli.json"
$VALGRIND --log-file="$tmp/cli.vg" "$tcptop" -j 1 > "$tmp/cli.json" 2> "$tmp/cli.err" &
cli=$!
track "$cli"
wait_lines 1 "$tmp/cli.json" 120 || fail "tcptop under valgrind printed nothing: $(cat "$tmp/cli.err")"
run_traffic cli --family ipv4 --bytes 200000 --chunk 3000 echo
n=$(wc -l < "$tmp/cli.json")
wait_lines $((n + 2)) "$tmp/cli.json" 60 || fail "tcptop under valgrind stopped printing"
kill -INT "$cli"
wait "$cli"
rc=$?
[ "$rc" = 0 ] || { verdict "$tmp/cli.vg" "tcptop -j"; fail "tcptop under valgrind exited $rc"; }
verdict "$tmp/cli.vg" "tcptop -j"
python3 "$top_srcdir/tests/lifecycle/lifecycle_json.py" "$tmp/cli.json" "$tmp/truth-cli" || fail "tcptop under valgrind: bytes differ"

# ---- 2: collectd with the plugin ------------------------------------------------------
conf=$tmp/collectd.conf
conf_head "$conf" 1
# Only the generator's flows: csv under valgrind cannot keep up with a busy machine's.
conf_tcptop "$conf" '  Interval 0.5
  Aggregate "flow"
  Process "tcptop-traffic"'
$VALGRIND --log-file="$tmp/collectd.vg" "$COLLECTD" -f -C "$conf" > "$conf.out" 2>&1 &
daemon_pid=$!
track "$daemon_pid"
wait_log "$conf" 180 'entering read-loop' || fail "collectd under valgrind did not get through init"
grep -q 'tcptop plugin: attached in' "$conf.log" || fail "the plugin did not attach under valgrind"
run_traffic plugin --family ipv6 --bytes 150000 --chunk 2000 echo
python3 "$top_srcdir/tests/collectd/plugin_collectd_check.py" exact csv "$conf.csv/$host" 60 "$tmp/truth-plugin" ||
	fail "collectd under valgrind: csv totals differ"
kill -TERM "$daemon_pid"
wait "$daemon_pid"
rc=$?
daemon_pid=
grep -q "Exiting normally" "$conf.log" || fail "collectd under valgrind did not exit normally"
[ "$rc" = 0 ] || { verdict "$tmp/collectd.vg" "collectd"; fail "collectd under valgrind exited $rc"; }
verdict "$tmp/collectd.vg" "collectd with tcptop.so"
say "PASS"
