# tests/plugin.mk: the collectd plugin.  Unit suites link the plugin's own
# modules (plugin/libtcptop_plugin.la); the glue suite also compiles the
# collectd glue against stubs of the daemon (tests/unit/libcollectd_stubs.la) and a
# fake tracer, so none of them needs collectd or BPF.
if HAVE_CHECK
PLUGIN_CHECK_TESTS = \
	tests/unit/check_plugin_ident \
	tests/unit/check_plugin_filter \
	tests/unit/check_plugin_conf \
	tests/unit/check_plugin_units \
	tests/unit/check_plugin_names \
	tests/unit/check_plugin_roles \
	tests/unit/check_listeners \
	tests/unit/check_plugin_glue
check_PROGRAMS += $(PLUGIN_CHECK_TESTS)
TESTS += $(PLUGIN_CHECK_TESTS)

PLUGIN_CHECK_CPPFLAGS = $(AM_CPPFLAGS) $(COLLECTD_CPPFLAGS) -I$(top_srcdir)/plugin
PLUGIN_CHECK_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
PLUGIN_CHECK_LDADD = plugin/libtcptop_plugin.la core/libtcptop.la $(CHECK_LIBS)

tests_unit_check_plugin_ident_SOURCES = tests/unit/check_plugin_ident.c
tests_unit_check_plugin_ident_CPPFLAGS = $(PLUGIN_CHECK_CPPFLAGS)
tests_unit_check_plugin_ident_CFLAGS = $(PLUGIN_CHECK_CFLAGS)
tests_unit_check_plugin_ident_LDADD = $(PLUGIN_CHECK_LDADD)

tests_unit_check_plugin_filter_SOURCES = tests/unit/check_plugin_filter.c
tests_unit_check_plugin_filter_CPPFLAGS = $(PLUGIN_CHECK_CPPFLAGS)
tests_unit_check_plugin_filter_CFLAGS = $(PLUGIN_CHECK_CFLAGS)
tests_unit_check_plugin_filter_LDADD = $(PLUGIN_CHECK_LDADD)

tests_unit_check_plugin_conf_SOURCES = tests/unit/check_plugin_conf.c
tests_unit_check_plugin_conf_CPPFLAGS = $(PLUGIN_CHECK_CPPFLAGS)
tests_unit_check_plugin_conf_CFLAGS = $(PLUGIN_CHECK_CFLAGS)
tests_unit_check_plugin_conf_LDADD = $(PLUGIN_CHECK_LDADD)

tests_unit_check_plugin_units_SOURCES = tests/unit/check_plugin_units.c
tests_unit_check_plugin_units_CPPFLAGS = $(PLUGIN_CHECK_CPPFLAGS)
tests_unit_check_plugin_units_CFLAGS = $(PLUGIN_CHECK_CFLAGS)
tests_unit_check_plugin_units_LDADD = $(PLUGIN_CHECK_LDADD)

tests_unit_check_plugin_names_SOURCES = tests/unit/check_plugin_names.c
tests_unit_check_plugin_names_CPPFLAGS = $(PLUGIN_CHECK_CPPFLAGS)
tests_unit_check_plugin_names_CFLAGS = $(PLUGIN_CHECK_CFLAGS)
tests_unit_check_plugin_names_LDADD = $(PLUGIN_CHECK_LDADD)

tests_unit_check_plugin_roles_SOURCES = tests/unit/check_plugin_roles.c
tests_unit_check_plugin_roles_CPPFLAGS = $(PLUGIN_CHECK_CPPFLAGS)
tests_unit_check_plugin_roles_CFLAGS = $(PLUGIN_CHECK_CFLAGS)
tests_unit_check_plugin_roles_LDADD = $(PLUGIN_CHECK_LDADD)

# core/listeners.c, which only the plugin uses so far.
tests_unit_check_listeners_SOURCES = tests/unit/check_listeners.c
tests_unit_check_listeners_CPPFLAGS = $(PLUGIN_CHECK_CPPFLAGS)
tests_unit_check_listeners_CFLAGS = $(PLUGIN_CHECK_CFLAGS)
tests_unit_check_listeners_LDADD = $(PLUGIN_CHECK_LDADD)

# The table and formatting code come as sources: the core library would also
# bring the real tracer, which the suite replaces with a fake.
tests_unit_check_plugin_glue_SOURCES = \
	tests/unit/check_plugin_glue.c \
	plugin/tcptop_plugin.c \
	core/flow_table.c core/flow_format.c core/names.c core/listeners.c
tests_unit_check_plugin_glue_CPPFLAGS = $(PLUGIN_CHECK_CPPFLAGS)
tests_unit_check_plugin_glue_CFLAGS = $(PLUGIN_CHECK_CFLAGS)
tests_unit_check_plugin_glue_LDADD = plugin/libtcptop_plugin.la tests/unit/libcollectd_stubs.la $(CHECK_LIBS)
endif

# The daemon's side of the plugin interface, stubbed, for the glue and
# lifecycle tests and for the benchmarks that dlopen tcptop.so.
check_LTLIBRARIES += tests/unit/libcollectd_stubs.la
tests_unit_libcollectd_stubs_la_SOURCES = tests/unit/collectd_stubs.h tests/unit/collectd_stubs.c
tests_unit_libcollectd_stubs_la_CPPFLAGS = $(AM_CPPFLAGS) $(COLLECTD_CPPFLAGS)

# The real daemon: collectd -f loading tcptop.so with csv and unixsock, real
# traffic from tcptop-traffic, exact per-socket totals, bad options, and no BPF
# object left behind.  Skips (77) without BPF unless TCPTOP_REQUIRE_BPF=1.
TESTS += tests/collectd/plugin_collectd.sh
# Aggregates through the real daemon: the default's bounded series, exact
# totals per process name, listening port, cgroup and network namespace
# (traffic in a namespace and a cgroup of the test's own), the
# NetworkNamespace filter, and every aggregate adding up to the host total.
TESTS += tests/collectd/plugin_aggregates.sh
# The fleet path: write_graphite -> carbon-cache and network -> InfluxDB,
# real servers on loopback, exact totals in what they store.
TESTS += tests/collectd/plugin_fleet.sh
# write_prometheus on loopback, scraped every 0.2 s: our metric names and
# labels (no BPF needed), then exact totals of real traffic in the scrapes.
TESTS += tests/collectd/plugin_prometheus.sh
EXTRA_DIST += tests/collectd/plugin_lib.sh tests/collectd/plugin_collectd.sh tests/collectd/plugin_fleet.sh \
	tests/collectd/plugin_aggregates.sh tests/collectd/plugin_prometheus.sh tests/collectd/plugin_collectd_check.py
# Every collectd plugin the tree loads (LoadPlugin in tools/, tests/, bench/,
# conf/) is listed in tools/collectd-plugins and resolves every library with
# ldd, so tools/setup gave this machine all it needs.  No root, no BPF.
TESTS += tests/collectd/plugin_deps.sh
EXTRA_DIST += tests/collectd/plugin_deps.sh tools/collectd-plugins tools/check-collectd-plugins
