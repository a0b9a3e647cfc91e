// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests: JSON output.  One object per interval on one line, exact byte
 * counts, every field, and COMM escaped so that no process name can break
 * the JSON or a terminal that shows it.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_cli_fixture.h"
#include "json.h"
#include "rows.h"

#define NO_DROPS                                                                        \
	"\"drops\":{\"events\":0,\"bytes\":0,\"by_reason\":{"                             \
	"\"map_full\":{\"events\":0,\"bytes\":0},"                                        \
	"\"processes_per_socket\":{\"events\":0,\"bytes\":0},"                            \
	"\"closed_ring_full\":{\"events\":0,\"bytes\":0},"                                \
	"\"calls_in_flight\":{\"events\":0,\"bytes\":0},"                                 \
	"\"softirq_reader\":{\"events\":0,\"bytes\":0},"                                  \
	"\"user_share\":{\"events\":0,\"bytes\":0},"                                      \
	"\"skipped_by_kernel\":{\"events\":0,\"bytes\":0}}}"

static struct tcptop_table *t;
static struct tcptop_rows r;
static struct fixture_out out;
/* 2016-09-13T19:46:24.5Z */
static const struct timespec when = { .tv_sec = 1473795984, .tv_nsec = 500999999 };

static void setup(void)
{
	t = fixture_table();
}

static void teardown(void)
{
	free(out.buf);
	out.buf = NULL;
	tcptop_rows_free(&r);
	tcptop_table_free(t);
}

static const char *render(const struct tcptop_drain_stats *st)
{
	ck_assert_int_eq(tcptop_rows_collect(&r, t, TCPTOP_SORT_ALL), 0);
	free(out.buf);
	ck_assert_int_eq(tcptop_json_print(fixture_out_open(&out), &when, r.v, r.n, st), 0);
	return fixture_out_close(&out);
}

static const char *string(const char *s)
{
	FILE *f;

	free(out.buf);
	f = fixture_out_open(&out);
	tcptop_json_string(f, s);
	return fixture_out_close(&out);
}

/* ---- document ------------------------------------------------------------------ */

START_TEST(test_empty)
{
	ck_assert_str_eq(render(NULL), "{\"time\":\"2016-09-13T19:46:24.500Z\",\"flows\":[]," NO_DROPS "}\n");
}
END_TEST

/* Exact bytes, not KB; both families in sort order; mapped reported as IPv4. */
START_TEST(test_flows)
{
	struct tcptop_drain_stats st = { 0 };

	fixture_add(t, 1, "::1", 8080, "::1", 40000, 20, "web", 1, 123456789012ull);
	fixture_add(t, 2, "::ffff:127.0.0.1", 5432, "::ffff:127.0.0.1", 50000, 30, "pg", 1023, 0);
	ck_assert_str_eq(render(&st),
			 "{\"time\":\"2016-09-13T19:46:24.500Z\",\"flows\":["
			 "{\"pid\":20,\"comm\":\"web\",\"family\":\"ipv6\",\"laddr\":\"::1\",\"lport\":8080,"
			 "\"raddr\":\"::1\",\"rport\":40000,\"rx_bytes\":1,\"tx_bytes\":123456789012,\"closed\":false},"
			 "{\"pid\":30,\"comm\":\"pg\",\"family\":\"ipv4\",\"laddr\":\"127.0.0.1\",\"lport\":5432,"
			 "\"raddr\":\"127.0.0.1\",\"rport\":50000,\"rx_bytes\":1023,\"tx_bytes\":0,\"closed\":false}"
			 "]," NO_DROPS "}\n");
}
END_TEST

/* A flow that closed in the interval shows its final bytes once, marked closed. */
START_TEST(test_closed)
{
	fixture_add_raw(t, 9, "10.0.0.1", 65535, "10.0.0.2", 1, 4194304, "short", 5, 7, 1, 1);
	ck_assert_ptr_nonnull(strstr(render(NULL),
				     "{\"pid\":4194304,\"comm\":\"short\",\"family\":\"ipv4\",\"laddr\":\"10.0.0.1\","
				     "\"lport\":65535,\"raddr\":\"10.0.0.2\",\"rport\":1,\"rx_bytes\":7,"
				     "\"tx_bytes\":1,\"closed\":true}"));
}
END_TEST

START_TEST(test_drops)
{
	struct tcptop_drain_stats st = { 0 };

	st.dropped_events = 5;
	st.dropped_bytes = 18446744073709551615ull;
	st.dropped_events_by_kind[TCPTOP_DROPPED_CLOSED_RING_FULL] = 5;
	st.dropped_bytes_by_kind[TCPTOP_DROPPED_CLOSED_RING_FULL] = 18446744073709551615ull;
	ck_assert_str_eq(render(&st),
			 "{\"time\":\"2016-09-13T19:46:24.500Z\",\"flows\":[],"
			 "\"drops\":{\"events\":5,\"bytes\":18446744073709551615,\"by_reason\":{"
			 "\"map_full\":{\"events\":0,\"bytes\":0},"
			 "\"processes_per_socket\":{\"events\":0,\"bytes\":0},"
			 "\"closed_ring_full\":{\"events\":5,\"bytes\":18446744073709551615},"
			 "\"calls_in_flight\":{\"events\":0,\"bytes\":0},"
			 "\"softirq_reader\":{\"events\":0,\"bytes\":0},"
			 "\"user_share\":{\"events\":0,\"bytes\":0},"
			 "\"skipped_by_kernel\":{\"events\":0,\"bytes\":0}}}}\n");
}
END_TEST

/* One line per interval, however many flows. */
START_TEST(test_one_line)
{
	const char *s;
	int i;

	for (i = 0; i < 200; i++)
		fixture_add(t, (uint64_t)i + 1, "10.0.0.1", 1, "10.0.0.2", (uint16_t)i, 1, "a\nb", 1, 1);
	s = render(NULL);
	ck_assert_ptr_eq(strchr(s, '\n'), s + strlen(s) - 1);
}
END_TEST

START_TEST(test_write_error)
{
	FILE *f = fopen("/dev/full", "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(tcptop_json_print(f, &when, NULL, 0, NULL), -5);
	fclose(f);
}
END_TEST

/* ---- hostile COMMs ------------------------------------------------------------------ */

START_TEST(test_string_plain)
{
	ck_assert_str_eq(string(""), "\"\"");
	ck_assert_str_eq(string("sshd"), "\"sshd\"");
	ck_assert_str_eq(string("%s%n{}[],:"), "\"%s%n{}[],:\"");
	ck_assert_str_eq(string("/ is fine"), "\"/ is fine\"");
}
END_TEST

START_TEST(test_string_quotes)
{
	ck_assert_str_eq(string("a\"b"), "\"a\\\"b\"");
	ck_assert_str_eq(string("\\"), "\"\\\\\"");
	ck_assert_str_eq(string("\",\"pid\":1"), "\"\\\",\\\"pid\\\":1\"");
}
END_TEST

START_TEST(test_string_controls)
{
	ck_assert_str_eq(string("a\nb\tc\rd"), "\"a\\nb\\tc\\rd\"");
	ck_assert_str_eq(string("\x01\x1b[2J\x1f\x7f"), "\"\\u0001\\u001b[2J\\u001f\\u007f\"");
	ck_assert_str_eq(string("\b\f"), "\"\\u0008\\u000c\"");
	/* C1 controls, separators that break JavaScript, bidi overrides */
	ck_assert_str_eq(string("\xc2\x9b\xe2\x80\xa8\xe2\x80\xae"), "\"\\u009b\\u2028\\u202e\"");
}
END_TEST

START_TEST(test_string_utf8)
{
	ck_assert_str_eq(string("caf\xc3\xa9"), "\"caf\xc3\xa9\"");
	ck_assert_str_eq(string("\xe6\x97\xa5\xf0\x9f\x98\x80"), "\"\xe6\x97\xa5\xf0\x9f\x98\x80\"");
	/* invalid bytes: one U+FFFD each */
	ck_assert_str_eq(string("a\xff" "b"), "\"a\\ufffdb\"");
	ck_assert_str_eq(string("\x80\xbf"), "\"\\ufffd\\ufffd\"");
	/* cut by the kernel's 15-byte limit in the middle of a character */
	ck_assert_str_eq(string("ab\xe2\x82"), "\"ab\\ufffd\\ufffd\"");
	/* overlong '/', a surrogate, beyond U+10FFFF */
	ck_assert_str_eq(string("\xc0\xaf"), "\"\\ufffd\\ufffd\"");
	ck_assert_str_eq(string("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");
	ck_assert_str_eq(string("\xf4\x90\x80\x80"), "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	/* a lead byte followed by ASCII: the ASCII survives */
	ck_assert_str_eq(string("\xc3\"x"), "\"\\ufffd\\\"x\"");
}
END_TEST

/* A 15-byte COMM of pure hostility, through a whole interval. */
START_TEST(test_hostile_comm_in_flow)
{
	fixture_add_raw(t, 1, "10.0.0.1", 1, "10.0.0.2", 2, 42, "\"}\\\n\x01\xff\xe2\x80\xae%n]}", 13, 3,
			4, 0);
	ck_assert_ptr_nonnull(strstr(render(NULL),
				     "\"comm\":\"\\\"}\\\\\\n\\u0001\\ufffd\\u202e%n]}\",\"family\""));
}
END_TEST

static Suite *json_suite(void)
{
	Suite *s = suite_create("cli_json");
	TCase *tc;

	tc = tcase_create("document");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_flows);
	tcase_add_test(tc, test_closed);
	tcase_add_test(tc, test_drops);
	tcase_add_test(tc, test_one_line);
	tcase_add_test(tc, test_write_error);
	suite_add_tcase(s, tc);

	tc = tcase_create("comm");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_string_plain);
	tcase_add_test(tc, test_string_quotes);
	tcase_add_test(tc, test_string_controls);
	tcase_add_test(tc, test_string_utf8);
	tcase_add_test(tc, test_hostile_comm_in_flow);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(json_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
