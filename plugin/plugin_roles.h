/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which side of its connection a flow is, for the listening_port aggregate:
 *  - server: its local address and port have a listening socket (the set of
 *    listeners is refreshed once per read, in the namespace collectd runs in);
 *  - client: they have none (the host connected out, from an ephemeral port);
 *  - foreign: the flow is in another network namespace, whose listeners we
 *    cannot list from here.
 * A flow's side is decided in the first read that sees it and kept while it
 * lives, so its final bytes stay on its port after the server stopped
 * listening.  A server that closes its listening socket before the first read
 * after a connection's first bytes has that connection counted as a client.
 */
#ifndef TCPTOP_PLUGIN_ROLES_H
#define TCPTOP_PLUGIN_ROLES_H

#include <stddef.h>
#include <stdint.h>

#include "tcptop_core.h"

enum tcptop_role {
	TCPTOP_ROLE_CLIENT = 0,
	TCPTOP_ROLE_SERVER,
	TCPTOP_ROLE_FOREIGN,
};

struct tcptop_roles;

/* listeners: borrowed, may be NULL (no server then); self_netns 0: every flow is ours. */
int tcptop_roles_new(struct tcptop_listeners *listeners, uint32_t self_netns,
		     struct tcptop_roles **out);
void tcptop_roles_free(struct tcptop_roles *r);
/* A read starts: flows not asked about since the last begin are forgotten. */
void tcptop_roles_begin(struct tcptop_roles *r);
enum tcptop_role tcptop_roles_get(struct tcptop_roles *r, const struct tcptop_flow_entry *e);
/* Flows remembered (for tests). */
size_t tcptop_roles_count(const struct tcptop_roles *r);

#endif
