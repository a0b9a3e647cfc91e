#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Hostile process names.  Children renamed (prctl PR_SET_NAME) to COMMs with
# spaces, '/', '.', '-', '%n', '%s', brackets and globs, control bytes (ESC,
# DEL, C1, tab, newline), invalid UTF-8, bidi overrides, JSON and Graphite
# specials, the empty name and 15-byte names move real loopback bytes over
# IPv4, IPv6 and v4-mapped sockets, while these watch:
#  - tcptop -j: every line strict JSON, exact bytes per flow, the COMM kept
#    (invalid bytes as U+FFFD), no format-string effect;
#  - tcptop -C (the screen, at the same time): well-formed UTF-8, no control
#    character, columns still aligned;
#  - collectd with tcptop.so, csv and write_graphite: every plugin and type
#    instance within 127 characters of [A-Za-z0-9_-], every Graphite line
#    three fields with clean path components, exact totals in both.
# Exits 77 (skip) when BPF cannot be loaded here, unless TCPTOP_REQUIRE_BPF=1.
set -u
name=hostile_comm
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/collectd/plugin_lib.sh"
hcheck="python3 $top_srcdir/tests/live/hostile_check.py"
hostile="$top_builddir/tests/live/hostile_traffic"
tcptop="$top_builddir/cli/tcptop"

require_common
[ -x "$hostile" ] || fail "$hostile is not built"

# The COMMs, in hex (hostile_traffic's argument form); "-" is the empty name.
hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
COMMS="
$(hex 'a b c d')
$(hex '../../etc/pwd')
$(hex '-rf --x')
$(hex '%n%n%s%s%x%p')
$(hex '[*]{?}<>|;&$')
$(hex '"\,}{:'"'")
$(hex 'x.y:z/w(q)!')
$(hex '%s%s%s%s%s%s%s%')
011b5b324a7f9b
ffc328eda080
0961090a630d64
c384c396c3bce282ac
e280ae6576696ce2808b
-
"
SOME="$(hex 'a b/c%n') 1b5b3331 ff"

# ---- watchers: two CLIs, collectd with csv and write_graphite ------------------
"$tcptop" -j 1 > "$tmp/cli.json" 2> "$tmp/cli-json.err" &
json_pid=$!
track "$json_pid"
"$tcptop" -C 1 > "$tmp/cli.text" 2> "$tmp/cli-text.err" &
text_pid=$!
track "$text_pid"

$hcheck listen "$tmp/graphite.port" "$tmp/graphite.out" &
track $!
i=0
while [ ! -s "$tmp/graphite.port" ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ -s "$tmp/graphite.port" ] || fail "the Graphite receiver did not start"

conf=$tmp/collectd.conf
conf_head "$conf" 1
{
	echo 'LoadPlugin write_graphite'
	echo '<Plugin write_graphite>'
	echo '  <Node "test">'
	echo '    Host "127.0.0.1"'
	echo "    Port \"$(cat "$tmp/graphite.port")\""
	echo '    Protocol "tcp"'
	echo '    Prefix "collectd."'
	echo '    StoreRates false'
	echo '  </Node>'
	echo '</Plugin>'
} >> "$conf"
conf_tcptop "$conf" '  Interval 0.5
  Aggregate "flow"'
start_daemon "$conf"
wait_attached "$conf"
# Both CLIs attached: the JSON one has printed an interval, the screen its banner.
i=0
while { [ ! -s "$tmp/cli.json" ] || [ ! -s "$tmp/cli.text" ]; } && [ $i -lt 100 ]; do
	kill -0 "$json_pid" && kill -0 "$text_pid" || fail "a tcptop CLI died: $(cat "$tmp"/cli-*.err)"
	sleep 0.1
	i=$((i + 1))
done
[ -s "$tmp/cli.json" ] || fail "tcptop -j printed nothing: $(cat "$tmp/cli-json.err")"

# ---- hostile traffic -----------------------------------------------------------------
# shellcheck disable=SC2086
"$hostile" --family ipv4 $COMMS > "$tmp/truth" || fail "hostile_traffic failed"
# shellcheck disable=SC2086
"$hostile" --family ipv6 $SOME | grep -v '^#' >> "$tmp/truth" || fail "hostile_traffic failed"
# shellcheck disable=SC2086
"$hostile" --family mapped $SOME | grep -v '^#' >> "$tmp/truth" || fail "hostile_traffic failed"
say "$(grep -vc '^#' "$tmp/truth") endpoints moved bytes"

# Two more intervals and several reads, so every closed flow has been reported.
sleep 2.5
kill -INT "$json_pid" "$text_pid"
wait "$json_pid" || fail "tcptop -j exited with an error: $(cat "$tmp/cli-json.err")"
wait "$text_pid" || fail "tcptop -C exited with an error: $(cat "$tmp/cli-text.err")"
stop_daemon
grep -q "Exiting normally" "$conf.log" || fail "collectd did not exit normally"
grep -E '\[(error|warning)\]' "$conf.log" && fail "collectd logged errors or warnings"

$hcheck cli-json "$tmp/truth" "$tmp/cli.json" || fail "JSON output"
$hcheck cli-text "$tmp/truth" "$tmp/cli.text" || fail "screen output"
$hcheck csv "$tmp/truth" "$conf.csv/$host" || fail "csv files"
$hcheck graphite "$tmp/truth" "$tmp/graphite.out" || fail "Graphite lines"
say "PASS"
