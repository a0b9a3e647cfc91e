// SPDX-License-Identifier: GPL-2.0
/*
 * Drives tcptop.so as collectd would, over the daemon stubs the tests use
 * (tests/unit/collectd_stubs.c), which the benchmark executable exports
 * (-export-dynamic) for dlopen to resolve the plugin's plugin_* symbols.
 */
#include "collectd_stubs.h"

#include <dlfcn.h>
#include <stdarg.h>

#include "bench_plugin.h"

static struct {
	void *so;
	struct tcptop_bench_plugin_tally *tally;
	const uint32_t *pids; /* the watched processes */
	int npids;
} tcptop_bench_plugin;

/* Is the plugin instance "<comm>-<pid>" one of the watched processes? */
static bool tcptop_bench_plugin_watched(const char *plugin_instance)
{
	const char *dash = strrchr(plugin_instance, '-');
	unsigned long pid;
	int i;

	if (!dash)
		return false;
	pid = strtoul(dash + 1, NULL, 10);
	for (i = 0; i < tcptop_bench_plugin.npids; i++)
		if (tcptop_bench_plugin.pids[i] == pid)
			return true;
	return false;
}

/* Each dispatched value list: count, and sum the watched processes' byte counters. */
static void tcptop_bench_plugin_dispatch(const value_list_t *vl)
{
	struct tcptop_bench_plugin_tally *t = tcptop_bench_plugin.tally;

	if (!t)
		return;
	t->dispatches++;
	t->values += vl->values_len;
	if (strcmp(vl->type, "tcptop_bytes") != 0 || vl->values_len != 2 ||
	    !tcptop_bench_plugin_watched(vl->plugin_instance))
		return;
	t->rx += (uint64_t)vl->values[0].derive;
	t->tx += (uint64_t)vl->values[1].derive;
	t->units++;
}

int tcptop_bench_plugin_load(const char *so_path, uint32_t max_flows)
{
	oconfig_value_t name = { .value.string = "tcptop", .type = OCONFIG_TYPE_STRING };
	oconfig_value_t flows = { .value.number = max_flows, .type = OCONFIG_TYPE_NUMBER };
	oconfig_value_t per_flow = { .value.string = "flow", .type = OCONFIG_TYPE_STRING };
	/* Per flow (<comm>-<pid> plugin instances), which the tally reads. */
	oconfig_item_t opt[2] = {
		{ .key = "MaxFlows", .values = &flows, .values_num = 1 },
		{ .key = "Aggregate", .values = &per_flow, .values_num = 1 },
	};
	oconfig_item_t block = { .key = "Plugin",
				 .values = &name,
				 .values_num = 1,
				 .children = opt,
				 .children_num = 2 };
	void (*reg)(void);

	memset(&tcptop_bench_plugin, 0, sizeof(tcptop_bench_plugin));
	stubs_reset();
	stubs.on_dispatch = tcptop_bench_plugin_dispatch;
	stubs.quiet = true;
	opt[0].parent = opt[1].parent = &block;
	tcptop_bench_plugin.so = dlopen(so_path, RTLD_NOW | RTLD_LOCAL);
	if (!tcptop_bench_plugin.so) {
		fprintf(stderr, "tcptop-bench-drain: %s\n", dlerror());
		return -ENOENT;
	}
	*(void **)&reg = dlsym(tcptop_bench_plugin.so, "module_register");
	if (!reg)
		return -ENOENT;
	reg();
	if (!stubs.config || !stubs.init)
		return -EINVAL;
	stubs.config(&block);
	if (stubs.init() != 0 || !stubs.read)
		return -EIO;
	return 0;
}

int tcptop_bench_plugin_read(const uint32_t *pids, int npids,
			     struct tcptop_bench_plugin_tally *tally)
{
	int rc;

	memset(tally, 0, sizeof(*tally));
	tcptop_bench_plugin.pids = pids;
	tcptop_bench_plugin.npids = npids;
	tcptop_bench_plugin.tally = tally;
	rc = stubs.read(NULL);
	tcptop_bench_plugin.tally = NULL;
	return rc ? -EIO : 0;
}

void tcptop_bench_plugin_unload(void)
{
	if (stubs.shutdown)
		stubs.shutdown();
	if (tcptop_bench_plugin.so)
		dlclose(tcptop_bench_plugin.so);
	memset(&tcptop_bench_plugin, 0, sizeof(tcptop_bench_plugin));
	stubs_reset();
}
