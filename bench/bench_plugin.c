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
	struct bench_plugin_tally *tally;
	const uint32_t *pids;	/* the watched processes */
	int npids;
} bench_plugin;

int plugin_register_complex_config(const char *type, int (*callback)(oconfig_item_t *))
{
	(void)type;
	bench_plugin.config = callback;
	return 0;
}

int plugin_register_init(const char *name, plugin_init_cb callback)
{
	(void)name;
	bench_plugin.init = callback;
	return 0;
}

int plugin_register_complex_read(const char *group, const char *name, plugin_read_cb callback,
				 cdtime_t interval, user_data_t const *user_data)
{
	(void)group;
	(void)name;
	(void)interval;
	(void)user_data;
	bench_plugin.read = callback;
	return 0;
}

int plugin_register_shutdown(const char *name, plugin_shutdown_cb callback)
{
	(void)name;
	bench_plugin.shutdown = callback;
	return 0;
}

/* Is the plugin instance "<comm>-<pid>" one of the watched processes? */
static bool bench_plugin_watched(const char *plugin_instance)
{
	const char *dash = strrchr(plugin_instance, '-');
	unsigned long pid;
	int i;

	if (!dash)
		return false;
	pid = strtoul(dash + 1, NULL, 10);
	for (i = 0; i < bench_plugin.npids; i++)
		if (bench_plugin.pids[i] == pid)
			return true;
	return false;
}

/* The stubbed dispatch: count, and sum the watched processes' byte counters. */
int plugin_dispatch_values(value_list_t const *vl)
{
	struct bench_plugin_tally *t = bench_plugin.tally;

	if (!t)
		return 0;
	t->dispatches++;
	t->values += vl->values_len;
	if (strcmp(vl->type, "tcptop_bytes") != 0 || vl->values_len != 2 ||
	    !bench_plugin_watched(vl->plugin_instance))
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

int bench_plugin_load(const char *so_path, uint32_t max_flows)
{
	oconfig_value_t name = { .value.string = "tcptop", .type = OCONFIG_TYPE_STRING };
	oconfig_value_t flows = { .value.number = max_flows, .type = OCONFIG_TYPE_NUMBER };
	oconfig_item_t opt = { .key = "MaxFlows", .values = &flows, .values_num = 1 };
	oconfig_item_t block = { .key = "Plugin", .values = &name, .values_num = 1,
				 .children = &opt, .children_num = 1 };
	void (*reg)(void);

	memset(&bench_plugin, 0, sizeof(bench_plugin));
	opt.parent = &block;
	bench_plugin.so = dlopen(so_path, RTLD_NOW | RTLD_LOCAL);
	if (!bench_plugin.so) {
		fprintf(stderr, "tcptop-bench-drain: %s\n", dlerror());
		return -ENOENT;
	}
	*(void **)&reg = dlsym(bench_plugin.so, "module_register");
	if (!reg)
		return -ENOENT;
	reg();
	if (!bench_plugin.config || !bench_plugin.init)
		return -EINVAL;
	bench_plugin.config(&block);
	if (bench_plugin.init() != 0 || !bench_plugin.read)
		return -EIO;
	return 0;
}

int bench_plugin_read(const uint32_t *pids, int npids, struct bench_plugin_tally *tally)
{
	int rc;

	memset(tally, 0, sizeof(*tally));
	bench_plugin.pids = pids;
	bench_plugin.npids = npids;
	bench_plugin.tally = tally;
	rc = bench_plugin.read(NULL);
	bench_plugin.tally = NULL;
	return rc ? -EIO : 0;
}

void bench_plugin_unload(void)
{
	if (bench_plugin.shutdown)
		bench_plugin.shutdown();
	if (bench_plugin.so)
		dlclose(bench_plugin.so);
	memset(&bench_plugin, 0, sizeof(bench_plugin));
}
