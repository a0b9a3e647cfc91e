#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# tcptop without the privileges to load BPF: it prints one clear sentence on
# stderr (which capabilities are missing), nothing on stdout, and exits 1.
#  - as nobody, no groups, no capabilities (setpriv), text and JSON modes;
#  - as nobody through runuser;
#  - as root with every capability dropped (a container without CAP_BPF),
#    which must not be mistaken for a kernel that cannot trace.
# Runs as root (to drop to nobody); as any other user it checks that user.
set -u

: "${top_builddir:?run from make check}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tcptop-unpriv-cli.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM
PATH=$PATH:/usr/sbin:/sbin

fail() {
	echo "FAIL: $*"
	exit 1
}

# The build tree may sit where nobody cannot read (a clone under /root): use a copy.
chmod 755 "$tmp"
cp "$top_builddir/cli/tcptop" "$tmp/tcptop" || fail "cli/tcptop is not built"
chmod 755 "$tmp/tcptop"

# $1 label, $2 regex the sentence must match, then the command.
expect_refusal() {
	label=$1 want=$2
	shift 2
	"$@" > "$tmp/out" 2> "$tmp/err" < /dev/null
	rc=$?
	echo "$label: exit $rc, stderr: $(cat "$tmp/err")"
	[ "$rc" = 1 ] || fail "$label: exit status $rc, expected 1"
	[ -s "$tmp/out" ] && fail "$label: wrote to stdout: $(head -c 300 "$tmp/out")"
	[ "$(wc -l < "$tmp/err")" = 1 ] || fail "$label: expected one line on stderr"
	grep -Eq "^tcptop: [^:]" "$tmp/err" || fail "$label: the line does not start with 'tcptop: '"
	grep -Eq "$want" "$tmp/err" || fail "$label: the sentence does not say /$want/"
	grep -Eqi "libbpf|lockdown|kernel" "$tmp/err" && fail "$label: blames the kernel, not the privileges"
	return 0
}

caps='CAP_BPF and CAP_PERFMON \(or CAP_SYS_ADMIN\)'
if [ "$(id -u)" != 0 ]; then
	expect_refusal "$(id -un)" "$caps" "$tmp/tcptop" 1 1
	echo "PASS (as $(id -un) only: not root, so nobody and root-without-caps were not tried)"
	exit 0
fi

command -v setpriv > /dev/null 2>&1 || fail "setpriv is missing (util-linux)"
nogroup=$(id -gn nobody 2>/dev/null) || fail "there is no user nobody"
drop="setpriv --reuid=nobody --regid=$nogroup --clear-groups --inh-caps=-all --bounding-set=-all --no-new-privs"

expect_refusal "nobody (setpriv)" "root is required.*$caps" $drop "$tmp/tcptop" 1 1
expect_refusal "nobody (setpriv), JSON" "root is required.*$caps" $drop "$tmp/tcptop" -j 1 1
expect_refusal "nobody (setpriv), -p 1 -6" "root is required.*$caps" $drop "$tmp/tcptop" -p 1 -6 1 1
if command -v runuser > /dev/null 2>&1; then
	expect_refusal "nobody (runuser)" "root is required.*$caps" runuser -u nobody -- "$tmp/tcptop" 1 1
fi
if command -v capsh > /dev/null 2>&1; then
	expect_refusal "nobody (capsh)" "root is required.*$caps" \
		capsh --user=nobody -- -c "exec '$tmp/tcptop' 1 1"
fi
expect_refusal "root without capabilities" "$caps.*root without them" \
	setpriv --inh-caps=-all --bounding-set=-all "$tmp/tcptop" 1 1
echo "PASS"
