# Benchmarks.  `make bench` builds and runs them all (bench/run.sh);
# `make check` builds them too, and tests/bench.mk runs each once with tiny sizes.
# Results and the exact commands belong in BENCHMARKS.md.

BENCH_PROGS = \
	bench/tcptop-bench-event \
	bench/tcptop-bench-e2e \
	bench/tcptop-bench-drain \
	bench/tcptop-bench-drain-pair \
	bench/tcptop-bench-burst \
	bench/tcptop-bench-startup
check_PROGRAMS += $(BENCH_PROGS)

# Shared helpers: clocks and medians, program statistics, loopback traffic.
check_LTLIBRARIES += bench/libtcptopbench.la
bench_libtcptopbench_la_SOURCES = \
	bench/bench_util.c bench/bench_util.h \
	bench/bench_net.c bench/bench_net.h \
	bench/bench_holder.c bench/bench_holder.h \
	bench/bench_churn.c bench/bench_churn.h \
	bench/bench_peer.c bench/bench_peer.h \
	bench/bench_cli.c bench/bench_cli.h \
	bench/bench_iperf.c bench/bench_iperf.h
bench_libtcptopbench_la_CPPFLAGS = $(AM_CPPFLAGS) $(LIBBPF_CFLAGS)

BENCH_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_builddir)/bench $(LIBBPF_CFLAGS)
BENCH_LDADD = bench/libtcptopbench.la core/libtcptop.la $(LIBBPF_LIBS) $(LIBELF_LIBS) \
	$(ZLIB_LIBS) -lm

bench_tcptop_bench_event_SOURCES = bench/bench_event.c bench/bench_hooks.c bench/bench_hooks.h \
	bench/bench_floor.c bench/bench_floor.h
nodist_bench_tcptop_bench_event_SOURCES = bench/bench_empty.skel.h bench/bench_floor.skel.h
bench_tcptop_bench_event_CPPFLAGS = $(BENCH_CPPFLAGS)
bench_tcptop_bench_event_LDADD = $(BENCH_LDADD)

bench_tcptop_bench_e2e_SOURCES = bench/bench_e2e.c
bench_tcptop_bench_e2e_CPPFLAGS = $(BENCH_CPPFLAGS)
bench_tcptop_bench_e2e_LDADD = $(BENCH_LDADD)

bench_tcptop_bench_startup_SOURCES = bench/bench_startup.c
bench_tcptop_bench_startup_CPPFLAGS = $(BENCH_CPPFLAGS)
bench_tcptop_bench_startup_LDADD = $(BENCH_LDADD)

# The drain benchmark also runs the CLI's screen code and dlopens the plugin,
# whose plugin_* symbols it provides (stubs, hence -export-dynamic).
check_LTLIBRARIES += bench/libtcptopbench_plugin.la
bench_libtcptopbench_plugin_la_SOURCES = bench/bench_plugin.c bench/bench_plugin.h
bench_libtcptopbench_plugin_la_CPPFLAGS = $(AM_CPPFLAGS) $(COLLECTD_CPPFLAGS)
bench_libtcptopbench_plugin_la_LIBADD = tests/unit/libcollectd_stubs.la

bench_tcptop_bench_burst_SOURCES = bench/bench_burst.c
bench_tcptop_bench_burst_CPPFLAGS = $(BENCH_CPPFLAGS)
bench_tcptop_bench_burst_LDADD = bench/libtcptopbench_plugin.la $(BENCH_LDADD)
bench_tcptop_bench_burst_LDFLAGS = $(AM_LDFLAGS) -export-dynamic

# The two drains side by side; core only, so the kernel-matrix VM can run it (bench/vm-drain.sh).
bench_tcptop_bench_drain_pair_SOURCES = bench/bench_drain_pair.c
bench_tcptop_bench_drain_pair_CPPFLAGS = $(BENCH_CPPFLAGS)
bench_tcptop_bench_drain_pair_LDADD = $(BENCH_LDADD)

bench_tcptop_bench_drain_SOURCES = bench/bench_drain.c
bench_tcptop_bench_drain_CPPFLAGS = $(BENCH_CPPFLAGS) -I$(top_srcdir)/cli
bench_tcptop_bench_drain_LDADD = bench/libtcptopbench_plugin.la cli/libtcptop_cli.la $(BENCH_LDADD)
bench_tcptop_bench_drain_LDFLAGS = $(AM_LDFLAGS) -export-dynamic

# Empty programs on the same hooks, compiled exactly like bpf/tcptop.bpf.o.
bench/bench_empty.bpf.o: $(top_srcdir)/bench/empty.bpf.c
	$(AM_V_GEN)$(MKDIR_P) bench && \
	$(BPF_COMPILE) -c $(top_srcdir)/bench/empty.bpf.c -o $@.new && mv $@.new $@

bench/bench_empty.skel.h: bench/bench_empty.bpf.o
	$(AM_V_GEN)$(BPFTOOL) gen skeleton bench/bench_empty.bpf.o name tcptop_bench_empty > $@.new && \
		mv $@.new $@

# The design floor of per-socket counting (bench/floor.bpf.c), compiled the same way.
bench/bench_floor.bpf.o: $(top_srcdir)/bench/floor.bpf.c $(top_srcdir)/bpf/tcptop.h \
		$(top_srcdir)/bpf/tcptop_kernel.h
	$(AM_V_GEN)$(MKDIR_P) bench && \
	$(BPF_COMPILE) -c $(top_srcdir)/bench/floor.bpf.c -o $@.new && mv $@.new $@

bench/bench_floor.skel.h: bench/bench_floor.bpf.o
	$(AM_V_GEN)$(BPFTOOL) gen skeleton bench/bench_floor.bpf.o name tcptop_bench_floor_bpf > $@.new && \
		mv $@.new $@

# Only the event benchmark includes the skeleton; build it before compiling that.
bench/tcptop_bench_event-bench_hooks.$(OBJEXT): bench/bench_empty.skel.h
bench/tcptop_bench_event-bench_floor.$(OBJEXT): bench/bench_floor.skel.h

CLEANFILES += bench/bench_empty.bpf.o bench/bench_empty.bpf.o.new bench/bench_empty.skel.h \
	bench/bench_empty.skel.h.new bench/bench_floor.bpf.o bench/bench_floor.bpf.o.new \
	bench/bench_floor.skel.h bench/bench_floor.skel.h.new
EXTRA_DIST += bench/empty.bpf.c bench/floor.bpf.c bench/run.sh bench/smoke.sh bench/vm-drain.sh

# The end-to-end and drain benchmarks run the CLI and the plugin: build everything.
bench: all $(BENCH_PROGS)
	$(SHELL) $(top_srcdir)/bench/run.sh '$(abs_top_builddir)'
.PHONY: bench
