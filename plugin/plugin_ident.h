/* SPDX-License-Identifier: GPL-2.0 */
/*
 * collectd identifiers for what the plugin reports.  The scheme (see
 * conf/tcptop.conf):
 *
 *   Aggregate       plugin instance   type instance
 *   total           total             (none)
 *   process_name    process_name      <comm>
 *   listening_port  listening_port    <lport> | client
 *   cgroup          cgroup            <cgroup name>       (plugin_names.h)
 *   netns           netns             <namespace name>    (plugin_names.h)
 *   flow            <comm>-<pid>      <laddr>_<lport>-<raddr>_<rport>
 *   process         <comm>-<pid>      (none)
 *   local_port      local_port        <lport>
 *   remote_host     remote_host       <raddr>
 *
 * and the bucket beyond TopFlows: plugin instance "other" for flow and
 * process, type instance "other" for the rest.  listening_port also puts
 * flows of other network namespaces in "other".
 *
 * Only [A-Za-z0-9_-] ever appear: every other byte of a COMM becomes '_',
 * and the '.' and ':' of addresses become '_'.  So nothing needs escaping in
 * csv file names, Graphite paths, InfluxDB tags or Prometheus labels, and no
 * Graphite glob character ([]{}*?%) can reach a path segment.  '-' never
 * appears in a COMM part, so the last '-' of a flow or process plugin
 * instance precedes the PID.  A name that would read as a reserved instance
 * (other, client, ...) gets a trailing '_' (tcptop_ident_key).
 */
#ifndef TCPTOP_PLUGIN_IDENT_H
#define TCPTOP_PLUGIN_IDENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcptop_core.h"

struct tcptop_names;
struct tcptop_roles;

/* collectd's DATA_MAX_NAME_LEN: 127 characters and the NUL. */
#define TCPTOP_IDENT_LEN 128

/* The instance names that never come from a flow. */
#define TCPTOP_IDENT_OTHER "other"
#define TCPTOP_IDENT_SELF "self"
/* Type instances no name can take (tcptop_ident_key escapes them). */
#define TCPTOP_IDENT_CLIENT "client"	/* listening_port: flows from a port nobody listens on */
#define TCPTOP_IDENT_HOST "host"	/* netns: the one collectd runs in, when /run/netns has no name */
#define TCPTOP_IDENT_ROOT "root"	/* cgroup: the hierarchy's root */
#define TCPTOP_IDENT_UNKNOWN "unknown"	/* cgroup, netns: the kernel did not say */

enum tcptop_aggregate {
	TCPTOP_AGGREGATE_FLOW = 0,
	TCPTOP_AGGREGATE_PROCESS,
	TCPTOP_AGGREGATE_LOCAL_PORT,
	TCPTOP_AGGREGATE_REMOTE_HOST,
	TCPTOP_AGGREGATE_TOTAL,
	TCPTOP_AGGREGATE_PROCESS_NAME,
	TCPTOP_AGGREGATE_LISTENING_PORT,
	TCPTOP_AGGREGATE_CGROUP,
	TCPTOP_AGGREGATE_NETNS,
	TCPTOP_AGGREGATE_KINDS,
};

/* The names above in lower case; NULL for an unknown value. */
const char *tcptop_aggregate_name(enum tcptop_aggregate agg);
/* Case-insensitive; returns 0, or -EINVAL when s names no unit. */
int tcptop_aggregate_parse(const char *s, enum tcptop_aggregate *out);

struct tcptop_ident {
	char plugin_instance[TCPTOP_IDENT_LEN];
	char type_instance[TCPTOP_IDENT_LEN];
};

/* What aggregates that name things need; either pointer may be NULL. */
struct tcptop_ident_ctx {
	struct tcptop_names *names;	/* NULL: cgroup-<id>, netns-<inode> */
	struct tcptop_roles *roles;	/* NULL: every flow is a client */
};

/* tcptop_ident_build's result for a flow that goes to the "other" bucket. */
#define TCPTOP_IDENT_TO_OTHER 1

/*
 * A COMM (at most TCPTOP_COMM_MAX bytes, NUL-terminated or not) as a name
 * part: each byte outside [A-Za-z0-9_] becomes '_', and an empty COMM becomes
 * "_".  Returns the length written; out needs TCPTOP_COMM_MAX bytes.
 */
size_t tcptop_ident_comm(const char *comm, char *out, size_t len);
/* An address with '.' and ':' turned into '_'; IPv4-mapped IPv6 as IPv4. */
int tcptop_ident_addr(int family, const uint8_t addr[16], char *out, size_t len);
/*
 * raw (n bytes, or up to a NUL) as a type instance: every byte outside
 * [A-Za-z0-9_] (and '-' when keep_dash) becomes '_', an empty name "_", at
 * most 126 characters; then a name that is a reserved instance (other,
 * client, host, root, unknown, netns-<digits>, cgroup-<digits>) followed by
 * any number of '_' gets one more '_', so no name can be taken for a bucket
 * and no two names become one.  out needs TCPTOP_IDENT_LEN bytes.
 */
void tcptop_ident_key(const char *raw, size_t n, bool keep_dash, char *out, size_t len);
/*
 * The identifier of the unit e belongs to: 0, TCPTOP_IDENT_TO_OTHER when it
 * belongs to the aggregate's "other" bucket whatever the ranking, or -errno.
 * ctx may be NULL.
 */
int tcptop_ident_build_ctx(enum tcptop_aggregate agg, const struct tcptop_flow_entry *e,
			   const struct tcptop_ident_ctx *ctx, struct tcptop_ident *id);
/* The same without names or listeners. */
int tcptop_ident_build(enum tcptop_aggregate agg, const struct tcptop_flow_entry *e,
		       struct tcptop_ident *id);
/* Units reported whatever TopFlows says (listening_port's "client"). */
bool tcptop_ident_pinned(enum tcptop_aggregate agg, const struct tcptop_ident *id);
/* Aggregates that need the listeners refreshed, or names resolved. */
bool tcptop_aggregate_needs_listeners(enum tcptop_aggregate agg);
/* The identifier of the bucket that sums the units beyond TopFlows. */
void tcptop_ident_other(enum tcptop_aggregate agg, struct tcptop_ident *id);

#endif
