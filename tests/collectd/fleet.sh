#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A fleet on one machine (make check-fleet; make check runs it too):
#
#   netns tcptop-fleet-h1  10.213.47.11 --+
#   netns tcptop-fleet-h2  10.213.47.12 --+-- bridge tcptopfleet0 10.213.47.1 (root netns)
#   netns tcptop-fleet-h3  10.213.47.13 --+     carbon-cache (line protocol, UDP)
#                                               influxd ([[collectd]] input, UDP)
#
# Every host runs its own collectd -f with tcptop.so (from the .deb that
# tests/collectd/deb_package.sh left in deb/ when it is newer than the build's plugin,
# else the build's), Hostname fleet-hN, Interval 1, write_graphite and
# network pointed at the central servers, and real traffic from
# tests/collectd/fleet_traffic.py: a "web" server on every host and one client per host
# (fetch: h1 -> h2, h3; backup: h2 -> h3 on one long connection; sync:
# h3 -> h1), paced along different shapes, with exact byte counts.
#
# The plugin runs with its default units (host total, process names,
# listening ports) and NetworkNamespace "self".  Checked, in InfluxDB and in
# carbon's whisper files alike: every host's total, every process name and
# every listening port ("client" for the connections a host opened) hold
# exactly the bytes of the generator's truth, and nothing else holds any
# (each host counts only its own namespace).  Then the
# queries of the Grafana dashboards in conf/ are run against the stored data
# (InfluxQL against InfluxDB; Graphite targets through graphite-web's own
# render code when graphite-web is installed) and drawn into PNG files kept
# in tests/collectd/fleet/ of the build directory.
#
# The central servers listen on the bridge's address in the root namespace:
# a network namespace has a loopback of its own, so 127.0.0.1 of the root
# namespace is not reachable from the hosts.  write_graphite uses UDP like
# the network plugin, so the only TCP in a host's namespace is its traffic.
#
# The BPF programs see the sockets of every namespace, so each host's
# collectd counts only its own (NetworkNamespace "self", applied in user
# space).  The kernel side still tracks the whole machine's sockets: another
# job holding more than MaxFlows sockets at the same time would make the
# hosts' counts short (map_full drops, which the check prints).  The traffic
# processes start first and wait until every collectd is up, so every
# collectd sees the traffic from its first byte.
#
# Every process is stopped by PID (influxd with SIGKILL: it takes 30 s to
# honour SIGTERM); the namespaces and the bridge are removed on exit, also on
# failure.  Runs on one machine take turns through a lock (fixed names and
# addresses).  Skips (77) without root, BPF, ip, carbon-cache or influxd,
# unless TCPTOP_REQUIRE_BPF=1.
set -u
name=fleet
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/collectd/plugin_lib.sh"

PY=/usr/bin/python3     # Debian's, which has whisper, matplotlib and graphite-web
fcheck="$PY $top_srcdir/tests/collectd/fleet_check.py"
gen="$top_srcdir/tests/collectd/fleet_traffic.py"
hosts="h1 h2 h3"
net=10.213.47
central=$net.1
bridge=tcptopfleet0
duration=${TCPTOP_FLEET_SECONDS:-40}
art=$top_builddir/tests/collectd/fleet

ns() { echo "tcptop-fleet-$1"; }
addr() { echo "$net.1${1#h}"; }

net_down() {
	for h in $hosts; do
		ip netns del "$(ns "$h")" 2>/dev/null
	done
	ip link del "$bridge" 2>/dev/null
	return 0
}

cleanup() {
	for p in $pids; do
		if kill -0 "$p" 2>/dev/null; then
			kill -KILL "$p" 2>/dev/null
			wait "$p" 2>/dev/null
		fi
	done
	[ -z "${locked:-}" ] || net_down
	if [ "${TCPTOP_FLEET_KEEP:-0}" = 1 ]; then
		echo "$name: kept $tmp (TCPTOP_FLEET_KEEP=1)"
	else
		rm -rf "$tmp"
	fi
}

dump_logs() {
	for f in "$tmp"/*.log "$tmp"/*/*.log "$tmp"/*/*.out "$tmp"/*.out; do
		[ -f "$f" ] || continue
		echo "----- $f"
		tail -n 30 "$f"
	done
}

[ -x "$PY" ] || skip "$PY is missing"
for tool in ip carbon-cache whisper-fetch influxd; do
	command -v "$tool" >/dev/null 2>&1 ||
		skip "$tool is missing (tools/setup installs iproute2, graphite-carbon, python3-whisper and influxdb)"
done
$PY -c 'import matplotlib, whisper' 2>/dev/null ||
	skip "python3-matplotlib or python3-whisper is missing (tools/setup installs them)"
require_common

exec 9> /run/lock/collectd-tcptop-fleet.lock
flock -w 1200 9 || fail "another fleet run held /run/lock/collectd-tcptop-fleet.lock for 20 minutes"
locked=1
# Leftovers of a run that was killed hard (the lock says no run uses them now).
net_down
ip -o addr show | grep -q " $net\." && fail "$net.0/24 is in use on this machine"

# ---- the plugin: from the .deb when it is the newest build ---------------------------------
plugin_so=$plugindir/tcptop.so
types=$top_srcdir/types.db
deb=$(ls "$top_builddir"/deb/collectd-tcptop_*.deb 2>/dev/null | head -n 1)
if [ "${TCPTOP_FLEET_PLUGIN:-auto}" != build ] && [ -n "$deb" ] && [ "$deb" -nt "$plugin_so" ]; then
	dpkg-deb -x "$deb" "$tmp/pkg" || fail "dpkg-deb -x $deb failed"
	plugindir=$tmp/pkg/usr/lib/collectd
	types=$tmp/pkg/usr/share/collectd-tcptop/types.db
	say "plugin from $(basename "$deb") (unpacked, not installed)"
else
	[ "${TCPTOP_FLEET_PLUGIN:-auto}" != deb ] || fail "TCPTOP_FLEET_PLUGIN=deb but no .deb newer than $plugin_so"
	say "plugin from the build: $plugin_so"
fi

# ---- the network -------------------------------------------------------------------------------
ip link add "$bridge" type bridge || fail "cannot create a bridge"
ip addr add "$central/24" dev "$bridge"
ip link set "$bridge" up
for h in $hosts; do
	n=$(ns "$h")
	ip netns add "$n" || fail "cannot create network namespace $n"
	ip link add "tcptopfleet-$h" type veth peer name eth0 netns "$n" || fail "cannot create a veth pair"
	ip link set "tcptopfleet-$h" master "$bridge" up
	ip -n "$n" addr add "$(addr "$h")/24" dev eth0
	ip -n "$n" link set eth0 up
	ip -n "$n" link set lo up
	mkdir -p "$tmp/$h"
done
say "network: $(for h in $hosts; do printf '%s=%s ' "$(ns "$h")" "$(addr "$h")"; done)bridge $bridge=$central"

# ---- central carbon-cache and InfluxDB, on the bridge address ------------------------------------
set -- $($fcheck free-ports "$central" 6) || fail "no free ports on $central"
carbon_line=$1 carbon_pickle=$2 carbon_query=$3 influx_http=$4 influx_collectd=$5 influx_bind=$6

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
LINE_RECEIVER_INTERFACE = $central
LINE_RECEIVER_PORT = $carbon_line
ENABLE_UDP_LISTENER = True
UDP_RECEIVER_INTERFACE = $central
UDP_RECEIVER_PORT = $carbon_line
PICKLE_RECEIVER_INTERFACE = $central
PICKLE_RECEIVER_PORT = $carbon_pickle
CACHE_QUERY_INTERFACE = $central
CACHE_QUERY_PORT = $carbon_query
WHISPER_AUTOFLUSH = True
# No tag database (it would post every new series to graphite-web on 127.0.0.1:80).
ENABLE_TAGS = False
EOF
cat > "$carbon/storage-schemas.conf" <<EOF
[all]
pattern = .*
retentions = 1s:1h,1m:1d
EOF
carbon-cache --config="$carbon/carbon.conf" --debug start > "$tmp/carbon.log" 2>&1 &
carbon_pid=$!
track "$carbon_pid"

influx=$tmp/influx
mkdir -p "$influx/types"
cp /usr/share/collectd/types.db "$influx/types/types.db"
cp "$types" "$influx/types/tcptop.db"
cat > "$influx/influxdb.conf" <<EOF
reporting-disabled = true
bind-address = "$central:$influx_bind"
[meta]
  dir = "$influx/meta"
[data]
  dir = "$influx/data"
  wal-dir = "$influx/wal"
  query-log-enabled = false
[monitor]
  store-enabled = false
[subscriber]
  enabled = false
[continuous_queries]
  enabled = false
[http]
  enabled = true
  bind-address = "$central:$influx_http"
  log-enabled = false
[[collectd]]
  enabled = true
  bind-address = "$central:$influx_collectd"
  database = "collectd"
  typesdb = "$influx/types"
  batch-size = 100
  batch-timeout = "200ms"
EOF
influxd -config "$influx/influxdb.conf" > "$tmp/influxd.log" 2>&1 &
influx_pid=$!
track "$influx_pid"
influx_url=http://$central:$influx_http

i=0
until $fcheck listening "$central" "$carbon_line" "$influx_http"; do
	kill -0 "$carbon_pid" 2>/dev/null || fail "carbon-cache exited"
	kill -0 "$influx_pid" 2>/dev/null || fail "influxd exited"
	[ $i -lt 300 ] || fail "carbon-cache or influxd did not start listening"
	sleep 0.1
	i=$((i + 1))
done
say "carbon-cache $carbon_pid on $central:$carbon_line (udp+tcp), influxd $influx_pid on $influx_url (collectd input udp $influx_collectd)"

# ---- traffic processes, held until every collectd is up -----------------------------------------------
go=$tmp/go
start_gen() { # host, then fleet_traffic.py arguments
	h=$1
	shift
	ip netns exec "$(ns "$h")" "$PY" "$gen" "$@" > "$tmp/$h/$1.out" 2>&1 &
	track $!
	eval "gen_${h}_$1=$!"
}
mkdir -p "$tmp/truth"
for h in $hosts; do
	mkdir -p "$tmp/truth/$h"
	start_gen "$h" serve --comm web --port 8080 --ready "$tmp/$h/web.ready" --truth "$tmp/truth/$h/web.json"
done
for h in $hosts; do
	i=0
	until [ -f "$tmp/$h/web.ready" ]; do
		[ $i -lt 100 ] || fail "the web server of $h did not start"
		sleep 0.1
		i=$((i + 1))
	done
done
start_gen h1 client --comm fetch --to "$(addr h2):8080,$(addr h3):8080" --profile fetch \
	--duration "$duration" --go "$go" --truth "$tmp/truth/h1/fetch.json"
start_gen h2 client --comm backup --to "$(addr h3):8080" --profile backup --keepalive \
	--duration "$duration" --go "$go" --truth "$tmp/truth/h2/backup.json"
start_gen h3 client --comm sync --to "$(addr h1):8080" --profile sync \
	--duration "$duration" --go "$go" --truth "$tmp/truth/h3/sync.json"
client_h1=$gen_h1_client client_h2=$gen_h2_client client_h3=$gen_h3_client

# ---- one collectd per host ---------------------------------------------------------------------
for h in $hosts; do
	conf=$tmp/$h/collectd.conf
	cat > "$conf" <<EOF
Hostname "fleet-$h"
FQDNLookup false
Interval 1
BaseDir "$tmp/$h"
PIDFile "$tmp/$h/collectd.pid"
TypesDB "/usr/share/collectd/types.db" "$types"

PluginDir "/usr/lib/collectd"
LoadPlugin logfile
<Plugin logfile>
  LogLevel info
  File "$tmp/$h/collectd.log"
  Timestamp true
  PrintSeverity true
</Plugin>
LoadPlugin csv
<Plugin csv>
  DataDir "$tmp/$h/csv"
  StoreRates false
</Plugin>
LoadPlugin write_graphite
<Plugin write_graphite>
  <Node "central">
    Host "$central"
    Port "$carbon_line"
    Protocol "udp"
    Prefix "collectd."
    # Raw cumulative counters: dashboards take the rates.
    StoreRates false
  </Node>
</Plugin>
# The network plugin sends when its 1452-byte buffer is full; flush every second.
<LoadPlugin network>
  FlushInterval 1
</LoadPlugin>
<Plugin network>
  Server "$central" "$influx_collectd"
</Plugin>

PluginDir "$plugindir"
LoadPlugin tcptop
<Plugin tcptop>
  # The default units (host total, process names, listening ports), counting
  # only the sockets of the namespace this collectd runs in.
  NetworkNamespace "self"
</Plugin>
EOF
	ip netns exec "$(ns "$h")" "$COLLECTD" -f -C "$conf" > "$tmp/$h/collectd.out" 2>&1 &
	track $!
	eval "collectd_$h=$!"
done
for h in $hosts; do
	eval "daemon_pid=\$collectd_$h"
	i=0
	until grep -Eq 'tcptop plugin: attached in|Initialization of plugin .tcptop. failed' \
		"$tmp/$h/collectd.log" 2>/dev/null; do
		kill -0 "$daemon_pid" 2>/dev/null || fail "collectd of $h exited"
		[ $i -lt 150 ] || fail "collectd of $h did not get through init"
		sleep 0.1
		i=$((i + 1))
	done
	if grep -q "Initialization of plugin .tcptop. failed" "$tmp/$h/collectd.log"; then
		grep "tcptop plugin:" "$tmp/$h/collectd.log"
		skip "the plugin could not load its BPF programs here"
	fi
	say "$h: collectd $daemon_pid in $(ns "$h"): $(grep -o 'tcptop plugin: attached in.*' "$tmp/$h/collectd.log")"
done

# Two intervals with every unit at zero, so the charts start at zero.
sleep 2.5
t0=$(date +%s)
touch "$go"
say "traffic for $duration s: fetch (h1 -> h2, h3), backup (h2 -> h3, one connection), sync (h3 -> h1)"
for h in $hosts; do
	eval "p=\$client_$h"
	wait "$p" || fail "the client of $h failed: $(cat "$tmp/$h/client.out")"
done
# The servers keep listening for two more intervals: a connection that lives
# less than an interval is first seen by the read after it closed, and the
# listening_port aggregate decides "server" from the listeners it finds then;
# with the listener gone too it would count as "client" (a known limit).
sleep 2.5
for h in $hosts; do
	eval "p=\$gen_${h}_serve"
	kill -TERM "$p"
	wait "$p" || fail "the web server of $h failed: $(cat "$tmp/$h/serve.out")"
done
for h in $hosts; do
	for f in "$tmp/truth/$h"/*.json; do
		say "truth $h: $(cat "$f")"
	done
done

# ---- exact totals in both stores ---------------------------------------------------------------------
$fcheck exact --influx "$influx_url" --whisper "$carbon/storage/whisper/collectd" \
	--truth "$tmp/truth" --timeout 30 || fail "the stores differ from the traffic's truth"
# A few more intervals of flat lines at the end of the charts.
sleep 3
t1=$(date +%s)

# ---- charts from the dashboards' queries --------------------------------------------------------
mkdir -p "$art"
rm -f "$art"/*.png
$fcheck chart-influx --dashboard "$top_srcdir/conf/grafana-tcptop-influxdb.json" --url "$influx_url" \
	--from "$((t0 - 3))" --to "$t1" --zero "$t0" --out "$art" || fail "charts from InfluxDB failed"
if $PY -c 'import graphite, django, cairocffi' 2>/dev/null; then
	$fcheck chart-graphite --dashboard "$top_srcdir/conf/grafana-tcptop-graphite.json" \
		--whisper "$carbon/storage/whisper" --carbonlink "$central:$carbon_query" --work "$tmp/graphite-web" \
		--from "$((t0 - 3))" --to "$t1" --zero "$t0" --out "$art" || fail "charts from Graphite failed"
else
	say "graphite-web is not installed: the Graphite dashboard's targets were not rendered"
fi
ls -l "$art"

# ---- stop everything by PID ------------------------------------------------------------------------
for h in $hosts; do
	eval "daemon_pid=\$collectd_$h"
	stop_daemon
done
stop_pid TERM "$carbon_pid"
stop_pid KILL "$influx_pid"
say "PASS"
exit 0
