/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The units the plugin reports (flows, processes, local ports or remote
 * hosts) and their cumulative counters, kept in user space so collectd gets
 * DERIVE values that only ever grow.
 *
 * Each read folds the drained table into the units:
 *  - a unit is reported while any of its flows is in the table, which
 *    includes the read in which its last flow closed, so final totals are
 *    always dispatched before the core evicts the flow;
 *  - a flow unit is forgotten at the next read (its socket is gone);
 *  - a process, port or host unit stays in memory, unreported, for
 *    TCPTOP_UNITS_LINGER_READS reads, so a comeback (the next request on a
 *    port) continues its counter instead of restarting from zero.  At most
 *    linger_max such idle units are kept; the longest idle go first.
 *
 * With TopFlows N, each read reports the N units that moved the most bytes in
 * that read; the bytes of every other unit go to the "other" bucket.  A
 * unit's counter grows only in the reads where it is among the N, so each byte
 * is in exactly one counter and sums across instances stay exact.  Pinned
 * units (listening_port's "client") are reported beside the N, and flows the
 * identifier sends to "other" (listening_port: other namespaces) go there
 * directly.  So the counters of one aggregate, "other" included, always add
 * up to the bytes of every flow it was given.
 */
#ifndef TCPTOP_PLUGIN_UNITS_H
#define TCPTOP_PLUGIN_UNITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plugin_filter.h"
#include "plugin_ident.h"
#include "tcptop_core.h"

#define TCPTOP_UNITS_LINGER_READS 360

struct tcptop_unit {
	struct tcptop_ident id;
	uint64_t rx;			/* the counters collectd gets */
	uint64_t tx;
	uint64_t rx_delta;		/* this read */
	uint64_t tx_delta;
	uint64_t seq;			/* creation order, to break ties */
	uint32_t idle_reads;		/* reads without any flow */
	bool seen;			/* had a flow in this read */
	bool ranked;			/* among the TopFlows in the last read */
	bool pinned;			/* reported whatever TopFlows says */
};

struct tcptop_units;

/* top: TopFlows, 0 for every unit; linger_max: idle units kept at most. */
int tcptop_units_new(enum tcptop_aggregate agg, uint32_t top, size_t linger_max,
		     struct tcptop_units **out);
void tcptop_units_free(struct tcptop_units *u);

/*
 * Fold one drained table (the entries f selects) into the units and decide
 * what this read reports.  Returns 0, or -ENOMEM when some entries could not
 * be given a unit (the rest are still folded).
 */
int tcptop_units_fold(struct tcptop_units *u, struct tcptop_table *t,
		      const struct tcptop_filter *f);
/* The same, with names and listeners for the aggregates that need them. */
int tcptop_units_fold_ctx(struct tcptop_units *u, struct tcptop_table *t,
			  const struct tcptop_filter *f, const struct tcptop_ident_ctx *ctx);
enum tcptop_aggregate tcptop_units_aggregate(const struct tcptop_units *u);
uint32_t tcptop_units_top(const struct tcptop_units *u);

/* Units in memory, reported or idle (not counting "other"). */
size_t tcptop_units_count(const struct tcptop_units *u);
/* The i-th unit in memory (i < count), in no particular order. */
const struct tcptop_unit *tcptop_units_at(const struct tcptop_units *u, size_t i);
/* Units this read reports, "other" included. */
size_t tcptop_units_reported(const struct tcptop_units *u);
/* The i-th unit this read reports; "other" comes last. */
const struct tcptop_unit *tcptop_units_report_at(const struct tcptop_units *u, size_t i);
/* A unit in memory by identifier, reported or not; NULL if forgotten. */
const struct tcptop_unit *tcptop_units_find(const struct tcptop_units *u,
					    const struct tcptop_ident *id);

#endif
