#!/bin/sh
# Smoke run of every benchmark with tiny sizes (tests/bench.mk), so that they
# keep working.  No timing is asserted; the exactness checks the benchmarks
# make on their own traffic must pass.  Without BPF the first benchmark exits
# 77 (skip), or 1 under TCPTOP_REQUIRE_BPF=1.
builddir=${top_builddir:-.}
b=$builddir/bench

step() {
	echo "\$ $*"
	"$@"
	rc=$?
	[ $rc -eq 0 ] || { echo "exit status $rc"; exit $rc; }
}

# The classic-tracepoint references need tracefs, which a fresh host may not have mounted.
if [ -d /sys/kernel/tracing ] && [ ! -e /sys/kernel/tracing/events ]; then
	mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null ||
		echo "bench: cannot mount tracefs on /sys/kernel/tracing; classic tracepoint references will fail"
fi

step "$b/tcptop-bench-startup" --repeat 2
step "$b/tcptop-bench-event" --msgs 300 --rounds 2
step "$b/tcptop-bench-e2e" --cli "$builddir/cli/tcptop" --pairs 1 --msgs 300 --bulk-secs 1
step "$b/tcptop-bench-drain" --plugin "$builddir/plugin/.libs/tcptop.so" --flows 20,200 --rounds 2
step "$b/tcptop-bench-drain-pair" --flows 20,200 --rounds 2 --passes 2
