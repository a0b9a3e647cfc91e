#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Every collectd plugin this project loads can be loaded on this machine, so a
# machine that never saw the project gets everything it needs from tools/setup.
# (collectd-core only suggests the libraries of many plugins: without libyajl2,
# write_log.so does not dlopen and collectd stops with "Parsing the config file
# failed!".)
#
#  1. Every plugin named by a LoadPlugin line in tools/, tests/, bench/, conf/,
#     README or HACKING.md (tcptop aside: it is ours) is listed in
#     tools/collectd-plugins, which says which Debian packages tools/setup
#     installs for it.
#  2. Each of those plugins, and each plugin listed, is in /usr/lib/collectd and
#     ldd finds every library it needs (tools/check-collectd-plugins, the check
#     tools/setup itself runs after installing).  A failure names the plugin and
#     the missing library.
#  3. The check catches what it is for: a plugin built against a library that
#     is then removed is reported, with the plugin's and the library's names.
#
# Needs no root and no BPF; never skips.
set -u
name=plugin_deps
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
list=$top_srcdir/tools/collectd-plugins
checker=$top_srcdir/tools/check-collectd-plugins
tmp=$(mktemp -d "/tmp/tcptop-$name.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

say() { echo "$name: $*"; }
fail() {
	say "FAIL: $*"
	exit 1
}

[ -r "$list" ] || fail "$list is missing"
[ -x "$checker" ] || fail "$checker is missing or not executable"
listed=$(sed -e 's/#.*//' "$list" | awk 'NF { print $1 }' | sort -u)

# ---- 1: every LoadPlugin in the tree is listed -------------------------------------------
cd "$top_srcdir" || fail "cannot enter $top_srcdir"
for f in tools tests bench conf README HACKING.md; do
	[ -e "$f" ] && set -- "$@" "$f"
done
# A config line: LoadPlugin at the start of a line or of a quoted string (echo 'LoadPlugin x',
# "LoadPlugin x\n" in C), plain or as a <LoadPlugin x> block.  Prose mentioning it does not count.
grep -rnoIE "(^|[\"'])[[:space:]]*<?LoadPlugin[[:space:]]+\"?[A-Za-z0-9_]+" \
	--exclude=collectd-plugins --exclude=plugin_deps.sh "$@" |
	sed -E "s/^([^:]*:[0-9]+):.*LoadPlugin[[:space:]]+\"?/\\1 /" > "$tmp/loads"
[ -s "$tmp/loads" ] || fail "found no LoadPlugin line in $*; the scan is broken"
loaded=$(awk '$2 != "tcptop" { print $2 }' "$tmp/loads" | sort -u)
say "plugins loaded in the tree: $(echo $loaded)"
unlisted=0
for p in $loaded; do
	if ! echo "$listed" | grep -qx "$p"; then
		say "collectd plugin $p is loaded at $(awk -v p="$p" '$2 == p { print $1 }' "$tmp/loads" | tr '\n' ' ')but not listed in tools/collectd-plugins (with the packages its .so needs), so tools/setup would not install its libraries"
		unlisted=$((unlisted + 1))
	fi
done
[ "$unlisted" -eq 0 ] || fail "$unlisted plugin(s) missing from tools/collectd-plugins"

# ---- 2: each resolves every library ------------------------------------------------------
"$checker" $(printf '%s\n' $loaded $listed | sort -u) ||
	fail "a collectd plugin we load cannot be loaded here (named above with the library ldd cannot find); run ./tools/setup, and if it is still missing, add its package to tools/collectd-plugins"

# ---- 3: the check sees a missing library --------------------------------------------------
cc=${CC:-cc}
mkdir -p "$tmp/lib" "$tmp/plugins"
echo 'int tcptop_gone(void) { return 1; }' > "$tmp/gone.c"
echo 'int tcptop_gone(void); int module_register(void) { return tcptop_gone(); }' > "$tmp/fake.c"
$cc -shared -fPIC -o "$tmp/lib/libtcptop_gone.so.1" -Wl,-soname,libtcptop_gone.so.1 "$tmp/gone.c" &&
	ln -s libtcptop_gone.so.1 "$tmp/lib/libtcptop_gone.so" &&
	$cc -shared -fPIC -o "$tmp/plugins/fake_writer.so" "$tmp/fake.c" -L"$tmp/lib" -ltcptop_gone ||
	fail "cannot build the fake plugin with $cc"
rm -f "$tmp/lib/"libtcptop_gone.so*
COLLECTD_PLUGINDIR=$tmp/plugins "$checker" fake_writer 2> "$tmp/fake.err" && {
	cat "$tmp/fake.err"
	fail "the check passed a plugin whose library was removed"
}
cat "$tmp/fake.err"
grep -q "collectd plugin fake_writer cannot be loaded: .*libtcptop_gone.so.1" "$tmp/fake.err" ||
	fail "the check did not name the plugin and the missing library"
COLLECTD_PLUGINDIR=$tmp/plugins "$checker" no_such_plugin 2> "$tmp/none.err" && fail "the check passed a plugin that does not exist"
grep -q "collectd plugin no_such_plugin cannot be loaded: .*does not exist" "$tmp/none.err" ||
	fail "the check did not name a plugin whose .so is missing"

say "PASS"
exit 0
