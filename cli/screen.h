/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The text screen of one interval, in the original tool's layout:
 *
 *	<clear screen; with -C a blank line, unless -S leaves no summary line>
 *	HH:MM:SS loadavg: <contents of /proc/loadavg>		(not with -S)
 *	DROPPED this interval: ...				(only when there were drops)
 *
 *	PID     COMM            LADDR                 RADDR                  RX_KB  TX_KB
 *	...IPv4 rows...
 *
 *	PID     COMM            LADDR6                           RADDR6  ...
 *	...IPv6 rows...
 *
 * A section is printed only when it has rows.
 */
#ifndef TCPTOP_CLI_SCREEN_H
#define TCPTOP_CLI_SCREEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "tcptop_core.h"

/* What clears a terminal and puts the cursor at the top left. */
#define TCPTOP_SCREEN_CLEAR "\033[H\033[2J"

struct tcptop_screen {
	bool clear;				/* clear first; otherwise blank lines separate intervals */
	const char *clock;			/* "HH:MM:SS"; NULL: no summary line (-S) */
	const char *loadavg;			/* /proc/loadavg, trailing newline optional */
	const struct tcptop_drain_stats *stats;	/* for the drops line; NULL: none */
	const struct tcptop_flow_entry *const *rows;	/* sorted, both families mixed */
	size_t nrows;
};

/* Prints one interval.  Returns 0, or -EIO when out failed. */
int tcptop_screen_print(FILE *out, const struct tcptop_screen *s);

/*
 * How many of s->rows fit on a terminal of height lines with the cursor's
 * line left free, counting the summary, drops line and section headers
 * those rows need.  0 for height means no limit (returns s->nrows).
 */
size_t tcptop_screen_fit(const struct tcptop_screen *s, size_t height);

#endif
