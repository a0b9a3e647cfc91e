// SPDX-License-Identifier: GPL-2.0
/*
 * The daemon's side of the plugin interface, as much as tcptop.so uses.
 * These functions are exported from the benchmark executable
 * (-export-dynamic), which is where dlopen resolves the plugin's undefined
 * plugin_* symbols, as it would in collectd.
 */
#include "collectd/core/daemon/collectd.h"
#include "collectd/core/daemon/plugin.h"
#include "collectd/core/utils/common/common.h"

#include <dlfcn.h>
#include <stdarg.h>

#include "bench_plugin.h"

static struct {
	void *so;
	int (*config)(oconfig_item_t *);
	plugin_init_cb init;
	plugin_read_cb read;
	plugin_shutdown_cb shutdown;
	struct tcptop_bench_plugin_tally *tally;
	const uint32_t *pids; /* the watched processes */
	int npids;
} tcptop_bench_plugin;

int plugin_register_complex_config(const char *type, int (*callback)(oconfig_item_t *))
{
	(void)type;
	tcptop_bench_plugin.config = callback;
	return 0;
}

int plugin_register_init(const char *name, plugin_init_cb callback)
{
	(void)name;
	tcptop_bench_plugin.init = callback;
	return 0;
}

int plugin_register_complex_read(const char *group, const char *name, plugin_read_cb callback,
				 cdtime_t interval, user_data_t const *user_data)
{
	(void)group;
	(void)name;
	(void)interval;
	(void)user_data;
	tcptop_bench_plugin.read = callback;
	return 0;
}

int plugin_register_shutdown(const char *name, plugin_shutdown_cb callback)
{
	(void)name;
	tcptop_bench_plugin.shutdown = callback;
	return 0;
}

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

/* The stubbed dispatch: count, and sum the watched processes' byte counters. */
int plugin_dispatch_values(value_list_t const *vl)
{
	struct tcptop_bench_plugin_tally *t = tcptop_bench_plugin.tally;

	if (!t)
		return 0;
	t->dispatches++;
	t->values += vl->values_len;
	if (strcmp(vl->type, "tcptop_bytes") != 0 || vl->values_len != 2 ||
	    !tcptop_bench_plugin_watched(vl->plugin_instance))
		return 0;
	t->rx += (uint64_t)vl->values[0].derive;
	t->tx += (uint64_t)vl->values[1].derive;
	t->units++;
	return 0;
}

void plugin_log(int level, const char *format, ...)
{
	va_list ap;

	if (level > LOG_WARNING)
		return;
	va_start(ap, format);
	fputs("collectd (stub): ", stderr);
	vfprintf(stderr, format, ap);
	fputc('\n', stderr);
	va_end(ap);
}

char *sstrncpy(char *dest, const char *src, size_t n)
{
	if (!n)
		return dest;
	strncpy(dest, src, n - 1);
	dest[n - 1] = '\0';
	return dest;
}

char *sstrerror(int errnum, char *buf, size_t buflen)
{
	snprintf(buf, buflen, "%s", strerror(errnum));
	return buf;
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
	if (!tcptop_bench_plugin.config || !tcptop_bench_plugin.init)
		return -EINVAL;
	tcptop_bench_plugin.config(&block);
	if (tcptop_bench_plugin.init() != 0 || !tcptop_bench_plugin.read)
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
	rc = tcptop_bench_plugin.read(NULL);
	tcptop_bench_plugin.tally = NULL;
	return rc ? -EIO : 0;
}

void tcptop_bench_plugin_unload(void)
{
	if (tcptop_bench_plugin.shutdown)
		tcptop_bench_plugin.shutdown();
	if (tcptop_bench_plugin.so)
		dlclose(tcptop_bench_plugin.so);
	memset(&tcptop_bench_plugin, 0, sizeof(tcptop_bench_plugin));
}
