/* SPDX-License-Identifier: GPL-2.0 */
/*
 * collectd identifiers for what the plugin reports.  The scheme (see
 * conf/tcptop.conf):
 *
 *   Aggregate     plugin instance   type instance
 *   flow          <comm>-<pid>      <laddr>_<lport>-<raddr>_<rport>
 *   process       <comm>-<pid>      (none)
 *   local_port    local_port        <lport>
 *   remote_host   remote_host       <raddr>
 *
 * Only [A-Za-z0-9_-] ever appear: every other byte of a COMM becomes '_',
 * and the '.' and ':' of addresses become '_'.  So nothing needs escaping in
 * csv file names, Graphite paths, InfluxDB tags or Prometheus labels, and no
 * Graphite glob character ([]{}*?%) can reach a path segment.  '-' only ever
 * separates fields, so the last '-' of a plugin instance precedes the PID.
 */
#ifndef TCPTOP_PLUGIN_IDENT_H
#define TCPTOP_PLUGIN_IDENT_H

#include <stddef.h>
#include <stdint.h>

#include "tcptop_core.h"

/* collectd's DATA_MAX_NAME_LEN: 127 characters and the NUL. */
#define TCPTOP_IDENT_LEN 128

/* The instance names that never come from a flow. */
#define TCPTOP_IDENT_OTHER "other"
#define TCPTOP_IDENT_SELF "self"

enum tcptop_aggregate {
	TCPTOP_AGGREGATE_FLOW = 0,
	TCPTOP_AGGREGATE_PROCESS,
	TCPTOP_AGGREGATE_LOCAL_PORT,
	TCPTOP_AGGREGATE_REMOTE_HOST,
};

/* "flow", "process", "local_port", "remote_host"; NULL for an unknown value. */
const char *tcptop_aggregate_name(enum tcptop_aggregate agg);
/* Case-insensitive; returns 0, or -EINVAL when s names no unit. */
int tcptop_aggregate_parse(const char *s, enum tcptop_aggregate *out);

struct tcptop_ident {
	char plugin_instance[TCPTOP_IDENT_LEN];
	char type_instance[TCPTOP_IDENT_LEN];
};

/*
 * A COMM (at most TCPTOP_COMM_MAX bytes, NUL-terminated or not) as a name
 * part: each byte outside [A-Za-z0-9_] becomes '_', and an empty COMM becomes
 * "_".  Returns the length written; out needs TCPTOP_COMM_MAX bytes.
 */
size_t tcptop_ident_comm(const char *comm, char *out, size_t len);
/* An address with '.' and ':' turned into '_'; IPv4-mapped IPv6 as IPv4. */
int tcptop_ident_addr(int family, const uint8_t addr[16], char *out, size_t len);
/* The identifier of the unit e belongs to; 0 or -errno. */
int tcptop_ident_build(enum tcptop_aggregate agg, const struct tcptop_flow_entry *e,
		       struct tcptop_ident *id);
/* The identifier of the bucket that sums the units beyond TopFlows. */
void tcptop_ident_other(enum tcptop_aggregate agg, struct tcptop_ident *id);

#endif
