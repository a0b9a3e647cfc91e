// SPDX-License-Identifier: GPL-2.0
/* Options of <Plugin tcptop>; see conf/tcptop.conf for what each one means. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "plugin_conf.h"

#define TCPTOP_CONF_WHY_LEN 256

void tcptop_conf_init(struct tcptop_plugin_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->probe = TCPTOP_PROBE_AUTO;
	c->aggregate = TCPTOP_AGGREGATE_FLOW;
	tcptop_filter_init(&c->filter);
}

void tcptop_conf_free(struct tcptop_plugin_conf *c)
{
	tcptop_filter_free(&c->filter);
	tcptop_conf_init(c);
}

/* A value as the user wrote it, for error messages. */
static void tcptop_conf_show(const oconfig_value_t *v, char *buf, size_t len)
{
	switch (v->type) {
	case OCONFIG_TYPE_STRING:
		snprintf(buf, len, "\"%s\"", v->value.string);
		break;
	case OCONFIG_TYPE_NUMBER:
		snprintf(buf, len, "%g", v->value.number);
		break;
	case OCONFIG_TYPE_BOOLEAN:
		snprintf(buf, len, "%s", v->value.boolean ? "true" : "false");
		break;
	default:
		snprintf(buf, len, "a value of unknown type");
	}
}

__attribute__((format(printf, 3, 4)))
static int tcptop_conf_fail(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* A whole number in [min, max], written bare or quoted. */
static int tcptop_conf_uint(const oconfig_value_t *v, uint64_t min, uint64_t max, uint64_t *out,
			    char *why, size_t whylen)
{
	char shown[64];
	double d;

	if (v->type == OCONFIG_TYPE_NUMBER) {
		d = v->value.number;
		if (d == floor(d) && d >= (double)min && d <= (double)max) {
			*out = (uint64_t)d;
			return 0;
		}
	} else if (v->type == OCONFIG_TYPE_STRING && isdigit((unsigned char)v->value.string[0])) {
		char *end;
		unsigned long long n;

		errno = 0;
		n = strtoull(v->value.string, &end, 10);
		if (!errno && !*end && n >= min && n <= max) {
			*out = n;
			return 0;
		}
	}
	tcptop_conf_show(v, shown, sizeof(shown));
	return tcptop_conf_fail(why, whylen, "expected a whole number from %llu to %llu, got %s",
				(unsigned long long)min, (unsigned long long)max, shown);
}

static int tcptop_conf_bool(const oconfig_value_t *v, bool *out, char *why, size_t whylen)
{
	static const char *const yes[] = { "true", "yes", "on" };
	static const char *const no[] = { "false", "no", "off" };
	char shown[64];
	size_t i;

	if (v->type == OCONFIG_TYPE_BOOLEAN) {
		*out = v->value.boolean != 0;
		return 0;
	}
	for (i = 0; v->type == OCONFIG_TYPE_STRING && i < 3; i++) {
		if (strcasecmp(v->value.string, yes[i]) == 0 || strcasecmp(v->value.string, no[i]) == 0) {
			*out = strcasecmp(v->value.string, yes[i]) == 0;
			return 0;
		}
	}
	tcptop_conf_show(v, shown, sizeof(shown));
	return tcptop_conf_fail(why, whylen, "expected true or false, got %s", shown);
}

static int tcptop_conf_string(const oconfig_value_t *v, const char **out, char *why, size_t whylen)
{
	char shown[64];

	if (v->type == OCONFIG_TYPE_STRING) {
		*out = v->value.string;
		return 0;
	}
	tcptop_conf_show(v, shown, sizeof(shown));
	return tcptop_conf_fail(why, whylen, "expected a quoted string, got %s", shown);
}

/* ---- one handler per option; v is one value, already counted -------------- */

static int tcptop_conf_probe(struct tcptop_plugin_conf *c, const oconfig_value_t *v, char *why,
			     size_t whylen)
{
	char lower[32];
	const char *s = NULL;
	size_t i;

	if (tcptop_conf_string(v, &s, why, whylen))
		return -EINVAL;
	for (i = 0; s[i] && i + 1 < sizeof(lower); i++)
		lower[i] = (char)tolower((unsigned char)s[i]);
	lower[i] = '\0';
	if (s[i] || tcptop_probe_parse(lower, &c->probe))
		return tcptop_conf_fail(why, whylen,
					"expected auto, tracepoint, fentry or kprobe, got \"%s\"", s);
	return 0;
}

static int tcptop_conf_aggregate(struct tcptop_plugin_conf *c, const oconfig_value_t *v,
				 char *why, size_t whylen)
{
	const char *s = NULL;

	if (tcptop_conf_string(v, &s, why, whylen))
		return -EINVAL;
	if (tcptop_aggregate_parse(s, &c->aggregate))
		return tcptop_conf_fail(why, whylen,
					"expected flow, process, local_port or remote_host, got \"%s\"", s);
	return 0;
}

static int tcptop_conf_top_flows(struct tcptop_plugin_conf *c, const oconfig_value_t *v,
				 char *why, size_t whylen)
{
	uint64_t n;

	if (tcptop_conf_uint(v, 1, TCPTOP_CONF_TOP_MAX, &n, why, whylen))
		return -EINVAL;
	c->top_flows = (uint32_t)n;
	return 0;
}

static int tcptop_conf_max_flows(struct tcptop_plugin_conf *c, const oconfig_value_t *v,
				 char *why, size_t whylen)
{
	uint64_t n;

	if (tcptop_conf_uint(v, 1, TCPTOP_MAX_FLOWS_LIMIT, &n, why, whylen))
		return -EINVAL;
	c->max_flows = (uint32_t)n;
	return 0;
}

static int tcptop_conf_interval(struct tcptop_plugin_conf *c, const oconfig_value_t *v,
				char *why, size_t whylen)
{
	char shown[64];

	if (v->type == OCONFIG_TYPE_NUMBER && v->value.number > 0 &&
	    v->value.number <= TCPTOP_CONF_INTERVAL_MAX) {
		c->interval = v->value.number;
		return 0;
	}
	tcptop_conf_show(v, shown, sizeof(shown));
	return tcptop_conf_fail(why, whylen, "expected seconds above 0 and at most %g, got %s",
				TCPTOP_CONF_INTERVAL_MAX, shown);
}

static int tcptop_conf_pid(struct tcptop_plugin_conf *c, const oconfig_value_t *v, char *why,
			   size_t whylen)
{
	uint64_t n;

	if (tcptop_conf_uint(v, 1, TCPTOP_FILTER_PID_MAX, &n, why, whylen))
		return -EINVAL;
	return tcptop_filter_add_pid(&c->filter, (uint32_t)n);
}

static int tcptop_conf_process(struct tcptop_plugin_conf *c, const oconfig_value_t *v,
			       char *why, size_t whylen)
{
	const char *s = NULL;

	if (tcptop_conf_string(v, &s, why, whylen))
		return -EINVAL;
	return tcptop_filter_add_process(&c->filter, s, why, whylen);
}

static int tcptop_conf_port(const oconfig_value_t *v, uint16_t *port, char *why, size_t whylen)
{
	uint64_t n;

	if (tcptop_conf_uint(v, 1, 65535, &n, why, whylen))
		return -EINVAL;
	*port = (uint16_t)n;
	return 0;
}

static int tcptop_conf_local_port(struct tcptop_plugin_conf *c, const oconfig_value_t *v,
				  char *why, size_t whylen)
{
	uint16_t port;

	if (tcptop_conf_port(v, &port, why, whylen))
		return -EINVAL;
	return tcptop_filter_add_local_port(&c->filter, port);
}

static int tcptop_conf_remote_port(struct tcptop_plugin_conf *c, const oconfig_value_t *v,
				   char *why, size_t whylen)
{
	uint16_t port;

	if (tcptop_conf_port(v, &port, why, whylen))
		return -EINVAL;
	return tcptop_filter_add_remote_port(&c->filter, port);
}

static int tcptop_conf_family(struct tcptop_plugin_conf *c, const oconfig_value_t *v,
			      char *why, size_t whylen)
{
	const char *s = NULL;

	if (tcptop_conf_string(v, &s, why, whylen))
		return -EINVAL;
	/* Repeated Family lines add up; "any" (or both families) means no filter. */
	if (strcasecmp(s, "ipv4") == 0)
		c->filter.families |= TCPTOP_FILTER_IPV4;
	else if (strcasecmp(s, "ipv6") == 0)
		c->filter.families |= TCPTOP_FILTER_IPV6;
	else if (strcasecmp(s, "any") == 0)
		c->filter.families |= TCPTOP_FILTER_IPV4 | TCPTOP_FILTER_IPV6;
	else
		return tcptop_conf_fail(why, whylen, "expected any, ipv4 or ipv6, got \"%s\"", s);
	return 0;
}

static int tcptop_conf_ignore_loopback(struct tcptop_plugin_conf *c, const oconfig_value_t *v,
				       char *why, size_t whylen)
{
	return tcptop_conf_bool(v, &c->filter.ignore_loopback, why, whylen);
}

static int tcptop_conf_ignore_selected(struct tcptop_plugin_conf *c, const oconfig_value_t *v,
				       char *why, size_t whylen)
{
	return tcptop_conf_bool(v, &c->filter.ignore_selected, why, whylen);
}

struct tcptop_conf_option {
	const char *name;
	int (*apply)(struct tcptop_plugin_conf *c, const oconfig_value_t *v, char *why,
		     size_t whylen);
	bool repeatable;	/* filters: several values per line, several lines */
};

static const struct tcptop_conf_option tcptop_conf_options[] = {
	{ "Probe", tcptop_conf_probe, false },
	{ "Aggregate", tcptop_conf_aggregate, false },
	{ "TopFlows", tcptop_conf_top_flows, false },
	{ "MaxFlows", tcptop_conf_max_flows, false },
	{ "Interval", tcptop_conf_interval, false },
	{ "PID", tcptop_conf_pid, true },
	{ "Process", tcptop_conf_process, true },
	{ "LocalPort", tcptop_conf_local_port, true },
	{ "RemotePort", tcptop_conf_remote_port, true },
	{ "Family", tcptop_conf_family, true },
	{ "IgnoreLoopback", tcptop_conf_ignore_loopback, false },
	{ "IgnoreSelected", tcptop_conf_ignore_selected, false },
};

__attribute__((format(printf, 4, 5)))
static void tcptop_conf_error(struct tcptop_plugin_conf *c, tcptop_log_fn log, void *log_ctx,
			      const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	c->errors++;
	if (!log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log(TCPTOP_LOG_ERROR, msg, log_ctx);
}

static void tcptop_conf_option(struct tcptop_plugin_conf *c, const oconfig_item_t *ci,
			       tcptop_log_fn log, void *log_ctx)
{
	const struct tcptop_conf_option *opt = NULL;
	char why[TCPTOP_CONF_WHY_LEN];
	size_t i;
	int v, err;

	for (i = 0; i < sizeof(tcptop_conf_options) / sizeof(tcptop_conf_options[0]); i++)
		if (strcasecmp(ci->key, tcptop_conf_options[i].name) == 0)
			opt = &tcptop_conf_options[i];
	if (!opt) {
		tcptop_conf_error(c, log, log_ctx,
				  "unknown option `%s' in <Plugin tcptop> (see conf/tcptop.conf for the options)",
				  ci->key);
		return;
	}
	if (ci->children_num > 0) {
		tcptop_conf_error(c, log, log_ctx, "option `%s' does not take a block", ci->key);
		return;
	}
	if (ci->values_num < 1 || (!opt->repeatable && ci->values_num != 1)) {
		tcptop_conf_error(c, log, log_ctx, "option `%s' needs %s value", ci->key,
				  opt->repeatable ? "at least one" : "exactly one");
		return;
	}
	for (v = 0; v < ci->values_num; v++) {
		why[0] = '\0';
		err = opt->apply(c, &ci->values[v], why, sizeof(why));
		if (err == -ENOMEM)
			tcptop_conf_error(c, log, log_ctx, "option `%s': out of memory", ci->key);
		else if (err)
			tcptop_conf_error(c, log, log_ctx, "option `%s': %s", ci->key, why);
	}
}

void tcptop_conf_apply(struct tcptop_plugin_conf *c, const oconfig_item_t *block,
		       tcptop_log_fn log, void *log_ctx)
{
	int i;

	for (i = 0; i < block->children_num; i++)
		tcptop_conf_option(c, &block->children[i], log, log_ctx);
}
