/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The collectd plugin (tcptop.so) without collectd: dlopen it, play the
 * daemon's part (config, init, read, shutdown) and stub the dispatch, so a
 * read can be timed on its own.  The stub tallies what the plugin dispatched.
 * No collectd types here: only bench_plugin.c includes collectd's headers.
 */
#ifndef TCPTOP_BENCH_PLUGIN_H
#define TCPTOP_BENCH_PLUGIN_H

#include <stdint.h>

struct tcptop_bench_plugin_tally {
	uint64_t dispatches; /* plugin_dispatch_values calls */
	uint64_t values;
	uint64_t rx; /* sum of tcptop_bytes rx of the watched processes */
	uint64_t tx;
	uint64_t units; /* tcptop_bytes units of the watched processes */
};

/* dlopen so_path, register, configure MaxFlows max_flows, init (loads BPF). */
int tcptop_bench_plugin_load(const char *so_path, uint32_t max_flows);
/*
 * One read callback.  The tally counts this read's dispatches; rx/tx sum the
 * running totals dispatched for the units ("<comm>-<pid>") of the npids
 * processes in pids.
 */
int tcptop_bench_plugin_read(const uint32_t *pids, int npids,
			     struct tcptop_bench_plugin_tally *tally);
/* shutdown callback, dlclose. */
void tcptop_bench_plugin_unload(void);

#endif
