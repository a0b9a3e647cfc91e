// SPDX-License-Identifier: GPL-2.0
/* Identifier building; the scheme is described in plugin_ident.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "plugin_ident.h"

/*
 * The longest identifiers must fit collectd's fields: a plugin instance is a
 * COMM, '-' and a PID of at most 10 digits; a type instance is two endpoints
 * of at most an address, '_' and 5 port digits, joined by '-'.
 */
_Static_assert(TCPTOP_COMM_MAX - 1 + 1 + 10 < TCPTOP_IDENT_LEN,
	       "plugin instance must fit collectd's 127 characters");
_Static_assert(2 * (TCPTOP_ADDR_STRLEN - 1 + 1 + 5) + 1 < TCPTOP_IDENT_LEN,
	       "type instance must fit collectd's 127 characters");

static const char *const tcptop_aggregate_names[] = {
	[TCPTOP_AGGREGATE_FLOW] = "flow",
	[TCPTOP_AGGREGATE_PROCESS] = "process",
	[TCPTOP_AGGREGATE_LOCAL_PORT] = "local_port",
	[TCPTOP_AGGREGATE_REMOTE_HOST] = "remote_host",
};

#define TCPTOP_AGGREGATES (sizeof(tcptop_aggregate_names) / sizeof(tcptop_aggregate_names[0]))

const char *tcptop_aggregate_name(enum tcptop_aggregate agg)
{
	return (unsigned)agg < TCPTOP_AGGREGATES ? tcptop_aggregate_names[agg] : NULL;
}

int tcptop_aggregate_parse(const char *s, enum tcptop_aggregate *out)
{
	size_t i;

	for (i = 0; s && i < TCPTOP_AGGREGATES; i++) {
		if (strcasecmp(s, tcptop_aggregate_names[i]) == 0) {
			*out = (enum tcptop_aggregate)i;
			return 0;
		}
	}
	return -EINVAL;
}

/* Byte tests by hand: isalnum() would accept locale letters above 0x7f. */
static int tcptop_ident_char_ok(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

size_t tcptop_ident_comm(const char *comm, char *out, size_t len)
{
	size_t i, n = 0;

	if (!len)
		return 0;
	for (i = 0; i < TCPTOP_COMM_MAX && comm[i] && n + 1 < len; i++)
		out[n++] = tcptop_ident_char_ok((unsigned char)comm[i]) ? comm[i] : '_';
	if (!n && len > 1)
		out[n++] = '_';
	out[n] = '\0';
	return n;
}

int tcptop_ident_addr(int family, const uint8_t addr[16], char *out, size_t len)
{
	char *p;
	int err = tcptop_format_addr(family, addr, out, len);

	if (err)
		return err;
	for (p = out; *p; p++)
		if (*p == '.' || *p == ':')
			*p = '_';
	return 0;
}

static int tcptop_ident_process(const struct tcptop_flow_entry *e, char *out, size_t len)
{
	char comm[TCPTOP_COMM_MAX];
	int n;

	tcptop_ident_comm(e->comm, comm, sizeof(comm));
	n = snprintf(out, len, "%s-%u", comm, e->tgid);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int tcptop_ident_endpoints(const struct tcptop_flow_entry *e, char *out, size_t len)
{
	char laddr[TCPTOP_ADDR_STRLEN], raddr[TCPTOP_ADDR_STRLEN];
	int err, n;

	err = tcptop_ident_addr(e->family, e->laddr, laddr, sizeof(laddr));
	if (!err)
		err = tcptop_ident_addr(e->family, e->raddr, raddr, sizeof(raddr));
	if (err)
		return err;
	n = snprintf(out, len, "%s_%u-%s_%u", laddr, e->lport, raddr, e->rport);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int tcptop_ident_build(enum tcptop_aggregate agg, const struct tcptop_flow_entry *e,
		       struct tcptop_ident *id)
{
	char *pi = id->plugin_instance, *ti = id->type_instance;
	int err;

	pi[0] = ti[0] = '\0';
	switch (agg) {
	case TCPTOP_AGGREGATE_FLOW:
		err = tcptop_ident_process(e, pi, TCPTOP_IDENT_LEN);
		return err ? err : tcptop_ident_endpoints(e, ti, TCPTOP_IDENT_LEN);
	case TCPTOP_AGGREGATE_PROCESS:
		return tcptop_ident_process(e, pi, TCPTOP_IDENT_LEN);
	case TCPTOP_AGGREGATE_LOCAL_PORT:
		snprintf(pi, TCPTOP_IDENT_LEN, "local_port");
		snprintf(ti, TCPTOP_IDENT_LEN, "%u", e->lport);
		return 0;
	case TCPTOP_AGGREGATE_REMOTE_HOST:
		snprintf(pi, TCPTOP_IDENT_LEN, "remote_host");
		return tcptop_ident_addr(e->family, e->raddr, ti, TCPTOP_IDENT_LEN);
	}
	return -EINVAL;
}

void tcptop_ident_other(enum tcptop_aggregate agg, struct tcptop_ident *id)
{
	id->type_instance[0] = '\0';
	switch (agg) {
	case TCPTOP_AGGREGATE_LOCAL_PORT:
	case TCPTOP_AGGREGATE_REMOTE_HOST:
		/* Fixed plugin instance; "other" cannot be a port or an address. */
		snprintf(id->plugin_instance, TCPTOP_IDENT_LEN, "%s", tcptop_aggregate_name(agg));
		snprintf(id->type_instance, TCPTOP_IDENT_LEN, "%s", TCPTOP_IDENT_OTHER);
		return;
	default:
		/* Process instances always end in "-<pid>", so "other" cannot clash. */
		snprintf(id->plugin_instance, TCPTOP_IDENT_LEN, "%s", TCPTOP_IDENT_OTHER);
		return;
	}
}
