#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# collectd run as nobody, without groups or capabilities, with tcptop.so
# beside the load and csv plugins: the plugin logs exactly one ERROR (what
# is missing), its init fails, and collectd keeps running the other plugins
# (load keeps writing csv) until SIGTERM, when it exits normally.
# Needs root (to drop to nobody) and collectd; skips (77) without them.
set -u

: "${top_srcdir:?run from make check}" "${top_builddir:?run from make check}"
COLLECTD=${COLLECTD:-/usr/sbin/collectd}
PATH=$PATH:/usr/sbin:/sbin
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tcptop-unpriv-plugin.XXXXXX") || exit 99
daemon=
cleanup() {
	if [ -n "$daemon" ] && kill -0 "$daemon" 2>/dev/null; then
		kill -KILL "$daemon"
		wait "$daemon" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

fail() {
	echo "FAIL: $*"
	[ -f "$tmp/collectd.log" ] && tail -n 30 "$tmp/collectd.log"
	exit 1
}

skip() {
	echo "SKIP: $*"
	exit 77
}

[ "$(id -u)" = 0 ] || skip "not root: cannot switch to nobody"
[ -x "$COLLECTD" ] || skip "$COLLECTD is missing (tools/setup installs collectd-core)"
command -v setpriv > /dev/null 2>&1 || fail "setpriv is missing (util-linux)"
nogroup=$(id -gn nobody 2>/dev/null) || fail "there is no user nobody"

# Everything nobody needs, in a directory nobody owns (the build tree may be unreadable).
mkdir -p "$tmp/plugins" "$tmp/csv"
cp "$top_builddir/plugin/.libs/tcptop.so" "$tmp/plugins/" || fail "tcptop.so is not built"
cp "$top_srcdir/types.db" "$tmp/tcptop-types.db"
chown -R nobody "$tmp"
chmod 755 "$tmp"
host=tcptop-unpriv
cat > "$tmp/collectd.conf" <<CONF
Hostname "$host"
FQDNLookup false
Interval 0.5
BaseDir "$tmp"
PIDFile "$tmp/collectd.pid"
TypesDB "/usr/share/collectd/types.db" "$tmp/tcptop-types.db"
PluginDir "/usr/lib/collectd"
LoadPlugin logfile
<Plugin logfile>
  LogLevel info
  File "$tmp/collectd.log"
  PrintSeverity true
</Plugin>
LoadPlugin csv
<Plugin csv>
  DataDir "$tmp/csv"
</Plugin>
LoadPlugin load
PluginDir "$tmp/plugins"
LoadPlugin tcptop
<Plugin tcptop>
  Aggregate "process"
</Plugin>
CONF

# In a sanitizer build COLLECTD is tests/collectd/sanitizer_collectd.sh, which nobody may not be
# able to read: preload the ASan runtime here and start the real daemon.
real=$COLLECTD
if [ -n "${TCPTOP_REAL_COLLECTD:-}" ]; then
	real=$TCPTOP_REAL_COLLECTD
	LD_PRELOAD="${TCPTOP_ASAN_RUNTIME:?}${LD_PRELOAD:+:$LD_PRELOAD}"
	export LD_PRELOAD
fi
setpriv --reuid=nobody --regid="$nogroup" --clear-groups --inh-caps=-all --bounding-set=-all \
	--no-new-privs "$real" -f -C "$tmp/collectd.conf" > "$tmp/collectd.out" 2>&1 &
daemon=$!

load_values() {
	f=$(ls "$tmp/csv/$host/load/"load-* 2>/dev/null | tail -n 1)
	[ -n "$f" ] && grep -vc '^epoch' "$f" || echo 0
}
i=0
while [ "$(load_values)" -lt 4 ] && [ $i -lt 150 ]; do
	kill -0 "$daemon" 2>/dev/null || fail "collectd exited: $(cat "$tmp/collectd.out")"
	sleep 0.1
	i=$((i + 1))
done
[ "$(load_values)" -ge 4 ] || fail "load wrote $(load_values) values in 15 s"
kill -0 "$daemon" 2>/dev/null || fail "collectd exited"

grep -q "Initialization of plugin .tcptop. failed" "$tmp/collectd.log" || fail "tcptop's init did not fail"
errors=$(grep -c '\[error\] tcptop plugin:' "$tmp/collectd.log")
grep '\[error\] tcptop plugin:' "$tmp/collectd.log"
[ "$errors" = 1 ] || fail "the plugin logged $errors ERRORs, expected exactly one"
grep -Eq '\[error\] tcptop plugin: .*CAP_BPF and CAP_PERFMON' "$tmp/collectd.log" ||
	fail "the ERROR does not say which capabilities are missing"
[ -d "$tmp/csv/$host/tcptop-self" ] && fail "tcptop reported values although its init failed"
echo "collectd (uid $(stat -c %U /proc/$daemon)) keeps running: load wrote $(load_values) values"

kill -TERM "$daemon"
wait "$daemon"
rc=$?
daemon=
# collectd 5.12 exits 1 at the end of any run in which some init callback failed.
[ "$rc" = 0 ] || [ "$rc" = 1 ] || fail "collectd exited $rc"
grep -q "Exiting normally" "$tmp/collectd.log" || fail "collectd did not exit normally"
echo "PASS"
