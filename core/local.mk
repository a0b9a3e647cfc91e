# The core library: both front ends link it; it never prints and never includes collectd.
noinst_LTLIBRARIES += core/libtcptop.la
core_libtcptop_la_SOURCES = \
	core/tcptop_core.h \
	core/tracer_internal.h \
	core/tracer.c \
	core/tracer_log.c \
	core/names.c \
	core/tracer_drain.c \
	core/tracer_netns.c \
	core/tracer_slots.c \
	core/tracer_seed.c \
	core/tracer_closed.c \
	core/flow_table.c \
	core/listeners.c \
	core/flow_format.c
nodist_core_libtcptop_la_SOURCES = bpf/tcptop.skel.h
core_libtcptop_la_CFLAGS = $(AM_CFLAGS) $(LIBBPF_CFLAGS) $(LIBELF_CFLAGS) $(ZLIB_CFLAGS)
core_libtcptop_la_LIBADD = $(LIBBPF_LIBS) $(LIBELF_LIBS) $(ZLIB_LIBS) -lpthread
# BUILT_SOURCES only covers 'make all'; partial builds need the edge too.
core/libtcptop_la-tracer.lo core/libtcptop_la-tracer_drain.lo \
	core/libtcptop_la-tracer_netns.lo core/libtcptop_la-tracer_slots.lo \
	core/libtcptop_la-tracer_seed.lo core/libtcptop_la-tracer_closed.lo: bpf/tcptop.skel.h
