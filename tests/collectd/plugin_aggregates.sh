#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Live test of the aggregates in the real daemon (/usr/sbin/collectd -f, csv
# and unixsock), with real traffic from tests/traffic/tcptop-traffic in a network
# namespace of its own (ip netns add) and in a cgroup of its own (a directory
# made under the cgroup2 mount).  Four daemons read at once:
#
#   D  host namespace, no option at all (the default): only tcptop-total,
#      at most 21 process_name and 12 listening_port series, no PID, no port
#      nobody listens on; each aggregate adds up to the total exactly.
#   H  host namespace, Aggregate total, process_name, listening_port, cgroup,
#      netns: the cgroup's series is named after its directory and holds
#      exactly the bytes of the traffic run in it; the namespace's series is
#      named after it (/run/netns) and holds exactly the traffic run in it.
#   F  host namespace, NetworkNamespace "self" and the default aggregates:
#      the traffic of the other namespace is not counted (a process name
#      only it uses never appears, which H does show).
#   N  inside the namespace, NetworkNamespace "self", total, process_name,
#      listening_port, netns and flow: with nothing else in the namespace,
#      the host total, each process name, the listening port of a server and
#      every flow equal the generator's ground truth exactly; the namespace's
#      own series is named after it.
#
# After the daemons stop, the last values of each aggregate's series add up
# to tcptop-total exactly in every daemon (D, H and F see the whole host's
# traffic, other tests' included: the sums are checked, not the values).
#
# Exits 77 (skip) when BPF cannot be loaded here, unless TCPTOP_REQUIRE_BPF=1.
set -u
name=plugin_aggregates
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/collectd/plugin_lib.sh"

require_common ip

ns=tcptop-agg-$$
cg=
agg_cleanup() {
	# TCPTOP_KEEP_TMP=DIR keeps the daemons' logs and csv files for a post-mortem.
	[ -z "${TCPTOP_KEEP_TMP:-}" ] || cp -a "$tmp" "$TCPTOP_KEEP_TMP"
	cleanup
	ip netns del "$ns" 2>/dev/null
	[ -z "$cg" ] || rmdir "$cg" 2>/dev/null
}
trap agg_cleanup EXIT

ip netns add "$ns" || skip "cannot create a network namespace (ip netns add)"
ip netns exec "$ns" ip link set lo up || fail "cannot bring lo up in $ns"
cgroot=$(awk '{ for (i = 7; i < NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup2") print $5; break } }' \
	/proc/self/mountinfo | head -n 1)
[ -n "$cgroot" ] || skip "no cgroup2 file system is mounted"
cg=$cgroot/tcptop-agg-$$
mkdir "$cg" || skip "cannot create a cgroup under $cgroot"
say "namespace $ns, cgroup $cg"

# A config with unixsock: $1 file, $2 the tcptop block body.
write_conf() {
	conf_head "$1" 1
	cat >> "$1" <<EOF
LoadPlugin unixsock
<Plugin unixsock>
  SocketFile "$1.sock"
  SocketGroup "root"
</Plugin>
EOF
	conf_tcptop "$1" "$2"
}

D=$tmp/default.conf
H=$tmp/host.conf
F=$tmp/filtered.conf
N=$tmp/ns.conf
write_conf "$D" '  Interval 0.5'
write_conf "$H" '  Interval 0.5
  Aggregate "total"
  Aggregate "process_name" 100
  Aggregate "listening_port" 100
  Aggregate "cgroup" 100
  Aggregate "netns" 100'
write_conf "$F" '  Interval 0.5
  NetworkNamespace "self"'
write_conf "$N" '  Interval 0.5
  NetworkNamespace "self"
  Aggregate "total"
  Aggregate "process_name"
  Aggregate "listening_port"
  Aggregate "netns"
  Aggregate "flow"'

start_daemon "$D"
pid_D=$daemon_pid
wait_attached "$D"
start_daemon "$H"
pid_H=$daemon_pid
wait_attached "$H"
start_daemon "$F"
pid_F=$daemon_pid
wait_attached "$F"
ip netns exec "$ns" "$COLLECTD" -f -C "$N" > "$N.out" 2>&1 &
daemon_pid=$!
pid_N=$daemon_pid
track "$pid_N"
wait_attached "$N"
grep -q 'reporting per total, process_name (the 20 busiest and "other"), listening_port (the 10 busiest and "other")' \
	"$D.log" || fail "the default is not total, 20 process names and 10 listening ports"

# ---- traffic ------------------------------------------------------------------------------
# In the namespace: every scenario, a process name nothing else uses, and a
# steady server whose listening socket lives across several reads.
run_ns() {
	tname=$1
	shift
	ip netns exec "$ns" "$traffic" "$@" > "$tmp/truth-ns-$tname" 2> "$tmp/truth-ns-$tname.err" ||
		fail "tcptop-traffic $* in $ns failed: $(cat "$tmp/truth-ns-$tname.err")"
}
run_ns bulk4 --family ipv4 --bytes 1048576 bulk
run_ns echo6 --family ipv6 --bytes 262144 --chunk 1000 echo
run_ns child_mapped --family mapped --comm 'x.y [*]?' --bytes 300000 --chunk 4096 child
run_ns fork4 --family ipv4 --comm 'forked-kid' --bytes 200000 fork
run_ns only --family ipv4 --comm 'agg-ns-only' --bytes 123457 child
run_ns steady4 --family ipv4 --flows 3 --chunk 700 --duration-ms 2500 steady

# In the cgroup (host namespace): the shell moves itself in, then runs the generator.
run_cg() {
	tname=$1
	shift
	sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$cg" "$traffic" "$@" \
		> "$tmp/truth-cg-$tname" 2> "$tmp/truth-cg-$tname.err" ||
		fail "tcptop-traffic $* in $cg failed: $(cat "$tmp/truth-cg-$tname.err")"
}
run_cg bulk6 --family ipv6 --bytes 777777 bulk
run_cg child4 --family ipv4 --comm 'cg-kid' --bytes 99999 child

# ---- N: exact totals inside the namespace ------------------------------------------------------
nsname=$(echo "$ns" | tr -c 'A-Za-z0-9_\n-' '_')
{
	$check expect total "$tmp"/truth-ns-*
	$check expect process_name "$tmp"/truth-ns-*
	$check expect listening_port "$tmp/truth-ns-steady4"
	$check expect one netns "$nsname" "$tmp"/truth-ns-*
} > "$tmp/expect-N" || fail "cannot compute the expected series"
say "N (in $ns, NetworkNamespace \"self\"): host total, process names, listening port, namespace"
$check agg-exact "$N.csv/$host" 20 "$tmp/expect-N" || fail "N: aggregates differ from the ground truth"
say "N: every flow"
$check exact csv "$N.csv/$host" 20 "$tmp"/truth-ns-* || fail "N: flows differ from the ground truth"

# ---- H: cgroup and namespace by name -----------------------------------------------------------
cgname=$(basename "$cg" | tr -c 'A-Za-z0-9_\n-' '_')
{
	$check expect one cgroup "$cgname" "$tmp"/truth-cg-*
	$check expect one netns "$nsname" "$tmp"/truth-ns-*
	$check expect process_name "$tmp/truth-ns-only" | grep '^process_name agg_ns_only '
} > "$tmp/expect-H" || fail "cannot compute the expected series"
say "H (host namespace): the cgroup and the namespace by name"
$check agg-exact "$H.csv/$host" 20 "$tmp/expect-H" || fail "H: cgroup or namespace series differ from the ground truth"

# ---- F: the other namespace is not counted -------------------------------------------------------
# H and N show agg_ns_only by now; F has read as often, so it would have too.
say "F (host namespace, NetworkNamespace \"self\"): nothing from $ns"
$check absent "$F.csv/$host" process_name agg_ns_only || fail "F counted traffic of another namespace"

# unixsock lists the default's series while the daemon runs.
collectdctl -s "$D.sock" listval | grep -q "^$host/tcptop-total/tcptop_bytes$" ||
	fail "unixsock of D does not list tcptop-total"

for d in D H F N; do
	eval "daemon_pid=\$pid_$d"
	eval "conf=\$$d"
	stop_daemon
	grep -q "Exiting normally" "$conf.log" || fail "collectd $d did not exit normally"
	grep -E '\[error\] tcptop' "$conf.log" && fail "collectd $d logged tcptop errors"
done

# ---- after the daemons: bounded default, and every aggregate adds up -------------------------------
say "D (no options): bounded series"
$check agg-bounded "$D.csv/$host" 20 10 || fail "D: the default reported other series or too many"
for d in D H F N; do
	eval "conf=\$$d"
	say "$d: each aggregate's series add up to tcptop-total"
	$check agg-sums "$conf.csv/$host" || fail "$d: an aggregate does not add up to the total"
done
say "PASS"
exit 0
