// SPDX-License-Identifier: GPL-2.0
/* Identifier building; the scheme is described in plugin_ident.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "plugin_ident.h"
#include "plugin_names.h"
#include "plugin_roles.h"

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
	[TCPTOP_AGGREGATE_TOTAL] = "total",
	[TCPTOP_AGGREGATE_PROCESS_NAME] = "process_name",
	[TCPTOP_AGGREGATE_LISTENING_PORT] = "listening_port",
	[TCPTOP_AGGREGATE_CGROUP] = "cgroup",
	[TCPTOP_AGGREGATE_NETNS] = "netns",
};
_Static_assert(sizeof(tcptop_aggregate_names) / sizeof(tcptop_aggregate_names[0]) ==
		       TCPTOP_AGGREGATE_KINDS, "a name for every aggregate");

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

/* The reserved instance names; a name equal to one of them, plus '_'s, gets one more '_'. */
static bool tcptop_ident_is_reserved(const char *s, size_t n)
{
	static const char *const words[] = { TCPTOP_IDENT_OTHER, TCPTOP_IDENT_CLIENT,
					     TCPTOP_IDENT_HOST, TCPTOP_IDENT_ROOT,
					     TCPTOP_IDENT_UNKNOWN };
	static const char *const numbered[] = { "netns-", "cgroup-" };
	size_t i, k;

	while (n && s[n - 1] == '_')
		n--;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strlen(words[i]) == n && memcmp(s, words[i], n) == 0)
			return true;
	for (i = 0; i < sizeof(numbered) / sizeof(numbered[0]); i++) {
		size_t p = strlen(numbered[i]);

		if (n <= p || memcmp(s, numbered[i], p) != 0)
			continue;
		for (k = p; k < n && s[k] >= '0' && s[k] <= '9'; k++)
			;
		if (k == n)
			return true;
	}
	return false;
}

void tcptop_ident_key(const char *raw, size_t n, bool keep_dash, char *out, size_t len)
{
	size_t i, w = 0, max = len < TCPTOP_IDENT_LEN ? len : TCPTOP_IDENT_LEN;

	if (!max)
		return;
	/* Room for the escaping '_' and the NUL. */
	for (i = 0; i < n && raw[i] && w + 2 < max; i++) {
		unsigned char c = (unsigned char)raw[i];

		out[w++] = tcptop_ident_char_ok(c) || (keep_dash && c == '-') ? (char)c : '_';
	}
	if (!w && max > 2)
		out[w++] = '_';
	if (tcptop_ident_is_reserved(out, w))
		out[w++] = '_';
	out[w] = '\0';
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

static const char *tcptop_ident_role_port(const struct tcptop_flow_entry *e,
					  const struct tcptop_ident_ctx *ctx, char *buf, size_t len)
{
	enum tcptop_role role = ctx && ctx->roles ? tcptop_roles_get(ctx->roles, e)
						  : TCPTOP_ROLE_CLIENT;

	if (role == TCPTOP_ROLE_FOREIGN)
		return NULL;
	if (role == TCPTOP_ROLE_CLIENT)
		return TCPTOP_IDENT_CLIENT;
	snprintf(buf, len, "%u", e->lport);
	return buf;
}

int tcptop_ident_build_ctx(enum tcptop_aggregate agg, const struct tcptop_flow_entry *e,
			   const struct tcptop_ident_ctx *ctx, struct tcptop_ident *id)
{
	char *pi = id->plugin_instance, *ti = id->type_instance;
	struct tcptop_names *names = ctx ? ctx->names : NULL;
	char buf[32];
	const char *s;
	int err;

	pi[0] = ti[0] = '\0';
	if ((unsigned)agg >= TCPTOP_AGGREGATE_KINDS)
		return -EINVAL;
	if (agg >= TCPTOP_AGGREGATE_TOTAL)
		snprintf(pi, TCPTOP_IDENT_LEN, "%s", tcptop_aggregate_names[agg]);
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
	case TCPTOP_AGGREGATE_TOTAL:
		return 0;
	case TCPTOP_AGGREGATE_PROCESS_NAME:
		tcptop_ident_key(e->comm, TCPTOP_COMM_MAX, false, ti, TCPTOP_IDENT_LEN);
		return 0;
	case TCPTOP_AGGREGATE_LISTENING_PORT:
		s = tcptop_ident_role_port(e, ctx, buf, sizeof(buf));
		if (!s) {
			snprintf(ti, TCPTOP_IDENT_LEN, "%s", TCPTOP_IDENT_OTHER);
			return TCPTOP_IDENT_TO_OTHER;
		}
		snprintf(ti, TCPTOP_IDENT_LEN, "%s", s);
		return 0;
	case TCPTOP_AGGREGATE_CGROUP:
		if (names) {
			s = tcptop_names_cgroup(names, e->cgroup);
		} else if (e->cgroup) {
			snprintf(buf, sizeof(buf), "cgroup-%llu", (unsigned long long)e->cgroup);
			s = buf;
		} else {
			s = TCPTOP_IDENT_UNKNOWN;
		}
		snprintf(ti, TCPTOP_IDENT_LEN, "%s", s);
		return 0;
	case TCPTOP_AGGREGATE_NETNS:
		if (names) {
			s = tcptop_names_netns(names, e->netns);
		} else if (e->netns) {
			snprintf(buf, sizeof(buf), "netns-%u", e->netns);
			s = buf;
		} else {
			s = TCPTOP_IDENT_UNKNOWN;
		}
		snprintf(ti, TCPTOP_IDENT_LEN, "%s", s);
		return 0;
	case TCPTOP_AGGREGATE_KINDS:
		break;
	}
	return -EINVAL;
}

int tcptop_ident_build(enum tcptop_aggregate agg, const struct tcptop_flow_entry *e,
		       struct tcptop_ident *id)
{
	return tcptop_ident_build_ctx(agg, e, NULL, id);
}

bool tcptop_ident_pinned(enum tcptop_aggregate agg, const struct tcptop_ident *id)
{
	return agg == TCPTOP_AGGREGATE_LISTENING_PORT &&
	       strcmp(id->type_instance, TCPTOP_IDENT_CLIENT) == 0;
}

bool tcptop_aggregate_needs_listeners(enum tcptop_aggregate agg)
{
	return agg == TCPTOP_AGGREGATE_LISTENING_PORT;
}

void tcptop_ident_other(enum tcptop_aggregate agg, struct tcptop_ident *id)
{
	id->type_instance[0] = '\0';
	switch (agg) {
	case TCPTOP_AGGREGATE_LOCAL_PORT:
	case TCPTOP_AGGREGATE_REMOTE_HOST:
	case TCPTOP_AGGREGATE_TOTAL:
	case TCPTOP_AGGREGATE_PROCESS_NAME:
	case TCPTOP_AGGREGATE_LISTENING_PORT:
	case TCPTOP_AGGREGATE_CGROUP:
	case TCPTOP_AGGREGATE_NETNS:
		/*
		 * Fixed plugin instance; "other" cannot be a port or an address,
		 * and tcptop_ident_key() keeps names off it.
		 */
		snprintf(id->plugin_instance, TCPTOP_IDENT_LEN, "%s", tcptop_aggregate_name(agg));
		snprintf(id->type_instance, TCPTOP_IDENT_LEN, "%s", TCPTOP_IDENT_OTHER);
		return;
	default:
		/* Process instances always end in "-<pid>", so "other" cannot clash. */
		snprintf(id->plugin_instance, TCPTOP_IDENT_LEN, "%s", TCPTOP_IDENT_OTHER);
		return;
	}
}
