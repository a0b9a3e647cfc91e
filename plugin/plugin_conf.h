/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The <Plugin tcptop> block.  Parsing never stops collectd: each rejected
 * option is logged as an ERROR that names it and counted, and init refuses
 * to start when the count is not zero.  collectd itself would exit if the
 * config callback failed, taking every other plugin down with it.
 */
#ifndef TCPTOP_PLUGIN_CONF_H
#define TCPTOP_PLUGIN_CONF_H

#include <stdint.h>

#include "collectd/liboconfig/oconfig.h"

#include "plugin_filter.h"
#include "plugin_ident.h"
#include "tcptop_core.h"

#define TCPTOP_CONF_TOP_MAX 1000000u
#define TCPTOP_CONF_INTERVAL_MAX 86400.0

/*
 * With no Aggregate line: the host total, the 20 busiest process names and
 * the 10 busiest listening ports, each with "other" (listening_port also
 * with "client").  These tops also apply to an Aggregate line of these kinds
 * (and cgroup, netns) that gives no number, unless TopFlows is set.
 */
#define TCPTOP_CONF_TOP_PROCESS_NAME 20u
#define TCPTOP_CONF_TOP_LISTENING_PORT 10u
#define TCPTOP_CONF_TOP_CGROUP 20u
#define TCPTOP_CONF_TOP_NETNS 10u

struct tcptop_conf_aggregate {
	enum tcptop_aggregate agg;
	uint32_t top;			/* 0: every unit; valid when top_set */
	bool top_set;			/* a number was given on the Aggregate line */
};

struct tcptop_plugin_conf {
	enum tcptop_mode mode;
	/* Aggregate lines, in order; none: the default set (tcptop_conf_aggregates) */
	struct tcptop_conf_aggregate aggs[TCPTOP_AGGREGATE_KINDS];
	size_t naggs;
	uint32_t top_flows;		/* TopFlows; 0: not given */
	uint32_t max_flows;		/* 0: the core's default */
	double interval;		/* seconds; 0: collectd's */
	struct tcptop_filter filter;
	unsigned errors;		/* options rejected */
	/* Where NetworkNamespace looks names up (tests point them elsewhere). */
	const char *netns_dir;		/* /run/netns */
	const char *self_netns_path;	/* /proc/self/ns/net */
};

void tcptop_conf_init(struct tcptop_plugin_conf *c);
void tcptop_conf_free(struct tcptop_plugin_conf *c);
/*
 * Apply the options of one <Plugin tcptop> block (there may be several).
 * Messages go to log without the "tcptop plugin:" prefix.
 */
void tcptop_conf_apply(struct tcptop_plugin_conf *c, const oconfig_item_t *block,
		       tcptop_log_fn log, void *log_ctx);
/*
 * Checks what only all blocks together can tell (called once, by init);
 * counts and logs errors like apply.
 */
void tcptop_conf_finish(struct tcptop_plugin_conf *c, tcptop_log_fn log, void *log_ctx);
/*
 * The aggregates to report, with the top each one uses (the Aggregate line's
 * number, else TopFlows, else the kind's default: 0 for flow, process,
 * local_port and remote_host as before, the TCPTOP_CONF_TOP_* above for the
 * others).  Returns how many were written to out (room for
 * TCPTOP_AGGREGATE_KINDS).
 */
size_t tcptop_conf_aggregates(const struct tcptop_plugin_conf *c,
			      struct tcptop_conf_aggregate *out);

#endif
