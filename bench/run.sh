#!/bin/sh
# Run every benchmark; `make bench` calls this with the build directory.
# Each benchmark takes its sizes from an environment variable (see
# BENCHMARKS.md), for example BENCH_DRAIN_ARGS='--flows 1000,10000'.
# Output is Markdown, ready for BENCHMARKS.md; progress goes to stderr.
builddir=${1:-.}
b=$builddir/bench
status=0

run() {
	echo
	echo "\`\`\`"
	echo "\$ $*"
	echo "\`\`\`"
	"$@" || { rc=$?; echo "(exit status $rc)"; status=1; }
}

# The classic-tracepoint references need tracefs, which a fresh host may not have mounted.
if [ -d /sys/kernel/tracing ] && [ ! -e /sys/kernel/tracing/events ]; then
	mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null ||
		echo "bench: cannot mount tracefs on /sys/kernel/tracing; classic tracepoint references will fail" >&2
fi

echo "# tcptop benchmarks"
echo
echo "$(date -u +%Y-%m-%dT%H:%M:%SZ), Linux $(uname -r), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) at the start."

# shellcheck disable=SC2086 # the *_ARGS variables are word lists on purpose
run "$b/tcptop-bench-startup" ${BENCH_STARTUP_ARGS:-}
# shellcheck disable=SC2086
run "$b/tcptop-bench-event" ${BENCH_EVENT_ARGS:-}
# shellcheck disable=SC2086
run "$b/tcptop-bench-e2e" --cli "$builddir/cli/tcptop" ${BENCH_E2E_ARGS:-}
# shellcheck disable=SC2086
run "$b/tcptop-bench-drain" --plugin "$builddir/plugin/.libs/tcptop.so" ${BENCH_DRAIN_ARGS:-}
# Exactness when sockets come and go during drains, as on a busy server.
# shellcheck disable=SC2086
run "$b/tcptop-bench-drain" --plugin "$builddir/plugin/.libs/tcptop.so" --churn \
	${BENCH_CHURN_ARGS:---flows 1000,10000 --rounds 5}
# The map drain and the socket drain over the same sockets (the map drain is
# reported as refused on a host that refuses map-element iterators; bench/vm-drain.sh
# runs this in a Debian kernel that allows them).
# shellcheck disable=SC2086
run "$b/tcptop-bench-drain-pair" ${BENCH_PAIR_ARGS:-}
exit $status
