// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests: the text screen.  Layout as in the original tool's example
 * (/work/shared/reference/tcptop_example.txt): summary line, then an IPv4 and
 * an IPv6 section, each only when it has rows; KB rounded down.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_cli_fixture.h"
#include "rows.h"
#include "screen.h"

#define H4 "PID     COMM            LADDR                 RADDR                  RX_KB  TX_KB\n"
#define H6 "PID     COMM            LADDR6                           RADDR6                            RX_KB  TX_KB\n"
#define LOADAVG "1.86 2.67 2.91 3/362 16681\n"
#define SUMMARY "19:46:24 loadavg: 1.86 2.67 2.91 3/362 16681\n"

static struct tcptop_table *t;
static struct tcptop_rows r;
static struct tcptop_screen scr;
static struct fixture_out out;

static void setup(void)
{
	t = fixture_table();
	memset(&scr, 0, sizeof(scr));
	scr.clock = "19:46:24";
	scr.loadavg = LOADAVG;
}

static void teardown(void)
{
	free(out.buf);
	out.buf = NULL;
	tcptop_rows_free(&r);
	tcptop_table_free(t);
}

/* Collects rows (sort "all" unless set) and renders them with scr. */
static const char *render_sorted(enum tcptop_sort sort)
{
	ck_assert_int_eq(tcptop_rows_collect(&r, t, sort), 0);
	scr.rows = r.v;
	if (!scr.nrows || scr.nrows > r.n)
		scr.nrows = r.n;
	free(out.buf);
	ck_assert_int_eq(tcptop_screen_print(fixture_out_open(&out), &scr), 0);
	return fixture_out_close(&out);
}

static const char *render(void)
{
	return render_sorted(TCPTOP_SORT_ALL);
}

/* ---- layout ------------------------------------------------------------- */

START_TEST(test_v4_only)
{
	fixture_add(t, 1, "100.66.3.172", 22, "100.127.69.165", 6684, 16647, "sshd", 0,
		    2149 * 1024 + 1023);
	fixture_add(t, 2, "100.66.3.172", 22, "100.127.69.165", 25219, 14374, "sshd", 1023, 1);
	ck_assert_str_eq(render(),
			 "\n" SUMMARY "\n" H4
			 "16647   sshd            100.66.3.172:22       100.127.69.165:6684        0   2149\n"
			 "14374   sshd            100.66.3.172:22       100.127.69.165:25219       0      0\n");
}
END_TEST

START_TEST(test_v6_only)
{
	fixture_add(t, 1, "fe80::8a3:9dff:fed5:6b19", 22, "fe80::8a3:9dff:fed5:6b19", 16606, 16681,
		    "sshd", 1024, 2047);
	ck_assert_str_eq(render(),
			 "\n" SUMMARY "\n" H6
			 "16681   sshd            fe80::8a3:9dff:fed5:6b19:22      fe80::8a3:9dff:fed5:6b19:16606        1      1\n");
}
END_TEST

/* IPv4 first, then IPv6, each after a blank line, whatever the sort order says. */
START_TEST(test_both_sections)
{
	fixture_add(t, 1, "::1", 8080, "::1", 40000, 20, "big6", 10 << 20, 0);
	fixture_add(t, 2, "127.0.0.1", 5432, "127.0.0.1", 50000, 30, "pg", 4096, 2048);
	fixture_add(t, 3, "::1", 40000, "::1", 8080, 21, "small6", 0, 1024);
	ck_assert_str_eq(render(),
			 "\n" SUMMARY "\n" H4
			 "30      pg              127.0.0.1:5432        127.0.0.1:50000            4      2\n"
			 "\n" H6
			 "20      big6            ::1:8080                         ::1:40000                         10240      0\n"
			 "21      small6          ::1:40000                        ::1:8080                              0      1\n");
}
END_TEST

/* An IPv4-mapped IPv6 socket is IPv4: IPv4 section, dotted quad. */
START_TEST(test_v4_mapped)
{
	fixture_add(t, 1, "::ffff:127.0.0.1", 9000, "::ffff:127.0.0.1", 41000, 77, "mapped", 2048,
		    3072);
	ck_assert_str_eq(render(),
			 "\n" SUMMARY "\n" H4
			 "77      mapped          127.0.0.1:9000        127.0.0.1:41000            2      3\n");
}
END_TEST

/* No traffic: the summary line only, no empty sections. */
START_TEST(test_no_rows)
{
	ck_assert_str_eq(render(), "\n" SUMMARY);
	/* -C -S and nothing happened: nothing to print. */
	scr.clock = NULL;
	ck_assert_str_eq(render(), "");
}
END_TEST

/* -C -S: one blank line between intervals, not two. */
START_TEST(test_noclear_nosummary)
{
	fixture_add(t, 1, "10.1.2.3", 1, "10.3.2.1", 2, 5, "x", 1, 1);
	scr.clock = NULL;
	ck_assert_str_eq(render(),
			 "\n" H4
			 "5       x               10.1.2.3:1            10.3.2.1:2                 0      0\n");
}
END_TEST

START_TEST(test_clear_and_nosummary)
{
	fixture_add(t, 1, "10.1.2.3", 1, "10.3.2.1", 2, 5, "x", 1, 1);
	scr.clear = true;
	ck_assert_str_eq(render(),
			 TCPTOP_SCREEN_CLEAR SUMMARY "\n" H4
			 "5       x               10.1.2.3:1            10.3.2.1:2                 0      0\n");
	scr.clock = NULL;
	ck_assert_str_eq(render(),
			 TCPTOP_SCREEN_CLEAR "\n" H4
			 "5       x               10.1.2.3:1            10.3.2.1:2                 0      0\n");
	/* /proc/loadavg without its newline, or missing altogether. */
	scr.clock = "00:00:00";
	scr.loadavg = "0.00 0.00 0.00 1/1 1";
	ck_assert_ptr_nonnull(strstr(render(), "00:00:00 loadavg: 0.00 0.00 0.00 1/1 1\n\n"));
	scr.loadavg = NULL;
	ck_assert_ptr_nonnull(strstr(render(), "00:00:00 loadavg: \n"));
}
END_TEST

/* KB is floor(bytes / 1024), both directions, up to huge values. */
START_TEST(test_kb_rounding)
{
	fixture_add(t, 1, "10.0.0.1", 1, "10.0.0.2", 1, 1, "a", 1023, 1024);
	fixture_add(t, 2, "10.0.0.1", 1, "10.0.0.2", 2, 2, "b", 2047, 2048);
	fixture_add(t, 3, "10.0.0.1", 1, "10.0.0.2", 3, 3, "c", 0, 1);
	fixture_add(t, 4, "10.0.0.1", 1, "10.0.0.2", 4, 4, "d", 5ull << 40, (5ull << 40) - 1);
	ck_assert_str_eq(render(),
			 "\n" SUMMARY "\n" H4
			 "4       d               10.0.0.1:1            10.0.0.2:4            5368709120 5368709119\n"
			 "2       b               10.0.0.1:1            10.0.0.2:2                 1      2\n"
			 "1       a               10.0.0.1:1            10.0.0.2:1                 0      1\n"
			 "3       c               10.0.0.1:1            10.0.0.2:3                 0      0\n");
}
END_TEST

/* Long IPv6 endpoints widen their own row instead of being cut. */
START_TEST(test_long_v6)
{
	fixture_add(t, 1, "2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff", 65535,
		    "2001:db8:1111:2222:3333:4444:5555:6666", 65534, 4194304, "long", 0, 0x400);
	ck_assert_str_eq(render(),
			 "\n" SUMMARY "\n" H6
			 "4194304 long            2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff:65535 "
			 "2001:db8:1111:2222:3333:4444:5555:6666:65534      0      1\n");
}
END_TEST

/* ---- sorting on screen ------------------------------------------------------ */

static void add_sortable(void)
{
	fixture_add(t, 1, "10.0.0.1", 1, "10.0.0.2", 1, 1, "recv", 10240, 0);
	fixture_add(t, 2, "10.0.0.1", 1, "10.0.0.2", 2, 2, "send", 0, 8192);
	fixture_add(t, 3, "10.0.0.1", 1, "10.0.0.2", 3, 3, "both", 6144, 6144);
}

START_TEST(test_screen_sort)
{
	add_sortable();
	ck_assert_str_eq(render_sorted(TCPTOP_SORT_ALL),
			 "\n" SUMMARY "\n" H4
			 "3       both            10.0.0.1:1            10.0.0.2:3                 6      6\n"
			 "1       recv            10.0.0.1:1            10.0.0.2:1                10      0\n"
			 "2       send            10.0.0.1:1            10.0.0.2:2                 0      8\n");
	ck_assert_str_eq(render_sorted(TCPTOP_SORT_SENT),
			 "\n" SUMMARY "\n" H4
			 "2       send            10.0.0.1:1            10.0.0.2:2                 0      8\n"
			 "3       both            10.0.0.1:1            10.0.0.2:3                 6      6\n"
			 "1       recv            10.0.0.1:1            10.0.0.2:1                10      0\n");
	ck_assert_str_eq(render_sorted(TCPTOP_SORT_RECEIVED),
			 "\n" SUMMARY "\n" H4
			 "1       recv            10.0.0.1:1            10.0.0.2:1                10      0\n"
			 "3       both            10.0.0.1:1            10.0.0.2:3                 6      6\n"
			 "2       send            10.0.0.1:1            10.0.0.2:2                 0      8\n");
}
END_TEST

/* ---- row limits ------------------------------------------------------------------ */

START_TEST(test_row_limit)
{
	add_sortable();
	fixture_add(t, 4, "::1", 1, "::1", 2, 4, "six", 1, 0);
	scr.nrows = 2;
	/* The two busiest overall; the IPv6 section has none of them, so it disappears. */
	ck_assert_str_eq(render(),
			 "\n" SUMMARY "\n" H4
			 "3       both            10.0.0.1:1            10.0.0.2:3                 6      6\n"
			 "1       recv            10.0.0.1:1            10.0.0.2:1                10      0\n");
}
END_TEST

static void fit_rows(void)
{
	ck_assert_int_eq(tcptop_rows_collect(&r, t, TCPTOP_SORT_ALL), 0);
	scr.rows = r.v;
	scr.nrows = r.n;
}

/*
 * The terminal holds the whole interval plus the cursor's line: with -C that
 * is blank + summary + blank + header + rows + cursor.
 */
START_TEST(test_fit_v4)
{
	int i;

	for (i = 0; i < 30; i++)
		fixture_add(t, (uint64_t)i + 1, "10.0.0.1", 1, "10.0.0.2", (uint16_t)i, (uint32_t)i + 1,
			    "p", (uint64_t)(100 - i), 0);
	fit_rows();
	ck_assert_uint_eq(tcptop_screen_fit(&scr, 0), 30);	/* unknown height: no limit */
	ck_assert_uint_eq(tcptop_screen_fit(&scr, 25), 20);
	ck_assert_uint_eq(tcptop_screen_fit(&scr, 100), 30);
	ck_assert_uint_eq(tcptop_screen_fit(&scr, 6), 1);
	ck_assert_uint_eq(tcptop_screen_fit(&scr, 5), 0);
	ck_assert_uint_eq(tcptop_screen_fit(&scr, 4), 0);
	ck_assert_uint_eq(tcptop_screen_fit(&scr, 1), 0);
	scr.clear = true;	/* no leading blank line */
	ck_assert_uint_eq(tcptop_screen_fit(&scr, 25), 21);
	scr.clock = NULL;	/* -S */
	ck_assert_uint_eq(tcptop_screen_fit(&scr, 25), 22);
	scr.clear = false;	/* -C -S: the section's blank line is the only separator */
	ck_assert_uint_eq(tcptop_screen_fit(&scr, 25), 22);
}
END_TEST

/* A second section costs two more lines, but only once a row needs it. */
START_TEST(test_fit_sections)
{
	struct tcptop_drain_stats st = { .dropped_events = 1, .dropped_bytes = 1 };

	fixture_add(t, 1, "10.0.0.1", 1, "10.0.0.2", 1, 1, "a", 400, 0);
	fixture_add(t, 2, "10.0.0.1", 1, "10.0.0.2", 2, 2, "b", 300, 0);
	fixture_add(t, 3, "::1", 1, "::1", 3, 3, "c", 200, 0);
	fixture_add(t, 4, "10.0.0.1", 1, "10.0.0.2", 4, 4, "d", 100, 0);
	fit_rows();
	scr.clear = true;
	/* clear: summary(1) + [blank+H4](2) + rows + cursor(1) */
	ck_assert_uint_eq(tcptop_screen_fit(&scr, 6), 2);
	/* the third row opens the IPv6 section: 1 + 2 + 2 + 3 + 1 = 9 */
	ck_assert_uint_eq(tcptop_screen_fit(&scr, 8), 2);
	ck_assert_uint_eq(tcptop_screen_fit(&scr, 9), 3);
	ck_assert_uint_eq(tcptop_screen_fit(&scr, 10), 4);
	/* the drops line takes one more */
	scr.stats = &st;
	ck_assert_uint_eq(tcptop_screen_fit(&scr, 10), 3);
}
END_TEST

/* ---- drops are visible -------------------------------------------------------- */

START_TEST(test_drops_line)
{
	struct tcptop_drain_stats st = { 0 };

	fixture_add(t, 1, "10.0.0.1", 1, "10.0.0.2", 1, 1, "a", 1024, 0);
	scr.stats = &st;
	/* No drops: no line. */
	ck_assert_str_eq(render(), "\n" SUMMARY "\n" H4
			 "1       a               10.0.0.1:1            10.0.0.2:1                 1      0\n");
	st.dropped_events = 12;
	st.dropped_bytes = 34567;
	st.dropped_events_by_kind[TCPTOP_DROPPED_MAP_FULL] = 10;
	st.dropped_bytes_by_kind[TCPTOP_DROPPED_MAP_FULL] = 34000;
	st.dropped_events_by_kind[TCPTOP_DROPPED_SLOTS_FULL] = 2;
	st.dropped_bytes_by_kind[TCPTOP_DROPPED_SLOTS_FULL] = 567;
	ck_assert_str_eq(render(), "\n" SUMMARY
			 "DROPPED this interval: 12 events, 34567 bytes not attributed "
			 "(map_full: 10 events, 34000 bytes; processes_per_socket: 2 events, 567 bytes)\n"
			 "\n" H4
			 "1       a               10.0.0.1:1            10.0.0.2:1                 1      0\n");
	/* Also on an interval without rows and without the summary line. */
	tcptop_table_begin(t);
	scr.clock = NULL;
	ck_assert_str_eq(render(), "\n"
			 "DROPPED this interval: 12 events, 34567 bytes not attributed "
			 "(map_full: 10 events, 34000 bytes; processes_per_socket: 2 events, 567 bytes)\n");
}
END_TEST

/* ---- COMM is data -------------------------------------------------------------- */

START_TEST(test_comm_format_string)
{
	fixture_add(t, 1, "10.0.0.1", 1, "10.0.0.2", 1, 1, "%s%n%x%%", 0, 1);
	ck_assert_str_eq(render(), "\n" SUMMARY "\n" H4
			 "1       %s%n%x%%        10.0.0.1:1            10.0.0.2:1                 0      0\n");
}
END_TEST

START_TEST(test_comm_control_bytes)
{
	fixture_add_raw(t, 1, "10.0.0.1", 1, "10.0.0.2", 1, 1, "a\033[2Jb\nc\rd\x7f", 11, 0, 1, 0);
	ck_assert_str_eq(render(), "\n" SUMMARY "\n" H4
			 "1       a?[2Jb?c?d?     10.0.0.1:1            10.0.0.2:1                 0      0\n");
}
END_TEST

/* Invalid UTF-8 becomes '?' per byte; valid UTF-8 stays and pads by characters. */
START_TEST(test_comm_utf8)
{
	fixture_add(t, 1, "10.0.0.1", 1, "10.0.0.2", 1, 1, "caf\xc3\xa9", 0, 2048);
	fixture_add_raw(t, 2, "10.0.0.1", 1, "10.0.0.2", 2, 2, "x\xff\xc3(\xe2\x82", 6, 0, 1024, 0);
	/* A C1 control (U+009B, the 8-bit CSI) and a bidi override (U+202E). */
	fixture_add(t, 3, "10.0.0.1", 1, "10.0.0.2", 3, 3, "\xc2\x9b" "2J\xe2\x80\xae", 0, 0x100);
	ck_assert_str_eq(render(), "\n" SUMMARY "\n" H4
			 "1       caf\xc3\xa9            10.0.0.1:1            10.0.0.2:1                 0      2\n"
			 "2       x?" "?(??          10.0.0.1:1            10.0.0.2:2                 0      1\n"
			 "3       ?2J?            10.0.0.1:1            10.0.0.2:3                 0      0\n");
}
END_TEST

/* 15 bytes, the kernel's maximum, print whole: the original cut COMM at 12. */
START_TEST(test_comm_full_length)
{
	fixture_add(t, 1, "10.0.0.1", 1, "10.0.0.2", 1, 1, "abcdefghijklmno", 0, 1);
	ck_assert_str_eq(render(), "\n" SUMMARY "\n" H4
			 "1       abcdefghijklmno 10.0.0.1:1            10.0.0.2:1                 0      0\n");
}
END_TEST

START_TEST(test_write_error)
{
	FILE *f = fopen("/dev/full", "w");

	ck_assert_ptr_nonnull(f);
	fixture_add(t, 1, "10.0.0.1", 1, "10.0.0.2", 1, 1, "a", 1, 1);
	ck_assert_int_eq(tcptop_rows_collect(&r, t, TCPTOP_SORT_ALL), 0);
	scr.rows = r.v;
	scr.nrows = r.n;
	ck_assert_int_eq(tcptop_screen_print(f, &scr), -5);
	fclose(f);
}
END_TEST

static Suite *screen_suite(void)
{
	Suite *s = suite_create("cli_screen");
	TCase *tc;

	tc = tcase_create("layout");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_v4_only);
	tcase_add_test(tc, test_v6_only);
	tcase_add_test(tc, test_both_sections);
	tcase_add_test(tc, test_v4_mapped);
	tcase_add_test(tc, test_no_rows);
	tcase_add_test(tc, test_noclear_nosummary);
	tcase_add_test(tc, test_clear_and_nosummary);
	tcase_add_test(tc, test_kb_rounding);
	tcase_add_test(tc, test_long_v6);
	tcase_add_test(tc, test_screen_sort);
	tcase_add_test(tc, test_drops_line);
	tcase_add_test(tc, test_write_error);
	suite_add_tcase(s, tc);

	tc = tcase_create("rows");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_row_limit);
	tcase_add_test(tc, test_fit_v4);
	tcase_add_test(tc, test_fit_sections);
	suite_add_tcase(s, tc);

	tc = tcase_create("comm");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_comm_format_string);
	tcase_add_test(tc, test_comm_control_bytes);
	tcase_add_test(tc, test_comm_utf8);
	tcase_add_test(tc, test_comm_full_length);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(screen_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
