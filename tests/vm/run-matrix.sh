#!/bin/bash
# Kernel matrix: boot Debian's stock cloud kernels under qemu (TCG), with our
# statically linked live tests in an initramfs, and run them in each attach
# mode the host cannot use.  The host (locked down) covers tracepoint mode;
# this covers fentry, kprobe and auto on Debian 12's stock 6.1 kernel (every
# live test), all four modes on Debian 12's 6.12 kernel (tcptop-vm-exact),
# all four on Debian sid's newest kernel (7.2 today: every live test in the
# modes tcptop calls exact there, tcptop-vm-exact in all), and Debian 11's
# 5.10, which tcptop must refuse in every mode, naming its minimum kernel.
#
# Exit 0 when every test passed in every mode, 1 otherwise.  A kernel that
# cannot be fetched or a VM that does not boot or does not finish is a
# failure, never a skip.  Timing inside TCG means nothing: correctness only.
#
# Knobs (environment):
#   TCPTOP_VM_KERNELS       kernel series to boot (default "6.1 6.12 sid 5.10"): Debian
#                           12's 6.1 and 6.12 (the system's package lists), "sid" (the
#                           newest sid has), a named sid series such as "7.2", and
#                           "5.10" (bullseye); the last three through a private apt
#                           state under the cache, never the system's sources
#   TCPTOP_VM_MODES_<series> modes for one series, dots as underscores
#                           (default: fentry kprobe auto auto/socket; 6.3+, sid and
#                           too-old kernels add tracepoint; MODE/DRAIN forces the drain)
#   TCPTOP_VM_TESTS[_<series>] names of tests to run (default: all of them on 6.1 and
#                           sid; tcptop-vm-exact and tcptop-vm-concurrent on other series,
#                           plus live_softirq and live_races on 6.12)
#   TCPTOP_VM_INEXACT_MODES_<series> modes tcptop warns are not exact on that kernel:
#                           only tcptop-vm-exact runs in them, and a shortfall made of
#                           events the kernel skipped is LOSS (default "tracepoint fentry" on
#                           sid and 7.x: those kernels preempt tracing programs; fexit loses
#                           events there, and tracepoint mode, counting from the sequence
#                           numbers, keeps totals exact but may charge a skipped send to the
#                           next sender of a shared socket, so only the per-path tests run)
#   TCPTOP_VM_CACHE         where fetched kernels (and the private apt state) are kept
#                           (default ${XDG_CACHE_HOME:-$HOME/.cache}/collectd-tcptop)
#   TCPTOP_VM_TIMEOUT       seconds for one VM, boot to power-off (default 1800)
#   TCPTOP_VM_TEST_TIMEOUT  seconds for one test in one mode (default 300)
#   TCPTOP_VM_APPEND        extra kernel command line (say preempt=full), for investigations
#   TCPTOP_VM_MEMORY        MiB of guest memory (default 1024)
#   TCPTOP_VM_BENCH_ARGS    arguments of tcptop-bench-drain-pair, which runs only when
#                           TCPTOP_VM_TESTS names it (bench/vm-drain.sh does)
#   TCPTOP_VM_MODULES       kernel modules to load first (default: what kernel TLS needs)
#   TCPTOP_VM_SKIP=1        skip the whole matrix (exit 77), for quick local runs
#   CC                      compiler for the static test binaries (default cc)
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u

me=vm-matrix
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${top_builddir:-$(pwd)}
cache=${TCPTOP_VM_CACHE:-${XDG_CACHE_HOME:-${HOME:-/var/tmp}/.cache}/collectd-tcptop}
work=$builddir/tests/vm/work
CC=${CC:-cc}
qemu_pid=

say() { echo "$me: $*"; }
die() { echo "$me: FAIL: $*"; exit 1; }

cleanup() {
	if [ -n "$qemu_pid" ]; then
		kill "$qemu_pid" 2>/dev/null
		wait "$qemu_pid" 2>/dev/null
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

if [ "${TCPTOP_VM_SKIP:-0}" = 1 ]; then
	say "SKIP: TCPTOP_VM_SKIP=1 is set"
	exit 77
fi

# ---- kernels -------------------------------------------------------------------

# Where each series comes from.  Debian 12's own kernels (6.1, 6.12) come through
# the system's package lists, as before.  Every other series comes from a private
# apt state under the cache (its own sources.list, lists and archives), so the
# system's sources are never touched:
#   5.10  bullseye   linux-image-5.10.0-N-cloud-amd64-unsigned   (boot/vmlinuz-*)
#   sid   sid        the newest linux-binary-X.Y.Z+debN-cloud-amd64 sid has
#                    (usr/lib/modules/*/vmlinuz; modules in linux-modules-*)
#   X.Y   sid        linux-binary-X.Y.*: one named sid series (7.2 today)
vm_private_suites="bullseye sid"

vm_is_system_series() {
	case $1 in 6.1|6.12) return 0 ;; *) return 1 ;; esac
}

# Package names of a series' kernel: old layout (linux-image-...-unsigned, up
# to trixie) and new layout (linux-binary-..., sid since 7.x).
vm_kernel_regex() {
	local s=${1//./\\.}
	case $1 in
		sid) echo '^linux-binary-[0-9]+\.[0-9]+\.[0-9]+\+deb[0-9]+-cloud-amd64$' ;;
		*) echo "^(linux-image-${s}\.[0-9]+(-[0-9]+|\+deb[0-9]+)-cloud-amd64-unsigned|linux-binary-${s}\.[0-9]+\+deb[0-9]+-cloud-amd64)\$" ;;
	esac
}

# apt with the private state: its own sources.list, lists and archive cache.
vm_papt_dir() { echo "$cache/apt"; }
vm_papt() {
	local cmd=$1 d
	d=$(vm_papt_dir)
	shift
	"$cmd" -q -o "Dir::Etc::sourcelist=$d/sources.list" -o "Dir::Etc::sourceparts=$d/sources.list.d" \
		-o "Dir::State::lists=$d/lists" -o "Dir::Cache=$d/cache" "$@"
}

vm_papt_init() {
	local d s
	d=$(vm_papt_dir)
	mkdir -p "$d/lists/partial" "$d/cache/archives/partial" "$d/sources.list.d" || return 1
	for s in $vm_private_suites; do
		echo "deb http://deb.debian.org/debian $s main"
	done > "$d/sources.list.new" && mv "$d/sources.list.new" "$d/sources.list"
}

vm_papt_update() {
	say "updating the private package lists in $(vm_papt_dir) ($vm_private_suites)" >&2
	vm_papt_init && vm_papt apt-get update > "$(vm_papt_dir)/update.log" 2>&1 ||
		{ sed 's/^/  /' "$(vm_papt_dir)/update.log" >&2; return 1; }
}

# Package names, one a line, from the system's lists or the private ones.  The
# private lists are refreshed once a day (best effort), so "sid" follows sid.
vm_list_packages() {
	local stamp
	if vm_is_system_series "$1"; then
		apt-cache search --names-only '^linux-(image|binary)-.*-cloud-amd64(-unsigned)?$' 2>/dev/null
	else
		[ -d "$(vm_papt_dir)/lists" ] || return 0
		stamp=$(vm_papt_dir)/update.log
		if [ -z "$(find "$stamp" -mmin -1440 2>/dev/null)" ]; then
			vm_papt_update || say "cannot refresh the private package lists; using what they hold" >&2
		fi
		vm_papt apt-cache search --names-only '^linux-(image|binary)-.*-cloud-amd64(-unsigned)?$' 2>/dev/null
	fi | awk '{print $1}'
}

vm_newest_package() {
	vm_list_packages "$1" | grep -E "$(vm_kernel_regex "$1")" | sort -V | tail -n 1
}

vm_cached_vmlinuz() {
	ls "$cache/kernels/$1"/boot/vmlinuz-* "$cache/kernels/$1"/usr/lib/modules/*/vmlinuz \
		2>/dev/null | head -n 1
}

vm_newest_cached() {
	ls "$cache/kernels" 2>/dev/null | grep -E "$(vm_kernel_regex "$1")" | sort -V | tail -n 1
}

# The modules of a linux-binary-* kernel are a package of their own.
vm_modules_package() {
	case $1 in linux-binary-*) echo "linux-modules-${1#linux-binary-}" ;; esac
}

# The cached package a vmlinuz belongs to: the first directory under kernels/.
vm_package_of() {
	local rel=${1#"$cache/kernels/"}
	echo "${rel%%/*}"
}

# Downloads and unpacks one kernel package (and its modules package, if it has
# one of its own) into the cache; returns 1 on failure.
vm_download() {
	local series=$1 pkg=$2 tmp deb mods
	mkdir -p "$cache/kernels" || return 1
	tmp=$(mktemp -d "$cache/kernels/.fetch.XXXXXX") || return 1
	mods=$(vm_modules_package "$pkg")
	# apt reads and writes as root here, and warns that _apt could not; both are fine.
	if vm_is_system_series "$series"; then
		(cd "$tmp" && apt-get download -q "$pkg" > "$tmp/apt.log" 2>&1)
	else
		(cd "$tmp" && vm_papt apt-get download "$pkg" > "$tmp/apt.log" 2>&1)
	fi
	if [ $? != 0 ] || ! deb=$(ls "$tmp"/*.deb 2> /dev/null | head -n 1) || [ -z "$deb" ] ||
	   ! dpkg -x "$deb" "$tmp/root" >> "$tmp/apt.log" 2>&1; then
		sed 's/^/  /' "$tmp/apt.log" >&2
		rm -rf "$tmp"
		return 1
	fi
	# Only the kernel TLS path needs modules (an explored path): fetch them, but
	# a kernel without them still runs every required test.
	if [ -n "$mods" ]; then
		rm -f "$tmp"/*.deb
		if (cd "$tmp" && vm_papt apt-get download "$mods" >> "$tmp/apt.log" 2>&1) &&
		   deb=$(ls "$tmp"/*.deb 2> /dev/null | head -n 1) && [ -n "$deb" ]; then
			dpkg -x "$deb" "$tmp/root" >> "$tmp/apt.log" 2>&1 ||
				say "cannot unpack $mods; kernel TLS will not be explored" >&2
		else
			say "cannot fetch $mods; kernel TLS will not be explored" >&2
		fi
	fi
	rm -rf "$cache/kernels/$pkg"
	mv "$tmp/root" "$cache/kernels/$pkg"
	rm -rf "$tmp"
}

# Brings the package lists up to date: the system's (as root) or the private ones.
vm_update_lists() {
	if vm_is_system_series "$1"; then
		[ "$(id -u)" = 0 ] && apt-get update -q > /dev/null 2>&1
	else
		vm_papt_update
	fi
}

# Prints the vmlinuz of the newest kernel of a series, fetching it once and
# dropping older ones of the same series from the cache.
vm_fetch_kernel() {
	local series=$1 pkg old vmlinuz
	pkg=$(vm_newest_package "$series")
	if [ -z "$pkg" ]; then
		say "no $series cloud kernel in the package lists; updating them" >&2
		vm_update_lists "$series"
		pkg=$(vm_newest_package "$series")
	fi
	if [ -n "$pkg" ] && [ -z "$(vm_cached_vmlinuz "$pkg")" ]; then
		say "fetching $pkg into $cache" >&2
		if ! vm_download "$series" "$pkg"; then
			# Stale package lists name a version the archive no longer has.
			say "downloading $pkg failed; updating the package lists and trying again" >&2
			vm_update_lists "$series"
			pkg=$(vm_newest_package "$series")
			[ -z "$pkg" ] || [ -n "$(vm_cached_vmlinuz "$pkg")" ] || vm_download "$series" "$pkg" || pkg=
		fi
	fi
	if [ -z "$pkg" ] || [ -z "$(vm_cached_vmlinuz "$pkg")" ]; then
		# Cannot fetch, but fetched before: the newest we have is still that series.
		pkg=$(vm_newest_cached "$series")
		[ -n "$pkg" ] && say "cannot fetch a $series kernel; using cached $pkg" >&2
	fi
	[ -n "$pkg" ] || { say "cannot find or fetch a Debian $series cloud kernel package" >&2; return 1; }
	for old in $(ls "$cache/kernels" 2>/dev/null | grep -E "$(vm_kernel_regex "$series")"); do
		[ "$old" = "$pkg" ] || rm -rf "${cache:?}/kernels/$old"
	done
	vmlinuz=$(vm_cached_vmlinuz "$pkg")
	[ -n "$vmlinuz" ] || { say "$pkg holds no vmlinuz" >&2; return 1; }
	echo "$vmlinuz"
}

# ---- static test binaries ----------------------------------------------------------

static_libs="-lbpf -lelf -lz -pthread"

# What make knows: "VM-PROGRAM name: sources | link flags" (see print-live.mk).
vm_programs() {
	make -s --no-print-directory -C "$builddir" -f Makefile \
		-f "$srcdir/tests/vm/print-live.mk" vm-print-live 2>/dev/null |
		sed -n 's/^VM-PROGRAM //p'
}

# C sources of a word list, as paths: in the source tree, else generated in the build tree.
vm_c_files() {
	local f
	for f in "$@"; do
		case $f in *.c) ;; *) continue ;; esac
		if [ -f "$srcdir/$f" ]; then echo "$srcdir/$f"; else echo "$builddir/$f"; fi
	done
}

vm_cc_static() {
	# Sanitizers cannot link statically; the VM does not need them.
	# shellcheck disable=SC2086 # word lists on purpose
	$CC -static -O2 -g -Wall -Wextra -Werror \
		-I "$srcdir/core" -I "$srcdir/bpf" -I "$srcdir/tests/traffic" -I "$srcdir/tests/live" \
		-I "$srcdir/tests/vm" \
		-I "$builddir/bpf" -I "$builddir" -I "$builddir/tests/live" \
		"$@" $static_libs
}

# Prints "name binary args", one per test: what the VM runs in each mode.
vm_build_tests() {
	local bin=$work/initramfs/tests programs line prog srcs flags name
	mkdir -p "$bin" || return 1
	make -s -C "$builddir" bpf/tcptop.skel.h >&2 || return 1
	programs=$(vm_programs)
	echo "$programs" | grep -q '^tests/vm/tcptop-vm-exact:' ||
		{ say "make does not know tests/vm/tcptop-vm-exact (is tests/vm.mk included?)" >&2; return 1; }
	# tcptop-vm-exact, tcptop-vm-concurrent and the core's live tests (tests/live/live_*), rebuilt static
	# from the sources make knows.
	echo "$programs" | grep -E '^(tests/(live/live_|vm/tcptop-vm-)|bench/tcptop-bench-)' | while read -r line; do
		prog=${line%%:*}
		srcs=${line#*: }
		flags=${srcs#*|}
		srcs=${srcs%%|*}
		name=$(basename "$prog")
		# shellcheck disable=SC2086
		if vm_cc_static -o "$bin/$name" $(vm_c_files $srcs | sort -u) $flags >&2; then
			case $name in
				tcptop-bench-*) echo "$name $name ${TCPTOP_VM_BENCH_ARGS:-}" ;;
				*) echo "$name $name" ;;
			esac
		else
			say "cannot build $prog statically" >&2
			echo "$name BUILD-FAILED"
		fi
	done
}

# Kernel modules for the kernel-TLS path (AES-GCM and tls), when the kernel has them as modules.
vm_modules="gf128mul ghash-generic ctr crypto_null gcm tls"

vm_add_modules() {
	local kroot=$1 root=$work/initramfs m f
	rm -rf "$root/lib/modules" "$root/tests/modules"
	mkdir -p "$root/lib/modules" || return 1
	for m in ${TCPTOP_VM_MODULES-$vm_modules}; do
		f=$(find "$kroot/lib/modules" "$kroot/usr/lib/modules" -name "$m.ko*" 2>/dev/null | head -n 1)
		# busybox insmod wants them uncompressed (6.12 ships .ko.xz).
		case $f in
			'') continue ;;
			*.ko) cp "$f" "$root/lib/modules/$m.ko" ;;
			*.ko.xz) xz -dc "$f" > "$root/lib/modules/$m.ko" ;;
			*.ko.zst) zstd -qdc "$f" > "$root/lib/modules/$m.ko" ;;
			*.ko.gz) gzip -dc "$f" > "$root/lib/modules/$m.ko" ;;
			*) continue ;;
		esac || { rm -f "$root/lib/modules/$m.ko"; continue; }
		echo "$m.ko" >> "$root/tests/modules"
	done
	return 0
}

vm_make_initramfs() {
	local root=$work/initramfs busybox
	busybox=$(command -v busybox || echo /bin/busybox)
	[ -x "$busybox" ] || { say "busybox is missing (apt-get install busybox-static)"; return 1; }
	LC_ALL=C readelf -l "$busybox" 2>/dev/null | grep -q INTERP &&
		{ say "$busybox is dynamically linked (apt-get install busybox-static)"; return 1; }
	mkdir -p "$root"/bin "$root"/proc "$root"/sys "$root"/dev "$root"/tmp || return 1
	cp "$busybox" "$root/bin/busybox" && cp "$srcdir/tests/vm/init.sh" "$root/init" &&
		chmod 0755 "$root/init" || return 1
	(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$work/initramfs.cpio.gz"
}

# ---- one VM ------------------------------------------------------------------------

# Boots vmlinuz with the initramfs and fills $work/<series>.{console,results}.
vm_boot() {
	local vmlinuz=$1 tag=$2 limit=${TCPTOP_VM_TIMEOUT:-1800} rc
	command -v qemu-system-x86_64 > /dev/null ||
		{ say "qemu-system-x86_64 is missing (apt-get install qemu-system-x86)"; return 1; }
	rm -f "$work/$tag.console" "$work/$tag.results"
	# TCG, not KVM: KVM is not usable here, and correctness is all we want.
	timeout -k 10 "$limit" qemu-system-x86_64 -accel tcg -cpu max -m "${TCPTOP_VM_MEMORY:-1024}" -smp 1 \
		-display none -monitor none -no-reboot \
		-serial "file:$work/$tag.console" -serial "file:$work/$tag.results" \
		-kernel "$vmlinuz" -initrd "$work/initramfs.cpio.gz" \
		-append "console=ttyS0 quiet panic=-1 oops=panic ${TCPTOP_VM_APPEND:-}" < /dev/null &
	qemu_pid=$!
	wait "$qemu_pid"
	rc=$?
	qemu_pid=
	[ "$rc" = 124 ] && say "$tag: the VM did not finish within ${limit}s"
	return 0
}

# The output a test printed in one mode (the "| " lines between its START and RESULT).
vm_run_output() {
	tr -d '\r' < "$1" | awk -v s="TCPTOP-VM-START test=$2 mode=$3" -v r="^TCPTOP-VM-RESULT test=$2 mode=$3 " '
		$0 == s { on = 1; next } on && $0 ~ r { on = 0 } on'
}

# Checks one VM's results against its runs ("name mode bin" lines); prints a
# summary, returns 1 on any failure.  On a kernel older than tcptop's minimum
# (too_old=1) every run must be refused with the one-sentence reason.
vm_check() {
	local tag=$1 runs=$2 too_old=$3 res=$work/$tag.results bad=0 name mode bin line
	if [ ! -s "$res" ] || ! grep -q '^TCPTOP-VM-BOOTED' "$res"; then
		say "$tag: FAIL: the VM did not boot; console:"
		tail -n 40 "$work/$tag.console" 2>/dev/null | tr -d '\r' | sed 's/^/  /'
		return 1
	fi
	tr -d '\r' < "$res" | sed 's/^/  /'
	while read -r name mode bin _; do
		if [ "$bin" = BUILD-FAILED ]; then
			echo "TCPTOP-VM-RESULT kernel=$tag test=$name mode=$mode result=FAIL (not built)"
			bad=1
			continue
		fi
		line=$(tr -d '\r' < "$res" | grep -E "^TCPTOP-VM-RESULT test=$name mode=$mode " | tail -n 1)
		if [ -z "$line" ]; then
			echo "TCPTOP-VM-RESULT kernel=$tag test=$name mode=$mode result=FAIL (no result: VM died or timed out)"
			bad=1
			continue
		fi
		if [ "$too_old" = 1 ]; then
			case $line in
				*result=FAIL\ rc=1\ *)
					if vm_run_output "$res" "$name" "$mode" |
					   grep -q "is too old: tcptop needs Linux $vm_min_kernel or newer"; then
						line="${line/result=FAIL/result=PASS (refused, naming Linux $vm_min_kernel)}"
					else
						line="${line/result=FAIL/result=FAIL (refused without naming Linux $vm_min_kernel)}"
					fi ;;
				*) line="${line/result=/result=FAIL (not refused) was=}" ;;
			esac
		fi
		echo "${line/TCPTOP-VM-RESULT /TCPTOP-VM-RESULT kernel=$tag }"
		case $line in *result=PASS*|*result=SKIP*) ;; *) bad=1 ;; esac
	done < "$runs"
	if ! tr -d '\r' < "$res" | grep -q '^TCPTOP-VM-DONE'; then
		say "$tag: the VM never reached the end of its plan; console tail:"
		tail -n 40 "$work/$tag.console" 2>/dev/null | tr -d '\r' | sed 's/^/  /'
		bad=1
	fi
	return $bad
}

# tcptop's minimum kernel, as its start-up message names it (core/tracer.c).
vm_min_kernel=5.12

# Series older than that: tcptop must refuse them, saying so in one sentence.
vm_too_old() {
	local major minor
	case $1 in [0-9]*.[0-9]*) ;; *) return 1 ;; esac
	major=${1%%.*}
	minor=${1#*.}
	minor=${minor%%.*}
	[ "$major" -lt 5 ] || { [ "$major" = 5 ] && [ "$minor" -lt 12 ]; }
}

# Modes tcptop itself says lose events on a series (its start-up warning; see
# tcptop_mode_inexact in core/tracer.c): Debian sid's kernel preempts
# tracepoint and fexit programs.  There only tcptop-vm-exact runs, and a
# shortfall it can pin on events the kernel skipped is LOSS, not FAIL.
vm_inexact_modes() {
	local var=TCPTOP_VM_INEXACT_MODES_${1//./_}
	if [ -n "${!var+set}" ]; then
		echo "${!var}"
		return
	fi
	case $1 in
		sid|7.*) echo "tracepoint fentry" ;;
	esac
}

# auto/socket runs auto's mode with the tcp socket drain forced (TCPTOP_DRAIN):
# auto takes fentry on 6.1, tracepoint on 6.12 and kprobe on sid, so the
# three socket-drain programs all run somewhere, beside the map drain that
# auto picks on these kernels.
vm_default_modes() {
	case $1 in
		[0-4].*|5.[0-9]|5.1[01]) echo "tracepoint fentry kprobe auto" ;;
		sid|6.[3-9]|6.[1-9][0-9]|[7-9].*) echo "tracepoint fentry kprobe auto auto/socket" ;;
		*) echo "fentry kprobe auto auto/socket" ;;
	esac
}

# ---- main --------------------------------------------------------------------------

# Tests for one series: TCPTOP_VM_TESTS_<series>, else TCPTOP_VM_TESTS, else the
# series' default (everything on 6.1 and sid (7.x); tcptop-vm-exact alone on the others).
vm_series_tests() {
	local series=$1 var want
	var=TCPTOP_VM_TESTS_${series//./_}
	want=${!var:-${TCPTOP_VM_TESTS:-}}
	# 6.12 is the matrix's only tracepoint-mode kernel before 6.14, where strparser
	# still reads sockets in softirq (live_softirq), so it runs the counting races too.
	case $series in
		6.1|sid|[7-9].*) ;;
		6.12) [ -n "$want" ] || want="tcptop-vm-exact tcptop-vm-concurrent live_softirq live_races" ;;
		*) [ -n "$want" ] || want="tcptop-vm-exact tcptop-vm-concurrent" ;;
	esac
	echo "$tests" | while read -r name rest; do
		# Benchmarks run only when named (bench/vm-drain.sh): timing in TCG is for ratios.
		case $name in tcptop-bench-*) [ -n "$want" ] || continue ;; esac
		[ -z "$want" ] || case " $want " in *" $name "*) ;; *) continue ;; esac
		echo "$name $rest"
	done
}

rm -rf "$work"
mkdir -p "$work" || die "cannot create $work"
tests=$(vm_build_tests) || die "cannot build the static test binaries"
echo "${TCPTOP_VM_TEST_TIMEOUT:-300}" > "$work/initramfs/tests/timeout"

status=0
for series in ${TCPTOP_VM_KERNELS:-6.1 6.12 sid 5.10}; do
	var=TCPTOP_VM_MODES_${series//./_}
	modes=${!var:-$(vm_default_modes "$series")}
	vm_series_tests "$series" > "$work/tests-$series"
	[ -s "$work/tests-$series" ] || { say "FAIL: no test to run on $series"; status=1; continue; }
	vmlinuz=$(vm_fetch_kernel "$series") || { say "FAIL: no $series kernel"; status=1; continue; }
	# boot/vmlinuz-VERSION (old layout) or usr/lib/modules/VERSION/vmlinuz (sid's).
	case $vmlinuz in
		*/vmlinuz) tag=$(basename "$(dirname "$vmlinuz")") ;;
		*) tag=$(basename "$vmlinuz" | sed 's/^vmlinuz-//') ;;
	esac
	inexact=$(vm_inexact_modes "$series")
	too_old=0
	vm_too_old "$series" && too_old=1
	# Every test in every mode, but in a mode tcptop says loses events here
	# only tcptop-vm-exact (which tells such losses from bugs).
	while read -r name bin args; do
		for mode in $modes; do
			case " $inexact " in
				*" $mode "*) case $name in tcptop-vm-exact|tcptop-vm-concurrent) ;; *) continue ;; esac ;;
			esac
			echo "$name $mode $bin $args"
		done
	done < "$work/tests-$series" > "$work/runs-$series"
	grep -v ' BUILD-FAILED' "$work/runs-$series" > "$work/initramfs/tests/plan"
	vm_add_modules "$cache/kernels/$(vm_package_of "$vmlinuz")" &&
		vm_make_initramfs || { say "FAIL: cannot build the initramfs"; status=1; break; }
	say "booting $tag ($vmlinuz) for: $(awk '{print $1}' "$work/tests-$series" | tr '\n' ' ')in modes: $modes"
	start=$(date +%s)
	vm_boot "$vmlinuz" "$tag"
	say "$tag: VM ran $(( $(date +%s) - start ))s"
	vm_check "$tag" "$work/runs-$series" "$too_old" || status=1
done

[ "$status" = 0 ] && say "PASS" || say "FAIL"
exit "$status"
