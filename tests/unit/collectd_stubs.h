/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Stand-ins for the collectd daemon symbols the plugin uses (collectd's own
 * mock library is not shipped), recording what the plugin registers, logs
 * and dispatches so a test can play the daemon.  One library
 * (tests/unit/libcollectd_stubs.la) for the unit and lifecycle tests, which link
 * the plugin's sources, and for the benchmarks, which dlopen tcptop.so from
 * an executable that exports these (-export-dynamic), as collectd does.
 */
#ifndef TCPTOP_TESTS_COLLECTD_STUBS_H
#define TCPTOP_TESTS_COLLECTD_STUBS_H

#include "collectd/core/daemon/collectd.h"
#include "collectd/core/daemon/plugin.h"
#include "collectd/core/utils/common/common.h"

#define STUBS_MAX_VALUES 4

/* One dispatched value list, deep-copied. */
struct stubs_dispatch {
	value_list_t vl;
	value_t values[STUBS_MAX_VALUES];
};

struct stubs_log {
	int level;
	char msg[1024];
};

struct stubs_state {
	int (*config)(oconfig_item_t *ci);
	plugin_init_cb init;
	plugin_shutdown_cb shutdown;
	plugin_read_cb read;
	char read_name[DATA_MAX_NAME_LEN];
	cdtime_t read_interval;
	int reads_registered;
	struct stubs_dispatch *dispatched;
	size_t ndispatched;
	struct stubs_log *logs;
	size_t nlogs;
	cdtime_t now;			/* what cdtime() returns */
	/*
	 * Set: each value list goes here instead of being recorded (a
	 * benchmark's hundreds of thousands of values per read).
	 */
	void (*on_dispatch)(const value_list_t *vl);
	bool quiet;			/* log lines above LOG_WARNING are not recorded */
};

extern struct stubs_state stubs;

/* Forget everything recorded (registrations included). */
void stubs_reset(void);
/* Forget dispatched values and log lines only. */
void stubs_clear(void);
/* The last value list dispatched with this identifier, or NULL. */
const struct stubs_dispatch *stubs_find(const char *plugin_instance, const char *type,
					const char *type_instance);
/* How many value lists with this identifier were dispatched. */
size_t stubs_count(const char *plugin_instance, const char *type, const char *type_instance);
/* The first log line at level containing s, or NULL. */
const struct stubs_log *stubs_log_find(int level, const char *s);
size_t stubs_log_count(int level);

#endif
