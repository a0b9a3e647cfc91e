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
