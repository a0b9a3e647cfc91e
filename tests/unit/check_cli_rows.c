// SPDX-License-Identifier: GPL-2.0
/* Unit tests: which entries become rows, and in what order. */
#include <check.h>
#include <stdlib.h>

#include "check_cli_fixture.h"
#include "rows.h"

static struct tcptop_table *t;
static struct tcptop_rows r;

static void setup(void)
{
	t = fixture_table();
}

static void teardown(void)
{
	tcptop_rows_free(&r);
	tcptop_table_free(t);
}

/* Five flows whose order differs by key: pid = expected rank under "all". */
static void add_five(void)
{
	fixture_add(t, 1, "10.0.0.1", 1, "10.0.0.2", 2, 300, "c", 500, 500);	/* all 1000 */
	fixture_add(t, 2, "10.0.0.1", 1, "10.0.0.2", 3, 100, "a", 0, 5000);	/* all 5000, sent */
	fixture_add(t, 3, "::1", 1, "::1", 4, 200, "b", 3000, 1000);		/* all 4000 */
	fixture_add(t, 4, "10.0.0.1", 1, "10.0.0.2", 5, 500, "e", 1, 0);	/* all 1 */
	fixture_add(t, 5, "10.0.0.1", 1, "10.0.0.2", 6, 400, "d", 10, 10);	/* all 20 */
}

static void assert_order(const uint32_t *pids, size_t n)
{
	size_t i;

	ck_assert_uint_eq(r.n, n);
	for (i = 0; i < n; i++)
		ck_assert_msg(r.v[i]->tgid == pids[i], "row %zu: pid %u, want %u", i, r.v[i]->tgid,
			      pids[i]);
}

START_TEST(test_sort_parse)
{
	enum tcptop_sort s;

	ck_assert_int_eq(tcptop_sort_parse("all", &s), 0);
	ck_assert_int_eq(s, TCPTOP_SORT_ALL);
	ck_assert_int_eq(tcptop_sort_parse("sent", &s), 0);
	ck_assert_int_eq(s, TCPTOP_SORT_SENT);
	ck_assert_int_eq(tcptop_sort_parse("received", &s), 0);
	ck_assert_int_eq(s, TCPTOP_SORT_RECEIVED);
	ck_assert_int_eq(tcptop_sort_parse("recv", &s), -22);
	ck_assert_int_eq(tcptop_sort_parse(NULL, &s), -22);
}
END_TEST

START_TEST(test_sort_all)
{
	static const uint32_t want[] = { 100, 200, 300, 400, 500 };

	add_five();
	ck_assert_int_eq(tcptop_rows_collect(&r, t, TCPTOP_SORT_ALL), 0);
	assert_order(want, 5);
}
END_TEST

START_TEST(test_sort_sent)
{
	static const uint32_t want[] = { 100, 200, 300, 400, 500 };

	add_five();
	ck_assert_int_eq(tcptop_rows_collect(&r, t, TCPTOP_SORT_SENT), 0);
	/* tx: 5000, 1000 (rx 3000), 500, 10, 0 */
	assert_order(want, 5);
}
END_TEST

START_TEST(test_sort_received)
{
	static const uint32_t want[] = { 200, 300, 400, 500, 100 };

	add_five();
	ck_assert_int_eq(tcptop_rows_collect(&r, t, TCPTOP_SORT_RECEIVED), 0);
	/* rx: 3000, 500, 10, 1, 0 */
	assert_order(want, 5);
}
END_TEST

/* Equal keys: the other direction decides, then PID, then socket. */
START_TEST(test_sort_ties)
{
	static const uint32_t want_all[] = { 7, 8, 9, 9 };

	fixture_add(t, 40, "10.0.0.1", 1, "10.0.0.2", 2, 9, "x", 50, 50);
	fixture_add(t, 30, "10.0.0.1", 1, "10.0.0.2", 3, 9, "x", 50, 50);
	fixture_add(t, 20, "10.0.0.1", 1, "10.0.0.2", 4, 8, "x", 50, 50);
	fixture_add(t, 10, "10.0.0.1", 1, "10.0.0.2", 5, 7, "x", 0, 100);
	ck_assert_int_eq(tcptop_rows_collect(&r, t, TCPTOP_SORT_ALL), 0);
	assert_order(want_all, 4);
	ck_assert_uint_eq(r.v[2]->id, 30);
	ck_assert_uint_eq(r.v[3]->id, 40);
}
END_TEST

/* A row is what happened in the interval: flows quiet since the last drain are not shown. */
START_TEST(test_only_interval)
{
	static const uint32_t want[] = { 2 };

	fixture_add(t, 1, "10.0.0.1", 1, "10.0.0.2", 2, 1, "old", 100, 100);
	tcptop_table_begin(t);
	fixture_add(t, 2, "10.0.0.1", 1, "10.0.0.2", 3, 2, "new", 0, 1);
	ck_assert_uint_eq(tcptop_table_count(t), 2);
	ck_assert_int_eq(tcptop_rows_collect(&r, t, TCPTOP_SORT_ALL), 0);
	assert_order(want, 1);
	ck_assert_uint_eq(r.v[0]->tx_delta, 1);
}
END_TEST

START_TEST(test_empty_and_reuse)
{
	ck_assert_int_eq(tcptop_rows_collect(&r, t, TCPTOP_SORT_ALL), 0);
	ck_assert_uint_eq(r.n, 0);
	add_five();
	ck_assert_int_eq(tcptop_rows_collect(&r, t, TCPTOP_SORT_ALL), 0);
	ck_assert_uint_eq(r.n, 5);
	tcptop_table_begin(t);
	ck_assert_int_eq(tcptop_rows_collect(&r, t, TCPTOP_SORT_ALL), 0);
	ck_assert_uint_eq(r.n, 0);
}
END_TEST

/* Hundreds of gigabytes in one interval still sort right (no 32-bit truncation). */
START_TEST(test_sort_large)
{
	static const uint32_t want[] = { 1, 2 };

	fixture_add(t, 1, "10.0.0.1", 1, "10.0.0.2", 2, 1, "big", 0, (1ull << 32) + 1);
	fixture_add(t, 2, "10.0.0.1", 1, "10.0.0.2", 3, 2, "small", 0, 1ull << 32);
	ck_assert_int_eq(tcptop_rows_collect(&r, t, TCPTOP_SORT_SENT), 0);
	assert_order(want, 2);
}
END_TEST

static Suite *rows_suite(void)
{
	Suite *s = suite_create("cli_rows");
	TCase *tc;

	tc = tcase_create("sort");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_sort_parse);
	tcase_add_test(tc, test_sort_all);
	tcase_add_test(tc, test_sort_sent);
	tcase_add_test(tc, test_sort_received);
	tcase_add_test(tc, test_sort_ties);
	tcase_add_test(tc, test_sort_large);
	suite_add_tcase(s, tc);

	tc = tcase_create("select");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_only_interval);
	tcase_add_test(tc, test_empty_and_reuse);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(rows_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
