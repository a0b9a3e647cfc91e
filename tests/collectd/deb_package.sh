#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The Debian package, end to end, on this machine's stock collectd:
#  1. copies the source tree to a temp dir (tracked and untracked files, not
#     ignored ones, so the developer's tree and build/ stay as they are) and
#     builds it there with dpkg-buildpackage -us -uc -b;
#  2. checks the package: its version is configure.ac's, it depends on
#     collectd-core, and it holds tcptop.so in /usr/lib/collectd, our
#     types.db, the snippet in /etc/collectd/collectd.conf.d, tcptop and its
#     man page;
#  3. installs it with apt-get (which would pull missing dependencies), then
#     starts collectd exactly as Debian runs it (collectd -f -C
#     /etc/collectd/collectd.conf: the stock file from the "collectd"
#     package, untouched, plus our snippet), runs traffic with known bytes
#     and waits for the exact totals in the rrd files of the rrdtool writer
#     that the stock file enables;
#  4. stops collectd by PID and purges the package and anything apt pulled
#     in, and removes the rrd files the run created, so the machine is left
#     as it was (also on failure: trap).
# The .deb is kept in $top_builddir/deb/ for the fleet test and for people.
#
# Skips (77) when a precondition is missing (not root, no stock collectd.conf,
# no dpkg-buildpackage, the package or a tcptop.so already installed), unless
# TCPTOP_REQUIRE_BPF=1 makes that a failure.  Runs of this test on one machine
# (several worktrees) take turns through a lock, because they install and
# purge the same package.
set -u
name=deb_package
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/collectd/plugin_lib.sh"

stock_conf=/etc/collectd/collectd.conf
confd=/etc/collectd/collectd.conf.d
rrd_dir=/var/lib/collectd/rrd
pkg=collectd-tcptop
installed=
new_pkgs=

# plugin_lib.sh's cleanup, plus the package and the rrd files.
cleanup() {
	for p in $pids; do
		if kill -0 "$p" 2>/dev/null; then
			kill -KILL "$p" 2>/dev/null
			wait "$p" 2>/dev/null
		fi
	done
	if [ -n "$installed" ]; then
		DEBIAN_FRONTEND=noninteractive apt-get purge -y -q -o DPkg::Lock::Timeout=300 \
			$pkg $new_pkgs > "$tmp/purge.log" 2>&1 ||
			{ echo "$name: purging $pkg failed:"; cat "$tmp/purge.log"; }
		installed=
	fi
	remove_new_rrd
	rm -rf "$tmp"
}

# rrd files (and directories) that did not exist before the run.
remove_new_rrd() {
	[ -f "$tmp/rrd-before" ] || return 0
	if [ ! -s "$tmp/rrd-before" ]; then
		rm -rf "$rrd_dir"
		return 0
	fi
	find "$rrd_dir" -depth 2>/dev/null | sort > "$tmp/rrd-after"
	comm -13 "$tmp/rrd-before" "$tmp/rrd-after" | sort -r | while IFS= read -r f; do
		if [ -d "$f" ]; then rmdir "$f" 2>/dev/null; else rm -f "$f"; fi
	done
}

[ "$(id -u)" -eq 0 ] || skip "not root: installing a package and loading BPF programs need root"
for tool in dpkg-buildpackage dh apt-get rrdtool python3; do
	command -v "$tool" >/dev/null 2>&1 ||
		skip "$tool is missing (tools/setup installs dpkg-dev, debhelper, rrdtool)"
done
[ -f "$stock_conf" ] || skip "$stock_conf is missing (tools/setup installs the collectd package, Debian's stock configuration)"
[ -x "$COLLECTD" ] || skip "$COLLECTD is missing (tools/setup installs collectd-core)"
[ -x "$traffic" ] || fail "$traffic is not built (make check builds it)"

# One run at a time on this machine: every run installs and purges the same package.
exec 9> /run/lock/collectd-tcptop-deb-test.lock
flock -w 1200 9 || fail "another run of this test held /run/lock/collectd-tcptop-deb-test.lock for 20 minutes"

status=$(dpkg-query -W -f='${Status}' $pkg 2>/dev/null)
[ -z "$status" ] || [ "$status" = "unknown ok not-installed" ] ||
	skip "$pkg is on this machine ($status); this test would replace it, then purge it"
[ ! -e /usr/lib/collectd/tcptop.so ] ||
	skip "/usr/lib/collectd/tcptop.so exists (make install?); the package would overwrite it and the purge remove it"
for f in /run/collectd.pid /var/run/collectd.pid; do
	[ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null &&
		skip "a collectd service is running ($f); this test runs its own on the stock configuration"
done

# ---- 1. build from a copy of the source tree ------------------------------------------------
src=$tmp/src
mkdir -p "$src"
if git -C "$top_srcdir" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	(cd "$top_srcdir" && git ls-files -z -c -o --exclude-standard | tar --null -T - -cf -) |
		tar -xf - -C "$src" || fail "could not copy the source tree"
else
	(cd "$top_srcdir" && tar --exclude='./build*' --exclude=./autom4te.cache -cf - .) |
		tar -xf - -C "$src" || fail "could not copy the source tree"
fi
say "building the package in $src (dpkg-buildpackage -us -uc -b)"
start=$(date +%s)
(cd "$src" && dpkg-buildpackage -us -uc -b) > "$tmp/build.log" 2>&1 ||
	{ tail -n 40 "$tmp/build.log"; fail "dpkg-buildpackage failed"; }
say "built in $(($(date +%s) - start)) s"
deb=$(ls "$tmp"/${pkg}_*.deb 2>/dev/null | head -n 1)
[ -n "$deb" ] || fail "dpkg-buildpackage made no $pkg .deb"
say "package: $(basename "$deb")"

# ---- 2. the package's metadata and files --------------------------------------------------------
version=$(sed -n 's/^AC_INIT(\[[^]]*\], *\[\([^]]*\)\].*/\1/p' "$top_srcdir/configure.ac")
deb_version=$(dpkg-deb -f "$deb" Version)
[ "${deb_version%-*}" = "$version" ] ||
	fail "package version $deb_version does not start with configure.ac's $version"
depends=$(dpkg-deb -f "$deb" Depends)
say "Depends: $depends"
case "$depends" in
*collectd-core*) ;;
*) fail "the package does not depend on collectd-core" ;;
esac
dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's|^\./|/|' > "$tmp/contents"
for f in /usr/lib/collectd/tcptop.so /usr/share/collectd-tcptop/types.db /usr/sbin/tcptop \
	/usr/share/man/man8/tcptop.8.gz $confd/tcptop.conf \
	/usr/share/doc/collectd-tcptop/examples/grafana-tcptop-influxdb.json \
	/usr/share/doc/collectd-tcptop/examples/grafana-tcptop-graphite.json; do
	grep -qx "$f" "$tmp/contents" || fail "the package lacks $f"
done
! grep -q '\.la$' "$tmp/contents" || fail "the package ships libtool .la files"
dpkg-deb -e "$deb" "$tmp/control"
grep -qx "$confd/tcptop.conf" "$tmp/control/conffiles" || fail "the snippet is not a conffile"
# Into place in one rename: the fleet test may be reading it.
mkdir -p "$top_builddir/deb"
cp "$deb" "$top_builddir/deb/.new" && mv "$top_builddir/deb/.new" "$top_builddir/deb/$(basename "$deb")" ||
	fail "could not keep the package in $top_builddir/deb"
for f in "$top_builddir/deb/${pkg}_"*.deb; do
	[ "$(basename "$f")" = "$(basename "$deb")" ] || rm -f "$f"
done

# ---- 3. install, run the stock collectd, check the rrd files ----------------------------------------
dpkg-query -W -f='${Package}\n' | sort > "$tmp/pkgs-before"
find "$rrd_dir" -depth 2>/dev/null | sort > "$tmp/rrd-before"
installed=1
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
	-o DPkg::Lock::Timeout=300 "$deb" > "$tmp/install.log" 2>&1 ||
	{ cat "$tmp/install.log"; fail "apt-get install $deb failed"; }
dpkg-query -W -f='${Package}\n' | sort > "$tmp/pkgs-after"
new_pkgs=$(comm -13 "$tmp/pkgs-before" "$tmp/pkgs-after" | grep -vx $pkg | tr '\n' ' ')
say "installed $pkg${new_pkgs:+ and, as dependencies, $new_pkgs}"
/usr/sbin/tcptop -V | grep -qx "tcptop (collectd-tcptop) $version" ||
	fail "/usr/sbin/tcptop -V does not say $version"

"$COLLECTD" -f -C "$stock_conf" > "$tmp/collectd.out" 2>&1 &
daemon_pid=$!
track "$daemon_pid"
say "collectd $daemon_pid runs $stock_conf (stock) with $confd/tcptop.conf"

# The stock file logs to syslog only; this shows what it says when things go wrong.
diagnose() {
	cat > "$tmp/diag.conf" <<EOF
LoadPlugin logfile
<Plugin logfile>
  LogLevel info
  File STDOUT
</Plugin>
Include "$stock_conf"
EOF
	echo "$name: collectd -T on the stock configuration, with a log to stdout:"
	timeout 60 "$COLLECTD" -T -C "$tmp/diag.conf" 2>&1 | grep -v 'successfully loaded' | tail -n 30
}

# Self-metrics come every interval once the plugin has attached (Debian's
# stock interval is 10 s).
i=0
until ls "$rrd_dir"/*/tcptop-self/*.rrd >/dev/null 2>&1; do
	kill -0 "$daemon_pid" 2>/dev/null || { diagnose; fail "collectd exited"; }
	[ $i -lt 600 ] || { diagnose; fail "no tcptop-self rrd file in $rrd_dir after 60 s"; }
	sleep 0.1
	i=$((i + 1))
done
host_dir=$(dirname "$(dirname "$(ls "$rrd_dir"/*/tcptop-self/*.rrd | head -n 1)")")
say "tcptop values arrive in $host_dir"

# A child with a name of its own sends known bytes to its parent.
comm=debpkg-$$
run_traffic child --family ipv4 --bytes 100000000 --chunk 65536 --comm "$comm" child
truth=$(awk -F'\t' -v c="$comm" '!/^#/ && $2 == c { print $9 " " $8 }' "$tmp/truth-child")
[ -n "$truth" ] || fail "the traffic's ground truth has no line for $comm"
say "ground truth of $comm (rx tx): $truth"

# Its unit must reach the exact totals in rrdtool's last update: with the
# snippet's default units that is tcptop-process_name/tcptop_bytes-<comm>
# (100 MB in one interval ranks it among the 20 busiest names of even a
# busy machine; the rest would be in "other").
ident=$(echo "$comm" | sed 's/[^A-Za-z0-9_]/_/g')
i=0
got=
while :; do
	for f in "$host_dir"/tcptop-*/tcptop_bytes-"$ident".rrd \
		"$host_dir"/tcptop-*"$ident"*/tcptop_bytes*.rrd; do
		[ -f "$f" ] || continue
		got=$(rrdtool lastupdate "$f" | awk -F': ' 'NF == 2 { print $2 }')
		[ "$got" = "$truth" ] && break 2
	done
	kill -0 "$daemon_pid" 2>/dev/null || { diagnose; fail "collectd exited"; }
	[ $i -lt 400 ] || { diagnose; fail "no rrd file of $comm with rx tx $truth in 40 s (last: ${got:-none})"; }
	sleep 0.1
	i=$((i + 1))
done
say "rrdtool lastupdate $f: $got (exact)"
[ -f "$host_dir/tcptop-total/tcptop_bytes.rrd" ] || fail "no host total (tcptop-total/tcptop_bytes.rrd)"
say "host total, rrdtool lastupdate (rx tx): $(rrdtool lastupdate "$host_dir/tcptop-total/tcptop_bytes.rrd" |
	awk -F': ' 'NF == 2 { print $2 }')"
(cd "$host_dir" && ls -d tcptop-*/* | head -n 12 | sed "s/^/$name:   /")

stop_daemon
grep -i 'error' "$tmp/collectd.out" && fail "collectd printed errors"

# ---- 4. purge, and leave the machine as it was -----------------------------------------------------
DEBIAN_FRONTEND=noninteractive apt-get purge -y -q -o DPkg::Lock::Timeout=300 $pkg $new_pkgs \
	> "$tmp/purge.log" 2>&1 || { cat "$tmp/purge.log"; fail "apt-get purge failed"; }
installed=
dpkg-query -W -f='${Package}\n' | sort > "$tmp/pkgs-purged"
cmp -s "$tmp/pkgs-before" "$tmp/pkgs-purged" || fail "the package list differs from before the install"
for f in /usr/lib/collectd/tcptop.so /usr/share/collectd-tcptop $confd/tcptop.conf /usr/sbin/tcptop; do
	[ ! -e "$f" ] || fail "$f is still there after the purge"
done
remove_new_rrd
find "$rrd_dir" -depth 2>/dev/null | sort > "$tmp/rrd-final"
cmp -s "$tmp/rrd-before" "$tmp/rrd-final" || fail "$rrd_dir differs from before the run"
say "purged; packages and $rrd_dir as before"
say "PASS"
exit 0
