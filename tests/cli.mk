# tests/cli.mk: the tcptop command.  Unit suites link the CLI's own modules
# (cli/libtcptop_cli.la) and build tables with the core's table code.
if HAVE_CHECK
CLI_CHECK_TESTS = \
	tests/unit/check_cli_args \
	tests/unit/check_cli_rows \
	tests/unit/check_cli_screen \
	tests/unit/check_cli_json
check_PROGRAMS += $(CLI_CHECK_TESTS)
TESTS += $(CLI_CHECK_TESTS)

CLI_CHECK_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) -I$(top_srcdir)/cli
CLI_CHECK_LDADD = cli/libtcptop_cli.la core/libtcptop.la $(CHECK_LIBS)
CLI_CHECK_FIXTURE = tests/unit/check_cli_fixture.h tests/unit/check_cli_fixture.c

tests_unit_check_cli_args_SOURCES = tests/unit/check_cli_args.c
tests_unit_check_cli_args_CFLAGS = $(CLI_CHECK_CFLAGS)
tests_unit_check_cli_args_LDADD = $(CLI_CHECK_LDADD)

tests_unit_check_cli_rows_SOURCES = tests/unit/check_cli_rows.c $(CLI_CHECK_FIXTURE)
tests_unit_check_cli_rows_CFLAGS = $(CLI_CHECK_CFLAGS)
tests_unit_check_cli_rows_LDADD = $(CLI_CHECK_LDADD)

tests_unit_check_cli_screen_SOURCES = tests/unit/check_cli_screen.c $(CLI_CHECK_FIXTURE)
tests_unit_check_cli_screen_CFLAGS = $(CLI_CHECK_CFLAGS)
tests_unit_check_cli_screen_LDADD = $(CLI_CHECK_LDADD)

tests_unit_check_cli_json_SOURCES = tests/unit/check_cli_json.c $(CLI_CHECK_FIXTURE)
tests_unit_check_cli_json_CFLAGS = $(CLI_CHECK_CFLAGS)
tests_unit_check_cli_json_LDADD = $(CLI_CHECK_LDADD)
endif

# End to end: installs with DESTDIR and runs the installed tcptop against
# tests/traffic/tcptop-traffic (live parts skip without BPF unless TCPTOP_REQUIRE_BPF=1).
TESTS += tests/live/cli_e2e.sh
EXTRA_DIST += tests/live/cli_e2e.sh tests/live/cli_e2e_check.py
