#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# End to end: install tcptop with `make install DESTDIR=...`, then run the
# installed binary.
#  1. usage: every bad argument exits 2 with a one-line reason and a usage
#     hint; -h and -V exit 0; without root it exits 1 with one sentence.
#  2. live (real BPF, real loopback traffic from tests/traffic/tcptop-traffic):
#     a. the text screen (SIGINT ends it): KB, COMM and sections against the
#        generator's exact bytes;
#     b. -6 -S, ended by SIGTERM: no IPv4 section, no summary line;
#     c. -j over several 1 s intervals: per-flow sums of the JSON byte counts
#        equal the generator's ground truth exactly;
#     d. --map-size too small: drops on the screen and in JSON, none silent.
# Live parts exit 77 (skip) when BPF cannot be used, unless TCPTOP_REQUIRE_BPF=1.
set -u
set -f

: "${top_srcdir:?run from make check}" "${top_builddir:?run from make check}"
TRAFFIC="$top_builddir/tests/traffic/tcptop-traffic"
CHECK="$top_srcdir/tests/live/cli_e2e_check.py"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tcptop-cli-e2e.XXXXXX") || exit 99
# Readable by the unprivileged user of the "not root" check.
chmod 755 "$tmp"
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

live_unavailable() {
	if [ "${TCPTOP_REQUIRE_BPF:-0}" = 1 ]; then
		fail "live test required (TCPTOP_REQUIRE_BPF=1) but: $*"
	fi
	echo "SKIP: $*"
	exit 77
}

forget() {
	new=""
	for p in $running; do
		[ "$p" = "$1" ] || new="$new $p"
	done
	running=$new
}

# ---- install -------------------------------------------------------------
dest="$tmp/dest"
# A clean make: the outer `make check` jobserver is not ours to use.
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL "${MAKE:-make}" -C "$top_builddir" install \
	DESTDIR="$dest" >"$tmp/install.log" 2>&1 || {
	tail -n 40 "$tmp/install.log"
	fail "make install DESTDIR=$dest failed"
}
tcptop=$(find "$dest" -type f -path '*/bin/tcptop' | head -n 1)
[ -n "$tcptop" ] && [ -x "$tcptop" ] || fail "make install put no tcptop under a bin directory"
man=$(find "$dest" -type f -path '*/man8/tcptop.8' | head -n 1)
[ -n "$man" ] || fail "make install did not install the tcptop.8 man page"
echo "installed: ${tcptop#$dest}, ${man#$dest}"

# ---- usage ---------------------------------------------------------------
nbad=0
while IFS= read -r args; do
	[ -n "$args" ] || continue
	# shellcheck disable=SC2086 # word splitting is the point
	"$tcptop" $args >"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
	[ "$rc" = 2 ] || fail "tcptop $args: exit $rc, want 2"
	[ -s "$tmp/out" ] && fail "tcptop $args: wrote to stdout"
	head -n 1 "$tmp/err" | grep -q '^tcptop: ..*' || fail "tcptop $args: no 'tcptop: reason' line: $(cat "$tmp/err")"
	sed -n 2p "$tmp/err" | grep -q '^usage: tcptop ' || fail "tcptop $args: no usage hint"
	grep -q -- "--help" "$tmp/err" || fail "tcptop $args: no pointer to --help"
	nbad=$((nbad + 1))
done <<EOF
-p abc
-p 0
-p -1
-p 12x
-p 99999999999999999999
-p
0
-1
-- -5
1.5
5x
99999999999999999999
1 0
1 x
1 2 3
-4 -6
-s size
-s
-r -1
-r many
-P uprobe
--map-size 0
--map-size 99999999999
-c /nonexistent/cgroup
-c $tmp
-x
--bogus
--noclear=yes
EOF
echo "usage: $nbad bad command lines exit 2 with a reason and a usage hint"

"$tcptop" -h >"$tmp/out" 2>&1 || fail "tcptop -h: exit $?"
grep -q '^usage: tcptop \[-h\]' "$tmp/out" || fail "tcptop -h: no usage line"
for opt in --noclear --nosummary --pid --ipv4 --ipv6 --cgroup --sort --rows --json --probe \
	--map-size --verbose --version; do
	grep -q -- "$opt" "$tmp/out" || fail "tcptop -h does not mention $opt"
done
"$tcptop" --version >"$tmp/out" 2>&1 || fail "tcptop --version: exit $?"
grep -q '^tcptop (collectd-tcptop) [0-9]' "$tmp/out" || fail "tcptop --version: $(cat "$tmp/out")"

# Not root: exit 1 and one sentence that names what is missing.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all \
		"$tcptop" 1 1 >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ "$rc" = 1 ] || fail "tcptop as nobody: exit $rc, want 1"
	[ "$(wc -l <"$tmp/err")" = 1 ] || fail "tcptop as nobody: want one line, got: $(cat "$tmp/err")"
	grep -q '^tcptop: .*root' "$tmp/err" || fail "tcptop as nobody: $(cat "$tmp/err")"
	echo "not root: exit 1, $(cat "$tmp/err")"
fi

# ---- live ------------------------------------------------------------------
[ -x "$TRAFFIC" ] || fail "$TRAFFIC is missing (make check builds it)"
command -v python3 >/dev/null 2>&1 || fail "python3 is needed to check the output"

"$tcptop" -j 1 1 >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ "$rc" = 1 ]; then
	live_unavailable "tcptop cannot trace here: $(cat "$tmp/err")"
fi
[ "$rc" = 0 ] || fail "tcptop -j 1 1: exit $rc: $(cat "$tmp/err")"

# Starts the installed tcptop in the background with -v; returns once it has attached.
start_tcptop() {
	out=$1
	shift
	"$tcptop" -v "$@" >"$out" 2>"$out.err" &
	tpid=$!
	running="$running $tpid"
	i=0
	until grep -qs 'attached in' "$out.err"; do
		kill -0 "$tpid" 2>/dev/null || fail "tcptop $*: exited early: $(cat "$out.err")"
		i=$((i + 1))
		# A safety net for a hung load, not a performance assertion.
		[ "$i" -lt 600 ] || fail "tcptop $*: not attached after 60 s"
		sleep 0.1
	done
	echo "tcptop $*: $(grep 'attached in' "$out.err")"
}

# stop_tcptop SIG [PID OUT]: signals a tcptop (default: the one started last)
# and insists on exit status 0.
stop_tcptop() {
	p=${2:-$tpid}
	o=${3:-$out}
	kill "-$1" "$p" || fail "cannot signal tcptop"
	wait "$p"
	rc=$?
	forget "$p"
	[ "$rc" = 0 ] || fail "tcptop after SIG$1: exit $rc, want 0: $(cat "$o.err")"
}

traffic() {
	ground=$1
	shift
	"$TRAFFIC" "$@" >>"$ground" || fail "tcptop-traffic $*: exit $?"
}

# Bytes that are not whole kilobytes, so that rounding down is visible.
mixed_traffic() {
	traffic "$1" --bytes 1234567 bulk
	traffic "$1" --family ipv6 --bytes 300000 --chunk 1000 echo
	traffic "$1" --family mapped --comm e2e-kid4 --bytes 70000 child
	traffic "$1" --family ipv6 --comm e2e-kid6 --bytes 5000 child
}

# a. The screen, one long interval ended by SIGINT: all traffic in one interval.
start_tcptop "$tmp/screen" -C 60
mixed_traffic "$tmp/ground.screen"
stop_tcptop INT
python3 "$CHECK" screen "$tmp/ground.screen" "$tmp/screen" --interval 60 ||
	{ cat "$tmp/screen"; fail "text screen does not match the generator"; }

# b. -6 -S, ended by SIGTERM.
start_tcptop "$tmp/screen6" -6 -S -C 60
mixed_traffic "$tmp/ground.screen6"
stop_tcptop TERM
python3 "$CHECK" screen "$tmp/ground.screen6" "$tmp/screen6" --interval 60 --no-summary \
	--family ipv6 || { cat "$tmp/screen6"; fail "-6 -S screen does not match the generator"; }

# c. JSON over 1 s intervals, with flows that span several of them.
start_tcptop "$tmp/json" -j 1
mixed_traffic "$tmp/ground.json"
traffic "$tmp/ground.steady" --family ipv4 --flows 2 --chunk 700 --duration-ms 3500 steady
traffic "$tmp/ground.steady" --family ipv6 --flows 2 --chunk 1300 --duration-ms 2500 steady
cat "$tmp/ground.steady" >>"$tmp/ground.json"
stop_tcptop INT
python3 "$CHECK" json "$tmp/ground.json" "$tmp/json" --multi-interval "$tmp/ground.steady" ||
	{ head -c 4000 "$tmp/json"; fail "JSON does not match the generator"; }

# d. A map too small for the traffic: drops are shown on the screen and in
#    JSON, and every generator byte is either reported or counted as dropped.
start_tcptop "$tmp/drops" -C --map-size 2 60
screen_pid=$tpid
start_tcptop "$tmp/drops.json" -j --map-size 2 60
traffic "$tmp/ground.drops" --flows 4 --chunk 1000 --duration-ms 1000 steady
stop_tcptop INT "$screen_pid" "$tmp/drops"
stop_tcptop INT
python3 "$CHECK" drops "$tmp/ground.drops" "$tmp/drops" "$tmp/drops.json" ||
	{ cat "$tmp/drops"; fail "drops are not reported"; }

echo "PASS"
exit 0
