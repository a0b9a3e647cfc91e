#!/bin/busybox sh
# /init of the kernel-matrix VM (see run-matrix.sh).  Runs every line of
# /tests/plan ("NAME MODE BINARY [ARGS...]") with TCPTOP_MODE=MODE and
# TCPTOP_REQUIRE_BPF=1, then powers off.  MODE/DRAIN (say auto/socket) also
# sets TCPTOP_DRAIN, so the tcp socket drain runs on kernels whose auto picks
# the map drain.  Everything the harness parses goes
# to the second serial port, away from kernel messages on the console:
#   TCPTOP-VM-BOOTED kernel=K
#   TCPTOP-VM-RESULT test=NAME mode=MODE result=PASS|FAIL|SKIP rc=N secs=N
#   TCPTOP-VM-DONE
# The test's own output goes there too, each line prefixed with "| ", once it ended.
/bin/busybox --install -s /bin
export PATH=/bin:/tests

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t securityfs securityfs /sys/kernel/security 2>/dev/null
mount -t bpf bpf /sys/fs/bpf 2>/dev/null
ip link set lo up

out=/dev/ttyS1
[ -c "$out" ] || out=/dev/console
stty -F "$out" raw -echo 2>/dev/null

say() {
	echo "$*" > "$out"
}

# Modules some explored paths need (kernel TLS), in dependency order.
if [ -f /tests/modules ]; then
	while read -r m; do
		insmod "/lib/modules/$m" 2>/dev/null || say "# insmod $m failed"
	done < /tests/modules
fi

# Seconds one test may take; a test that runs out is killed and fails.
limit=$(cat /tests/timeout 2>/dev/null || echo 300)

say "TCPTOP-VM-BOOTED kernel=$(uname -r)"
while read -r name mode bin args; do
	case "$name" in ''|'#'*) continue ;; esac
	say "TCPTOP-VM-START test=$name mode=$mode"
	start=$(date +%s)
	cd /tmp
	rm -f /tmp/timed-out
	# Its own session, so a hung test and every process it forked can be killed together.
	# shellcheck disable=SC2086 # args are split on purpose
	attach=${mode%%/*}
	drain=
	case $mode in */*) drain=${mode#*/} ;; esac
	TCPTOP_MODE="$attach" TCPTOP_DRAIN="$drain" TCPTOP_REQUIRE_BPF=1 setsid "/tests/$bin" $args < /dev/null > /tmp/test.out 2>&1 &
	pid=$!
	( sleep "$limit"; touch /tmp/timed-out; kill -KILL -- "-$pid" 2> /dev/null ) &
	watchdog=$!
	wait "$pid"
	rc=$?
	kill "$watchdog" 2> /dev/null
	kill -KILL -- "-$pid" 2> /dev/null
	sed 's/^/| /' /tmp/test.out > "$out"
	[ -e /tmp/timed-out ] && say "# $name ($mode) ran out of time after ${limit}s and was killed"
	case $rc in
		0) result=PASS ;;
		77) result=SKIP ;;
		*) result=FAIL ;;
	esac
	say "TCPTOP-VM-RESULT test=$name mode=$mode result=$result rc=$rc secs=$(( $(date +%s) - start ))"
done < /tests/plan
say "TCPTOP-VM-DONE"
sync
poweroff -f
