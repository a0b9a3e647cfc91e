#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The fleet path, end to end with real servers on loopback:
#   collectd + tcptop.so --write_graphite--> carbon-cache --> whisper files
#                        --network---------> InfluxDB 1.x [[collectd]] input
# For every socket of real traffic with known bytes, the last stored rx and tx
# in whisper and the last(value) InfluxDB returns equal the ground truth
# exactly.  The whisper files are looked up at the identifier the plugin
# built, so any escaping write_graphite did would fail the test.
#
# Each server gets a private config in a temp dir, free loopback ports, and
# is stopped by PID.  tools/setup installs them (graphite-carbon,
# python3-whisper, influxdb); without them, or without BPF, this skips (77),
# unless TCPTOP_REQUIRE_BPF=1 makes it fail.
set -u
name=plugin_fleet
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/collectd/plugin_lib.sh"

for tool in carbon-cache whisper-fetch influxd; do
	command -v "$tool" >/dev/null 2>&1 ||
		skip "$tool is missing (tools/setup installs graphite-carbon, python3-whisper and influxdb)"
done
require_common

set -- $($check free-ports 6) || fail "no free loopback ports"
carbon_line=$1 carbon_pickle=$2 carbon_query=$3 influx_http=$4 influx_collectd=$5 influx_bind=$6

# ---- carbon-cache ----------------------------------------------------------------------
carbon=$tmp/carbon
mkdir -p "$carbon/storage/whisper" "$carbon/log"
cat > "$carbon/carbon.conf" <<EOF
[cache]
STORAGE_DIR = $carbon/storage/
LOCAL_DATA_DIR = $carbon/storage/whisper/
CONF_DIR = $carbon/
LOG_DIR = $carbon/log/
PID_DIR = $carbon/
DATABASE = whisper
ENABLE_LOGROTATION = False
USER =
MAX_CACHE_SIZE = inf
MAX_UPDATES_PER_SECOND = inf
MAX_CREATES_PER_MINUTE = inf
ENABLE_TAGS = False
LINE_RECEIVER_INTERFACE = 127.0.0.1
LINE_RECEIVER_PORT = $carbon_line
ENABLE_UDP_LISTENER = False
PICKLE_RECEIVER_INTERFACE = 127.0.0.1
PICKLE_RECEIVER_PORT = $carbon_pickle
CACHE_QUERY_INTERFACE = 127.0.0.1
CACHE_QUERY_PORT = $carbon_query
WHISPER_AUTOFLUSH = True
EOF
# One-second points, so the last value of every interval is kept.
cat > "$carbon/storage-schemas.conf" <<EOF
[all]
pattern = .*
retentions = 1s:1h,1m:1d
EOF
carbon-cache --config="$carbon/carbon.conf" --debug start > "$tmp/carbon.log" 2>&1 &
carbon_pid=$!
track "$carbon_pid"

# ---- InfluxDB ------------------------------------------------------------------------------
influx=$tmp/influx
mkdir -p "$influx/types"
# The [[collectd]] input needs both types.db files, in one directory.
cp /usr/share/collectd/types.db "$influx/types/types.db"
cp "$top_srcdir/types.db" "$influx/types/tcptop.db"
cat > "$influx/influxdb.conf" <<EOF
reporting-disabled = true
bind-address = "127.0.0.1:$influx_bind"
[meta]
  dir = "$influx/meta"
[data]
  dir = "$influx/data"
  wal-dir = "$influx/wal"
[monitor]
  store-enabled = false
[subscriber]
  enabled = false
[continuous_queries]
  enabled = false
[http]
  enabled = true
  bind-address = "127.0.0.1:$influx_http"
  log-enabled = false
[[collectd]]
  enabled = true
  bind-address = "127.0.0.1:$influx_collectd"
  database = "collectd"
  typesdb = "$influx/types"
  batch-size = 100
  batch-timeout = "200ms"
EOF
influxd -config "$influx/influxdb.conf" > "$tmp/influxd.log" 2>&1 &
influx_pid=$!
track "$influx_pid"

# Both servers answer within a second or so here; allow 30.
i=0
until python3 -c "import socket; socket.create_connection(('127.0.0.1', $carbon_line), 1)" 2>/dev/null &&
	python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$influx_http/ping', timeout=1)" 2>/dev/null; do
	kill -0 "$carbon_pid" 2>/dev/null || fail "carbon-cache exited"
	kill -0 "$influx_pid" 2>/dev/null || fail "influxd exited"
	[ $i -lt 300 ] || fail "carbon-cache or influxd did not start listening"
	sleep 0.1
	i=$((i + 1))
done
say "carbon-cache $carbon_pid on 127.0.0.1:$carbon_line, influxd $influx_pid on 127.0.0.1:$influx_http (collectd input $influx_collectd)"

# ---- collectd --------------------------------------------------------------------------
main=$tmp/fleet.conf
conf_head "$main" 1
cat >> "$main" <<EOF
LoadPlugin write_graphite
<Plugin write_graphite>
  <Node "carbon">
    Host "127.0.0.1"
    Port "$carbon_line"
    Protocol "tcp"
    # Raw cumulative counters, so stored values can be compared with bytes.
    StoreRates false
  </Node>
</Plugin>
# FlushInterval belongs to the LoadPlugin block (collectd ignores it inside <Plugin>).
<LoadPlugin network>
  FlushInterval 1
</LoadPlugin>
<Plugin network>
  Server "127.0.0.1" "$influx_collectd"
</Plugin>
EOF
conf_tcptop "$main" '  Aggregate "flow"'
start_daemon "$main"
wait_attached "$main"

run_scenarios

say "exactness in csv (the daemon's own view):"
$check exact csv "$main.csv/$host" 20 "$tmp"/truth-* || fail "csv totals differ from the ground truth"
say "exactness in carbon's whisper files (write_graphite):"
$check exact whisper "$carbon/storage/whisper/$host" 30 "$tmp"/truth-* ||
	fail "whisper totals differ from the ground truth"
say "exactness in InfluxDB (network):"
$check exact influx "http://127.0.0.1:$influx_http,$host" 30 "$tmp"/truth-* ||
	fail "InfluxDB totals differ from the ground truth"

# One real example of each, for the record.
ep=$(awk -F'\t' '!/^#/ { print; exit }' "$tmp/truth-child_mapped")
say "csv: $(cd "$main.csv" && ls -d "$host"/tcptop-x_y_____-*/* | head -n 1)"
say "graphite: $(cd "$carbon/storage/whisper" && find "$host"/tcptop-x_y_____-* -name '*.wsp' | head -n 1 |
	sed 's|\.wsp$||; s|/|.|g')"
say "influx: $(python3 -c "import json,urllib.request,urllib.parse; q=urllib.parse.urlencode({'db':'collectd','q':\"SHOW SERIES FROM tcptop_tx WHERE instance =~ /^x_y_/\"}); print(json.load(urllib.request.urlopen('http://127.0.0.1:$influx_http/query?'+q))['results'][0]['series'][0]['values'][0][0])")"
say "(ground truth of that child: $ep)"

stop_daemon
stop_pid TERM "$carbon_pid"
# influxd takes 30 s to honour SIGTERM; its data is not needed any more.
stop_pid KILL "$influx_pid"
say "PASS"
exit 0
