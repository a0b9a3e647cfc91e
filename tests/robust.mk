# tests/robust.mk: lifecycle, sanitizers, valgrind, fuzzing, hostile and
# unprivileged processes.

# ---- fuzzing ------------------------------------------------------------------
# Each harness in tests/fuzz/ defines LLVMFuzzerTestOneInput and is built twice:
#  - replay_<name>, by the ordinary compiler with replay_main.c, which feeds the
#    committed corpus once (make check; works with --enable-sanitizers and
#    under valgrind);
#  - libfuzzer_<name>, by clang with -fsanitize=fuzzer,address,undefined
#    (make fuzz, and a few seconds of it in make check).
FUZZ_HARNESSES = cli_args cli_output ident plugin_conf

FUZZ_REPLAY = \
	tests/fuzz/replay_cli_args \
	tests/fuzz/replay_cli_output \
	tests/fuzz/replay_ident \
	tests/fuzz/replay_plugin_conf
check_PROGRAMS += $(FUZZ_REPLAY)

FUZZ_REPLAY_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/cli -I$(top_srcdir)/plugin -I$(top_srcdir)/tests/fuzz
FUZZ_CLI_LDADD = cli/libtcptop_cli.la core/libtcptop.la
FUZZ_PLUGIN_LDADD = plugin/libtcptop_plugin.la core/libtcptop.la

tests_fuzz_replay_cli_args_SOURCES = tests/fuzz/fuzz_cli_args.c tests/fuzz/replay_main.c
tests_fuzz_replay_cli_args_CFLAGS = $(FUZZ_REPLAY_CFLAGS)
tests_fuzz_replay_cli_args_LDADD = $(FUZZ_CLI_LDADD)

tests_fuzz_replay_cli_output_SOURCES = tests/fuzz/fuzz_cli_output.c tests/fuzz/replay_main.c
tests_fuzz_replay_cli_output_CFLAGS = $(FUZZ_REPLAY_CFLAGS)
tests_fuzz_replay_cli_output_LDADD = $(FUZZ_CLI_LDADD)

FUZZ_CHECK_SRCS = tests/fuzz/fuzz_check.h tests/fuzz/fuzz_check.c
tests_fuzz_replay_ident_SOURCES = tests/fuzz/fuzz_ident.c $(FUZZ_CHECK_SRCS) tests/fuzz/replay_main.c
tests_fuzz_replay_ident_CFLAGS = $(FUZZ_REPLAY_CFLAGS)
tests_fuzz_replay_ident_LDADD = $(FUZZ_PLUGIN_LDADD)

FUZZ_OCONFIG_SRCS = tests/fuzz/oconfig_text.h tests/fuzz/oconfig_text.c
tests_fuzz_replay_plugin_conf_SOURCES = tests/fuzz/fuzz_plugin_conf.c $(FUZZ_CHECK_SRCS) \
	$(FUZZ_OCONFIG_SRCS) tests/fuzz/replay_main.c
tests_fuzz_replay_plugin_conf_CFLAGS = $(FUZZ_REPLAY_CFLAGS)
tests_fuzz_replay_plugin_conf_LDADD = $(FUZZ_PLUGIN_LDADD)

# libFuzzer builds compile every source they need with clang in one go, so
# nothing built by the ordinary compiler (perhaps with gcc's sanitizers) mixes in.
FUZZ_CC = $(BPF_CLANG)
FUZZ_CFLAGS = -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined -Wall -Wextra
FUZZ_CPPFLAGS = $(DEFS) -I$(top_builddir) $(AM_CPPFLAGS) -I$(top_srcdir)/cli \
	-I$(top_srcdir)/plugin -I$(top_srcdir)/tests/fuzz $(LIBBPF_CFLAGS)
FUZZ_LIBS = $(LIBBPF_LIBS) $(LIBELF_LIBS) $(ZLIB_LIBS) -lm
FUZZ_CORE = $(srcdir)/core/tracer.c $(srcdir)/core/tracer_drain.c $(srcdir)/core/tracer_seed.c \
	$(srcdir)/core/tracer_closed.c $(srcdir)/core/tracer_log.c $(srcdir)/core/names.c \
	$(srcdir)/core/tracer_netns.c $(srcdir)/core/tracer_slots.c \
	$(srcdir)/core/flow_table.c $(srcdir)/core/flow_format.c $(srcdir)/core/listeners.c
FUZZ_CLI = $(srcdir)/cli/args.c $(srcdir)/cli/rows.c $(srcdir)/cli/utf8.c \
	$(srcdir)/cli/screen.c $(srcdir)/cli/json.c
FUZZ_PLUGIN = $(srcdir)/plugin/plugin_conf.c $(srcdir)/plugin/plugin_filter.c \
	$(srcdir)/plugin/plugin_ident.c $(srcdir)/plugin/plugin_units.c \
	$(srcdir)/plugin/plugin_names.c $(srcdir)/plugin/plugin_roles.c
FUZZ_BUILD = $(MKDIR_P) tests/fuzz && $(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_CPPFLAGS) -o $@

FUZZ_BINS = \
	tests/fuzz/libfuzzer_cli_args \
	tests/fuzz/libfuzzer_cli_output \
	tests/fuzz/libfuzzer_ident \
	tests/fuzz/libfuzzer_plugin_conf

tests/fuzz/libfuzzer_cli_args: $(srcdir)/tests/fuzz/fuzz_cli_args.c $(FUZZ_CLI) $(FUZZ_CORE) \
		bpf/tcptop.skel.h
	$(AM_V_GEN)$(FUZZ_BUILD) $(srcdir)/tests/fuzz/fuzz_cli_args.c $(FUZZ_CLI) $(FUZZ_CORE) $(FUZZ_LIBS)

tests/fuzz/libfuzzer_cli_output: $(srcdir)/tests/fuzz/fuzz_cli_output.c $(FUZZ_CLI) $(FUZZ_CORE) \
		bpf/tcptop.skel.h
	$(AM_V_GEN)$(FUZZ_BUILD) $(srcdir)/tests/fuzz/fuzz_cli_output.c $(FUZZ_CLI) $(FUZZ_CORE) \
		$(FUZZ_LIBS)

tests/fuzz/libfuzzer_ident: $(srcdir)/tests/fuzz/fuzz_ident.c $(srcdir)/tests/fuzz/fuzz_check.c \
		$(FUZZ_PLUGIN) $(FUZZ_CORE) bpf/tcptop.skel.h
	$(AM_V_GEN)$(FUZZ_BUILD) $(srcdir)/tests/fuzz/fuzz_ident.c $(srcdir)/tests/fuzz/fuzz_check.c \
		$(FUZZ_PLUGIN) $(FUZZ_CORE) $(FUZZ_LIBS)

tests/fuzz/libfuzzer_plugin_conf: $(srcdir)/tests/fuzz/fuzz_plugin_conf.c \
		$(srcdir)/tests/fuzz/fuzz_check.c $(srcdir)/tests/fuzz/oconfig_text.c $(FUZZ_PLUGIN) \
		$(FUZZ_CORE) bpf/tcptop.skel.h
	$(AM_V_GEN)$(FUZZ_BUILD) $(srcdir)/tests/fuzz/fuzz_plugin_conf.c \
		$(srcdir)/tests/fuzz/fuzz_check.c $(srcdir)/tests/fuzz/oconfig_text.c $(FUZZ_PLUGIN) \
		$(FUZZ_CORE) $(FUZZ_LIBS)

# The make check smoke test needs to know whether clang could build them: a
# missing libFuzzer runtime (Debian: libclang-rt-14-dev) must not break the build.
FUZZ_HARNESS_SRCS = $(srcdir)/tests/fuzz/fuzz_cli_args.c $(srcdir)/tests/fuzz/fuzz_cli_output.c \
	$(srcdir)/tests/fuzz/fuzz_ident.c $(srcdir)/tests/fuzz/fuzz_plugin_conf.c \
	$(srcdir)/tests/fuzz/fuzz_check.c $(srcdir)/tests/fuzz/fuzz_check.h \
	$(srcdir)/tests/fuzz/oconfig_text.c $(srcdir)/tests/fuzz/oconfig_text.h
tests/fuzz/libfuzzer.stamp: $(FUZZ_HARNESS_SRCS) $(FUZZ_CLI) $(FUZZ_PLUGIN) $(FUZZ_CORE) \
		bpf/tcptop.skel.h
	@$(MKDIR_P) tests/fuzz; \
	if $(MAKE) $(AM_MAKEFLAGS) fuzz-build > tests/fuzz/libfuzzer.log 2>&1; then \
		echo yes > $@; \
	else \
		echo "no: $(FUZZ_CC) cannot build libFuzzer harnesses; see tests/fuzz/libfuzzer.log" > $@; \
		echo "warning: libFuzzer harnesses not built (see tests/fuzz/libfuzzer.log)" >&2; \
	fi
check_SCRIPTS = tests/fuzz/libfuzzer.stamp

fuzz-build: $(FUZZ_BINS)

# make fuzz: each harness for FUZZ_SECONDS; fails on any crash.
FUZZ_SECONDS = 60
fuzz: fuzz-build
	FUZZ_SECONDS=$(FUZZ_SECONDS) $(SHELL) $(srcdir)/tests/fuzz/run.sh $(srcdir)/tests/fuzz \
		tests/fuzz $(FUZZ_HARNESSES)

.PHONY: fuzz fuzz-build

TESTS += tests/fuzz/smoke.sh
dist_check_SCRIPTS += tests/fuzz/smoke.sh tests/fuzz/run.sh
EXTRA_DIST += tests/fuzz/corpus tests/fuzz/make_seeds.py
CLEANFILES += $(FUZZ_BINS) tests/fuzz/libfuzzer.stamp tests/fuzz/libfuzzer.log \
	tests/fuzz/summary.txt

# ---- lifecycle ----------------------------------------------------------------
# Live: real BPF and real traffic; 77 without BPF unless TCPTOP_REQUIRE_BPF=1.
LIFECYCLE_UTIL = tests/lifecycle/lifecycle_util.c tests/lifecycle/lifecycle_util.h
check_PROGRAMS += tests/lifecycle/lifecycle_core
TESTS += tests/lifecycle/lifecycle_core
tests_lifecycle_lifecycle_core_SOURCES = tests/lifecycle/lifecycle_core.c $(LIFECYCLE_UTIL)
tests_lifecycle_lifecycle_core_LDADD = core/libtcptop.la tests/traffic/libtraffic.la

TESTS += tests/lifecycle/lifecycle_cli.sh
dist_check_SCRIPTS += tests/lifecycle/lifecycle_cli.sh tests/lifecycle/lifecycle_bpfobjs.py
TESTS += tests/lifecycle/lifecycle_collectd.sh
dist_check_SCRIPTS += tests/lifecycle/lifecycle_collectd.sh

# The real collectd glue and core, with the daemon's side stubbed (tests/unit/libcollectd_stubs.la).
check_PROGRAMS += tests/lifecycle/lifecycle_plugin
TESTS += tests/lifecycle/lifecycle_plugin
tests_lifecycle_lifecycle_plugin_SOURCES = tests/lifecycle/lifecycle_plugin.c $(LIFECYCLE_UTIL) plugin/tcptop_plugin.c
tests_lifecycle_lifecycle_plugin_CPPFLAGS = $(AM_CPPFLAGS) $(COLLECTD_CPPFLAGS) -I$(top_srcdir)/plugin \
	-I$(top_srcdir)/tests/lifecycle
tests_lifecycle_lifecycle_plugin_LDADD = plugin/libtcptop_plugin.la core/libtcptop.la tests/traffic/libtraffic.la \
	tests/unit/libcollectd_stubs.la

# ---- hostile processes --------------------------------------------------------
check_PROGRAMS += tests/live/hostile_traffic
tests_live_hostile_traffic_SOURCES = tests/live/hostile_traffic.c
tests_live_hostile_traffic_LDADD = tests/traffic/libtraffic.la
TESTS += tests/live/hostile_comm.sh
dist_check_SCRIPTS += tests/live/hostile_comm.sh tests/live/hostile_check.py

# ---- unprivileged -------------------------------------------------------------
TESTS += tests/live/unpriv_cli.sh tests/collectd/unpriv_plugin.sh tests/live/capbpf_cli.sh
dist_check_SCRIPTS += tests/live/unpriv_cli.sh tests/collectd/unpriv_plugin.sh tests/live/capbpf_cli.sh

# ---- valgrind -----------------------------------------------------------------
TESTS += tests/unit/valgrind_unit.sh tests/live/valgrind_live.sh
dist_check_SCRIPTS += tests/unit/valgrind_unit.sh tests/live/valgrind_live.sh
EXTRA_DIST += tests/unit/valgrind.supp

# ---- sanitizers ---------------------------------------------------------------
# A sanitized tcptop.so needs the ASan runtime loaded first, and Debian's
# collectd is not instrumented: every test that starts collectd goes through
# tests/collectd/sanitizer_collectd.sh, which preloads it.
if SANITIZERS
AM_TESTS_ENVIRONMENT += \
	TCPTOP_REAL_COLLECTD='$(COLLECTD)'; export TCPTOP_REAL_COLLECTD; \
	TCPTOP_ASAN_RUNTIME=`$(CC) -print-file-name=libasan.so`; \
	case $$TCPTOP_ASAN_RUNTIME in /*) ;; \
	*) TCPTOP_ASAN_RUNTIME=`$(CC) -print-file-name=libclang_rt.asan-$(host_cpu).so`;; esac; \
	export TCPTOP_ASAN_RUNTIME; \
	COLLECTD='$(abs_top_srcdir)/tests/collectd/sanitizer_collectd.sh'; export COLLECTD;
endif
# From an ordinary build, a nested --enable-sanitizers build runs the unit,
# lifecycle and hostile tests (tests/sanitizer-build).
TESTS += tests/lifecycle/sanitizer_build.sh
dist_check_SCRIPTS += tests/lifecycle/sanitizer_build.sh tests/collectd/sanitizer_collectd.sh
clean-local: clean-local-sanitizer-build
clean-local-sanitizer-build:
	rm -rf tests/sanitizer-build tests/fuzz/work tests/fuzz/artifacts tests/fuzz/smoke-artifacts \
		tests/fuzz/fuzz-*.log
.PHONY: clean-local-sanitizer-build

# ---- long runs ----------------------------------------------------------------
# make check-long: fuzzing for FUZZ_SECONDS per harness, LONG_LIFECYCLE_CYCLES
# lifecycle rounds, and valgrind over every unit test case.  Other areas add
# their own prerequisites to check-long.
LONG_LIFECYCLE_CYCLES = 1000
check-long: check-long-robust
check-long-robust: fuzz
	$(MAKE) $(AM_MAKEFLAGS) $(check_LTLIBRARIES) $(check_PROGRAMS)
	LIFECYCLE_CYCLES=$(LONG_LIFECYCLE_CYCLES) VALGRIND_FULL=1 $(MAKE) $(AM_MAKEFLAGS) \
		check-TESTS TESTS='tests/lifecycle/lifecycle_core tests/lifecycle/lifecycle_plugin tests/unit/valgrind_unit.sh'
.PHONY: check-long check-long-robust

# Two CLIs and the plugin at once, each exact.
TESTS += tests/lifecycle/lifecycle_concurrent.sh
dist_check_SCRIPTS += tests/lifecycle/lifecycle_concurrent.sh tests/lifecycle/lifecycle_json.py
