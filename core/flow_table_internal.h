/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The table's side that only the core (and tests that feed it hand-made
 * kernel records) may use: front ends read entries through tcptop_table_at.
 */
#ifndef TCPTOP_FLOW_TABLE_INTERNAL_H
#define TCPTOP_FLOW_TABLE_INTERNAL_H

#include "tcptop_core.h"

struct tcptop_sock_rec;	/* bpf/tcptop.h: one kernel record */

/* Fold one kernel record (one socket, its processes) into t: one entry per (socket, process). */
int tcptop_table_add_record(struct tcptop_table *t, const struct tcptop_sock_rec *rec);
/* The i-th entry, to change (the drain's sweep, slots of exited processes). */
struct tcptop_flow_entry *tcptop_table_entry(struct tcptop_table *t, size_t i);

#endif
