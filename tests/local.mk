# Tests: one fragment per area.  Live tests skip (77) without BPF unless
# TCPTOP_REQUIRE_BPF=1, which .ci/run sets, makes them fail instead.
TEST_EXTENSIONS = .sh
SH_LOG_COMPILER = $(SHELL)
AM_TESTS_ENVIRONMENT = \
	top_srcdir='$(abs_top_srcdir)'; export top_srcdir; \
	top_builddir='$(abs_top_builddir)'; export top_builddir; \
	COLLECTD='$(COLLECTD)'; export COLLECTD;

include $(srcdir)/tests/core.mk
include $(srcdir)/tests/cli.mk
include $(srcdir)/tests/plugin.mk
include $(srcdir)/tests/bench.mk
include $(srcdir)/tests/vm.mk
include $(srcdir)/tests/robust.mk
include $(srcdir)/tests/deb.mk
include $(srcdir)/tests/fleet.mk
