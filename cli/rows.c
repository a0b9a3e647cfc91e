// SPDX-License-Identifier: GPL-2.0
/* Picks and orders the rows of one interval. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rows.h"

int tcptop_sort_parse(const char *s, enum tcptop_sort *out)
{
	if (!s)
		return -EINVAL;
	if (strcmp(s, "all") == 0)
		*out = TCPTOP_SORT_ALL;
	else if (strcmp(s, "sent") == 0)
		*out = TCPTOP_SORT_SENT;
	else if (strcmp(s, "received") == 0)
		*out = TCPTOP_SORT_RECEIVED;
	else
		return -EINVAL;
	return 0;
}

static int tcptop_rows_cmp_u64_desc(uint64_t a, uint64_t b)
{
	return a < b ? 1 : a > b ? -1 : 0;
}

/* The deterministic tail of every order: PID, then socket, ascending. */
static int tcptop_rows_cmp_tail(const struct tcptop_flow_entry *a,
				const struct tcptop_flow_entry *b)
{
	if (a->tgid != b->tgid)
		return a->tgid < b->tgid ? -1 : 1;
	if (a->id != b->id)
		return a->id < b->id ? -1 : 1;
	return 0;
}

/*
 * rx + tx cannot overflow: each is at most what one socket moved in one
 * interval, far below 2^63.
 */
static int tcptop_rows_cmp_all(const void *pa, const void *pb)
{
	const struct tcptop_flow_entry *a = *(const struct tcptop_flow_entry *const *)pa;
	const struct tcptop_flow_entry *b = *(const struct tcptop_flow_entry *const *)pb;
	int c = tcptop_rows_cmp_u64_desc(a->rx_delta + a->tx_delta, b->rx_delta + b->tx_delta);

	if (!c)
		c = tcptop_rows_cmp_u64_desc(a->tx_delta, b->tx_delta);
	return c ? c : tcptop_rows_cmp_tail(a, b);
}

static int tcptop_rows_cmp_sent(const void *pa, const void *pb)
{
	const struct tcptop_flow_entry *a = *(const struct tcptop_flow_entry *const *)pa;
	const struct tcptop_flow_entry *b = *(const struct tcptop_flow_entry *const *)pb;
	int c = tcptop_rows_cmp_u64_desc(a->tx_delta, b->tx_delta);

	if (!c)
		c = tcptop_rows_cmp_u64_desc(a->rx_delta, b->rx_delta);
	return c ? c : tcptop_rows_cmp_tail(a, b);
}

static int tcptop_rows_cmp_received(const void *pa, const void *pb)
{
	const struct tcptop_flow_entry *a = *(const struct tcptop_flow_entry *const *)pa;
	const struct tcptop_flow_entry *b = *(const struct tcptop_flow_entry *const *)pb;
	int c = tcptop_rows_cmp_u64_desc(a->rx_delta, b->rx_delta);

	if (!c)
		c = tcptop_rows_cmp_u64_desc(a->tx_delta, b->tx_delta);
	return c ? c : tcptop_rows_cmp_tail(a, b);
}

int tcptop_rows_collect(struct tcptop_rows *r, struct tcptop_table *t, enum tcptop_sort sort)
{
	size_t i, count = tcptop_table_count(t);
	int (*cmp)(const void *, const void *);

	switch (sort) {
	case TCPTOP_SORT_SENT:
		cmp = tcptop_rows_cmp_sent;
		break;
	case TCPTOP_SORT_RECEIVED:
		cmp = tcptop_rows_cmp_received;
		break;
	default:
		cmp = tcptop_rows_cmp_all;
		break;
	}
	if (count > r->cap) {
		const struct tcptop_flow_entry **v = realloc(r->v, count * sizeof(*v));

		if (!v)
			return -ENOMEM;
		r->v = v;
		r->cap = count;
	}
	r->n = 0;
	for (i = 0; i < count; i++) {
		const struct tcptop_flow_entry *e = tcptop_table_at(t, i);

		/* The screen shows the interval, as the original did by clearing its map. */
		if (e->rx_delta || e->tx_delta)
			r->v[r->n++] = e;
	}
	if (r->n > 1)
		qsort(r->v, r->n, sizeof(*r->v), cmp);
	return 0;
}

void tcptop_rows_free(struct tcptop_rows *r)
{
	free(r->v);
	memset(r, 0, sizeof(*r));
}
