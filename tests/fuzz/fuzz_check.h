/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Checks shared by the plugin's fuzz harnesses: what every identifier and
 * every read of the units must satisfy whatever the input.  A broken
 * invariant aborts, so libFuzzer keeps the input and the replay fails.
 */
#ifndef TCPTOP_FUZZ_CHECK_H
#define TCPTOP_FUZZ_CHECK_H

#include <stdlib.h>

#include "plugin_filter.h"
#include "plugin_ident.h"
#include "plugin_units.h"
#include "tcptop_core.h"

#define FUZZ_ASSERT(cond)                                                                      \
	do {                                                                                   \
		if (!(cond))                                                                   \
			abort();                                                               \
	} while (0)

/*
 * An identifier collectd, csv file names and Graphite paths take as it is:
 * at most 127 characters of [A-Za-z0-9_-].
 */
void fuzz_check_ident_field(const char *s);
void fuzz_check_ident(enum tcptop_aggregate agg, const struct tcptop_ident *id);

/*
 * Folds t into u through f and checks that every byte the filter selects is
 * in exactly one counter this read (a ranked unit or "other"), and that every
 * reported identifier is clean.  other_rx and other_tx carry the "other"
 * bucket's totals from one read to the next (start them at 0).
 */
void fuzz_check_fold(struct tcptop_units *u, enum tcptop_aggregate agg, struct tcptop_table *t,
		     const struct tcptop_filter *f, uint64_t *other_rx, uint64_t *other_tx);

#endif
