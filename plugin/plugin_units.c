// SPDX-License-Identifier: GPL-2.0
/*
 * Units and their counters; the reporting rules are in plugin_units.h.
 * Units are separately allocated (pointers stay valid while a read ranks
 * them) and found through an open-addressing index keyed by identifier,
 * rebuilt only in reads that forget units.
 */
#include <errno.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "plugin_units.h"

struct tcptop_units {
	enum tcptop_aggregate agg;
	uint32_t top;
	size_t linger_max;
	struct tcptop_unit **units;
	size_t count;
	size_t cap;
	uint32_t *index;		/* position in units + 1; 0 is empty */
	size_t index_cap;		/* power of two, at least twice count */
	struct tcptop_unit **report;	/* this read; room for count */
	size_t nreport;
	struct tcptop_unit other;
	bool other_used;		/* some unit ever fell outside TopFlows */
	uint64_t next_seq;
};

static uint64_t tcptop_units_hash(const struct tcptop_ident *id)
{
	uint64_t h = 0xcbf29ce484222325ull;	/* FNV-1a */
	const char *s;

	for (s = id->plugin_instance; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	h = (h ^ '/') * 0x100000001b3ull;
	for (s = id->type_instance; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h ^ (h >> 31);
}

static bool tcptop_units_same(const struct tcptop_ident *a, const struct tcptop_ident *b)
{
	return strcmp(a->plugin_instance, b->plugin_instance) == 0 &&
	       strcmp(a->type_instance, b->type_instance) == 0;
}

int tcptop_units_new(enum tcptop_aggregate agg, uint32_t top, size_t linger_max,
		     struct tcptop_units **out)
{
	struct tcptop_units *u;

	if (!tcptop_aggregate_name(agg))
		return -EINVAL;
	u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	u->agg = agg;
	u->top = top;
	u->linger_max = linger_max;
	tcptop_ident_other(agg, &u->other.id);
	*out = u;
	return 0;
}

void tcptop_units_free(struct tcptop_units *u)
{
	size_t i;

	if (!u)
		return;
	for (i = 0; i < u->count; i++)
		free(u->units[i]);
	free(u->units);
	free(u->index);
	free(u->report);
	free(u);
}

static size_t tcptop_units_slot(const struct tcptop_units *u, const struct tcptop_ident *id)
{
	size_t mask = u->index_cap - 1;
	size_t i = tcptop_units_hash(id) & mask;

	for (;; i = (i + 1) & mask) {
		uint32_t pos = u->index[i];

		if (!pos || tcptop_units_same(&u->units[pos - 1]->id, id))
			return i;
	}
}

static int tcptop_units_reindex(struct tcptop_units *u, size_t index_cap)
{
	uint32_t *index = calloc(index_cap, sizeof(*index));
	size_t i;

	if (!index)
		return -ENOMEM;
	free(u->index);
	u->index = index;
	u->index_cap = index_cap;
	for (i = 0; i < u->count; i++)
		u->index[tcptop_units_slot(u, &u->units[i]->id)] = i + 1;
	return 0;
}

const struct tcptop_unit *tcptop_units_find(const struct tcptop_units *u,
					    const struct tcptop_ident *id)
{
	size_t slot;

	if (!u->index_cap)
		return NULL;
	slot = tcptop_units_slot(u, id);
	return u->index[slot] ? u->units[u->index[slot] - 1] : NULL;
}

/* Room for one more unit in every array, so adding it cannot fail halfway. */
static int tcptop_units_reserve(struct tcptop_units *u)
{
	int err;

	if (u->count + 1 > u->index_cap / 2) {
		size_t index_cap = 64;

		while (index_cap < 2 * (u->count + 1))
			index_cap *= 2;
		err = tcptop_units_reindex(u, index_cap);
		if (err)
			return err;
	}
	if (u->count == u->cap) {
		size_t cap = u->cap ? u->cap * 2 : 64;
		struct tcptop_unit **units = realloc(u->units, cap * sizeof(*units));
		struct tcptop_unit **report;

		if (!units)
			return -ENOMEM;
		u->units = units;
		report = realloc(u->report, cap * sizeof(*report));
		if (!report)
			return -ENOMEM;
		u->report = report;
		u->cap = cap;
	}
	return 0;
}

static struct tcptop_unit *tcptop_units_get(struct tcptop_units *u, const struct tcptop_ident *id)
{
	struct tcptop_unit *unit;
	size_t slot;

	if (tcptop_units_reserve(u))
		return NULL;
	slot = tcptop_units_slot(u, id);
	if (u->index[slot])
		return u->units[u->index[slot] - 1];
	unit = calloc(1, sizeof(*unit));
	if (!unit)
		return NULL;
	unit->id = *id;
	unit->pinned = tcptop_ident_pinned(u->agg, id);
	unit->seq = u->next_seq++;
	u->units[u->count] = unit;
	u->index[slot] = ++u->count;
	return unit;
}

static int tcptop_units_add_entries(struct tcptop_units *u, struct tcptop_table *t,
				    const struct tcptop_filter *f, const struct tcptop_ident_ctx *ctx)
{
	size_t i, n = tcptop_table_count(t);
	int err = 0;

	for (i = 0; i < n; i++) {
		const struct tcptop_flow_entry *e = tcptop_table_at(t, i);
		struct tcptop_ident id;
		struct tcptop_unit *unit;
		int rc;

		if (f && !tcptop_filter_match(f, e))
			continue;
		rc = tcptop_ident_build_ctx(u->agg, e, ctx, &id);
		if (rc == TCPTOP_IDENT_TO_OTHER) {
			u->other.rx += e->rx_delta;
			u->other.tx += e->tx_delta;
			u->other_used = true;
			continue;
		}
		if (rc || !(unit = tcptop_units_get(u, &id))) {
			err = -ENOMEM;
			continue;
		}
		unit->seen = true;
		unit->rx_delta += e->rx_delta;
		unit->tx_delta += e->tx_delta;
	}
	return err;
}

static int tcptop_units_by_idle(const void *a, const void *b)
{
	const struct tcptop_unit *x = *(struct tcptop_unit *const *)a;
	const struct tcptop_unit *y = *(struct tcptop_unit *const *)b;

	if (x->idle_reads != y->idle_reads)
		return x->idle_reads > y->idle_reads ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Marks for forgetting (idle_reads = UINT32_MAX) the longest idle beyond linger_max. */
static void tcptop_units_cap_idle(struct tcptop_units *u, size_t idle)
{
	struct tcptop_unit **list = u->report;	/* free scratch until ranking */
	size_t i, n = 0;

	if (idle <= u->linger_max)
		return;
	for (i = 0; i < u->count; i++)
		if (!u->units[i]->seen && u->units[i]->idle_reads <= TCPTOP_UNITS_LINGER_READS)
			list[n++] = u->units[i];
	qsort(list, n, sizeof(*list), tcptop_units_by_idle);
	for (i = 0; i < n && idle > u->linger_max; i++, idle--)
		list[i]->idle_reads = UINT32_MAX;
}

/*
 * After a burst (a flow per connection of a short-lived storm) the arrays
 * would keep their peak size for the daemon's life; once they are eight times
 * what is left, size them for twice that.  The index shrinks with them.
 */
#define TCPTOP_UNITS_MIN_CAP 1024

static void tcptop_units_shrink(struct tcptop_units *u)
{
	struct tcptop_unit **units, **report;
	size_t cap = u->cap, index_cap = 64;

	if (u->cap <= TCPTOP_UNITS_MIN_CAP || u->count * 8 > u->cap)
		return;
	while (cap / 2 >= TCPTOP_UNITS_MIN_CAP && cap / 2 >= u->count * 2)
		cap /= 2;
	units = realloc(u->units, cap * sizeof(*units));
	if (!units)
		return;
	u->units = units;
	/* A failed shrink leaves report larger than needed, which is fine. */
	report = realloc(u->report, cap * sizeof(*report));
	if (report)
		u->report = report;
	u->cap = cap;
	while (index_cap < 2 * (u->count + 1))
		index_cap *= 2;
	if (index_cap < u->index_cap)
		u->index_cap = index_cap;	/* the caller reindexes at this size */
}

/* Forgets flow units without a flow and aggregate units idle for too long. */
static void tcptop_units_expire(struct tcptop_units *u)
{
	size_t i, kept = 0, idle = 0;
	bool trim = false;

	for (i = 0; i < u->count; i++) {
		struct tcptop_unit *unit = u->units[i];

		if (unit->seen) {
			unit->idle_reads = 0;
		} else {
			unit->ranked = false;
			if (u->agg == TCPTOP_AGGREGATE_FLOW)
				unit->idle_reads = UINT32_MAX;
			else if (++unit->idle_reads <= TCPTOP_UNITS_LINGER_READS)
				idle++;
		}
	}
	tcptop_units_cap_idle(u, idle);
	for (i = 0; i < u->count; i++) {
		struct tcptop_unit *unit = u->units[i];

		if (!unit->seen && unit->idle_reads > TCPTOP_UNITS_LINGER_READS) {
			free(unit);
			continue;
		}
		u->units[kept++] = unit;
	}
	if (kept == u->count)
		return;
#ifdef __GLIBC__
	/* Thousands of units freed at once: give their pages back to the system. */
	if (u->count - kept > TCPTOP_UNITS_MIN_CAP)
		trim = true;
#endif
	u->count = kept;
	tcptop_units_shrink(u);
	/* Same capacity, so this only fails if calloc does; then rebuild from scratch later. */
	if (tcptop_units_reindex(u, u->index_cap)) {
		free(u->index);
		u->index = NULL;
		u->index_cap = 0;
	}
#ifdef __GLIBC__
	if (trim)
		malloc_trim(0);
#endif
}

/*
 * Pinned first; then busiest; then those already shown, so the top set churns
 * less; then oldest.
 */
static int tcptop_units_by_bytes(const void *a, const void *b)
{
	const struct tcptop_unit *x = *(struct tcptop_unit *const *)a;
	const struct tcptop_unit *y = *(struct tcptop_unit *const *)b;
	uint64_t bx = x->rx_delta + x->tx_delta, by = y->rx_delta + y->tx_delta;

	if (x->pinned != y->pinned)
		return x->pinned ? -1 : 1;
	if (bx != by)
		return bx > by ? -1 : 1;
	if (x->ranked != y->ranked)
		return x->ranked ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void tcptop_units_rank(struct tcptop_units *u)
{
	size_t i, n = 0, pinned = 0, keep;

	for (i = 0; i < u->count; i++) {
		if (u->units[i]->seen) {
			u->report[n++] = u->units[i];
			pinned += u->units[i]->pinned;
		}
	}
	keep = u->top ? u->top + pinned : n;
	if (n > keep)
		qsort(u->report, n, sizeof(*u->report), tcptop_units_by_bytes);
	for (i = 0; i < n; i++) {
		struct tcptop_unit *unit = u->report[i];

		unit->ranked = i < keep;
		if (unit->ranked) {
			unit->rx += unit->rx_delta;
			unit->tx += unit->tx_delta;
		} else {
			u->other.rx += unit->rx_delta;
			u->other.tx += unit->tx_delta;
			u->other_used = true;
		}
	}
	u->nreport = n > keep ? keep : n;
}

int tcptop_units_fold(struct tcptop_units *u, struct tcptop_table *t,
		      const struct tcptop_filter *f)
{
	return tcptop_units_fold_ctx(u, t, f, NULL);
}

enum tcptop_aggregate tcptop_units_aggregate(const struct tcptop_units *u)
{
	return u->agg;
}

uint32_t tcptop_units_top(const struct tcptop_units *u)
{
	return u->top;
}

int tcptop_units_fold_ctx(struct tcptop_units *u, struct tcptop_table *t,
			  const struct tcptop_filter *f, const struct tcptop_ident_ctx *ctx)
{
	size_t i;
	int err;

	/*
	 * The host total is reported every read once it exists, idle or not: a
	 * fleet chart wants a zero rate, not a gap, and collectd's cache (unixsock,
	 * write_prometheus) drops a value that stops arriving.
	 */
	for (i = 0; i < u->count; i++) {
		u->units[i]->seen = u->agg == TCPTOP_AGGREGATE_TOTAL;
		u->units[i]->rx_delta = 0;
		u->units[i]->tx_delta = 0;
	}
	u->nreport = 0;
	err = tcptop_units_add_entries(u, t, f, ctx);
	tcptop_units_expire(u);
	tcptop_units_rank(u);
	return err;
}

size_t tcptop_units_count(const struct tcptop_units *u)
{
	return u->count;
}

const struct tcptop_unit *tcptop_units_at(const struct tcptop_units *u, size_t i)
{
	return i < u->count ? u->units[i] : NULL;
}

size_t tcptop_units_reported(const struct tcptop_units *u)
{
	return u->nreport + (u->other_used ? 1 : 0);
}

const struct tcptop_unit *tcptop_units_report_at(const struct tcptop_units *u, size_t i)
{
	if (i < u->nreport)
		return u->report[i];
	if (i == u->nreport && u->other_used)
		return &u->other;
	return NULL;
}
