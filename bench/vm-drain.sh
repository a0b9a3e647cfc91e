#!/bin/bash
# The map drain and the socket drain side by side on a kernel that allows
# map-element iterators: tcptop-bench-drain-pair, built statically, in a
# qemu VM booting one of Debian's stock kernels (tests/vm/run-matrix.sh does
# the fetching, building and booting).  For hosts that refuse map iterators,
# where bench/run.sh can only measure the socket drain.
#
#   bench/vm-drain.sh [BUILDDIR]      (run from anywhere; BUILDDIR default: .)
#
# Knobs: BENCH_VM_KERNEL (default 6.12), BENCH_PAIR_ARGS (default
# "--flows 1000,10000,100000 --rounds 3 --passes 4"), BENCH_VM_MEMORY MiB
# (default 4096: 200k sockets and their storage).
#
# The VM runs under TCG, one vCPU: absolute times are many times the host's
# and mean nothing; the ratio of the two drains, measured over the same
# sockets in the same VM, alternating, is the result.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u
srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir=$(cd "${1:-.}" && pwd) || exit 1
[ -x "$builddir/bench/tcptop-bench-drain-pair" ] || make -C "$builddir" bench/tcptop-bench-drain-pair || exit 1
cd "$builddir" || exit 1
export TCPTOP_VM_KERNELS=${BENCH_VM_KERNEL:-6.12}
export TCPTOP_VM_TESTS=tcptop-bench-drain-pair
export TCPTOP_VM_MODES_${TCPTOP_VM_KERNELS//./_}=auto
export TCPTOP_VM_BENCH_ARGS=${BENCH_PAIR_ARGS:---flows 1000,10000,100000 --rounds 3 --passes 4}
export TCPTOP_VM_MEMORY=${BENCH_VM_MEMORY:-4096}
export TCPTOP_VM_TEST_TIMEOUT=${BENCH_VM_TIMEOUT:-5400}
export TCPTOP_VM_TIMEOUT=$((TCPTOP_VM_TEST_TIMEOUT + 600))
top_srcdir=$srcdir top_builddir=$builddir exec "$srcdir/tests/vm/run-matrix.sh"
