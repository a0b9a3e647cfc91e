# tests/core.mk: core tests
#
# The traffic generator: a library the live tests call directly, and
# tcptop-traffic, the same scenarios from the command line.
check_LTLIBRARIES += tests/traffic/libtraffic.la
tests_traffic_libtraffic_la_SOURCES = \
	tests/traffic/traffic.h \
	tests/traffic/traffic_internal.h \
	tests/traffic/traffic.c \
	tests/traffic/traffic_io.c \
	tests/traffic/traffic_flow.c \
	tests/traffic/traffic_poll.c
tests_traffic_libtraffic_la_LIBADD = -lpthread

check_PROGRAMS += tests/traffic/tcptop-traffic
tests_traffic_tcptop_traffic_SOURCES = tests/traffic/tcptop-traffic.c
tests_traffic_tcptop_traffic_LDADD = tests/traffic/libtraffic.la

# Unit suites of the core's table and formatting code.
if HAVE_CHECK
CORE_CHECK_TESTS = tests/unit/check_flow_table tests/unit/check_flow_format tests/unit/check_mode_fit
check_PROGRAMS += $(CORE_CHECK_TESTS)
TESTS += $(CORE_CHECK_TESTS)

tests_unit_check_flow_table_SOURCES = tests/unit/check_flow_table.c
tests_unit_check_flow_table_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_check_flow_table_LDADD = core/libtcptop.la $(CHECK_LIBS)

tests_unit_check_mode_fit_SOURCES = tests/unit/check_mode_fit.c
tests_unit_check_mode_fit_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(LIBBPF_CFLAGS)
tests_unit_check_mode_fit_LDADD = core/libtcptop.la $(CHECK_LIBS)

tests_unit_check_flow_format_SOURCES = tests/unit/check_flow_format.c
tests_unit_check_flow_format_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_check_flow_format_LDADD = core/libtcptop.la $(CHECK_LIBS)
endif

# Live tests of the core: real programs, real loopback traffic, exact bytes
# per socket.  They exit 77 without BPF unless TCPTOP_REQUIRE_BPF=1, and take
# their attach mode from TCPTOP_MODE (auto by default), so the VM harness
# runs the same programs, linked statically, in the other modes.
LIVE_UTIL = tests/live/live_util.h tests/live/live_util.c
LIVE_LDADD = tests/traffic/libtraffic.la core/libtcptop.la -lpthread
LIVE_TESTS = \
	tests/live/live_bulk \
	tests/live/live_small_writes \
	tests/live/live_nonblock \
	tests/live/live_child \
	tests/live/live_steady \
	tests/live/live_filters \
	tests/live/live_capacity \
	tests/live/live_closed_churn \
	tests/live/live_iopath \
	tests/live/live_races \
	tests/live/live_softirq \
	tests/live/live_stress
check_PROGRAMS += $(LIVE_TESTS)
TESTS += $(LIVE_TESTS) tests/live/live_forced_mode.sh tests/live/live_other_drain.sh \
	tests/live/live_tx_by_seq.sh
EXTRA_DIST += tests/live/live_forced_mode.sh tests/live/live_other_drain.sh \
	tests/live/live_tx_by_seq.sh

tests_live_live_bulk_SOURCES = tests/live/live_bulk.c $(LIVE_UTIL)
tests_live_live_bulk_LDADD = $(LIVE_LDADD)
tests_live_live_small_writes_SOURCES = tests/live/live_small_writes.c $(LIVE_UTIL)
tests_live_live_small_writes_LDADD = $(LIVE_LDADD)
tests_live_live_nonblock_SOURCES = tests/live/live_nonblock.c $(LIVE_UTIL)
tests_live_live_nonblock_LDADD = $(LIVE_LDADD)
tests_live_live_child_SOURCES = tests/live/live_child.c $(LIVE_UTIL)
tests_live_live_child_LDADD = $(LIVE_LDADD)
tests_live_live_steady_SOURCES = tests/live/live_steady.c $(LIVE_UTIL)
tests_live_live_steady_LDADD = $(LIVE_LDADD)
tests_live_live_filters_SOURCES = tests/live/live_filters.c $(LIVE_UTIL)
tests_live_live_filters_LDADD = $(LIVE_LDADD)
tests_live_live_capacity_SOURCES = tests/live/live_capacity.c $(LIVE_UTIL)
tests_live_live_capacity_LDADD = $(LIVE_LDADD)
tests_live_live_closed_churn_SOURCES = tests/live/live_closed_churn.c $(LIVE_UTIL)
tests_live_live_closed_churn_LDADD = $(LIVE_LDADD)
tests_live_live_iopath_SOURCES = tests/live/live_iopath.c $(LIVE_UTIL)
tests_live_live_iopath_LDADD = $(LIVE_LDADD)
tests_live_live_races_SOURCES = tests/live/live_races.c tests/live/live_sockets.h tests/live/live_sockets.c $(LIVE_UTIL)
tests_live_live_races_LDADD = $(LIVE_LDADD)
tests_live_live_softirq_SOURCES = tests/live/live_softirq.c tests/live/live_sockets.h tests/live/live_sockets.c \
	$(LIVE_UTIL)
nodist_tests_live_live_softirq_SOURCES = tests/live/softirq_reader.skel.h
tests_live_live_softirq_CPPFLAGS = $(AM_CPPFLAGS)
tests_live_live_softirq_LDADD = $(LIVE_LDADD) $(LIBBPF_LIBS)
tests/live/live_softirq-live_softirq.$(OBJEXT): tests/live/softirq_reader.skel.h

# A kernel reader for live_softirq: a sockmap stream parser.
tests/live/softirq_reader.bpf.o: $(top_srcdir)/tests/live/softirq_reader.bpf.c
	$(AM_V_GEN)$(MKDIR_P) tests && \
	$(BPF_COMPILE) -c $(top_srcdir)/tests/live/softirq_reader.bpf.c -o $@.new && mv $@.new $@
tests/live/softirq_reader.skel.h: tests/live/softirq_reader.bpf.o
	$(AM_V_GEN)$(BPFTOOL) gen skeleton tests/live/softirq_reader.bpf.o name softirq_reader_bpf > $@.new && \
		mv $@.new $@
CLEANFILES += tests/live/softirq_reader.bpf.o tests/live/softirq_reader.bpf.o.new \
	tests/live/softirq_reader.skel.h tests/live/softirq_reader.skel.h.new
EXTRA_DIST += tests/live/softirq_reader.bpf.c

tests_live_live_stress_SOURCES = tests/live/live_stress.c $(LIVE_UTIL)
tests_live_live_stress_LDADD = $(LIVE_LDADD)

# The issue's full stress size (about 2 minutes); `make check` runs the smoke
# size.  Other areas hang their long runs on check-long as prerequisites
# without a recipe, so the fragments stay independent.
check-long: check-long-core
check-long-core: tests/live/live_stress$(EXEEXT)
	TCPTOP_STRESS=full $(builddir)/tests/live/live_stress
.PHONY: check-long check-long-core
