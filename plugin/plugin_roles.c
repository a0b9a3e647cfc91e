// SPDX-License-Identifier: GPL-2.0
/* Server or client; the rules are in plugin_roles.h. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "plugin_roles.h"

struct tcptop_roles_entry {
	uint64_t id;		/* the kernel's socket id; 0: empty */
	uint32_t gen;		/* the last read that asked */
	uint8_t role;
};

struct tcptop_roles {
	struct tcptop_listeners *listeners;
	uint32_t self_netns;
	struct tcptop_roles_entry *v;
	size_t cap;		/* power of two */
	size_t count;
	uint32_t gen;
};

int tcptop_roles_new(struct tcptop_listeners *listeners, uint32_t self_netns,
		     struct tcptop_roles **out)
{
	struct tcptop_roles *r = calloc(1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	r->listeners = listeners;
	r->self_netns = self_netns;
	r->gen = 1;
	*out = r;
	return 0;
}

void tcptop_roles_free(struct tcptop_roles *r)
{
	if (!r)
		return;
	free(r->v);
	free(r);
}

static size_t tcptop_roles_hash(uint64_t id)
{
	id *= 0x9e3779b97f4a7c15ull;
	return (size_t)(id ^ (id >> 29));
}

static struct tcptop_roles_entry *tcptop_roles_slot(struct tcptop_roles_entry *v, size_t cap,
						    uint64_t id)
{
	size_t mask = cap - 1, i = tcptop_roles_hash(id) & mask;

	while (v[i].id && v[i].id != id)
		i = (i + 1) & mask;
	return &v[i];
}

/* Rehash into cap slots, keeping only the entries asked about since gen (inclusive). */
static int tcptop_roles_rehash(struct tcptop_roles *r, size_t cap, uint32_t since)
{
	struct tcptop_roles_entry *v = calloc(cap, sizeof(*v));
	size_t i, count = 0;

	if (!v)
		return -ENOMEM;
	for (i = 0; i < r->cap; i++) {
		if (r->v[i].id && r->v[i].gen >= since) {
			*tcptop_roles_slot(v, cap, r->v[i].id) = r->v[i];
			count++;
		}
	}
	free(r->v);
	r->v = v;
	r->cap = cap;
	r->count = count;
	return 0;
}

void tcptop_roles_begin(struct tcptop_roles *r)
{
	/* Forget the flows the last read did not ask about (they are gone). */
	if (r->cap)
		tcptop_roles_rehash(r, r->cap, r->gen);
	r->gen++;
}

size_t tcptop_roles_count(const struct tcptop_roles *r)
{
	return r->count;
}

static enum tcptop_role tcptop_roles_decide(struct tcptop_roles *r,
					    const struct tcptop_flow_entry *e)
{
	if (r->self_netns && e->netns && e->netns != r->self_netns)
		return TCPTOP_ROLE_FOREIGN;
	if (r->listeners && tcptop_listeners_match(r->listeners, e->family, e->laddr, e->lport))
		return TCPTOP_ROLE_SERVER;
	return TCPTOP_ROLE_CLIENT;
}

enum tcptop_role tcptop_roles_get(struct tcptop_roles *r, const struct tcptop_flow_entry *e)
{
	struct tcptop_roles_entry *slot;

	if ((r->count + 1) * 2 > r->cap &&
	    tcptop_roles_rehash(r, r->cap ? r->cap * 2 : 256, 0))
		return tcptop_roles_decide(r, e);	/* no memory: undecided for good */
	slot = tcptop_roles_slot(r->v, r->cap, e->id);
	if (!slot->id) {
		slot->id = e->id;
		slot->role = (uint8_t)tcptop_roles_decide(r, e);
		r->count++;
	}
	slot->gen = r->gen;
	return (enum tcptop_role)slot->role;
}
