# The collectd plugin.  Its logic is a convenience library, so the unit tests
# link the very code the plugin runs; tcptop_plugin.c is the collectd glue.
noinst_LTLIBRARIES += plugin/libtcptop_plugin.la
plugin_libtcptop_plugin_la_SOURCES = \
	plugin/plugin_conf.h plugin/plugin_conf.c \
	plugin/plugin_filter.h plugin/plugin_filter.c \
	plugin/plugin_ident.h plugin/plugin_ident.c \
	plugin/plugin_names.h plugin/plugin_names.c \
	plugin/plugin_roles.h plugin/plugin_roles.c \
	plugin/plugin_units.h plugin/plugin_units.c
plugin_libtcptop_plugin_la_LIBADD = -lm

collectdplugin_LTLIBRARIES += plugin/tcptop.la
plugin_tcptop_la_SOURCES = plugin/tcptop_plugin.c
plugin_tcptop_la_CPPFLAGS = $(AM_CPPFLAGS) $(COLLECTD_CPPFLAGS)
plugin_tcptop_la_LIBADD = plugin/libtcptop_plugin.la core/libtcptop.la
# The daemon exports plugin_*, sstrncpy and friends, so no -Wl,-z,defs here.
plugin_tcptop_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -shared \
	-export-symbols-regex '^module_register$$'
