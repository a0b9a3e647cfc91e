/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The rows of one interval: the table entries that moved bytes in the last
 * drain, busiest first.  Both the screen and the JSON output print from here.
 */
#ifndef TCPTOP_CLI_ROWS_H
#define TCPTOP_CLI_ROWS_H

#include <stddef.h>

#include "tcptop_core.h"

enum tcptop_sort {
	TCPTOP_SORT_ALL = 0,		/* received + sent */
	TCPTOP_SORT_SENT,
	TCPTOP_SORT_RECEIVED,
};

/* "all", "sent", "received"; returns 0 or -EINVAL. */
int tcptop_sort_parse(const char *s, enum tcptop_sort *out);

struct tcptop_rows {
	const struct tcptop_flow_entry **v;	/* point into the table: valid until its next drain */
	size_t n;
	size_t cap;
};

/*
 * Fills r with the entries of t whose deltas are not both zero, sorted by the
 * interval's bytes for the given key, descending.  Ties fall back to the
 * other direction, then PID, then socket, so the order is stable between
 * runs.  Returns 0 or -ENOMEM.
 */
int tcptop_rows_collect(struct tcptop_rows *r, struct tcptop_table *t, enum tcptop_sort sort);
void tcptop_rows_free(struct tcptop_rows *r);

#endif
