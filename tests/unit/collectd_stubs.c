// SPDX-License-Identifier: GPL-2.0
/* The daemon side of the plugin's world, for unit tests; see collectd_stubs.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectd_stubs.h"

struct stubs_state stubs;

void stubs_clear(void)
{
	free(stubs.dispatched);
	stubs.dispatched = NULL;
	stubs.ndispatched = 0;
	free(stubs.logs);
	stubs.logs = NULL;
	stubs.nlogs = 0;
}

void stubs_reset(void)
{
	stubs_clear();
	memset(&stubs, 0, sizeof(stubs));
}

const struct stubs_dispatch *stubs_find(const char *plugin_instance, const char *type,
					const char *type_instance)
{
	size_t i;

	for (i = stubs.ndispatched; i-- > 0;) {
		const value_list_t *vl = &stubs.dispatched[i].vl;

		if (strcmp(vl->plugin_instance, plugin_instance) == 0 && strcmp(vl->type, type) == 0 &&
		    strcmp(vl->type_instance, type_instance) == 0)
			return &stubs.dispatched[i];
	}
	return NULL;
}

size_t stubs_count(const char *plugin_instance, const char *type, const char *type_instance)
{
	size_t i, n = 0;

	for (i = 0; i < stubs.ndispatched; i++) {
		const value_list_t *vl = &stubs.dispatched[i].vl;

		n += strcmp(vl->plugin_instance, plugin_instance) == 0 && strcmp(vl->type, type) == 0 &&
		     strcmp(vl->type_instance, type_instance) == 0;
	}
	return n;
}

const struct stubs_log *stubs_log_find(int level, const char *s)
{
	size_t i;

	for (i = 0; i < stubs.nlogs; i++)
		if (stubs.logs[i].level == level && strstr(stubs.logs[i].msg, s))
			return &stubs.logs[i];
	return NULL;
}

size_t stubs_log_count(int level)
{
	size_t i, n = 0;

	for (i = 0; i < stubs.nlogs; i++)
		n += stubs.logs[i].level == level;
	return n;
}

/* ---- the daemon's exports ----------------------------------------------------- */

void plugin_log(int level, const char *format, ...)
{
	struct stubs_log *logs;
	va_list ap;

	if (stubs.quiet && level > LOG_WARNING)
		return;
	logs = realloc(stubs.logs, (stubs.nlogs + 1) * sizeof(*logs));
	if (!logs)
		abort();
	stubs.logs = logs;
	logs[stubs.nlogs].level = level;
	va_start(ap, format);
	vsnprintf(logs[stubs.nlogs].msg, sizeof(logs[stubs.nlogs].msg), format, ap);
	va_end(ap);
	if (getenv("STUBS_VERBOSE") || (stubs.quiet && level <= LOG_WARNING))
		fprintf(stderr, "collectd (stub) log %d: %s\n", level, logs[stubs.nlogs].msg);
	stubs.nlogs++;
}

int plugin_dispatch_values(value_list_t const *vl)
{
	struct stubs_dispatch *d;
	size_t i;

	if (stubs.on_dispatch) {
		stubs.on_dispatch(vl);
		return 0;
	}
	d = realloc(stubs.dispatched, (stubs.ndispatched + 1) * sizeof(*d));
	if (!d)
		abort();
	stubs.dispatched = d;
	/* The array may have moved: each vl.values must point at its own entry again. */
	for (i = 0; i < stubs.ndispatched; i++)
		d[i].vl.values = d[i].values;
	d += stubs.ndispatched++;
	if (vl->values_len > STUBS_MAX_VALUES)
		abort();
	d->vl = *vl;
	memcpy(d->values, vl->values, vl->values_len * sizeof(value_t));
	d->vl.values = d->values;
	return 0;
}

int plugin_register_complex_config(const char *type, int (*callback)(oconfig_item_t *))
{
	(void)type;
	stubs.config = callback;
	return 0;
}

int plugin_register_init(const char *name, plugin_init_cb callback)
{
	(void)name;
	stubs.init = callback;
	return 0;
}

int plugin_register_shutdown(const char *name, plugin_shutdown_cb callback)
{
	(void)name;
	stubs.shutdown = callback;
	return 0;
}

int plugin_register_complex_read(const char *group, const char *name, plugin_read_cb callback,
				 cdtime_t interval, user_data_t const *user_data)
{
	(void)group;
	(void)user_data;
	stubs.read = callback;
	snprintf(stubs.read_name, sizeof(stubs.read_name), "%s", name);
	stubs.read_interval = interval;
	stubs.reads_registered++;
	return 0;
}

int plugin_unregister_read(const char *name)
{
	(void)name;
	stubs.read = NULL;
	return 0;
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

cdtime_t cdtime(void)
{
	return stubs.now;
}
