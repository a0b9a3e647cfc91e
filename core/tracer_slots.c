// SPDX-License-Identifier: GPL-2.0
/*
 * Slots of exited processes.  A socket has room for TCPTOP_SLOTS processes;
 * short-lived children that write to an inherited socket would otherwise
 * keep their slots for the socket's whole life, and the bytes of a process
 * that comes later would be dropped.  So after each drain we look, among the
 * processes of shared sockets, for those that exited; the next pass takes
 * their last bytes and frees their slots in the same visit (see
 * tcptop_free_dead_slots in the kernel side), and after that drain their
 * entries are closed: their totals are final.
 *
 * Only shared sockets are looked at, so this costs nothing for the common
 * one-process socket.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "tcptop.h"
#include "tracer_internal.h"
#include "tcptop.skel.h"

static bool tcptop_dead_has(const struct tcptop_dead_set *d, uint32_t tgid, size_t from,
			    size_t to)
{
	size_t i;

	for (i = from; i < to; i++)
		if (d->tgids[i] == tgid)
			return true;
	return false;
}

static int tcptop_dead_add(struct tcptop_dead_set *d, uint32_t tgid)
{
	if (tcptop_dead_has(d, tgid, 0, d->n))
		return 0;
	if (d->n >= TCPTOP_MAX_DEAD)
		return -ENOSPC;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 64;
		uint32_t *p = realloc(d->tgids, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		d->tgids = p;
		d->cap = cap;
	}
	d->tgids[d->n++] = tgid;
	return 0;
}

static int tcptop_tgid_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/*
 * Through the skeleton's mapping of .bss, never a map update: see
 * TCPTOP_MAX_DEAD for what a map syscall costs other tasks' kprobe programs.
 * The pass reads the list during our own read(), after these stores.
 */
int tcptop_slots_publish(struct tcptop_tracer *tr)
{
	struct tcptop_dead_set *d = &tr->dead;
	uint32_t *list = tr->skel->bss->dead_tgids;

	/* tcptop_dead_add keeps n within TCPTOP_MAX_DEAD. */
	d->published = d->n;
	if (d->published) {
		memcpy(list, d->tgids, d->published * sizeof(*list));
		qsort(list, d->published, sizeof(*list), tcptop_tgid_cmp);
		/* The kernel side searches the whole list: pad it past any process id. */
		memset(list + d->published, 0xff,
		       (TCPTOP_MAX_DEAD - d->published) * sizeof(*list));
	}
	__atomic_store_n(&tr->skel->bss->dead_count, (uint32_t)d->published, __ATOMIC_RELEASE);
	return 0;
}

/* Forget what the pass has used, keeping tgids found since, which the next pass frees. */
static void tcptop_slots_unpublish(struct tcptop_tracer *tr)
{
	struct tcptop_dead_set *d = &tr->dead;

	__atomic_store_n(&tr->skel->bss->dead_count, 0, __ATOMIC_RELEASE);
	if (d->published)
		memmove(d->tgids, d->tgids + d->published,
			(d->n - d->published) * sizeof(*d->tgids));
	d->n -= d->published;
	d->published = 0;
}

void tcptop_slots_after_fold(struct tcptop_tracer *tr, struct tcptop_table *t,
			     struct tcptop_drain_stats *st)
{
	struct tcptop_dead_set *d = &tr->dead;
	size_t i, n = tcptop_table_count(t);

	for (i = 0; i < n; i++) {
		struct tcptop_flow_entry *e = tcptop_table_entry(t, i);

		if (!e->shared || e->closed)
			continue;
		/* Freed by this drain's pass, after it took the last bytes: the totals are final. */
		if (tcptop_dead_has(d, e->tgid, 0, d->published)) {
			e->closed = true;
			st->exited_slots++;
			continue;
		}
		if (kill((pid_t)e->tgid, 0) != 0 && errno == ESRCH)
			tcptop_dead_add(d, e->tgid);
	}
	tcptop_slots_unpublish(tr);
}

void tcptop_slots_free(struct tcptop_tracer *tr)
{
	free(tr->dead.tgids);
	memset(&tr->dead, 0, sizeof(tr->dead));
}
