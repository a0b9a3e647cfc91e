# tests/core.mk: core tests
#
# The traffic generator: a library the live tests call directly, and
# tcptop-traffic, the same scenarios from the command line.
check_LTLIBRARIES += tests/libtraffic.la
tests_libtraffic_la_SOURCES = \
	tests/traffic.h \
	tests/traffic_internal.h \
	tests/traffic.c \
	tests/traffic_io.c \
	tests/traffic_flow.c \
	tests/traffic_poll.c
tests_libtraffic_la_LIBADD = -lpthread

check_PROGRAMS += tests/tcptop-traffic
tests_tcptop_traffic_SOURCES = tests/tcptop-traffic.c
tests_tcptop_traffic_LDADD = tests/libtraffic.la

# Unit suites of the core's table and formatting code.
if HAVE_CHECK
CORE_CHECK_TESTS = tests/check_flow_table tests/check_flow_format
check_PROGRAMS += $(CORE_CHECK_TESTS)
TESTS += $(CORE_CHECK_TESTS)

tests_check_flow_table_SOURCES = tests/check_flow_table.c
tests_check_flow_table_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_flow_table_LDADD = core/libtcptop.la $(CHECK_LIBS)

tests_check_flow_format_SOURCES = tests/check_flow_format.c
tests_check_flow_format_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_check_flow_format_LDADD = core/libtcptop.la $(CHECK_LIBS)
endif
