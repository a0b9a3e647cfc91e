// SPDX-License-Identifier: GPL-2.0
/*
 * The user-space flow table: running totals per (socket, process), fed by
 * kernel records.  Entries live in one array (cheap to walk and sort); an
 * open-addressing index finds them by key.  The index is rebuilt only when
 * entries are evicted, which happens once per drain at most.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "flow_table_internal.h"
#include "tcptop_core.h"
#include "tcptop.h"

struct tcptop_table {
	struct tcptop_flow_entry *entries;
	size_t count;
	size_t cap;
	uint32_t *index;	/* entry position + 1; 0 is an empty slot */
	size_t index_cap;	/* power of two, at least twice count */
	/*
	 * Where the next record's entry probably is.  The kernel walks the
	 * sockets in the same order every drain, and entries are appended in
	 * the order they are first seen, so a steady drain meets its entries
	 * one after another: checking the next one first turns random index
	 * and entry misses into a sequential scan.
	 */
	size_t guess;
};

static uint64_t tcptop_table_hash(uint64_t id, uint32_t tgid)
{
	uint64_t h = id * 0x9e3779b97f4a7c15ull ^ (uint64_t)tgid * 0xc2b2ae3d27d4eb4full;

	return h ^ (h >> 29);
}

int tcptop_table_new(struct tcptop_table **out)
{
	struct tcptop_table *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	*out = t;
	return 0;
}

void tcptop_table_free(struct tcptop_table *t)
{
	if (!t)
		return;
	free(t->entries);
	free(t->index);
	free(t);
}

static size_t tcptop_table_slot(const struct tcptop_table *t, uint64_t id, uint32_t tgid)
{
	size_t mask = t->index_cap - 1;
	size_t i = tcptop_table_hash(id, tgid) & mask;

	for (;; i = (i + 1) & mask) {
		uint32_t pos = t->index[i];

		if (!pos)
			return i;
		if (t->entries[pos - 1].id == id && t->entries[pos - 1].tgid == tgid)
			return i;
	}
}

static int tcptop_table_reindex(struct tcptop_table *t, size_t index_cap)
{
	uint32_t *index = calloc(index_cap, sizeof(*index));
	size_t i;

	if (!index)
		return -ENOMEM;
	free(t->index);
	t->index = index;
	t->index_cap = index_cap;
	for (i = 0; i < t->count; i++)
		t->index[tcptop_table_slot(t, t->entries[i].id, t->entries[i].tgid)] = i + 1;
	return 0;
}

static int tcptop_table_reindex(struct tcptop_table *t, size_t index_cap);

/*
 * After a burst (a million short connections in one interval) the arrays
 * would keep their peak size for ever; give memory back once the table is
 * an eighth of it.  Keeps room for twice what is left, so a steady table
 * never shrinks and grows again.
 */
#define TCPTOP_TABLE_MIN_CAP 1024

static void tcptop_table_shrink(struct tcptop_table *t)
{
	size_t cap = t->cap;
	struct tcptop_flow_entry *e;

	if (t->cap <= TCPTOP_TABLE_MIN_CAP || t->count * 8 > t->cap)
		return;
	while (cap / 2 >= TCPTOP_TABLE_MIN_CAP && cap / 2 >= t->count * 2)
		cap /= 2;
	e = realloc(t->entries, cap * sizeof(*e));
	if (!e)
		return;		/* keeping the larger array is fine */
	t->entries = e;
	t->cap = cap;
	t->index_cap = 0;	/* the reindex below sizes it for what is left */
	free(t->index);
	t->index = NULL;
}

void tcptop_table_begin(struct tcptop_table *t)
{
	size_t i, kept = 0;

	t->guess = 0;
	for (i = 0; i < t->count; i++) {
		if (t->entries[i].closed)
			continue;
		if (kept != i)
			t->entries[kept] = t->entries[i];
		t->entries[kept].rx_delta = 0;
		t->entries[kept].tx_delta = 0;
		kept++;
	}
	if (kept == t->count)
		return;
	t->count = kept;
	tcptop_table_shrink(t);
	/* Only fails if calloc does; then the next add rebuilds it (see tcptop_table_get). */
	if (!t->index_cap) {
		size_t cap = 64;

		while (cap < 2 * t->count)
			cap *= 2;
		if (t->count && tcptop_table_reindex(t, cap) < 0)
			t->index_cap = 0;
	} else if (tcptop_table_reindex(t, t->index_cap) < 0) {
		free(t->index);
		t->index = NULL;
		t->index_cap = 0;
	}
}

size_t tcptop_table_count(const struct tcptop_table *t)
{
	return t->count;
}

const struct tcptop_flow_entry *tcptop_table_at(const struct tcptop_table *t, size_t i)
{
	return i < t->count ? &t->entries[i] : NULL;
}

struct tcptop_flow_entry *tcptop_table_entry(struct tcptop_table *t, size_t i)
{
	return i < t->count ? &t->entries[i] : NULL;
}

static bool tcptop_is_v4mapped(const uint8_t *a)
{
	static const uint8_t prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	return memcmp(a, prefix, sizeof(prefix)) == 0;
}

static void tcptop_entry_init(struct tcptop_flow_entry *e, const struct tcptop_sock_rec *rec,
			      const struct tcptop_slot *s)
{
	memset(e, 0, sizeof(*e));
	e->id = rec->id;
	e->tgid = s->tgid;
	e->uid = rec->uid;
	e->netns = rec->netns;
	e->cgroup = s->cgroup;
	e->lport = rec->lport;
	e->rport = rec->rport;
	if (rec->family == AF_INET6 && tcptop_is_v4mapped(rec->laddr) &&
	    tcptop_is_v4mapped(rec->raddr)) {
		e->family = AF_INET;
		memcpy(e->laddr, rec->laddr + 12, 4);
		memcpy(e->raddr, rec->raddr + 12, 4);
	} else {
		e->family = rec->family;
		memcpy(e->laddr, rec->laddr, sizeof(e->laddr));
		memcpy(e->raddr, rec->raddr, sizeof(e->raddr));
	}
}

static struct tcptop_flow_entry *tcptop_table_guess(struct tcptop_table *t, uint64_t id,
						    uint32_t tgid)
{
	struct tcptop_flow_entry *e;

	if (t->guess >= t->count)
		return NULL;
	e = &t->entries[t->guess];
	return e->id == id && e->tgid == tgid ? e : NULL;
}

static struct tcptop_flow_entry *tcptop_table_get(struct tcptop_table *t,
						  const struct tcptop_sock_rec *rec,
						  const struct tcptop_slot *s)
{
	struct tcptop_flow_entry *e = tcptop_table_guess(t, rec->id, s->tgid);
	size_t slot;
	int err;

	if (e)
		return e;

	if (t->count + 1 > t->index_cap / 2) {
		/* At least twice the entries, so probing always finds an empty slot. */
		size_t cap = t->index_cap ? t->index_cap * 2 : 64;

		while (cap < 2 * (t->count + 1))
			cap *= 2;
		err = tcptop_table_reindex(t, cap);
		if (err)
			return NULL;
	}
	slot = tcptop_table_slot(t, rec->id, s->tgid);
	if (t->index[slot])
		return &t->entries[t->index[slot] - 1];
	if (t->count == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;

		e = realloc(t->entries, cap * sizeof(*e));
		if (!e)
			return NULL;
		t->entries = e;
		t->cap = cap;
	}
	tcptop_entry_init(&t->entries[t->count], rec, s);
	t->index[slot] = ++t->count;
	return &t->entries[t->count - 1];
}

static struct tcptop_flow_entry *tcptop_table_find(struct tcptop_table *t, uint64_t id,
						   uint32_t tgid)
{
	struct tcptop_flow_entry *e = tcptop_table_guess(t, id, tgid);
	size_t slot;

	if (e)
		return e;
	if (!t->index_cap)
		return NULL;
	slot = tcptop_table_slot(t, id, tgid);
	return t->index[slot] ? &t->entries[t->index[slot] - 1] : NULL;
}

static bool tcptop_slot_is_process(const struct tcptop_slot *s)
{
	return s->tgid && s->tgid != TCPTOP_SLOT_FREED;
}

int tcptop_table_add_record(struct tcptop_table *t, const struct tcptop_sock_rec *rec)
{
	bool closed = rec->flags & TCPTOP_FLOW_CLOSED;
	/* A drain record fills in only the slots in use; the rest is stale. */
	int i, n = rec->nslots && rec->nslots < TCPTOP_SLOTS ? (int)rec->nslots : TCPTOP_SLOTS;
	int processes = 0;

	for (i = 0; i < n; i++)
		processes += tcptop_slot_is_process(&rec->slot[i]);
	for (i = 0; i < n; i++) {
		const struct tcptop_slot *s = &rec->slot[i];
		struct tcptop_flow_entry *e;

		if (!tcptop_slot_is_process(s))
			continue;
		if (!s->tx && !s->rx) {
			/* A process that sent nothing lately still had its entry: close it too. */
			if (closed && (e = tcptop_table_find(t, rec->id, s->tgid))) {
				e->closed = true;
				t->guess = (size_t)(e - t->entries) + 1;
			}
			continue;
		}
		e = tcptop_table_get(t, rec, s);
		if (!e)
			return -ENOMEM;
		t->guess = (size_t)(e - t->entries) + 1;
		/* The kernel writes comm just after claiming the slot; keep the latest full one. */
		if (s->comm[0]) {
			memcpy(e->comm, s->comm, sizeof(e->comm));
			e->comm[sizeof(e->comm) - 1] = '\0';
		}
		if (s->cgroup)
			e->cgroup = s->cgroup;
		e->rx_delta += s->rx;
		e->tx_delta += s->tx;
		e->rx_total += s->rx;
		e->tx_total += s->tx;
		e->closed = e->closed || closed;
		e->shared = e->shared || processes > 1;
	}
	return 0;
}
