#!/bin/sh
# Run every benchmark; `make bench` calls this with the build directory.
# Sizes can be overridden from the environment (see BENCHMARKS.md).
set -e
builddir=${1:-.}
b=$builddir/bench
echo "# tcptop benchmarks, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(uname -r), $(nproc) CPUs"
"$b/tcptop-bench-event" ${BENCH_EVENT_ARGS:-}
