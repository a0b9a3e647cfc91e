# The tcptop command.  Everything but main.c is a convenience library so the
# unit tests link the very code the program runs.
noinst_LTLIBRARIES += cli/libtcptop_cli.la
cli_libtcptop_cli_la_SOURCES = \
	cli/args.h cli/args.c \
	cli/rows.h cli/rows.c \
	cli/utf8.h cli/utf8.c \
	cli/screen.h cli/screen.c \
	cli/json.h cli/json.c

bin_PROGRAMS += cli/tcptop
cli_tcptop_SOURCES = cli/main.c
cli_tcptop_LDADD = cli/libtcptop_cli.la core/libtcptop.la

dist_man_MANS += cli/tcptop.8
