#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The version lives in configure.ac (AC_INIT); debian/changelog's newest entry
# must carry the same upstream version (debian/rules also refuses to build
# otherwise).  Needs no root and builds nothing.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
command -v dpkg-parsechangelog >/dev/null 2>&1 || { echo "deb_version: SKIP: no dpkg-parsechangelog (dpkg-dev)"; exit 77; }
want=$(sed -n 's/^AC_INIT(\[[^]]*\], *\[\([^]]*\)\].*/\1/p' "$top_srcdir/configure.ac")
got=$(dpkg-parsechangelog -l "$top_srcdir/debian/changelog" -S Version)
upstream=${got#*:}
upstream=${upstream%-*}
echo "deb_version: configure.ac $want, debian/changelog $got"
if [ -z "$want" ] || [ "$upstream" != "$want" ]; then
	echo "deb_version: FAIL: add a changelog entry for $want (dch -v $want-1)"
	exit 1
fi
echo "deb_version: PASS"
