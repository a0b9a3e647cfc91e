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

#include "flow_table_internal.h"
#include "plugin_roles.h"
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
static struct tcptop_sock_rec rec_v4(uint64_t id, const char *laddr, uint16_t lport, const char *raddr,
				 uint16_t rport)
{
	struct tcptop_sock_rec r;

	memset(&r, 0, sizeof(r));
	r.id = id;
	r.family = AF_INET;
	r.lport = lport;
	r.rport = rport;
	ck_assert_int_eq(inet_pton(AF_INET, laddr, r.laddr), 1);
	ck_assert_int_eq(inet_pton(AF_INET, raddr, r.raddr), 1);
	return r;
}

static void rec_slot(struct tcptop_sock_rec *r, int i, uint32_t tgid, const char *comm, uint64_t tx,
		     uint64_t rx)
{
	r->slot[i].tgid = tgid;
	strncpy(r->slot[i].comm, comm, sizeof(r->slot[i].comm) - 1);
	r->slot[i].tx = tx;
	r->slot[i].rx = rx;
}

/* One flow, one process, with this drain's bytes. */
static struct tcptop_sock_rec flow(uint64_t id, uint32_t tgid, uint16_t lport, uint16_t rport,
			       uint64_t tx, uint64_t rx, bool closed)
{
	struct tcptop_sock_rec r = rec_v4(id, "127.0.0.1", lport, "127.0.0.1", rport);

	rec_slot(&r, 0, tgid, "app", tx, rx);
	r.flags = closed ? TCPTOP_FLOW_CLOSED : 0;
	return r;
}

static void drain_begin(void)
{
	tcptop_table_begin(table);
}

static void drain_add(struct tcptop_sock_rec r)
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
	struct tcptop_sock_rec r = rec_v4(9, "127.0.0.1", 5000, "127.0.0.1", 40000);

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

/* The host total never goes quiet: idle reads report it unchanged, past any linger. */
START_TEST(test_total_reported_every_read)
{
	int i;

	setup_with(TCPTOP_AGGREGATE_TOTAL, 0, 100);
	drain_begin();
	drain_add(flow(1, 10, 80, 40000, 100, 10, true));
	drain_end();
	assert_reported("total", "", 10, 100);
	for (i = 0; i < TCPTOP_UNITS_LINGER_READS + 2; i++) {
		drain_begin();
		drain_end();
		assert_reported("total", "", 10, 100);
	}
	drain_begin();
	drain_add(flow(2, 11, 80, 40001, 1, 1, false));
	drain_end();
	assert_reported("total", "", 11, 101);
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
	struct tcptop_sock_rec a = rec_v4(1, "10.0.0.1", 5000, "192.0.2.7", 1000);
	struct tcptop_sock_rec m;

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

/* ---- several aggregates over the same reads ------------------------------------- */

#define SELF_NS 4026531840u

/* A flow with everything the new aggregates look at. */
static struct tcptop_sock_rec flow_full(uint64_t id, uint32_t tgid, const char *comm, uint16_t lport,
				    const char *raddr, uint64_t cgroup, uint32_t netns, uint64_t tx,
				    uint64_t rx, bool closed)
{
	struct tcptop_sock_rec r = rec_v4(id, "10.0.0.1", lport, raddr, 50000 + (uint16_t)id);

	rec_slot(&r, 0, tgid, comm, tx, rx);
	r.slot[0].cgroup = cgroup;
	r.netns = netns;
	r.flags = closed ? TCPTOP_FLOW_CLOSED : 0;
	return r;
}

/*
 * What a time-series database holds for one aggregate: the last value of each
 * series ever dispatched (flow series end when their flow does; others keep
 * their last value while not reported, since their counters do not move).
 */
struct series_last {
	struct tcptop_ident id[512];
	uint64_t rx[512], tx[512];
	size_t n;
};

static void series_record(struct series_last *s, const struct tcptop_units *u, uint64_t *rx,
			  uint64_t *tx)
{
	size_t i, j, n = tcptop_units_reported(u);

	for (i = 0; i < n; i++) {
		const struct tcptop_unit *unit = tcptop_units_report_at(u, i);

		for (j = 0; j < s->n; j++)
			if (strcmp(s->id[j].plugin_instance, unit->id.plugin_instance) == 0 &&
			    strcmp(s->id[j].type_instance, unit->id.type_instance) == 0)
				break;
		if (j == s->n) {
			ck_assert_uint_lt(s->n, 512);
			s->id[s->n++] = unit->id;
		} else {
			/* DERIVE: never down. */
			ck_assert_uint_ge(unit->rx, s->rx[j]);
			ck_assert_uint_ge(unit->tx, s->tx[j]);
		}
		s->rx[j] = unit->rx;
		s->tx[j] = unit->tx;
	}
	*rx = *tx = 0;
	for (j = 0; j < s->n; j++) {
		*rx += s->rx[j];
		*tx += s->tx[j];
	}
}

START_TEST(test_every_aggregate_adds_up_to_the_total)
{
	static const struct {
		enum tcptop_aggregate agg;
		uint32_t top;
	} aggs[] = {
		{ TCPTOP_AGGREGATE_TOTAL, 0 },		{ TCPTOP_AGGREGATE_PROCESS_NAME, 2 },
		{ TCPTOP_AGGREGATE_LISTENING_PORT, 1 },	{ TCPTOP_AGGREGATE_CGROUP, 1 },
		{ TCPTOP_AGGREGATE_NETNS, 1 },		{ TCPTOP_AGGREGATE_REMOTE_HOST, 1 },
		{ TCPTOP_AGGREGATE_FLOW, 3 },		{ TCPTOP_AGGREGATE_PROCESS, 2 },
		{ TCPTOP_AGGREGATE_LOCAL_PORT, 2 },	{ TCPTOP_AGGREGATE_PROCESS_NAME + 0, 0 },
	};
	enum { NAGG = sizeof(aggs) / sizeof(aggs[0]) };
	static const char *const comms[] = { "nginx", "nginx", "curl", "other", "x.y [*]?" };
	static const char *const hosts[] = { "192.0.2.1", "192.0.2.2", "198.51.100.9" };
	struct tcptop_units *u[NAGG];
	static struct series_last last[NAGG];
	struct tcptop_listeners *l;
	struct tcptop_roles *roles;
	struct tcptop_ident_ctx ctx = { 0 };
	uint8_t any[16] = { 0 };
	uint64_t want_rx = 0, want_tx = 0, rx, tx;
	int read, i, k;

	ck_assert_int_eq(tcptop_table_new(&table), 0);
	ck_assert_int_eq(tcptop_listeners_new(&l), 0);
	ck_assert_int_eq(tcptop_listeners_add(l, AF_INET, any, 443), 0);
	ck_assert_int_eq(tcptop_listeners_add(l, AF_INET, any, 80), 0);
	ck_assert_int_eq(tcptop_roles_new(l, SELF_NS, &roles), 0);
	ctx.roles = roles;
	for (k = 0; k < NAGG; k++)
		ck_assert_int_eq(tcptop_units_new(aggs[k].agg, aggs[k].top, 100, &u[k]), 0);

	for (read = 0; read < 12; read++) {
		tcptop_table_begin(table);
		tcptop_roles_begin(roles);
		/* 20 sockets; some close each read and come back as new ones. */
		for (i = 0; i < 20; i++) {
			uint64_t id = (uint64_t)(i + 1 + (read / 3) * 20 * (i % 4 == 0));
			uint64_t tx_b = (uint64_t)((i * 37 + read * 11) % 97) * 1000 + (uint64_t)i;
			uint64_t rx_b = (uint64_t)((i * 13 + read * 7) % 89);
			uint16_t lport = i % 3 == 0 ? 443 : i % 3 == 1 ? 80 : (uint16_t)(40000 + i);
			uint32_t netns = i % 5 == 4 ? 4026532000u + (uint32_t)(i % 2) : SELF_NS;
			bool closed = i % 4 == 0 && read % 3 == 2;

			drain_add(flow_full(id, 100u + (uint32_t)(i % 5), comms[i % 5], lport,
					    hosts[i % 3], (uint64_t)(1 + i % 4), netns, tx_b, rx_b,
					    closed));
			want_tx += tx_b;
			want_rx += rx_b;
		}
		for (k = 0; k < NAGG; k++) {
			ck_assert_int_eq(tcptop_units_fold_ctx(u[k], table, NULL, &ctx), 0);
			series_record(&last[k], u[k], &rx, &tx);
			ck_assert_msg(rx == want_rx && tx == want_tx,
				      "read %d, %s (top %u): rx %llu tx %llu, want %llu %llu", read,
				      tcptop_aggregate_name(aggs[k].agg), aggs[k].top,
				      (unsigned long long)rx, (unsigned long long)tx,
				      (unsigned long long)want_rx, (unsigned long long)want_tx);
		}
		/* The host total is one series, equal to all of it. */
		ck_assert_uint_eq(tcptop_units_reported(u[0]), 1);
		ck_assert_str_eq(tcptop_units_report_at(u[0], 0)->id.plugin_instance, "total");
		ck_assert_uint_eq(tcptop_units_report_at(u[0], 0)->tx, want_tx);
		/* listening_port, top 1: one port, "client" (pinned), and "other". */
		ck_assert_uint_eq(tcptop_units_reported(u[2]), 3);
	}
	for (k = 0; k < NAGG; k++)
		tcptop_units_free(u[k]);
	tcptop_roles_free(roles);
	tcptop_listeners_free(l);
	tcptop_table_free(table);
	table = NULL;
}
END_TEST

START_TEST(test_process_name_merges_pids)
{
	struct tcptop_sock_rec a = flow_full(1, 10, "nginx", 443, "192.0.2.1", 1, SELF_NS, 100, 1, false);
	struct tcptop_sock_rec b = flow_full(2, 11, "nginx", 443, "192.0.2.1", 1, SELF_NS, 50, 2, true);
	struct tcptop_sock_rec c = flow_full(3, 12, "other", 443, "192.0.2.1", 1, SELF_NS, 7, 7, false);

	setup_with(TCPTOP_AGGREGATE_PROCESS_NAME, 0, 100);
	drain_begin();
	drain_add(a);
	drain_add(b);
	drain_add(c);
	drain_end();
	assert_reported("process_name", "nginx", 3, 150);
	/* A process called "other" is not the "other" bucket. */
	assert_reported("process_name", "other_", 7, 7);
	ck_assert_ptr_null(reported("process_name", "other"));
	/* Restarted under a new PID: the same counter goes on. */
	a = flow_full(4, 99, "nginx", 443, "192.0.2.1", 1, SELF_NS, 1, 1, false);
	drain_begin();
	drain_add(a);
	drain_end();
	assert_reported("process_name", "nginx", 4, 151);
	teardown();
}
END_TEST

START_TEST(test_listening_port_buckets)
{
	struct tcptop_listeners *l;
	struct tcptop_roles *roles;
	struct tcptop_ident_ctx ctx = { 0 };
	uint8_t any[16] = { 0 };

	ck_assert_int_eq(tcptop_listeners_new(&l), 0);
	ck_assert_int_eq(tcptop_listeners_add(l, AF_INET, any, 443), 0);
	ck_assert_int_eq(tcptop_listeners_add(l, AF_INET, any, 22), 0);
	ck_assert_int_eq(tcptop_roles_new(l, SELF_NS, &roles), 0);
	ctx.roles = roles;
	setup_with(TCPTOP_AGGREGATE_LISTENING_PORT, 1, 100);
	drain_begin();
	tcptop_roles_begin(roles);
	drain_add(flow_full(1, 10, "nginx", 443, "192.0.2.1", 1, SELF_NS, 1000, 10, false));
	drain_add(flow_full(2, 11, "sshd", 22, "192.0.2.1", 1, SELF_NS, 5, 5, false));
	drain_add(flow_full(3, 12, "curl", 40001, "192.0.2.1", 1, SELF_NS, 1, 2000, false));
	/* Another namespace's server: its listeners are unknown here. */
	drain_add(flow_full(4, 13, "nginx", 443, "192.0.2.1", 1, 4026532000u, 30, 3, false));
	ck_assert_int_eq(tcptop_units_fold_ctx(units, table, NULL, &ctx), 0);
	assert_reported("listening_port", "443", 10, 1000);
	assert_reported("listening_port", "client", 2000, 1);
	assert_reported("listening_port", "other", 8, 35);
	ck_assert_ptr_null(reported("listening_port", "22"));
	ck_assert_ptr_null(reported("listening_port", "40001"));
	tcptop_roles_free(roles);
	tcptop_listeners_free(l);
	teardown();
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
	tcase_add_test(tc, test_total_reported_every_read);
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

	tc = tcase_create("several");
	tcase_add_test(tc, test_every_aggregate_adds_up_to_the_total);
	tcase_add_test(tc, test_process_name_merges_pids);
	tcase_add_test(tc, test_listening_port_buckets);
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
