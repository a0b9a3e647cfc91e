# SPDX-License-Identifier: GPL-2.0
# Shared by the live collectd tests (plugin_collectd.sh, plugin_fleet.sh); sourced, not run.
# The caller sets $name before sourcing.  Every process started here is
# remembered by PID and stopped by PID, never by name.

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir/build}
COLLECTD=${COLLECTD:-/usr/sbin/collectd}
PATH=$PATH:/usr/sbin:/sbin
plugindir=$top_builddir/plugin/.libs
traffic=${TCPTOP_TRAFFIC:-$top_builddir/tests/traffic/tcptop-traffic}
check="python3 $top_srcdir/tests/collectd/plugin_collectd_check.py"
host=tcptop-test

tmp=$(mktemp -d "/tmp/tcptop-$name.XXXXXX")
pids=
daemon_pid=

say() { echo "$name: $*"; }

dump_logs() {
	for f in "$tmp"/*.log "$tmp"/*.out; do
		[ -f "$f" ] || continue
		echo "----- $f"
		tail -n 40 "$f"
	done
}

# Stops everything this test started, by PID only.
cleanup() {
	for p in $pids; do
		if kill -0 "$p" 2>/dev/null; then
			kill -KILL "$p" 2>/dev/null
			wait "$p" 2>/dev/null
		fi
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() {
	say "FAIL: $*"
	dump_logs
	exit 1
}

skip() {
	if [ "${TCPTOP_REQUIRE_BPF:-0}" = 1 ]; then
		fail "TCPTOP_REQUIRE_BPF=1 but $*"
	fi
	say "SKIP: $*"
	exit 77
}

# Remembers a background process for cleanup.
track() { pids="$pids $1"; }

require_common() {
	[ "$(id -u)" -eq 0 ] || skip "not root: loading BPF programs needs CAP_BPF and CAP_PERFMON"
	[ -x "$COLLECTD" ] || skip "$COLLECTD is missing (tools/setup installs collectd-core)"
	for tool in bpftool python3 "$@"; do
		command -v "$tool" >/dev/null 2>&1 || fail "$tool is missing (tools/setup installs it)"
	done
	[ -f "$plugindir/tcptop.so" ] || fail "$plugindir/tcptop.so is not built"
	[ -x "$traffic" ] || fail "$traffic is not built (make check builds it)"
}

# The head of a collectd config: $1 file, $2 global interval.  Always loads
# logfile, csv and load; the caller appends writers and the tcptop block.
conf_head() {
	cat > "$1" <<EOF
Hostname "$host"
FQDNLookup false
Interval $2
BaseDir "$tmp"
PIDFile "$1.pid"
TypesDB "/usr/share/collectd/types.db" "$top_srcdir/types.db"

PluginDir "/usr/lib/collectd"
LoadPlugin logfile
<Plugin logfile>
  LogLevel info
  File "$1.log"
  Timestamp true
  PrintSeverity true
</Plugin>
LoadPlugin csv
<Plugin csv>
  DataDir "$1.csv"
  StoreRates false
</Plugin>
LoadPlugin load
EOF
}

# The tail: loads our plugin from the build with the <Plugin tcptop> body $2.
conf_tcptop() {
	cat >> "$1" <<EOF

PluginDir "$plugindir"
LoadPlugin tcptop
<Plugin tcptop>
$2
</Plugin>
EOF
}

# Starts collectd -f on config $1 in the background.
start_daemon() {
	"$COLLECTD" -f -C "$1" > "$1.out" 2>&1 &
	daemon_pid=$!
	track "$daemon_pid"
}

# Waits up to $2 seconds for the log of config $1 to match the regex $3.
wait_log() {
	i=0
	while [ $i -lt $(($2 * 10)) ]; do
		grep -Eq "$3" "$1.log" 2>/dev/null && return 0
		kill -0 "$daemon_pid" 2>/dev/null || return 1
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# Waits for init on config $1; skips when the plugin could not load BPF here.
wait_attached() {
	wait_log "$1" 15 'tcptop plugin: attached in|Initialization of plugin .tcptop. failed' ||
		fail "collectd did not get through init"
	if grep -q "Initialization of plugin .tcptop. failed" "$1.log"; then
		grep "tcptop plugin:" "$1.log"
		skip "the plugin could not load its BPF programs here (see the ERROR above)"
	fi
	grep "tcptop plugin:" "$1.log"
}

# Sends $1 (a signal) to PID $2 and waits up to 15 s for it to exit.
stop_pid() {
	kill "-$1" "$2" 2>/dev/null || fail "process $2 died before it was stopped"
	i=0
	while kill -0 "$2" 2>/dev/null && [ $i -lt 150 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -0 "$2" 2>/dev/null && fail "process $2 did not exit on SIG$1"
	wait "$2" 2>/dev/null
}

stop_daemon() {
	stop_pid TERM "$daemon_pid"
	daemon_pid=
}

# Number of data lines in the newest csv file matching the glob $1.
csv_lines() {
	f=$(ls $1 2>/dev/null | tail -n 1)
	[ -n "$f" ] || { echo 0; return; }
	grep -vc '^epoch' "$f"
}

# Runs tcptop-traffic with its arguments; its ground truth goes to $tmp/truth-$1.
run_traffic() {
	tname=$1
	shift
	"$traffic" "$@" > "$tmp/truth-$tname" 2> "$tmp/truth-$tname.err" ||
		fail "tcptop-traffic $* failed: $(cat "$tmp/truth-$tname.err")"
}

# The scenarios both live tests check: bulk, both directions, a short-lived
# child with a hostile name on a v4-mapped socket, a socket shared with a
# forked child, and steady flows that close in the middle of an interval.
run_scenarios() {
	run_traffic bulk4 --family ipv4 --bytes 1048576 bulk
	run_traffic echo6 --family ipv6 --bytes 262144 --chunk 1000 echo
	run_traffic child_mapped --family mapped --comm 'x.y [*]?' --bytes 300000 --chunk 4096 child
	run_traffic fork4 --family ipv4 --comm 'forked-kid' --bytes 200000 fork
	run_traffic steady6 --family ipv6 --flows 3 --chunk 700 --duration-ms 1700 steady
}
