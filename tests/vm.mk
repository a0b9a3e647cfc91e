# tests/vm.mk: exactness per I/O path, on the host and across kernels.
#
# tcptop-vm-exact moves bytes through one loopback connection per I/O path
# (write, sendmsg, writev, MSG_WAITALL, MSG_PEEK, sendfile, splice both ways,
# non-blocking EAGAIN, 1-byte TCP_NODELAY, MSG_ZEROCOPY, echo; IPv4, IPv6 and
# v4-mapped) and checks the tracer's count per socket against its own.  Here
# it runs on the host kernel (tracepoint mode on a locked-down 6.3+ host).
check_PROGRAMS += tests/vm/tcptop-vm-exact
tests_vm_tcptop_vm_exact_SOURCES = \
	tests/vm/vm_exact.h \
	tests/vm/vm_exact.c \
	tests/vm/vm_io.c \
	tests/vm/vm_paths.c \
	tests/vm/vm_socket.c \
	tests/vm/vm_explore.h \
	tests/vm/vm_explore.c
tests_vm_tcptop_vm_exact_LDADD = core/libtcptop.la -lpthread
TESTS += tests/vm/tcptop-vm-exact

# tcptop-vm-concurrent: eight connections at once (one sender and one receiver
# thread each), so several tasks hit the same hooks on one CPU: what shows a
# kernel that preempts our programs and skips the hook for the others.
check_PROGRAMS += tests/vm/tcptop-vm-concurrent
tests_vm_tcptop_vm_concurrent_SOURCES = \
	tests/vm/vm_exact.h \
	tests/vm/vm_concurrent.c \
	tests/vm/vm_socket.c
tests_vm_tcptop_vm_concurrent_LDADD = core/libtcptop.la -lpthread
TESTS += tests/vm/tcptop-vm-concurrent

# run-matrix.sh boots Debian's stock cloud kernels under qemu (TCG) with
# tcptop-vm-exact, tcptop-vm-concurrent and the live tests (tests/live/live_*) built
# statically in an initramfs: Debian 12's 6.1 (every test; fentry, kprobe, auto,
# auto with the socket drain), Debian 12's 6.12 (the two tcptop-vm-* tests,
# live_softirq and live_races in all five), Debian sid's newest (7.2 today:
# every test in kprobe, auto and auto with the socket drain; tcptop-vm-exact in
# tracepoint and fentry, which tcptop warns are not exact there) and Debian 11's
# 5.10 (every mode must be refused, naming Linux 5.12).  About 13 minutes; a VM
# that does not boot fails the test, never skips it.  TCPTOP_VM_SKIP=1 skips it
# for quick local runs; see the script for its other knobs.
TESTS += tests/vm/run-matrix.sh
EXTRA_DIST += \
	tests/vm/run-matrix.sh \
	tests/vm/init.sh \
	tests/vm/print-live.mk
