// SPDX-License-Identifier: GPL-2.0
/*
 * Aggregation, TopFlows and eviction, driven through the core's real flow
 * table with hand-made kernel records (one drain = begin + records + fold).
 */
#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "plugin_units.h"
#include "tcptop.h"

static struct tcptop_table *table;
static struct tcptop_units *units;

static void teardown(void)
{
	tcptop_units_free(units);
	units = NULL;
	tcptop_table_free(table);
	table = NULL;
}

static void setup_with(enum tcptop_aggregate agg, uint32_t top, size_t linger_max)
{
	ck_assert_int_eq(tcptop_table_new(&table), 0);
	ck_assert_int_eq(tcptop_units_new(agg, top, linger_max, &units), 0);
}

/* An IPv4 loopback socket record; ports make flows distinct. */
static struct tcptop_flow rec_v4(uint64_t id, const char *laddr, uint16_t lport, const char *raddr,
				 uint16_t rport)
{
	struct tcptop_flow r;

	memset(&r, 0, sizeof(r));
	r.id = id;
	r.family = AF_INET;
	r.lport = lport;
	r.rport = rport;
	ck_assert_int_eq(inet_pton(AF_INET, laddr, r.laddr), 1);
	ck_assert_int_eq(inet_pton(AF_INET, raddr, r.raddr), 1);
	return r;
}

static void rec_slot(struct tcptop_flow *r, int i, uint32_t tgid, const char *comm, uint64_t tx,
		     uint64_t rx)
{
	r->slot[i].tgid = tgid;
	strncpy(r->slot[i].comm, comm, sizeof(r->slot[i].comm) - 1);
	r->slot[i].tx = tx;
	r->slot[i].rx = rx;
}

/* One flow, one process, with this drain's bytes. */
static struct tcptop_flow flow(uint64_t id, uint32_t tgid, uint16_t lport, uint16_t rport,
			       uint64_t tx, uint64_t rx, bool closed)
{
	struct tcptop_flow r = rec_v4(id, "127.0.0.1", lport, "127.0.0.1", rport);

	rec_slot(&r, 0, tgid, "app", tx, rx);
	r.flags = closed ? TCPTOP_FLOW_CLOSED : 0;
	return r;
}

static void drain_begin(void)
{
	tcptop_table_begin(table);
}

static void drain_add(struct tcptop_flow r)
{
	ck_assert_int_eq(tcptop_table_add_record(table, &r), 0);
}

static void drain_end(void)
{
	ck_assert_int_eq(tcptop_units_fold(units, table, NULL), 0);
}

static const struct tcptop_unit *reported(const char *pi, const char *ti)
{
	size_t i, n = tcptop_units_reported(units);

	for (i = 0; i < n; i++) {
		const struct tcptop_unit *u = tcptop_units_report_at(units, i);

		if (strcmp(u->id.plugin_instance, pi) == 0 && strcmp(u->id.type_instance, ti) == 0)
			return u;
	}
	return NULL;
}

static const struct tcptop_unit *in_memory(const char *pi, const char *ti)
{
	struct tcptop_ident id;

	snprintf(id.plugin_instance, sizeof(id.plugin_instance), "%s", pi);
	snprintf(id.type_instance, sizeof(id.type_instance), "%s", ti);
	return tcptop_units_find(units, &id);
}

static void assert_reported(const char *pi, const char *ti, uint64_t rx, uint64_t tx)
{
	const struct tcptop_unit *u = reported(pi, ti);

	ck_assert_msg(u != NULL, "%s/%s not reported", pi, ti);
	ck_assert_uint_eq(u->rx, rx);
	ck_assert_uint_eq(u->tx, tx);
}

#define FLOW_TI(l, r) "127_0_0_1_" #l "-127_0_0_1_" #r

/* ---- per flow ------------------------------------------------------------------ */

START_TEST(test_flow_cumulative)
{
	setup_with(TCPTOP_AGGREGATE_FLOW, 0, 100);
	drain_begin();
	drain_add(flow(1, 10, 5000, 40000, 100, 7, false));
	drain_add(flow(2, 10, 40000, 5000, 7, 100, false));
	drain_end();
	ck_assert_uint_eq(tcptop_units_reported(units), 2);
	assert_reported("app-10", FLOW_TI(5000, 40000), 7, 100);
	assert_reported("app-10", FLOW_TI(40000, 5000), 100, 7);

	/* A quiet read still reports the open flows, unchanged. */
	drain_begin();
	drain_add(flow(1, 10, 5000, 40000, 0, 0, false));
	drain_end();
	assert_reported("app-10", FLOW_TI(5000, 40000), 7, 100);
	assert_reported("app-10", FLOW_TI(40000, 5000), 100, 7);

	drain_begin();
	drain_add(flow(1, 10, 5000, 40000, 1000, 1, false));
	drain_end();
	assert_reported("app-10", FLOW_TI(5000, 40000), 8, 1100);
	teardown();
}
END_TEST

START_TEST(test_flow_final_total_then_evicted)
{
	setup_with(TCPTOP_AGGREGATE_FLOW, 0, 100);
	drain_begin();
	drain_add(flow(1, 10, 5000, 40000, 100, 0, false));
	drain_end();

	/* Closes with more bytes: the final total is reported in this read... */
	drain_begin();
	drain_add(flow(1, 10, 5000, 40000, 23, 5, true));
	drain_end();
	assert_reported("app-10", FLOW_TI(5000, 40000), 5, 123);

	/* ...and never again: the core evicted the entry, the plugin the unit. */
	drain_begin();
	drain_end();
	ck_assert_uint_eq(tcptop_table_count(table), 0);
	ck_assert_ptr_null(reported("app-10", FLOW_TI(5000, 40000)));
	ck_assert_ptr_null(in_memory("app-10", FLOW_TI(5000, 40000)));
	ck_assert_uint_eq(tcptop_units_count(units), 0);
	teardown();
}
END_TEST

START_TEST(test_flow_short_lived_seen_once)
{
	setup_with(TCPTOP_AGGREGATE_FLOW, 0, 100);
	/* Opened, used and closed between two drains: one read reports it all. */
	drain_begin();
	drain_add(flow(3, 77, 6000, 41000, 4096, 12, true));
	drain_end();
	assert_reported("app-77", FLOW_TI(6000, 41000), 12, 4096);
	drain_begin();
	drain_end();
	ck_assert_uint_eq(tcptop_units_reported(units), 0);
	teardown();
}
END_TEST

START_TEST(test_flow_forked_child_own_unit)
{
	struct tcptop_flow r = rec_v4(9, "127.0.0.1", 5000, "127.0.0.1", 40000);

	setup_with(TCPTOP_AGGREGATE_FLOW, 0, 100);
	rec_slot(&r, 0, 10, "parent", 100, 0);
	rec_slot(&r, 1, 11, "child", 50, 3);
	drain_begin();
	drain_add(r);
	drain_end();
	assert_reported("parent-10", FLOW_TI(5000, 40000), 0, 100);
	assert_reported("child-11", FLOW_TI(5000, 40000), 3, 50);
	teardown();
}
END_TEST

START_TEST(test_flow_filtered)
{
	struct tcptop_filter f;

	setup_with(TCPTOP_AGGREGATE_FLOW, 0, 100);
	tcptop_filter_init(&f);
	ck_assert_int_eq(tcptop_filter_add_local_port(&f, 5000), 0);
	drain_begin();
	drain_add(flow(1, 10, 5000, 40000, 100, 7, false));
	drain_add(flow(2, 10, 40000, 5000, 7, 100, false));
	ck_assert_int_eq(tcptop_units_fold(units, table, &f), 0);
	ck_assert_uint_eq(tcptop_units_reported(units), 1);
	assert_reported("app-10", FLOW_TI(5000, 40000), 7, 100);
	tcptop_filter_free(&f);
	teardown();
}
END_TEST

/* ---- aggregates -------------------------------------------------------------- */

START_TEST(test_process_sums_and_survives_closes)
{
	setup_with(TCPTOP_AGGREGATE_PROCESS, 0, 100);
	drain_begin();
	drain_add(flow(1, 10, 5000, 40000, 100, 1, false));
	drain_add(flow(2, 10, 5001, 40001, 200, 2, false));
	drain_add(flow(3, 20, 5002, 40002, 1, 1, false));
	drain_end();
	assert_reported("app-10", "", 3, 300);
	assert_reported("app-20", "", 1, 1);

	/* One flow closes, a new one opens: the process counter keeps growing. */
	drain_begin();
	drain_add(flow(1, 10, 5000, 40000, 10, 0, true));
	drain_add(flow(4, 10, 5003, 40003, 5, 5, false));
	drain_end();
	assert_reported("app-10", "", 8, 315);
	drain_begin();
	drain_end();
	assert_reported("app-10", "", 8, 315);
	teardown();
}
END_TEST

START_TEST(test_aggregate_lingers_and_continues)
{
	int i;

	setup_with(TCPTOP_AGGREGATE_LOCAL_PORT, 0, 100);
	drain_begin();
	drain_add(flow(1, 10, 80, 40000, 100, 10, true));
	drain_end();
	assert_reported("local_port", "80", 10, 100);

	/* No flow on port 80 now: not reported, but its counter is kept... */
	for (i = 0; i < 5; i++) {
		drain_begin();
		drain_end();
		ck_assert_ptr_null(reported("local_port", "80"));
		ck_assert_ptr_nonnull(in_memory("local_port", "80"));
	}
	/* ...so the next request on the port continues it instead of restarting at 0. */
	drain_begin();
	drain_add(flow(2, 11, 80, 40001, 1, 1, false));
	drain_end();
	assert_reported("local_port", "80", 11, 101);
	teardown();
}
END_TEST

START_TEST(test_aggregate_linger_expires)
{
	int i;

	setup_with(TCPTOP_AGGREGATE_PROCESS, 0, 100);
	drain_begin();
	drain_add(flow(1, 10, 80, 40000, 1, 1, true));
	drain_end();
	for (i = 0; i < TCPTOP_UNITS_LINGER_READS; i++) {
		drain_begin();
		drain_end();
	}
	ck_assert_ptr_nonnull(in_memory("app-10", ""));
	drain_begin();
	drain_end();
	ck_assert_ptr_null(in_memory("app-10", ""));
	ck_assert_uint_eq(tcptop_units_count(units), 0);
	teardown();
}
END_TEST

START_TEST(test_aggregate_linger_cap)
{
	uint16_t port;

	/* At most 3 idle units; the longest idle go first. */
	setup_with(TCPTOP_AGGREGATE_LOCAL_PORT, 0, 3);
	for (port = 1; port <= 6; port++) {
		drain_begin();
		drain_add(flow(port, 10, port, 40000, 1, 1, true));
		drain_end();
	}
	drain_begin();
	drain_end();
	ck_assert_uint_eq(tcptop_units_count(units), 3);
	ck_assert_ptr_null(in_memory("local_port", "1"));
	ck_assert_ptr_null(in_memory("local_port", "3"));
	ck_assert_ptr_nonnull(in_memory("local_port", "4"));
	ck_assert_ptr_nonnull(in_memory("local_port", "6"));
	teardown();
}
END_TEST

START_TEST(test_local_port_across_processes)
{
	setup_with(TCPTOP_AGGREGATE_LOCAL_PORT, 0, 100);
	drain_begin();
	drain_add(flow(1, 10, 443, 40000, 100, 1, false));
	drain_add(flow(2, 11, 443, 40001, 200, 2, false));
	drain_add(flow(3, 12, 40002, 443, 2, 200, false));
	drain_end();
	assert_reported("local_port", "443", 3, 300);
	assert_reported("local_port", "40002", 200, 2);
	teardown();
}
END_TEST

START_TEST(test_remote_host_v4_and_mapped)
{
	struct tcptop_flow a = rec_v4(1, "10.0.0.1", 5000, "192.0.2.7", 1000);
	struct tcptop_flow m;

	setup_with(TCPTOP_AGGREGATE_REMOTE_HOST, 0, 100);
	rec_slot(&a, 0, 10, "app", 10, 1);
	/* The same peer through an IPv4-mapped IPv6 socket is the same host. */
	memset(&m, 0, sizeof(m));
	m.id = 2;
	m.family = AF_INET6;
	m.lport = 5001;
	m.rport = 1001;
	ck_assert_int_eq(inet_pton(AF_INET6, "::ffff:10.0.0.1", m.laddr), 1);
	ck_assert_int_eq(inet_pton(AF_INET6, "::ffff:192.0.2.7", m.raddr), 1);
	rec_slot(&m, 0, 11, "app", 20, 2);
	drain_begin();
	drain_add(a);
	drain_add(m);
	drain_end();
	ck_assert_uint_eq(tcptop_units_reported(units), 1);
	assert_reported("remote_host", "192_0_2_7", 3, 30);
	teardown();
}
END_TEST

/* ---- TopFlows ------------------------------------------------------------------- */

/* Sum of every counter in memory plus "other": what all series together account for. */
static void assert_accounts_for(uint64_t rx, uint64_t tx, const char *pi_prefix, size_t nflows)
{
	uint64_t srx = 0, stx = 0;
	const struct tcptop_unit *other = reported("other", "");
	size_t i;

	for (i = 0; i < nflows; i++) {
		char ti[64];
		const struct tcptop_unit *u;

		snprintf(ti, sizeof(ti), "127_0_0_1_%zu-127_0_0_1_40000", 5000 + i);
		u = in_memory(pi_prefix, ti);
		if (u) {
			srx += u->rx;
			stx += u->tx;
		}
	}
	if (other) {
		srx += other->rx;
		stx += other->tx;
	}
	ck_assert_uint_eq(srx, rx);
	ck_assert_uint_eq(stx, tx);
}

START_TEST(test_top_flows_other_exact)
{
	setup_with(TCPTOP_AGGREGATE_FLOW, 2, 100);
	drain_begin();
	drain_add(flow(1, 10, 5000, 40000, 500, 0, false));
	drain_add(flow(2, 10, 5001, 40000, 10, 1, false));
	drain_add(flow(3, 10, 5002, 40000, 900, 0, false));
	drain_add(flow(4, 10, 5003, 40000, 20, 2, false));
	drain_end();
	ck_assert_uint_eq(tcptop_units_reported(units), 3);
	assert_reported("app-10", FLOW_TI(5002, 40000), 0, 900);
	assert_reported("app-10", FLOW_TI(5000, 40000), 0, 500);
	assert_reported("other", "", 3, 30);
	ck_assert_ptr_null(reported("app-10", FLOW_TI(5001, 40000)));
	assert_accounts_for(3, 1430, "app-10", 4);
	teardown();
}
END_TEST

START_TEST(test_top_flows_monotonic_when_ranks_change)
{
	/* Deltas per read for 4 flows: the busiest pair changes every read. */
	static const uint64_t tx[5][4] = {
		{ 100, 1, 50, 0 },
		{ 0, 300, 0, 200 },
		{ 5, 5, 5, 5 },
		{ 70, 0, 80, 90 },
		{ 1, 2, 3, 4 },
	};
	uint64_t last[5] = { 0 }, total = 0;
	int read, f;

	setup_with(TCPTOP_AGGREGATE_FLOW, 2, 100);
	for (read = 0; read < 5; read++) {
		drain_begin();
		for (f = 0; f < 4; f++) {
			drain_add(flow(f + 1, 10, 5000 + f, 40000, tx[read][f], 0, false));
			total += tx[read][f];
		}
		drain_end();
		ck_assert_uint_eq(tcptop_units_reported(units), 3);
		/* Every reported counter only grows, "other" included. */
		for (f = 0; f < 4; f++) {
			char ti[64];
			const struct tcptop_unit *u;

			snprintf(ti, sizeof(ti), "127_0_0_1_%d-127_0_0_1_40000", 5000 + f);
			u = reported("app-10", ti);
			if (u) {
				ck_assert_uint_ge(u->tx, last[f]);
				last[f] = u->tx;
			}
		}
		ck_assert_uint_ge(reported("other", "")->tx, last[4]);
		last[4] = reported("other", "")->tx;
		/* Each byte is in exactly one counter. */
		assert_accounts_for(0, total, "app-10", 4);
	}
	teardown();
}
END_TEST

START_TEST(test_top_flows_closing_outside_top)
{
	setup_with(TCPTOP_AGGREGATE_FLOW, 1, 100);
	drain_begin();
	drain_add(flow(1, 10, 5000, 40000, 1000, 0, false));
	drain_add(flow(2, 10, 5001, 40000, 10, 0, false));
	drain_end();
	assert_reported("other", "", 0, 10);

	/* Flow 2 ends outside the top: its final bytes still reach "other". */
	drain_begin();
	drain_add(flow(1, 10, 5000, 40000, 1000, 0, false));
	drain_add(flow(2, 10, 5001, 40000, 7, 0, true));
	drain_end();
	assert_reported("other", "", 0, 17);
	assert_reported("app-10", FLOW_TI(5000, 40000), 0, 2000);

	/* "other" keeps being reported with its total, and never goes down. */
	drain_begin();
	drain_end();
	assert_reported("other", "", 0, 17);
	teardown();
}
END_TEST

START_TEST(test_top_flows_few_units_no_other)
{
	setup_with(TCPTOP_AGGREGATE_PROCESS, 5, 100);
	drain_begin();
	drain_add(flow(1, 10, 5000, 40000, 1, 0, false));
	drain_add(flow(2, 11, 5001, 40000, 2, 0, false));
	drain_end();
	ck_assert_uint_eq(tcptop_units_reported(units), 2);
	ck_assert_ptr_null(reported("other", ""));
	teardown();
}
END_TEST

START_TEST(test_top_flows_ties_keep_shown_units)
{
	setup_with(TCPTOP_AGGREGATE_FLOW, 1, 100);
	drain_begin();
	drain_add(flow(1, 10, 5000, 40000, 1, 0, false));
	drain_add(flow(2, 10, 5001, 40000, 9, 0, false));
	drain_end();
	assert_reported("app-10", FLOW_TI(5001, 40000), 0, 9);
	/* Equal bytes: the unit already shown stays, so series churn less. */
	drain_begin();
	drain_add(flow(1, 10, 5000, 40000, 4, 0, false));
	drain_add(flow(2, 10, 5001, 40000, 4, 0, false));
	drain_end();
	assert_reported("app-10", FLOW_TI(5001, 40000), 0, 13);
	ck_assert_ptr_null(reported("app-10", FLOW_TI(5000, 40000)));
	teardown();
}
END_TEST

START_TEST(test_many_flows)
{
	uint64_t i;

	setup_with(TCPTOP_AGGREGATE_FLOW, 0, 100);
	drain_begin();
	for (i = 0; i < 5000; i++)
		drain_add(flow(i + 1, 10, (uint16_t)(1000 + i), 40000, i, 1, false));
	drain_end();
	ck_assert_uint_eq(tcptop_units_reported(units), 5000);
	assert_reported("app-10", FLOW_TI(5999, 40000), 1, 4999);
	/* All close: reported once more, then all forgotten. */
	drain_begin();
	for (i = 0; i < 5000; i++)
		drain_add(flow(i + 1, 10, (uint16_t)(1000 + i), 40000, 1, 0, true));
	drain_end();
	assert_reported("app-10", FLOW_TI(1000, 40000), 1, 1);
	drain_begin();
	drain_end();
	ck_assert_uint_eq(tcptop_units_count(units), 0);
	teardown();
}
END_TEST

START_TEST(test_bad_aggregate)
{
	struct tcptop_units *u = NULL;

	ck_assert_int_eq(tcptop_units_new((enum tcptop_aggregate)17, 0, 1, &u), -EINVAL);
	ck_assert_ptr_null(u);
	tcptop_units_free(NULL);
}
END_TEST

static Suite *units_suite(void)
{
	Suite *s = suite_create("plugin_units");
	TCase *tc = tcase_create("flow");

	tcase_add_test(tc, test_flow_cumulative);
	tcase_add_test(tc, test_flow_final_total_then_evicted);
	tcase_add_test(tc, test_flow_short_lived_seen_once);
	tcase_add_test(tc, test_flow_forked_child_own_unit);
	tcase_add_test(tc, test_flow_filtered);
	tcase_add_test(tc, test_many_flows);
	tcase_add_test(tc, test_bad_aggregate);
	suite_add_tcase(s, tc);

	tc = tcase_create("aggregate");
	tcase_add_test(tc, test_process_sums_and_survives_closes);
	tcase_add_test(tc, test_aggregate_lingers_and_continues);
	tcase_add_test(tc, test_aggregate_linger_expires);
	tcase_add_test(tc, test_aggregate_linger_cap);
	tcase_add_test(tc, test_local_port_across_processes);
	tcase_add_test(tc, test_remote_host_v4_and_mapped);
	suite_add_tcase(s, tc);

	tc = tcase_create("top_flows");
	tcase_add_test(tc, test_top_flows_other_exact);
	tcase_add_test(tc, test_top_flows_monotonic_when_ranks_change);
	tcase_add_test(tc, test_top_flows_closing_outside_top);
	tcase_add_test(tc, test_top_flows_few_units_no_other);
	tcase_add_test(tc, test_top_flows_ties_keep_shown_units);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(units_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
