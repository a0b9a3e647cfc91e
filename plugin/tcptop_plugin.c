// SPDX-License-Identifier: GPL-2.0
/*
 * The collectd read plugin: a thin front end over the core.  config parses
 * <Plugin tcptop>, init loads and attaches the kernel programs, read drains
 * them and dispatches cumulative DERIVE counters per unit plus a few
 * self-metrics, shutdown detaches everything.  The logic lives in
 * plugin_conf.c, plugin_filter.c, plugin_ident.c and plugin_units.c, which
 * the unit tests link without collectd.
 *
 * Only collectd's headers are included here, never our config.h: both
 * define PACKAGE_NAME and friends.
 */
#include "collectd/core/daemon/collectd.h"
#include "collectd/core/daemon/plugin.h"
#include "collectd/core/utils/common/common.h"

#include "plugin_conf.h"
#include "plugin_ident.h"
#include "plugin_names.h"
#include "plugin_roles.h"
#include "plugin_units.h"
#include "tcptop_core.h"

#define TCPTOP_PLUGIN "tcptop"

/* types.db */
#define TCPTOP_TYPE_BYTES "tcptop_bytes"
#define TCPTOP_TYPE_FLOWS "tcptop_flows"
#define TCPTOP_TYPE_DROPPED "tcptop_dropped"
#define TCPTOP_TYPE_SECONDS "tcptop_seconds"

static struct tcptop_plugin_conf tcptop_conf;
static bool tcptop_conf_ready;
static struct tcptop_tracer *tcptop_tracer;
static struct tcptop_table *tcptop_flows;
/* One per aggregate, in the order of the config. */
static struct tcptop_units *tcptop_units[TCPTOP_AGGREGATE_KINDS];
static size_t tcptop_nunits;
/* Names for cgroup and netns; listeners and sides for listening_port (else NULL). */
static struct tcptop_names *tcptop_names;
static struct tcptop_listeners *tcptop_listeners;
static struct tcptop_roles *tcptop_roles;
/* The last listener refresh error logged, so a persistent failure is logged once. */
static int tcptop_listeners_failing;
/* Self-metrics are DERIVE too, so they are kept as running totals. */
static uint64_t tcptop_dropped_events[TCPTOP_DROPPED_KINDS];
static uint64_t tcptop_dropped_bytes[TCPTOP_DROPPED_KINDS];
/* The last drain error logged, so a persistent failure is logged once. */
static int tcptop_drain_failing;

/* The core's and the config parser's messages, with the plugin's prefix. */
static void tcptop_plugin_log(enum tcptop_log_level level, const char *msg, void *ctx)
{
	static const int severity[] = {
		[TCPTOP_LOG_ERROR] = LOG_ERR,
		[TCPTOP_LOG_WARNING] = LOG_WARNING,
		[TCPTOP_LOG_INFO] = LOG_INFO,
		[TCPTOP_LOG_DEBUG] = LOG_DEBUG,
	};

	(void)ctx;
	plugin_log((unsigned)level <= TCPTOP_LOG_DEBUG ? severity[level] : LOG_INFO,
		   TCPTOP_PLUGIN " plugin: %s", msg);
}

/* The only place that dispatches. */
static void tcptop_plugin_submit(const char *plugin_instance, const char *type,
				 const char *type_instance, value_t *values, size_t n)
{
	value_list_t vl = VALUE_LIST_INIT;

	vl.values = values;
	vl.values_len = n;
	sstrncpy(vl.plugin, TCPTOP_PLUGIN, sizeof(vl.plugin));
	sstrncpy(vl.plugin_instance, plugin_instance, sizeof(vl.plugin_instance));
	sstrncpy(vl.type, type, sizeof(vl.type));
	sstrncpy(vl.type_instance, type_instance, sizeof(vl.type_instance));
	plugin_dispatch_values(&vl);
}

/* ---- config ----------------------------------------------------------------- */

/*
 * Always returns 0: a failing config callback makes collectd 5.12 exit, and
 * its other plugins with it.  Rejected options make init fail instead.
 */
static int tcptop_plugin_config(oconfig_item_t *ci)
{
	if (!tcptop_conf_ready) {
		tcptop_conf_init(&tcptop_conf);
		tcptop_conf_ready = true;
	}
	tcptop_conf_apply(&tcptop_conf, ci, tcptop_plugin_log, NULL);
	return 0;
}

/* ---- init ------------------------------------------------------------------- */

static int tcptop_plugin_read(user_data_t *ud);
static int tcptop_plugin_shutdown(void);

/* Units, names and listeners for the configured aggregates. */
static int tcptop_plugin_start_units(void)
{
	struct tcptop_conf_aggregate aggs[TCPTOP_AGGREGATE_KINDS];
	struct tcptop_names_opts names = { 0 };
	size_t linger_max = tcptop_conf.max_flows ? tcptop_conf.max_flows : TCPTOP_DEFAULT_MAX_FLOWS;
	size_t i, n = tcptop_conf_aggregates(&tcptop_conf, aggs);
	bool listeners = false;
	int err;

	/* Without it, every namespace counts as ours (listening_port) and none is "host". */
	if (tcptop_names_inode(TCPTOP_NAMES_SELF_NETNS, &names.self_netns))
		WARNING(TCPTOP_PLUGIN " plugin: cannot read %s; flows of other network namespaces cannot be told apart",
			TCPTOP_NAMES_SELF_NETNS);
	err = tcptop_names_new(&names, &tcptop_names);
	for (i = 0; !err && i < n; i++) {
		err = tcptop_units_new(aggs[i].agg, aggs[i].top, linger_max, &tcptop_units[i]);
		if (!err)
			tcptop_nunits++;
		listeners |= tcptop_aggregate_needs_listeners(aggs[i].agg);
	}
	if (!err && listeners) {
		err = tcptop_listeners_new(&tcptop_listeners);
		if (!err)
			err = tcptop_roles_new(tcptop_listeners, names.self_netns, &tcptop_roles);
	}
	return err;
}

/* "total, process_name (top 20), ..." for the INFO line. */
static void tcptop_plugin_describe(char *buf, size_t len)
{
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < tcptop_nunits && used < len; i++) {
		uint32_t top = tcptop_units_top(tcptop_units[i]);
		enum tcptop_aggregate agg = tcptop_units_aggregate(tcptop_units[i]);
		int w;

		if (top)
			w = snprintf(buf + used, len - used, "%s%s (the %u busiest and \"other\")",
				     i ? ", " : "", tcptop_aggregate_name(agg), top);
		else
			w = snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
				     tcptop_aggregate_name(agg));
		if (w < 0)
			break;
		used += (size_t)w;
	}
}

static int tcptop_plugin_start(void)
{
	struct tcptop_opts opts = {
		.mode = tcptop_conf.mode,
		.max_flows = tcptop_conf.max_flows,
		.log = tcptop_plugin_log,
	};
	int err;

	tcptop_filter_pushdown(&tcptop_conf.filter, &opts.pid, &opts.family);
	/* The core logs one ERROR saying what is missing, or INFO with the mode chosen. */
	err = tcptop_tracer_open(&opts, &tcptop_tracer);
	if (err)
		return err;
	err = tcptop_table_new(&tcptop_flows);
	if (!err)
		err = tcptop_plugin_start_units();
	if (err) {
		ERROR(TCPTOP_PLUGIN " plugin: cannot allocate the flow table: %s", STRERROR(-err));
		return err;
	}
	err = plugin_register_complex_read(NULL, TCPTOP_PLUGIN, tcptop_plugin_read,
					   DOUBLE_TO_CDTIME_T(tcptop_conf.interval), NULL);
	if (err) {
		ERROR(TCPTOP_PLUGIN " plugin: registering the read callback failed (%d)", err);
		return -EINVAL;
	}
	return 0;
}

static int tcptop_plugin_init(void)
{
	if (tcptop_tracer)
		return 0;
	if (!tcptop_conf_ready) {
		tcptop_conf_init(&tcptop_conf);
		tcptop_conf_ready = true;
	}
	tcptop_conf_finish(&tcptop_conf, tcptop_plugin_log, NULL);
	if (tcptop_conf.errors) {
		ERROR(TCPTOP_PLUGIN " plugin: not started: %u option%s in <Plugin tcptop> %s rejected (see the errors above)",
		      tcptop_conf.errors, tcptop_conf.errors == 1 ? "" : "s",
		      tcptop_conf.errors == 1 ? "was" : "were");
		return -1;
	}
	if (tcptop_plugin_start()) {
		/* Leaves nothing behind; collectd carries on with its other plugins. */
		tcptop_plugin_shutdown();
		return -1;
	}
	{
		char what[1024];

		tcptop_plugin_describe(what, sizeof(what));
		INFO(TCPTOP_PLUGIN " plugin: reporting per %s", what);
	}
	return 0;
}

/* ---- read ------------------------------------------------------------------- */

static void tcptop_plugin_submit_bytes(const struct tcptop_unit *unit)
{
	value_t values[] = {
		{ .derive = (derive_t)unit->rx },
		{ .derive = (derive_t)unit->tx },
	};

	tcptop_plugin_submit(unit->id.plugin_instance, TCPTOP_TYPE_BYTES, unit->id.type_instance,
			     values, 2);
}

static void tcptop_plugin_submit_gauge(const char *type, const char *type_instance, double v)
{
	value_t value = { .gauge = v };

	tcptop_plugin_submit(TCPTOP_IDENT_SELF, type, type_instance, &value, 1);
}

static void tcptop_plugin_submit_self(const struct tcptop_drain_stats *st, uint64_t read_ns)
{
	int k;

	tcptop_plugin_submit_gauge(TCPTOP_TYPE_FLOWS, "sockets", (double)st->live_sockets);
	tcptop_plugin_submit_gauge(TCPTOP_TYPE_FLOWS, "entries", (double)st->flows);
	size_t i, reported = 0;

	for (i = 0; i < tcptop_nunits; i++)
		reported += tcptop_units_reported(tcptop_units[i]);
	tcptop_plugin_submit_gauge(TCPTOP_TYPE_FLOWS, "reported", (double)reported);
	tcptop_plugin_submit_gauge(TCPTOP_TYPE_SECONDS, "drain", (double)st->drain_ns / 1e9);
	tcptop_plugin_submit_gauge(TCPTOP_TYPE_SECONDS, "read", (double)read_ns / 1e9);
	for (k = 0; k < TCPTOP_DROPPED_KINDS; k++) {
		value_t values[2];

		tcptop_dropped_events[k] += st->dropped_events_by_kind[k];
		tcptop_dropped_bytes[k] += st->dropped_bytes_by_kind[k];
		values[0].derive = (derive_t)tcptop_dropped_events[k];
		values[1].derive = (derive_t)tcptop_dropped_bytes[k];
		tcptop_plugin_submit(TCPTOP_IDENT_SELF, TCPTOP_TYPE_DROPPED,
				     tcptop_drop_kind_name((enum tcptop_drop_kind)k), values, 2);
	}
}

static uint64_t tcptop_plugin_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* A full map must name who filled it: users refused their share of MaxFlows, in this read. */
static void tcptop_plugin_refused(const struct tcptop_drain_stats *st)
{
	int i;

	for (i = 0; i < TCPTOP_REFUSED_UIDS && st->refused_uids[i].events; i++)
		WARNING(TCPTOP_PLUGIN " plugin: sockets of uid %u were refused a place beyond that user's share of MaxFlows: %llu events, %llu bytes not counted (tcptop_dropped-user_share)",
			st->refused_uids[i].uid, (unsigned long long)st->refused_uids[i].events,
			(unsigned long long)st->refused_uids[i].bytes);
}

/* Logs a failing drain once, and its recovery. */
static void tcptop_plugin_drain_status(int err)
{
	if (err && err != tcptop_drain_failing)
		ERROR(TCPTOP_PLUGIN " plugin: draining the kernel counters failed: %s; what was read is still reported",
		      STRERROR(-err));
	else if (!err && tcptop_drain_failing)
		INFO(TCPTOP_PLUGIN " plugin: draining the kernel counters works again");
	tcptop_drain_failing = err;
}

/* Logs a failing listener refresh once, and its recovery. */
static void tcptop_plugin_listeners_status(int err)
{
	if (err && err != tcptop_listeners_failing)
		ERROR(TCPTOP_PLUGIN " plugin: listing the listening TCP sockets failed: %s; listening_port keeps the last list",
		      STRERROR(-err));
	else if (!err && tcptop_listeners_failing)
		INFO(TCPTOP_PLUGIN " plugin: listing the listening TCP sockets works again");
	tcptop_listeners_failing = err;
}

/*
 * Whatever a drain or fold managed to collect is still reported: those bytes
 * have left the kernel and exist nowhere else.  Returning 0 keeps collectd
 * from backing off, which would only let the kernel's queues fill up.
 */
static int tcptop_plugin_read(user_data_t *ud)
{
	struct tcptop_ident_ctx ctx;
	struct tcptop_drain_stats st;
	uint64_t start = tcptop_plugin_now_ns();
	size_t i, k, n;
	int err, fold_err = 0;

	(void)ud;
	if (!tcptop_tracer)
		return -1;
	tcptop_plugin_drain_status(tcptop_tracer_drain(tcptop_tracer, tcptop_flows, &st));
	/* After the drain, so every listener of a flow it found is still there or gone for good. */
	if (tcptop_listeners)
		tcptop_plugin_listeners_status(tcptop_listeners_refresh(tcptop_listeners));
	if (tcptop_roles)
		tcptop_roles_begin(tcptop_roles);
	tcptop_names_next_read(tcptop_names);
	ctx.names = tcptop_names;
	ctx.roles = tcptop_roles;
	for (k = 0; k < tcptop_nunits; k++) {
		err = tcptop_units_fold_ctx(tcptop_units[k], tcptop_flows, &tcptop_conf.filter, &ctx);
		if (err)
			fold_err = err;
		n = tcptop_units_reported(tcptop_units[k]);
		for (i = 0; i < n; i++)
			tcptop_plugin_submit_bytes(tcptop_units_report_at(tcptop_units[k], i));
	}
	if (fold_err)
		ERROR(TCPTOP_PLUGIN " plugin: some flows could not be reported: %s",
		      STRERROR(-fold_err));
	tcptop_plugin_submit_self(&st, tcptop_plugin_now_ns() - start);
	tcptop_plugin_refused(&st);
	return 0;
}

/* ---- shutdown --------------------------------------------------------------- */

static int tcptop_plugin_shutdown(void)
{
	tcptop_tracer_close(tcptop_tracer);
	tcptop_tracer = NULL;
	tcptop_table_free(tcptop_flows);
	tcptop_flows = NULL;
	while (tcptop_nunits)
		tcptop_units_free(tcptop_units[--tcptop_nunits]);
	memset(tcptop_units, 0, sizeof(tcptop_units));
	tcptop_roles_free(tcptop_roles);
	tcptop_roles = NULL;
	tcptop_listeners_free(tcptop_listeners);
	tcptop_listeners = NULL;
	tcptop_names_free(tcptop_names);
	tcptop_names = NULL;
	tcptop_listeners_failing = 0;
	memset(tcptop_dropped_events, 0, sizeof(tcptop_dropped_events));
	memset(tcptop_dropped_bytes, 0, sizeof(tcptop_dropped_bytes));
	tcptop_drain_failing = 0;
	if (tcptop_conf_ready)
		tcptop_conf_free(&tcptop_conf);
	tcptop_conf_ready = false;
	return 0;
}

void module_register(void)
{
	plugin_register_complex_config(TCPTOP_PLUGIN, tcptop_plugin_config);
	plugin_register_init(TCPTOP_PLUGIN, tcptop_plugin_init);
	plugin_register_shutdown(TCPTOP_PLUGIN, tcptop_plugin_shutdown);
}
