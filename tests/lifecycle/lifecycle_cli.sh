#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Lifecycle of the tcptop command: ended by SIGINT, by SIGTERM, and by a
# signal that arrives while it is still loading.  Each time it must exit 0
# after printing the interval under way (a complete JSON line), and leave
# nothing in the kernel: every program, map and link it held is gone, and no
# tcptop object is orphaned (bpftool prog/map/link show, compared with a
# snapshot taken before it started).  Real loopback traffic runs meanwhile.
#
# Exits 77 (skip) when BPF cannot be loaded here, unless TCPTOP_REQUIRE_BPF=1.
set -u

: "${top_srcdir:?run from make check}" "${top_builddir:?run from make check}"
TCPTOP="$top_builddir/cli/tcptop"
TRAFFIC="$top_builddir/tests/traffic/tcptop-traffic"
OBJS="python3 $top_srcdir/tests/lifecycle/lifecycle_bpfobjs.py"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tcptop-lifecycle-cli.XXXXXX") || exit 99
running=""
cleanup() {
	for p in $running; do
		kill -KILL "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

fail() {
	echo "FAIL: $*"
	exit 1
}

skip_or_fail() {
	[ "${TCPTOP_REQUIRE_BPF:-0}" = 1 ] && fail "live test required (TCPTOP_REQUIRE_BPF=1) but: $*"
	echo "SKIP: $*"
	exit 77
}

command -v bpftool > /dev/null 2>&1 || PATH=$PATH:/usr/sbin:/sbin
command -v bpftool > /dev/null 2>&1 || skip_or_fail "bpftool is not installed"
[ "$(id -u)" = 0 ] || skip_or_fail "not root"
"$TCPTOP" -j 1 1 > "$tmp/probe.out" 2> "$tmp/probe.err" ||
	skip_or_fail "tcptop cannot trace here: $(cat "$tmp/probe.err")"

# Waits until $1 holds a BPF link (attached) and has printed $2 lines, for $3 tenths of a second.
wait_running() {
	i=0
	while [ $i -lt "$3" ]; do
		kill -0 "$1" 2>/dev/null || return 1
		if [ "$(wc -l < "$4")" -ge "$2" ] &&
			grep -qs '^link_id:' /proc/"$1"/fdinfo/* 2>/dev/null; then
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# $1 signal, $2 "running" or "loading"
run_case() {
	sig=$1 when=$2 out="$tmp/$1-$2"
	echo "---- SIG$sig while $when"
	$OBJS snapshot "$out.before" || fail "bpftool failed"
	"$TRAFFIC" --duration-ms 3000 --flows 4 --chunk 1000 steady > "$out.traffic" 2>&1 &
	traffic=$!
	running="$running $traffic"
	: > "$out.json"
	"$TCPTOP" -j 1 > "$out.json" 2> "$out.err" &
	pid=$!
	running="$running $pid"
	if [ "$when" = running ]; then
		wait_running "$pid" 2 100 "$out.json" || fail "tcptop did not start: $(cat "$out.err")"
		$OBJS held "$pid" "$out.held" || fail "cannot read tcptop's fds"
		grep -q '"prog": \[[0-9]' "$out.held" || fail "tcptop holds no BPF program while running"
	else
		# Signals are blocked from the start: this one must wait for the first interval.
		sleep 0.05
		echo '{"prog": [], "map": [], "link": []}' > "$out.held"
	fi
	kill -"$sig" "$pid"
	wait "$pid"
	rc=$?
	wait "$traffic" || fail "the traffic generator failed"
	running=""
	[ "$rc" = 0 ] || fail "tcptop exited $rc on SIG$sig: $(cat "$out.err")"
	[ -s "$out.err" ] && fail "tcptop wrote to stderr: $(cat "$out.err")"
	lines=$(wc -l < "$out.json")
	[ "$lines" -ge 1 ] || fail "no interval printed before exiting"
	python3 -c '
import json, sys
for n, line in enumerate(open(sys.argv[1]), 1):
    json.loads(line)
' "$out.json" || fail "the JSON output is broken (last line: $(tail -n 1 "$out.json"))"
	echo "exit 0 after $lines complete JSON lines"
	$OBJS check "$out.before" "$out.held" || fail "BPF objects left behind after SIG$sig"
}

run_case INT running
run_case TERM running
run_case INT loading
run_case TERM loading
echo "PASS"
