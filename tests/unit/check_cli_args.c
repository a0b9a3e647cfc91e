// SPDX-License-Identifier: GPL-2.0
/* Unit tests: tcptop's argument parsing, every option and every bad value. */
#include <check.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "args.h"

#define MAXARGS 16

static struct tcptop_args a;
static char err[TCPTOP_ARGS_ERRLEN];
/* getopt permutes argv and cgroup points into it, so keep writable copies alive. */
static char *argv_store[MAXARGS + 1];

static void free_argv(void)
{
	int i;

	for (i = 0; i < MAXARGS && argv_store[i]; i++) {
		free(argv_store[i]);
		argv_store[i] = NULL;
	}
}

/* parse("-p", "181", NULL): argv[0] is added. */
static int parse(const char *first, ...)
{
	const char *s;
	va_list ap;
	int argc = 0;

	free_argv();
	memset(&a, 0xa5, sizeof(a));
	argv_store[argc++] = strdup("tcptop");
	va_start(ap, first);
	for (s = first; s; s = va_arg(ap, const char *)) {
		ck_assert_int_lt(argc, MAXARGS);
		argv_store[argc++] = strdup(s);
	}
	va_end(ap);
	argv_store[argc] = NULL;
	return tcptop_args_parse(argc, argv_store, &a, err, sizeof(err));
}

static void assert_ok(int rc)
{
	ck_assert_msg(rc == 0, "parse failed: %s", err);
}

/* Fails with a one-line reason containing want. */
static void assert_bad(int rc, const char *want)
{
	ck_assert_int_eq(rc, -22);
	ck_assert_msg(strstr(err, want), "reason '%s' lacks '%s'", err, want);
	ck_assert_ptr_null(strchr(err, '\n'));
}

/* ---- defaults and the original interface ------------------------------- */

START_TEST(test_defaults)
{
	assert_ok(parse(NULL));
	ck_assert(!a.help && !a.version && !a.noclear && !a.nosummary && !a.json);
	ck_assert_int_eq(a.verbose, 0);
	ck_assert_uint_eq(a.pid, 0);
	ck_assert_int_eq(a.family, 0);
	ck_assert_ptr_null(a.cgroup);
	ck_assert_int_eq(a.sort, TCPTOP_SORT_ALL);
	ck_assert_int_eq(a.rows, TCPTOP_ROWS_AUTO);
	ck_assert_int_eq(a.mode, TCPTOP_MODE_AUTO);
	ck_assert_uint_eq(a.map_size, 0);
	ck_assert_uint_eq(a.interval, 1);
	ck_assert_uint_eq(a.count, 0);
}
END_TEST

START_TEST(test_help_version)
{
	assert_ok(parse("-h", NULL));
	ck_assert(a.help);
	assert_ok(parse("--help", NULL));
	ck_assert(a.help);
	/* Help wins over whatever follows, as in the original. */
	assert_ok(parse("-h", "-p", "abc", NULL));
	ck_assert(a.help);
	assert_ok(parse("-V", NULL));
	ck_assert(a.version);
	assert_ok(parse("--version", NULL));
	ck_assert(a.version);
	ck_assert_ptr_nonnull(strstr(tcptop_args_usage, "[-h] "));
	ck_assert_ptr_nonnull(strstr(tcptop_args_usage, "[interval] [count]"));
	ck_assert_ptr_nonnull(strstr(tcptop_args_help, "--noclear"));
	ck_assert_ptr_nonnull(strstr(tcptop_args_help, "--map-size"));
}
END_TEST

START_TEST(test_flags)
{
	assert_ok(parse("-C", "-S", "-j", NULL));
	ck_assert(a.noclear && a.nosummary && a.json);
	assert_ok(parse("--noclear", "--nosummary", "--json", NULL));
	ck_assert(a.noclear && a.nosummary && a.json);
	assert_ok(parse("-v", NULL));
	ck_assert_int_eq(a.verbose, 1);
	assert_ok(parse("-vv", "--verbose", NULL));
	ck_assert_int_eq(a.verbose, 3);
}
END_TEST

START_TEST(test_pid)
{
	assert_ok(parse("-p", "181", NULL));
	ck_assert_uint_eq(a.pid, 181);
	assert_ok(parse("-p181", NULL));
	ck_assert_uint_eq(a.pid, 181);
	assert_ok(parse("--pid", "182", NULL));
	ck_assert_uint_eq(a.pid, 182);
	assert_ok(parse("--pid=183", NULL));
	ck_assert_uint_eq(a.pid, 183);
	/* The plugin's PID option takes the same range (TCPTOP_PID_MAX). */
	assert_ok(parse("-p", "4194304", NULL));
	ck_assert_uint_eq(a.pid, TCPTOP_PID_MAX);
	/* The man page's example: bundled flags with the PID last. */
	assert_ok(parse("-Cp", "181", NULL));
	ck_assert(a.noclear);
	ck_assert_uint_eq(a.pid, 181);
}
END_TEST

START_TEST(test_pid_bad)
{
	assert_bad(parse("-p", "abc", NULL), "invalid PID 'abc'");
	assert_bad(parse("-p", "0", NULL), "invalid PID '0'");
	assert_bad(parse("-p", "-5", NULL), "invalid PID '-5'");
	assert_bad(parse("-p", "+5", NULL), "invalid PID '+5'");
	assert_bad(parse("-p", " 5", NULL), "invalid PID");
	assert_bad(parse("-p", "5 ", NULL), "invalid PID");
	assert_bad(parse("-p", "12x", NULL), "invalid PID '12x'");
	assert_bad(parse("-p", "4194305", NULL), "PID");
	assert_bad(parse("-p", "0x10", NULL), "invalid PID '0x10'");
	assert_bad(parse("-p", "", NULL), "invalid PID ''");
	assert_bad(parse("-p", "2147483648", NULL), "too large");
	assert_bad(parse("-p", "99999999999999999999999", NULL), "too large");
	assert_bad(parse("-p", NULL), "-p/--pid needs a value");
	assert_bad(parse("--pid", NULL), "-p/--pid needs a value");
	/* The reason quotes the value, but stays one line and drives no terminal. */
	assert_bad(parse("-p", "1\n2", NULL), "invalid PID '1?2'");
	assert_bad(parse("--map-size", "\033[2J", NULL), "invalid map size '?[2J'");
}
END_TEST

START_TEST(test_family)
{
	assert_ok(parse("-4", NULL));
	ck_assert_int_eq(a.family, AF_INET);
	assert_ok(parse("--ipv4", NULL));
	ck_assert_int_eq(a.family, AF_INET);
	assert_ok(parse("-6", NULL));
	ck_assert_int_eq(a.family, AF_INET6);
	assert_ok(parse("--ipv6", NULL));
	ck_assert_int_eq(a.family, AF_INET6);
	assert_ok(parse("-4", "-4", NULL));
	ck_assert_int_eq(a.family, AF_INET);
	assert_bad(parse("-4", "-6", NULL), "exclude each other");
	assert_bad(parse("-6", "--ipv4", NULL), "exclude each other");
	assert_bad(parse("-46", NULL), "exclude each other");
}
END_TEST

START_TEST(test_cgroup)
{
	assert_ok(parse("-c", "/sys/fs/cgroup/system.slice", NULL));
	ck_assert_str_eq(a.cgroup, "/sys/fs/cgroup/system.slice");
	assert_ok(parse("--cgroup=/sys/fs/cgroup", NULL));
	ck_assert_str_eq(a.cgroup, "/sys/fs/cgroup");
	assert_bad(parse("-c", "", NULL), "invalid cgroup path");
	assert_bad(parse("-c", NULL), "-c/--cgroup needs a value");
}
END_TEST

START_TEST(test_sort)
{
	assert_ok(parse("-s", "all", NULL));
	ck_assert_int_eq(a.sort, TCPTOP_SORT_ALL);
	assert_ok(parse("-s", "sent", NULL));
	ck_assert_int_eq(a.sort, TCPTOP_SORT_SENT);
	assert_ok(parse("--sort", "received", NULL));
	ck_assert_int_eq(a.sort, TCPTOP_SORT_RECEIVED);
	assert_ok(parse("--sort=sent", NULL));
	ck_assert_int_eq(a.sort, TCPTOP_SORT_SENT);
	assert_bad(parse("-s", "foo", NULL), "invalid sort key 'foo'");
	assert_bad(parse("-s", "SENT", NULL), "invalid sort key");
	assert_bad(parse("-s", "", NULL), "invalid sort key");
	assert_bad(parse("-s", NULL), "needs a value");
}
END_TEST

START_TEST(test_rows)
{
	assert_ok(parse("-r", "20", NULL));
	ck_assert_int_eq(a.rows, 20);
	assert_ok(parse("--rows", "1", NULL));
	ck_assert_int_eq(a.rows, 1);
	assert_ok(parse("--rows=0", NULL));
	ck_assert_int_eq(a.rows, 0);
	assert_ok(parse("-r", "1000000000", NULL));
	ck_assert_int_eq(a.rows, 1000000000);
	assert_bad(parse("-r", "-1", NULL), "invalid row count '-1'");
	assert_bad(parse("-r", "ten", NULL), "invalid row count");
	assert_bad(parse("-r", "1000000001", NULL), "too large");
	assert_bad(parse("-r", NULL), "-r/--rows needs a value");
}
END_TEST

START_TEST(test_probe)
{
	assert_ok(parse("-P", "auto", NULL));
	ck_assert_int_eq(a.mode, TCPTOP_MODE_AUTO);
	assert_ok(parse("-P", "tracepoint", NULL));
	ck_assert_int_eq(a.mode, TCPTOP_MODE_TRACEPOINT);
	assert_ok(parse("--probe", "fentry", NULL));
	ck_assert_int_eq(a.mode, TCPTOP_MODE_FENTRY);
	assert_ok(parse("--probe=kprobe", NULL));
	ck_assert_int_eq(a.mode, TCPTOP_MODE_KPROBE);
	assert_bad(parse("-P", "uprobe", NULL), "invalid attach mode 'uprobe'");
	assert_bad(parse("-P", "", NULL), "invalid attach mode");
	assert_bad(parse("-P", NULL), "-P/--probe needs a value");
}
END_TEST

START_TEST(test_map_size)
{
	assert_ok(parse("--map-size", "1", NULL));
	ck_assert_uint_eq(a.map_size, 1);
	assert_ok(parse("--map-size=1000000", NULL));
	ck_assert_uint_eq(a.map_size, TCPTOP_MAX_FLOWS_LIMIT);
	assert_bad(parse("--map-size", "0", NULL), "invalid map size '0'");
	/* One iterator read() walks at most a million objects (tcptop_core.h). */
	assert_bad(parse("--map-size", "1000001", NULL), "too large");
	assert_bad(parse("--map-size", "1k", NULL), "invalid map size '1k'");
	assert_bad(parse("--map-size", NULL), "--map-size needs a value");
}
END_TEST

/* ---- positional arguments ----------------------------------------------- */

START_TEST(test_interval_count)
{
	assert_ok(parse("5", NULL));
	ck_assert_uint_eq(a.interval, 5);
	ck_assert_uint_eq(a.count, 0);
	assert_ok(parse("5", "3", NULL));
	ck_assert_uint_eq(a.interval, 5);
	ck_assert_uint_eq(a.count, 3);
	/* Options may come after the positionals, as argparse allows. */
	assert_ok(parse("2", "-C", "7", "-p", "9", NULL));
	ck_assert(a.noclear);
	ck_assert_uint_eq(a.interval, 2);
	ck_assert_uint_eq(a.count, 7);
	ck_assert_uint_eq(a.pid, 9);
	assert_ok(parse("-C", "--", "3", NULL));
	ck_assert_uint_eq(a.interval, 3);
	assert_ok(parse("86400000", "18446744073709551615", NULL));
	ck_assert_uint_eq(a.interval, TCPTOP_ARGS_MAX_INTERVAL);
	ck_assert_uint_eq(a.count, UINT64_MAX);
}
END_TEST

START_TEST(test_interval_count_bad)
{
	assert_bad(parse("0", NULL), "invalid interval '0'");
	assert_bad(parse("-1", NULL), "unknown option '-1'");
	assert_bad(parse("--", "-1", NULL), "invalid interval '-1'");
	assert_bad(parse("1.5", NULL), "invalid interval '1.5'");
	assert_bad(parse("1x", NULL), "invalid interval '1x'");
	assert_bad(parse("x", NULL), "invalid interval 'x'");
	assert_bad(parse("", NULL), "invalid interval ''");
	assert_bad(parse("86400001", NULL), "too large");
	assert_bad(parse("99999999999999999999999", NULL), "too large");
	assert_bad(parse("1", "0", NULL), "invalid count '0'");
	assert_bad(parse("1", "-", NULL), "invalid count '-'");
	assert_bad(parse("1", "3abc", NULL), "invalid count '3abc'");
	assert_bad(parse("1", "18446744073709551616", NULL), "too large");
	assert_bad(parse("1", "2", "3", NULL), "unexpected argument '3'");
}
END_TEST

/* ---- unknown options ------------------------------------------------------ */

START_TEST(test_unknown)
{
	assert_bad(parse("-x", NULL), "unknown option '-x'");
	assert_bad(parse("-Cx", NULL), "unknown option '-x'");
	assert_bad(parse("--bogus", NULL), "'--bogus'");
	assert_bad(parse("--no", NULL), "'--no'");		/* ambiguous: noclear, nosummary */
	assert_bad(parse("--noclear=1", NULL), "'--noclear' takes no value");
	assert_bad(parse("-:", NULL), "unknown option '-:'");
}
END_TEST

/* The parser keeps no state between calls, so one bad call cannot leak into the next. */
START_TEST(test_reparse)
{
	assert_bad(parse("-p", "abc", NULL), "invalid PID");
	assert_ok(parse("-C", NULL));
	ck_assert(a.noclear);
	ck_assert_uint_eq(a.pid, 0);
	assert_bad(parse("-Cx", NULL), "unknown option");
	assert_ok(parse("-S", NULL));
	ck_assert(a.nosummary && !a.noclear);
}
END_TEST

static Suite *args_suite(void)
{
	Suite *s = suite_create("cli_args");
	TCase *tc;

	tc = tcase_create("original");
	tcase_add_checked_fixture(tc, NULL, free_argv);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_help_version);
	tcase_add_test(tc, test_flags);
	tcase_add_test(tc, test_pid);
	tcase_add_test(tc, test_pid_bad);
	tcase_add_test(tc, test_interval_count);
	tcase_add_test(tc, test_interval_count_bad);
	suite_add_tcase(s, tc);

	tc = tcase_create("additions");
	tcase_add_checked_fixture(tc, NULL, free_argv);
	tcase_add_test(tc, test_family);
	tcase_add_test(tc, test_cgroup);
	tcase_add_test(tc, test_sort);
	tcase_add_test(tc, test_rows);
	tcase_add_test(tc, test_probe);
	tcase_add_test(tc, test_map_size);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, NULL, free_argv);
	tcase_add_test(tc, test_unknown);
	tcase_add_test(tc, test_reparse);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(args_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
