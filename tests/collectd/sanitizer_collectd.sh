#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# collectd for a sanitizer build (./configure --enable-sanitizers).  A
# tcptop.so built with -fsanitize=address needs the ASan runtime loaded before
# anything else, and Debian's collectd is not instrumented, so dlopen() of the
# plugin fails ("ASan runtime does not come first in initial library list").
# make check runs every collectd through this wrapper in such a build
# (tests/robust.mk sets COLLECTD to it); by hand:
#
#   TCPTOP_ASAN_RUNTIME=$(gcc -print-file-name=libasan.so) tests/collectd/sanitizer_collectd.sh -f -C conf
#
# LeakSanitizer stays on: at exit it reports leaks of the plugin (and would
# report collectd's own; 5.12 has none in the runs we make).
set -u
real=${TCPTOP_REAL_COLLECTD:-/usr/sbin/collectd}
rt=${TCPTOP_ASAN_RUNTIME:-$(${CC:-gcc} -print-file-name=libasan.so)}
case $rt in
/*) ;;
*)
	echo "sanitizer_collectd: no ASan runtime found (TCPTOP_ASAN_RUNTIME=$rt)" >&2
	exit 1
	;;
esac
LD_PRELOAD="$rt${LD_PRELOAD:+:$LD_PRELOAD}"
export LD_PRELOAD
exec "$real" "$@"
