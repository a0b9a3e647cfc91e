#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The Prometheus path: /usr/sbin/collectd -f with tcptop.so and write_prometheus
# listening on 127.0.0.1 (a free port), scraped over HTTP like Prometheus does.
#
#  1. write_prometheus loads (its libraries, libmicrohttpd12 and libprotobuf-c1,
#     come from tools/setup) and serves the text exposition.  Values with our
#     identifiers, put through unixsock, come out under the documented metric
#     names and labels (README, "Prometheus"): collectd_tcptop_tcptop_bytes_rx_total
#     and ..._tx_total, TYPE counter, labels instance=<host>, tcptop=<plugin
#     instance> and type=<type instance> (no type label without a type
#     instance).  Needs no BPF, so it runs wherever collectd does.
#  2. Real loopback traffic with known bytes (run_scenarios in plugin_lib.sh):
#     for every socket the scraped rx and tx counters equal the ground truth
#     exactly, and none of our processes has a series the truth does not know.
#  3. The self-metrics are there, as gauges and counters.
#  4. collectd, stopped by PID, exits normally.
#
# Exits 77 (skip) at step 2 when BPF cannot be loaded here, unless
# TCPTOP_REQUIRE_BPF=1 makes it fail.
set -u
name=plugin_prometheus
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/collectd/plugin_lib.sh"

require_common collectdctl

port=$($check free-ports 1) || fail "no free loopback port"
url=http://127.0.0.1:$port/metrics
main=$tmp/prom.conf
conf_head "$main" 1
cat >> "$main" <<EOF
LoadPlugin unixsock
<Plugin unixsock>
  SocketFile "$main.sock"
  SocketGroup "root"
</Plugin>
LoadPlugin write_prometheus
<Plugin write_prometheus>
  Host "127.0.0.1"
  Port "$port"
</Plugin>
EOF
conf_tcptop "$main" '  Aggregate "flow"'
start_daemon "$main"

# The endpoint answers once the daemon is up (about a second here; allow 15).
i=0
until $check prom-get "$url" collectd_load_shortterm "instance=$host" > /dev/null 2>&1; do
	kill -0 "$daemon_pid" 2>/dev/null || fail "collectd exited (a plugin that did not load is named in the log)"
	[ $i -lt 150 ] || fail "write_prometheus does not serve load's values on $url"
	sleep 0.1
	i=$((i + 1))
done
say "write_prometheus answers on $url"

# Like Prometheus, keep what every scrape shows: write_prometheus drops a series once collectd
# times it out (Timeout x Interval after its last value, about 2.5 s here), and a flow that
# closed is dispatched only once more.  Scraping every 0.2 s sees every final value.
$check prom-record "$url" "$tmp/prom.json" 0.2 2> "$tmp/prom-record.log" &
rec_pid=$!
track "$rec_pid"

# Expects the series $1 with labels $2 (space-separated LABEL=VALUE) to be "$3" (TYPE and value).
expect_series() {
	got=$($check prom-get "$url" "$1" $2) || fail "no series $1 {$2} in the scrape"
	[ "$got" = "$3" ] || fail "$1 {$2} is \"$got\", expected \"$3\""
	say "  $1 {$2} = $got"
}

# ---- 1: our identifiers through write_prometheus, no BPF needed ---------------------------
# PID 4194305 is above the largest pid_max, so no real flow of the plugin can have these names.
# A 60 s interval keeps them in the exposition for 2 minutes, so the scrapes below cannot race
# collectd's timeout.
say "identifiers put through unixsock and scraped back:"
flow_pi=x_y_____-4194305 flow_ti=127_0_0_1_58642-127_0_0_1_39199
collectdctl -s "$main.sock" putval "$host/tcptop-$flow_pi/tcptop_bytes-$flow_ti" interval=60 N:1048576:300000 &&
	collectdctl -s "$main.sock" putval "$host/tcptop-curl-4194305/tcptop_bytes" interval=60 N:5:6 &&
	collectdctl -s "$main.sock" putval "$host/tcptop-local_port/tcptop_bytes-4194305" interval=60 N:7:8 ||
	fail "unixsock putval failed"
i=0
until $check prom-get "$url" collectd_tcptop_tcptop_bytes_tx_total \
	"instance=$host" tcptop=local_port type=4194305 > /dev/null 2>&1; do
	[ $i -lt 50 ] || fail "the values put through unixsock did not reach write_prometheus"
	sleep 0.1
	i=$((i + 1))
done
expect_series collectd_tcptop_tcptop_bytes_rx_total "instance=$host tcptop=$flow_pi type=$flow_ti" "counter 1048576"
expect_series collectd_tcptop_tcptop_bytes_tx_total "instance=$host tcptop=$flow_pi type=$flow_ti" "counter 300000"
expect_series collectd_tcptop_tcptop_bytes_rx_total "instance=$host tcptop=curl-4194305" "counter 5"
expect_series collectd_tcptop_tcptop_bytes_tx_total "instance=$host tcptop=curl-4194305" "counter 6"
expect_series collectd_tcptop_tcptop_bytes_rx_total "instance=$host tcptop=local_port type=4194305" "counter 7"
expect_series collectd_tcptop_tcptop_bytes_tx_total "instance=$host tcptop=local_port type=4194305" "counter 8"

# ---- 2: exact totals of real traffic -------------------------------------------------------
wait_attached "$main"
run_scenarios
say "exactness in write_prometheus's scrapes ($url, every 0.2 s):"
$check exact prom "$tmp/prom.json,$host" 20 "$tmp"/truth-* || fail "scraped counters differ from the ground truth"

# Real scraped lines of one flow, for the README: the short-lived child named "x.y [*]?".
child=$(awk -F'\t' '!/^#/ && $2 == "x.y [*]?" { print $1; exit }' "$tmp/truth-child_mapped")
say "scraped series of the child $child (x.y [*]?):"
$check prom-show "$tmp/prom.json" "tcptop=x_y_____-$child" || fail "no series of the child $child in the scrapes"

# ---- 3: self-metrics -----------------------------------------------------------------------
for m in "collectd_tcptop_tcptop_flows tcptop=self type=sockets gauge" \
	"collectd_tcptop_tcptop_seconds tcptop=self type=drain gauge" \
	"collectd_tcptop_tcptop_dropped_bytes_total tcptop=self type=map_full counter" \
	"collectd_tcptop_tcptop_dropped_events_total tcptop=self type=map_full counter"; do
	set -- $m
	got=$($check prom-get "$url" "$1" "instance=$host" "$2" "$3") || fail "no self-metric $1 {$2 $3}"
	[ "${got%% *}" = "$4" ] || fail "$1 {$2 $3} is of TYPE ${got%% *}, expected $4"
	say "  $1 {$2 $3} = $got"
done

# ---- 4: stop by PID ------------------------------------------------------------------------
stop_pid TERM "$rec_pid"
say "scrapes: $(python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(d["scrapes"], "ok,", d["errors"], "failed")' "$tmp/prom.json")"
stop_daemon
grep -q "Exiting normally" "$main.log" || fail "collectd did not exit normally"

say "PASS"
exit 0
