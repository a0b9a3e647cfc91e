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
#include "plugin_names.h"

#define TCPTOP_CONF_WHY_LEN 256

void tcptop_conf_init(struct tcptop_plugin_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->mode = TCPTOP_MODE_AUTO;
	tcptop_filter_init(&c->filter);
	c->netns_dir = TCPTOP_NAMES_NETNS_DIR;
	c->self_netns_path = TCPTOP_NAMES_SELF_NETNS;
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
	if (s[i] || tcptop_mode_parse(lower, &c->mode))
		return tcptop_conf_fail(why, whylen,
					"expected auto, tracepoint, fentry or kprobe, got \"%s\"", s);
	return 0;
}

/* Aggregate "<kind>" [N]: repeatable, one kind per line. */
static int tcptop_conf_aggregate_line(struct tcptop_plugin_conf *c, const oconfig_item_t *ci,
				      char *why, size_t whylen)
{
	struct tcptop_conf_aggregate a = { 0 };
	const char *s = NULL;
	uint64_t n;
	size_t i;

	if (ci->values_num < 1 || ci->values_num > 2)
		return tcptop_conf_fail(why, whylen,
					"expected a kind and an optional number of units, as in Aggregate \"process_name\" 20");
	if (tcptop_conf_string(&ci->values[0], &s, why, whylen))
		return -EINVAL;
	if (tcptop_aggregate_parse(s, &a.agg))
		return tcptop_conf_fail(why, whylen,
					"expected total, process_name, listening_port, cgroup, netns, flow, process, local_port or remote_host, got \"%s\"",
					s);
	if (ci->values_num == 2) {
		if (a.agg == TCPTOP_AGGREGATE_TOTAL)
			return tcptop_conf_fail(why, whylen,
						"total is a single series and takes no number of units");
		if (tcptop_conf_uint(&ci->values[1], 0, TCPTOP_CONF_TOP_MAX, &n, why, whylen)) {
			size_t len = strlen(why);

			snprintf(why + len, whylen - len, " (the number of %s units to report; 0: all)",
				 tcptop_aggregate_name(a.agg));
			return -EINVAL;
		}
		a.top = (uint32_t)n;
		a.top_set = true;
	}
	for (i = 0; i < c->naggs; i++)
		if (c->aggs[i].agg == a.agg)
			return tcptop_conf_fail(why, whylen, "%s is given twice",
						tcptop_aggregate_name(a.agg));
	c->aggs[c->naggs++] = a;
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

	if (tcptop_conf_uint(v, 1, TCPTOP_PID_MAX, &n, why, whylen))
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

/* "self", a name in /run/netns, or an inode number. */
static int tcptop_conf_netns(struct tcptop_plugin_conf *c, const oconfig_value_t *v, char *why,
			     size_t whylen)
{
	char path[4096];
	uint32_t inum;
	uint64_t n;
	int err;

	if (v->type == OCONFIG_TYPE_NUMBER ||
	    (v->type == OCONFIG_TYPE_STRING && isdigit((unsigned char)v->value.string[0]))) {
		if (tcptop_conf_uint(v, 1, UINT32_MAX, &n, why, whylen))
			return -EINVAL;
		return tcptop_filter_add_netns(&c->filter, (uint32_t)n);
	}
	if (v->type != OCONFIG_TYPE_STRING)
		return tcptop_conf_fail(why, whylen,
					"expected \"self\", a name in %s or an inode number",
					c->netns_dir);
	if (strcmp(v->value.string, "self") == 0) {
		err = tcptop_names_inode(c->self_netns_path, &inum);
		if (err)
			return tcptop_conf_fail(why, whylen, "cannot read %s: %s",
						c->self_netns_path, strerror(-err));
		return tcptop_filter_add_netns(&c->filter, inum);
	}
	if (!v->value.string[0] || strchr(v->value.string, '/') ||
	    strcmp(v->value.string, "..") == 0 || strcmp(v->value.string, ".") == 0)
		return tcptop_conf_fail(why, whylen,
					"expected \"self\", a name in %s or an inode number, got \"%s\"",
					c->netns_dir, v->value.string);
	snprintf(path, sizeof(path), "%s/%s", c->netns_dir, v->value.string);
	err = tcptop_names_inode(path, &inum);
	if (err)
		return tcptop_conf_fail(why, whylen, "no network namespace named \"%s\" (%s: %s)",
					v->value.string, path, strerror(-err));
	return tcptop_filter_add_netns(&c->filter, inum);
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
	/* Options that read their line as a whole instead (apply is NULL). */
	int (*apply_line)(struct tcptop_plugin_conf *c, const oconfig_item_t *ci, char *why,
			  size_t whylen);
};

static const struct tcptop_conf_option tcptop_conf_options[] = {
	{ "Probe", tcptop_conf_probe, false, NULL },
	{ "Aggregate", NULL, true, tcptop_conf_aggregate_line },
	{ "NetworkNamespace", tcptop_conf_netns, true, NULL },
	{ "TopFlows", tcptop_conf_top_flows, false, NULL },
	{ "MaxFlows", tcptop_conf_max_flows, false, NULL },
	{ "Interval", tcptop_conf_interval, false, NULL },
	{ "PID", tcptop_conf_pid, true, NULL },
	{ "Process", tcptop_conf_process, true, NULL },
	{ "LocalPort", tcptop_conf_local_port, true, NULL },
	{ "RemotePort", tcptop_conf_remote_port, true, NULL },
	{ "Family", tcptop_conf_family, true, NULL },
	{ "IgnoreLoopback", tcptop_conf_ignore_loopback, false, NULL },
	{ "IgnoreSelected", tcptop_conf_ignore_selected, false, NULL },
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
	if (opt->apply_line) {
		why[0] = '\0';
		err = opt->apply_line(c, ci, why, sizeof(why));
		if (err == -ENOMEM)
			tcptop_conf_error(c, log, log_ctx, "option `%s': out of memory", ci->key);
		else if (err)
			tcptop_conf_error(c, log, log_ctx, "option `%s': %s", ci->key, why);
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

static uint32_t tcptop_conf_default_top(enum tcptop_aggregate agg)
{
	switch (agg) {
	case TCPTOP_AGGREGATE_PROCESS_NAME:
		return TCPTOP_CONF_TOP_PROCESS_NAME;
	case TCPTOP_AGGREGATE_LISTENING_PORT:
		return TCPTOP_CONF_TOP_LISTENING_PORT;
	case TCPTOP_AGGREGATE_CGROUP:
		return TCPTOP_CONF_TOP_CGROUP;
	case TCPTOP_AGGREGATE_NETNS:
		return TCPTOP_CONF_TOP_NETNS;
	default:
		return 0;
	}
}

size_t tcptop_conf_aggregates(const struct tcptop_plugin_conf *c,
			      struct tcptop_conf_aggregate *out)
{
	static const enum tcptop_aggregate defaults[] = {
		TCPTOP_AGGREGATE_TOTAL,
		TCPTOP_AGGREGATE_PROCESS_NAME,
		TCPTOP_AGGREGATE_LISTENING_PORT,
	};
	size_t i, n = 0;

	if (!c->naggs) {
		for (i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
			out[n++] = (struct tcptop_conf_aggregate){ .agg = defaults[i] };
	} else {
		for (i = 0; i < c->naggs; i++)
			out[n++] = c->aggs[i];
	}
	for (i = 0; i < n; i++) {
		if (out[i].agg == TCPTOP_AGGREGATE_TOTAL)
			out[i].top = 0;
		else if (!out[i].top_set)
			out[i].top = c->top_flows ? c->top_flows : tcptop_conf_default_top(out[i].agg);
		out[i].top_set = true;
	}
	return n;
}

void tcptop_conf_finish(struct tcptop_plugin_conf *c, tcptop_log_fn log, void *log_ctx)
{
	struct tcptop_conf_aggregate a[TCPTOP_AGGREGATE_KINDS];
	size_t i, n = tcptop_conf_aggregates(c, a);
	bool flow_other = false, process_other = false;

	for (i = 0; i < n; i++) {
		flow_other |= a[i].agg == TCPTOP_AGGREGATE_FLOW && a[i].top;
		process_other |= a[i].agg == TCPTOP_AGGREGATE_PROCESS && a[i].top;
	}
	/* Both would report their rest as tcptop-other/tcptop_bytes. */
	if (flow_other && process_other)
		tcptop_conf_error(c, log, log_ctx,
				  "option `Aggregate': flow and process cannot both have a number of units (TopFlows): both would report the rest as tcptop-other; give one of them 0 (all units), or use process_name");
}
