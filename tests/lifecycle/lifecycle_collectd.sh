#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Lifecycle of tcptop.so in the real daemon (collectd -f, SIGTERM):
#  1. a normal run with traffic, then shutdown;
#  2. a shutdown right after an init that failed on bad options;
#  3. a shutdown right after an init that failed half way through loading
#     (Probe "fentry": this host's lockdown refuses fentry programs after the
#     skeleton is opened; on a kernel that runs fentry it is a normal run).
# After each: collectd says "Exiting normally", every BPF object it held is gone
# and no tcptop object is orphaned (bpftool, against a snapshot from before
# it started).  After a failed init collectd keeps running its other plugins
# and holds exactly as many fds as a control daemon without tcptop: none
# of the plugin's BPF objects, BTF or cgroup fds survive a failed start.
#
# Exits 77 (skip) when BPF cannot be loaded here, unless TCPTOP_REQUIRE_BPF=1.
set -u
name=lifecycle_collectd
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/collectd/plugin_lib.sh"
objs="python3 $top_srcdir/tests/lifecycle/lifecycle_bpfobjs.py"

require_common

# The smallest of five samples of collectd's fd count: csv opens a file
# only while it writes, and a sample must not catch that.
fd_count() {
	best=
	for _ in 1 2 3 4 5; do
		n=$($objs fds "$1" | cut -d' ' -f1)
		[ -z "$best" ] || [ "$n" -lt "$best" ] && best=$n
		sleep 0.1
	done
	echo "$best"
}

bpf_fds() {
	$objs fds "$1" | cut -d' ' -f2
}

# Waits for config $1's load plugin to have written $2 values.
wait_load() {
	i=0
	while [ "$(csv_lines "$1.csv/$host/load/load-*")" -lt "$2" ] && [ $i -lt 150 ]; do
		kill -0 "$daemon_pid" 2>/dev/null || fail "collectd exited"
		sleep 0.1
		i=$((i + 1))
	done
	[ "$(csv_lines "$1.csv/$host/load/load-*")" -ge "$2" ] || fail "load wrote no values"
}

# Stops the daemon of config $1 and checks the kernel against snapshot $2 and held ids $3.
stop_and_check() {
	stop_daemon
	grep -q "Exiting normally" "$1.log" || fail "collectd did not exit normally"
	$objs check "$2" "$3" || fail "BPF objects left behind"
}

# ---- control: the same daemon without tcptop -----------------------------------------
ctl=$tmp/control.conf
conf_head "$ctl" 1
start_daemon "$ctl"
wait_load "$ctl" 2
ctl_fds=$(fd_count "$daemon_pid")
say "control collectd without tcptop: $ctl_fds fds"
stop_daemon

# ---- 1: normal run -------------------------------------------------------------------
run=$tmp/run.conf
conf_head "$run" 1
conf_tcptop "$run" '  Interval 0.5'
$objs snapshot "$tmp/run.before" || fail "bpftool failed"
start_daemon "$run"
wait_attached "$run"
"$traffic" --duration-ms 2000 --flows 4 --chunk 1000 steady > "$tmp/traffic.out" 2>&1 &
tpid=$!
track "$tpid"
i=0
while [ "$(csv_lines "$run.csv/$host/tcptop-self/tcptop_flows-sockets-*")" -lt 3 ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ "$(csv_lines "$run.csv/$host/tcptop-self/tcptop_flows-sockets-*")" -ge 3 ] ||
	fail "the plugin did not read three times"
$objs held "$daemon_pid" "$tmp/run.held" | sed "s/^/$name: collectd /"
say "collectd with tcptop attached: $(fd_count "$daemon_pid") fds, $(bpf_fds "$daemon_pid") of them BPF objects"
# Shut down with traffic in flight: the last read and shutdown race it.
stop_and_check "$run" "$tmp/run.before" "$tmp/run.held"
wait "$tpid" || fail "the traffic generator failed"

# ---- 2 and 3: failed init, then shutdown ---------------------------------------------------
failed_init() {
	conf=$tmp/$1.conf
	conf_head "$conf" 1
	conf_tcptop "$conf" "$2"
	$objs snapshot "$conf.before" || fail "bpftool failed"
	start_daemon "$conf"
	wait_log "$conf" 15 'tcptop plugin: attached in|Initialization of plugin .tcptop. failed' ||
		fail "$1: collectd did not get through init"
	if grep -q "tcptop plugin: attached in" "$conf.log"; then
		say "$1: this kernel runs it; a normal shutdown then"
		$objs held "$daemon_pid" "$conf.held" > /dev/null
	else
		grep "\[error\] tcptop plugin:" "$conf.log" | sed "s/^/$name: $1: /"
		wait_load "$conf" 3
		kill -0 "$daemon_pid" 2>/dev/null || fail "$1: collectd exited after the failed init"
		[ "$(bpf_fds "$daemon_pid")" = 0 ] || fail "$1: collectd still holds BPF fds after a failed init"
		n=$(fd_count "$daemon_pid")
		say "$1: init failed, collectd runs on with $n fds (control: $ctl_fds)"
		[ "$n" = "$ctl_fds" ] || { ls -l /proc/"$daemon_pid"/fd; fail "$1: fds leaked by the failed init"; }
		echo '{"prog": [], "map": [], "link": []}' > "$conf.held"
	fi
	stop_and_check "$conf" "$conf.before" "$conf.held"
}

failed_init bad_option '  TopFlows 0
  NoSuchOption 1'
grep -Eq "\[error\] tcptop plugin: .*\`TopFlows'" "$tmp/bad_option.conf.log" ||
	fail "no ERROR naming TopFlows"
failed_init fentry '  Probe "fentry"'

say "PASS"
