#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Several tracers at once, each with its own programs and maps: two tcptop
# CLIs (one on both families every second, one filtered to IPv4 every two
# seconds) beside collectd with tcptop.so, all attached before the traffic
# starts.  Each must count every socket of the generator exactly, as if it
# were alone: the JSON sums of both CLIs and the plugin's csv totals equal
# the ground truth, and the IPv4-only CLI shows no IPv6 flow at all.
# Exits 77 (skip) when BPF cannot be loaded here, unless TCPTOP_REQUIRE_BPF=1.
set -u
name=lifecycle_concurrent
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/collectd/plugin_lib.sh"
tcptop="$top_builddir/cli/tcptop"
exact="python3 $top_srcdir/tests/lifecycle/lifecycle_json.py"

require_common
"$tcptop" -j 1 1 > /dev/null 2> "$tmp/probe.err" || skip "tcptop cannot trace here: $(cat "$tmp/probe.err")"

: > "$tmp/all.json"
: > "$tmp/v4.json"
"$tcptop" -j 1 > "$tmp/all.json" 2> "$tmp/all.err" &
all=$!
track "$all"
"$tcptop" -j -4 2 > "$tmp/v4.json" 2> "$tmp/v4.err" &
v4=$!
track "$v4"
conf=$tmp/collectd.conf
conf_head "$conf" 1
conf_tcptop "$conf" '  Interval 0.5
  Aggregate "flow"'
start_daemon "$conf"
wait_attached "$conf"
i=0
while { [ ! -s "$tmp/all.json" ] || [ ! -s "$tmp/v4.json" ]; } && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ -s "$tmp/all.json" ] && [ -s "$tmp/v4.json" ] || fail "a CLI did not start: $(cat "$tmp"/*.err)"

run_traffic bulk4 --family ipv4 --bytes 1048576 bulk
run_traffic echo6 --family ipv6 --bytes 262144 --chunk 1000 echo
run_traffic child_mapped --family mapped --comm 'conc-kid' --bytes 300000 child
run_traffic steady6 --family ipv6 --flows 3 --chunk 700 --duration-ms 1500 steady
run_traffic steady4 --family ipv4 --flows 3 --chunk 900 --duration-ms 1500 steady

say "plugin (csv):"
$check exact csv "$conf.csv/$host" 20 "$tmp"/truth-* || fail "the plugin's totals are not exact"
# One more interval of the slower CLI, so it has printed every byte.
sleep 2.5
kill -INT "$all" "$v4"
wait "$all" || fail "tcptop -j exited with an error: $(cat "$tmp/all.err")"
wait "$v4" || fail "tcptop -j -4 exited with an error: $(cat "$tmp/v4.err")"
stop_daemon

say "tcptop -j 1 (both families):"
$exact "$tmp/all.json" "$tmp"/truth-* || fail "tcptop -j is not exact beside another CLI and the plugin"
say "tcptop -j -4 2 (IPv4 only):"
$exact --family ipv4 "$tmp/v4.json" "$tmp"/truth-* || fail "tcptop -j -4 is not exact beside the others"
say "PASS"
