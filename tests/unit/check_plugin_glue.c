// SPDX-License-Identifier: GPL-2.0
/*
 * The collectd glue (plugin/tcptop_plugin.c) with the daemon played by
 * collectd_stubs.c and the kernel side by the fake tracer below: what gets
 * registered, logged and dispatched, and what happens on bad config, on a
 * tracer that cannot load, and when flows end.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "collectd_stubs.h"
#include "tcptop.h"
#include "tcptop_core.h"
#include "flow_table_internal.h"

void module_register(void);

/* ---- the fake tracer: records for the next drain, and what it was opened with ---- */

static struct {
	struct tcptop_opts opts;
	int open_err;
	int opened;
	int closed;
	struct tcptop_sock_rec recs[16];
	size_t nrecs;
	struct tcptop_drain_stats stats;
	int drain_err;
	int drains;
} fake;

static int fake_token;

int tcptop_tracer_open(const struct tcptop_opts *opts, struct tcptop_tracer **out)
{
	fake.opts = *opts;
	*out = NULL;
	if (fake.open_err) {
		opts->log(TCPTOP_LOG_ERROR,
			  "no attach mode works on this kernel (tracepoint: loading the programs failed: Operation not permitted)",
			  opts->log_ctx);
		return fake.open_err;
	}
	opts->log(TCPTOP_LOG_INFO, "attached in tracepoint mode (auto)", opts->log_ctx);
	fake.opened++;
	*out = (struct tcptop_tracer *)&fake_token;
	return 0;
}

int tcptop_tracer_drain(struct tcptop_tracer *tr, struct tcptop_table *t,
			struct tcptop_drain_stats *stats)
{
	size_t i;

	ck_assert_ptr_eq(tr, (struct tcptop_tracer *)&fake_token);
	tcptop_table_begin(t);
	for (i = 0; i < fake.nrecs; i++)
		ck_assert_int_eq(tcptop_table_add_record(t, &fake.recs[i]), 0);
	fake.nrecs = 0;
	*stats = fake.stats;
	stats->flows = tcptop_table_count(t);
	fake.drains++;
	return fake.drain_err;
}

void tcptop_tracer_close(struct tcptop_tracer *tr)
{
	if (tr)
		fake.closed++;
}

enum tcptop_mode tcptop_tracer_mode(const struct tcptop_tracer *tr)
{
	(void)tr;
	return TCPTOP_MODE_TRACEPOINT;
}

/* Names come from the core itself (core/names.c). */

static void fake_flow(uint64_t id, uint32_t tgid, const char *comm, uint16_t lport,
		      uint16_t rport, uint64_t tx, uint64_t rx, bool closed)
{
	struct tcptop_sock_rec *r = &fake.recs[fake.nrecs++];

	memset(r, 0, sizeof(*r));
	r->id = id;
	r->family = AF_INET;
	r->lport = lport;
	r->rport = rport;
	inet_pton(AF_INET, "127.0.0.1", r->laddr);
	inet_pton(AF_INET, "127.0.0.1", r->raddr);
	r->flags = closed ? TCPTOP_FLOW_CLOSED : 0;
	r->slot[0].tgid = tgid;
	strncpy(r->slot[0].comm, comm, sizeof(r->slot[0].comm) - 1);
	r->slot[0].tx = tx;
	r->slot[0].rx = rx;
}

/* ---- playing the daemon ----------------------------------------------------------- */

static void setup(void)
{
	stubs_reset();
	memset(&fake, 0, sizeof(fake));
	module_register();
}

static void teardown(void)
{
	if (stubs.shutdown)
		ck_assert_int_eq(stubs.shutdown(), 0);
	stubs_reset();
}

static oconfig_value_t S(const char *s)
{
	oconfig_value_t v = { .type = OCONFIG_TYPE_STRING };

	v.value.string = (char *)s;
	return v;
}

static oconfig_value_t N(double d)
{
	oconfig_value_t v = { .type = OCONFIG_TYPE_NUMBER };

	v.value.number = d;
	return v;
}

/* Hands collectd's config callback a <Plugin tcptop> block. */
static int configure(oconfig_item_t *children, int n)
{
	oconfig_value_t name = S("tcptop");
	oconfig_item_t block = { .key = "Plugin", .values = &name, .values_num = 1,
				 .children = children, .children_num = n };

	ck_assert_ptr_nonnull(stubs.config);
	return stubs.config(&block);
}

static void assert_all_logs_prefixed(void)
{
	size_t i;

	for (i = 0; i < stubs.nlogs; i++)
		ck_assert_msg(strncmp(stubs.logs[i].msg, "tcptop plugin: ", 15) == 0,
			      "log line without prefix: %s", stubs.logs[i].msg);
}

static void assert_bytes(const char *pi, const char *ti, int64_t rx, int64_t tx)
{
	const struct stubs_dispatch *d = stubs_find(pi, "tcptop_bytes", ti);

	ck_assert_msg(d != NULL, "tcptop-%s/tcptop_bytes-%s not dispatched", pi, ti);
	ck_assert_str_eq(d->vl.plugin, "tcptop");
	ck_assert_uint_eq(d->vl.values_len, 2);
	ck_assert_int_eq(d->values[0].derive, rx);
	ck_assert_int_eq(d->values[1].derive, tx);
}

#define TI(l, r) "127_0_0_1_" #l "-127_0_0_1_" #r

/* Aggregate "flow": today's per-flow report, as configs that name it get. */
static void configure_flow(void)
{
	oconfig_value_t agg = S("flow");
	oconfig_item_t opt = { .key = "Aggregate", .values = &agg, .values_num = 1 };

	ck_assert_int_eq(configure(&opt, 1), 0);
}

/* ---- registration and init ---------------------------------------------------------- */

START_TEST(test_registers_without_read)
{
	ck_assert_ptr_nonnull(stubs.config);
	ck_assert_ptr_nonnull(stubs.init);
	ck_assert_ptr_nonnull(stubs.shutdown);
	/* Reading is registered by a successful init only. */
	ck_assert_ptr_null(stubs.read);
}
END_TEST

START_TEST(test_init_defaults)
{
	/* No <Plugin tcptop> block at all. */
	ck_assert_int_eq(stubs.init(), 0);
	ck_assert_int_eq(fake.opened, 1);
	ck_assert_int_eq(fake.opts.mode, TCPTOP_MODE_AUTO);
	ck_assert_uint_eq(fake.opts.pid, 0);
	ck_assert_int_eq(fake.opts.family, 0);
	ck_assert_uint_eq(fake.opts.max_flows, 0);
	ck_assert_ptr_nonnull(stubs.read);
	ck_assert_str_eq(stubs.read_name, "tcptop");
	ck_assert_uint_eq(stubs.read_interval, 0);
	/* The core's INFO line with the mode, prefixed. */
	ck_assert_ptr_nonnull(stubs_log_find(LOG_INFO, "tcptop plugin: attached in tracepoint mode"));
	/* init twice is harmless. */
	ck_assert_int_eq(stubs.init(), 0);
	ck_assert_int_eq(fake.opened, 1);
	ck_assert_int_eq(stubs.reads_registered, 1);
	assert_all_logs_prefixed();
}
END_TEST

START_TEST(test_init_options_reach_core)
{
	oconfig_value_t probe = S("tracepoint"), pid = N(4242), fam = S("ipv6"), max = N(1000),
			iv = N(2.5);
	oconfig_item_t opts[] = {
		{ .key = "Probe", .values = &probe, .values_num = 1 },
		{ .key = "PID", .values = &pid, .values_num = 1 },
		{ .key = "Family", .values = &fam, .values_num = 1 },
		{ .key = "MaxFlows", .values = &max, .values_num = 1 },
		{ .key = "Interval", .values = &iv, .values_num = 1 },
	};

	ck_assert_int_eq(configure(opts, 5), 0);
	ck_assert_int_eq(stubs.init(), 0);
	ck_assert_int_eq(fake.opts.mode, TCPTOP_MODE_TRACEPOINT);
	ck_assert_uint_eq(fake.opts.pid, 4242);
	ck_assert_int_eq(fake.opts.family, AF_INET6);
	ck_assert_uint_eq(fake.opts.max_flows, 1000);
	ck_assert_uint_eq(stubs.read_interval, DOUBLE_TO_CDTIME_T(2.5));
}
END_TEST

START_TEST(test_bad_option_fails_init_cleanly)
{
	oconfig_value_t one = N(1), neg = N(-3);
	oconfig_item_t opts[] = {
		{ .key = "Bogus", .values = &one, .values_num = 1 },
		{ .key = "TopFlows", .values = &neg, .values_num = 1 },
	};

	/* The config callback never fails: collectd would exit with every plugin. */
	ck_assert_int_eq(configure(opts, 2), 0);
	ck_assert_ptr_nonnull(stubs_log_find(LOG_ERR, "tcptop plugin: unknown option `Bogus'"));
	ck_assert_ptr_nonnull(stubs_log_find(LOG_ERR, "tcptop plugin: option `TopFlows'"));
	ck_assert_int_ne(stubs.init(), 0);
	ck_assert_ptr_nonnull(stubs_log_find(LOG_ERR, "not started: 2 options in <Plugin tcptop> were rejected"));
	ck_assert_int_eq(fake.opened, 0);
	ck_assert_ptr_null(stubs.read);
	assert_all_logs_prefixed();
}
END_TEST

START_TEST(test_tracer_failure_fails_init_cleanly)
{
	fake.open_err = -EPERM;
	ck_assert_int_ne(stubs.init(), 0);
	ck_assert_ptr_nonnull(stubs_log_find(LOG_ERR, "tcptop plugin: no attach mode works"));
	ck_assert_ptr_null(stubs.read);
	ck_assert_int_eq(fake.closed, 0);
	assert_all_logs_prefixed();
}
END_TEST

/* ---- read -------------------------------------------------------------------------- */

/* A user refused its share of MaxFlows is named in a WARNING, with the user_share drops. */
START_TEST(test_read_names_refused_uid)
{
	const struct stubs_dispatch *d;

	configure_flow();
	ck_assert_int_eq(stubs.init(), 0);
	fake.stats.dropped_events_by_kind[TCPTOP_DROPPED_USER_SHARE] = 24;
	fake.stats.dropped_bytes_by_kind[TCPTOP_DROPPED_USER_SHARE] = 2400;
	fake.stats.refused_uids[0] = (struct tcptop_refused_uid){ 4242, 24, 2400 };
	ck_assert_int_eq(stubs.read(NULL), 0);
	ck_assert_ptr_nonnull(stubs_log_find(LOG_WARNING, "uid 4242"));
	d = stubs_find("self", "tcptop_dropped", "user_share");
	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(d->values[1].derive, 2400);
	/* No refusal, no warning. */
	memset(&fake.stats, 0, sizeof(fake.stats));
	stubs_clear();
	ck_assert_int_eq(stubs.read(NULL), 0);
	ck_assert_ptr_null(stubs_log_find(LOG_WARNING, "uid"));
}
END_TEST

START_TEST(test_read_dispatches_cumulative_derive)
{
	const struct stubs_dispatch *d;

	configure_flow();
	ck_assert_int_eq(stubs.init(), 0);
	fake_flow(1, 10, "srv", 5000, 40000, 100, 7, false);
	fake_flow(2, 11, "cli ent", 40000, 5000, 7, 100, false);
	fake.stats.live_sockets = 2;
	fake.stats.dropped_events_by_kind[0] = 3;
	fake.stats.dropped_bytes_by_kind[0] = 300;
	ck_assert_int_eq(stubs.read(NULL), 0);
	assert_bytes("srv-10", TI(5000, 40000), 7, 100);
	assert_bytes("cli_ent-11", TI(40000, 5000), 100, 7);

	fake_flow(1, 10, "srv", 5000, 40000, 1, 0, false);
	fake.stats.dropped_events_by_kind[0] = 1;
	fake.stats.dropped_bytes_by_kind[0] = 10;
	stubs_clear();
	ck_assert_int_eq(stubs.read(NULL), 0);
	assert_bytes("srv-10", TI(5000, 40000), 7, 101);
	assert_bytes("cli_ent-11", TI(40000, 5000), 100, 7);

	/* Self-metrics: gauges, and drops as running totals. */
	d = stubs_find("self", "tcptop_flows", "sockets");
	ck_assert_ptr_nonnull(d);
	ck_assert(d->values[0].gauge == 2);
	d = stubs_find("self", "tcptop_flows", "entries");
	ck_assert_ptr_nonnull(d);
	ck_assert(d->values[0].gauge == 2);
	d = stubs_find("self", "tcptop_dropped", "map_full");
	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(d->values[0].derive, 4);
	ck_assert_int_eq(d->values[1].derive, 310);
	ck_assert_ptr_nonnull(stubs_find("self", "tcptop_dropped", "calls_in_flight"));
	ck_assert_ptr_nonnull(stubs_find("self", "tcptop_dropped", "skipped_by_kernel"));
	ck_assert_ptr_nonnull(stubs_find("self", "tcptop_seconds", "drain"));
	ck_assert_ptr_nonnull(stubs_find("self", "tcptop_seconds", "read"));
}
END_TEST

START_TEST(test_read_final_totals_then_gone)
{
	configure_flow();
	ck_assert_int_eq(stubs.init(), 0);
	fake_flow(1, 10, "srv", 5000, 40000, 100, 0, false);
	ck_assert_int_eq(stubs.read(NULL), 0);

	/* Closes mid-interval with 50 more bytes: dispatched with its final total. */
	stubs_clear();
	fake_flow(1, 10, "srv", 5000, 40000, 50, 0, true);
	ck_assert_int_eq(stubs.read(NULL), 0);
	assert_bytes("srv-10", TI(5000, 40000), 0, 150);

	/* Then never again; collectd times it out. */
	stubs_clear();
	ck_assert_int_eq(stubs.read(NULL), 0);
	ck_assert_uint_eq(stubs_count("srv-10", "tcptop_bytes", TI(5000, 40000)), 0);
}
END_TEST

START_TEST(test_read_aggregate_top_flows)
{
	oconfig_value_t agg = S("process"), top = N(1);
	oconfig_item_t opts[] = {
		{ .key = "Aggregate", .values = &agg, .values_num = 1 },
		{ .key = "TopFlows", .values = &top, .values_num = 1 },
	};

	ck_assert_int_eq(configure(opts, 2), 0);
	ck_assert_int_eq(stubs.init(), 0);
	fake_flow(1, 10, "a", 5000, 40000, 100, 0, false);
	fake_flow(2, 10, "a", 5001, 40001, 100, 0, true);
	fake_flow(3, 11, "b", 5002, 40002, 5, 1, false);
	fake_flow(4, 12, "c", 5003, 40003, 6, 2, true);
	ck_assert_int_eq(stubs.read(NULL), 0);
	assert_bytes("a-10", "", 0, 200);
	assert_bytes("other", "", 3, 11);
	ck_assert_uint_eq(stubs_count("b-11", "tcptop_bytes", ""), 0);
	ck_assert(stubs_find("self", "tcptop_flows", "reported")->values[0].gauge == 2);
}
END_TEST

START_TEST(test_read_filters)
{
	oconfig_value_t proc = S("/^keep/"), sel = S("true"), agg = S("flow");
	oconfig_item_t opts[] = {
		{ .key = "Process", .values = &proc, .values_num = 1 },
		{ .key = "IgnoreSelected", .values = &sel, .values_num = 1 },
		{ .key = "Aggregate", .values = &agg, .values_num = 1 },
	};

	ck_assert_int_eq(configure(opts, 3), 0);
	ck_assert_int_eq(stubs.init(), 0);
	fake_flow(1, 10, "keepme", 5000, 40000, 1, 1, false);
	fake_flow(2, 11, "other", 5001, 40001, 2, 2, false);
	ck_assert_int_eq(stubs.read(NULL), 0);
	ck_assert_uint_eq(stubs_count("keepme-10", "tcptop_bytes", TI(5000, 40000)), 0);
	assert_bytes("other-11", TI(5001, 40001), 2, 2);
}
END_TEST

START_TEST(test_read_drain_error_logged_once)
{
	configure_flow();
	ck_assert_int_eq(stubs.init(), 0);
	fake.drain_err = -EIO;
	fake_flow(1, 10, "srv", 5000, 40000, 9, 0, false);
	/* What the drain got is still dispatched, and collectd is not told to back off. */
	ck_assert_int_eq(stubs.read(NULL), 0);
	assert_bytes("srv-10", TI(5000, 40000), 0, 9);
	ck_assert_int_eq(stubs.read(NULL), 0);
	ck_assert_uint_eq(stubs_log_count(LOG_ERR), 1);
	fake.drain_err = 0;
	ck_assert_int_eq(stubs.read(NULL), 0);
	ck_assert_ptr_nonnull(stubs_log_find(LOG_INFO, "works again"));
	assert_all_logs_prefixed();
}
END_TEST

/* A real listening socket on 127.0.0.1 (the plugin lists listeners with sock_diag). */
static int listen_loopback(uint16_t *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(fd, 1), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

START_TEST(test_read_default_aggregates)
{
	char port_ti[16];
	uint16_t port;
	int lfd = listen_loopback(&port);
	size_t i;

	snprintf(port_ti, sizeof(port_ti), "%u", port);
	/* No options: host total, process names, listening ports. */
	ck_assert_int_eq(stubs.init(), 0);
	ck_assert_ptr_nonnull(stubs_log_find(
		LOG_INFO, "tcptop plugin: reporting per total, process_name (the 20 busiest and \"other\"), listening_port (the 10 busiest and \"other\")"));
	/* Two server processes of one program, and a client going out. */
	fake_flow(1, 10, "srv", port, 40000, 100, 7, false);
	fake_flow(2, 11, "srv", port, 40001, 50, 3, true);
	fake_flow(3, 12, "cli ent", 40002, 443, 9, 1000, false);
	ck_assert_int_eq(stubs.read(NULL), 0);
	assert_bytes("total", "", 1010, 159);
	assert_bytes("process_name", "srv", 10, 150);
	assert_bytes("process_name", "cli_ent", 1000, 9);
	assert_bytes("listening_port", port_ti, 10, 150);
	assert_bytes("listening_port", "client", 1000, 9);
	/* No PID, no ephemeral port anywhere. */
	for (i = 0; i < stubs.ndispatched; i++) {
		const value_list_t *vl = &stubs.dispatched[i].vl;

		if (strcmp(vl->type, "tcptop_bytes") != 0)
			continue;
		ck_assert_msg(!strchr(vl->plugin_instance, '-'), "%s", vl->plugin_instance);
		ck_assert_msg(!strstr(vl->type_instance, "4000"), "%s", vl->type_instance);
	}
	ck_assert(stubs_find("self", "tcptop_flows", "reported")->values[0].gauge == 5);

	/* The listener closes; the live server flow keeps its port, a new one is a client. */
	close(lfd);
	stubs_clear();
	fake_flow(1, 10, "srv", port, 40000, 1, 0, false);
	fake_flow(4, 13, "srv", port, 40003, 2, 0, false);
	ck_assert_int_eq(stubs.read(NULL), 0);
	assert_bytes("listening_port", port_ti, 10, 151);
	assert_bytes("listening_port", "client", 1000, 11);
	assert_bytes("process_name", "srv", 10, 153);
	assert_bytes("total", "", 1010, 162);
}
END_TEST

START_TEST(test_read_several_and_netns_filter)
{
	oconfig_value_t ns = N(4026532100.0), total = S("total"), netns = S("netns"),
			pn[2] = { S("process_name"), N(1) };
	oconfig_item_t opts[] = {
		{ .key = "NetworkNamespace", .values = &ns, .values_num = 1 },
		{ .key = "Aggregate", .values = &total, .values_num = 1 },
		{ .key = "Aggregate", .values = pn, .values_num = 2 },
		{ .key = "Aggregate", .values = &netns, .values_num = 1 },
	};

	ck_assert_int_eq(configure(opts, 4), 0);
	ck_assert_int_eq(stubs.init(), 0);
	fake_flow(1, 10, "a", 5000, 40000, 100, 1, false);
	fake.recs[0].netns = 4026532100u;
	fake_flow(2, 11, "b", 5001, 40001, 10, 2, false);
	fake.recs[1].netns = 4026532100u;
	/* Another namespace: not counted at all. */
	fake_flow(3, 12, "c", 5002, 40002, 1000, 1000, false);
	fake.recs[2].netns = 4026532101u;
	ck_assert_int_eq(stubs.read(NULL), 0);
	assert_bytes("total", "", 3, 110);
	assert_bytes("process_name", "a", 1, 100);
	assert_bytes("process_name", "other", 2, 10);
	assert_bytes("netns", "netns-4026532100", 3, 110);
	ck_assert_uint_eq(stubs_count("netns", "tcptop_bytes", "netns-4026532101"), 0);
	ck_assert_uint_eq(stubs_count("process_name", "tcptop_bytes", "c"), 0);
}
END_TEST

START_TEST(test_flow_and_process_other_clash_fails_init)
{
	oconfig_value_t f[2] = { S("flow"), N(5) }, p[2] = { S("process"), N(5) };
	oconfig_item_t opts[] = {
		{ .key = "Aggregate", .values = f, .values_num = 2 },
		{ .key = "Aggregate", .values = p, .values_num = 2 },
	};

	ck_assert_int_eq(configure(opts, 2), 0);
	ck_assert_int_ne(stubs.init(), 0);
	ck_assert_ptr_nonnull(stubs_log_find(LOG_ERR, "tcptop plugin: option `Aggregate': flow and process"));
	ck_assert_ptr_nonnull(stubs_log_find(LOG_ERR, "not started: 1 option"));
	ck_assert_int_eq(fake.opened, 0);
	assert_all_logs_prefixed();
}
END_TEST

START_TEST(test_shutdown_releases)
{
	ck_assert_int_eq(stubs.init(), 0);
	ck_assert_int_eq(stubs.shutdown(), 0);
	ck_assert_int_eq(fake.closed, 1);
	/* A read after shutdown (collectd does not, but be safe) does nothing. */
	ck_assert_int_ne(stubs.read(NULL), 0);
	/* A second shutdown is harmless. */
	ck_assert_int_eq(stubs.shutdown(), 0);
	ck_assert_int_eq(fake.closed, 1);
}
END_TEST

static Suite *glue_suite(void)
{
	Suite *s = suite_create("plugin_glue");
	TCase *tc = tcase_create("init");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_registers_without_read);
	tcase_add_test(tc, test_init_defaults);
	tcase_add_test(tc, test_init_options_reach_core);
	tcase_add_test(tc, test_bad_option_fails_init_cleanly);
	tcase_add_test(tc, test_tracer_failure_fails_init_cleanly);
	suite_add_tcase(s, tc);

	tc = tcase_create("read");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_read_dispatches_cumulative_derive);
	tcase_add_test(tc, test_read_names_refused_uid);
	tcase_add_test(tc, test_read_final_totals_then_gone);
	tcase_add_test(tc, test_read_aggregate_top_flows);
	tcase_add_test(tc, test_read_filters);
	tcase_add_test(tc, test_read_drain_error_logged_once);
	tcase_add_test(tc, test_read_default_aggregates);
	tcase_add_test(tc, test_read_several_and_netns_filter);
	tcase_add_test(tc, test_flow_and_process_other_clash_fails_init);
	tcase_add_test(tc, test_shutdown_releases);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(glue_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
