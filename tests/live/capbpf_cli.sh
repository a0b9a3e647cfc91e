#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# tcptop run as root with CAP_BPF and CAP_PERFMON only (no CAP_SYS_ADMIN),
# with a connection alive in another network namespace: it attaches and
# counts, and says exactly once that other namespaces cannot be entered,
# instead of an ERROR about returning to its own namespace at every start.
# Also its traffic in our namespace is reported exactly.
set -u
: "${top_builddir:?run from make check}"
b=$top_builddir
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tcptop-capbpf.XXXXXX") || exit 99
ns=tcptop-capbpf-$$
peer=
cleanup() {
	[ -n "$peer" ] && kill "$peer" 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM
fail() {
	echo "FAIL: $*"
	cat "$tmp/err" 2>/dev/null
	exit 1
}
[ "$(id -u)" = 0 ] || { echo "SKIP: not root"; exit 77; }
command -v setpriv > /dev/null || fail "setpriv is missing (util-linux)"
ip netns add "$ns" || fail "cannot create a network namespace"
ip netns exec "$ns" ip link set lo up
# A connection that exists in the other namespace before tcptop starts.
ip netns exec "$ns" "$b/tests/traffic/tcptop-traffic" --flows 1 --duration-ms 6000 steady \
	> /dev/null 2>&1 &
peer=$!
sleep 0.5

setpriv --bounding-set=-all,+bpf,+perfmon --inh-caps=-all,+bpf,+perfmon \
	"$b/cli/tcptop" -j 1 3 > "$tmp/out" 2> "$tmp/err" &
cli=$!
sleep 1
"$b/tests/traffic/tcptop-traffic" --bytes 777777 bulk > "$tmp/truth" 2>&1 ||
	fail "traffic generator failed"
wait "$cli"
rc=$?
cat "$tmp/err"
[ "$rc" = 0 ] || fail "tcptop exited $rc with CAP_BPF and CAP_PERFMON"
grep -qi "error" "$tmp/err" && fail "an ERROR was logged"
n=$(grep -c "CAP_SYS_ADMIN" "$tmp/err")
[ "$n" = 1 ] || fail "CAP_SYS_ADMIN was mentioned $n times, not once"
tx=$(python3 -c '
import json, sys
print(sum(f["tx_bytes"] for line in open(sys.argv[1]) for f in json.loads(line)["flows"]
          if f["comm"] == "tcptop-traffic"))' "$tmp/out")
[ "$tx" = 777777 ] || fail "reported tx $tx for the generator, sent 777777"
echo "PASS: one clear warning, generator's 777777 bytes exact"
