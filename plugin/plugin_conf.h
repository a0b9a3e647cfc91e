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

struct tcptop_plugin_conf {
	enum tcptop_probe probe;
	enum tcptop_aggregate aggregate;
	uint32_t top_flows;		/* 0: report every unit */
	uint32_t max_flows;		/* 0: the core's default */
	double interval;		/* seconds; 0: collectd's */
	struct tcptop_filter filter;
	unsigned errors;		/* options rejected */
};

void tcptop_conf_init(struct tcptop_plugin_conf *c);
void tcptop_conf_free(struct tcptop_plugin_conf *c);
/*
 * Apply the options of one <Plugin tcptop> block (there may be several).
 * Messages go to log without the "tcptop plugin:" prefix.
 */
void tcptop_conf_apply(struct tcptop_plugin_conf *c, const oconfig_item_t *block,
		       tcptop_log_fn log, void *log_ctx);

#endif
