/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The design floor of per-socket counting (bench/floor.bpf.c) on the hooks of
 * tracepoint mode, measured like tcptop: against the empty programs of the
 * same hooks, per round.  Load it only while tcptop's programs are not
 * attached: whichever program first touches a socket's storage in an event
 * pays for bringing the socket's storage lines in, and a program that runs
 * after it looks cheaper than it is.
 */
#ifndef TCPTOP_BENCH_FLOOR_H
#define TCPTOP_BENCH_FLOOR_H

#include "bench_hooks.h"

#define BENCH_FLOOR_HOOKS 2 /* send, receive */

struct tcptop_bench_floor_bpf;

enum tcptop_bench_floor_kind {
	BENCH_FLOOR_STORAGE,	/* one storage lookup and one add */
	BENCH_FLOOR_PROCESS,	/* the same, plus the current process's id */
	BENCH_FLOOR_KINDS,
};

/* What a floor kind does, for the report. */
const char *tcptop_bench_floor_describe(enum tcptop_bench_floor_kind kind);

struct tcptop_bench_floor {
	bool used;
	char key[BENCH_FLOOR_HOOKS][BENCH_HOOK_KEY_LEN];
	struct tcptop_bench_floor_bpf *skel;
	struct bpf_link *links[BENCH_FLOOR_HOOKS];
	struct tcptop_bench_probe prog[BENCH_FLOOR_HOOKS];
	/* Copies of the hook's empty programs, with rounds of their own. */
	struct tcptop_bench_probe empty[BENCH_FLOOR_HOOKS][2];
};

/*
 * Load and attach the floor of one kind on the hooks of hs (the empty
 * programs of hs must still be attached); -ENOENT when hs lacks one of them
 * (fentry and kprobe modes).  Call tcptop_bench_floor_stop afterwards even
 * when it fails: a failed start may have attached some of it.
 */
int tcptop_bench_floor_start(struct tcptop_bench_floor *fl, const struct tcptop_bench_hookset *hs,
			     enum tcptop_bench_floor_kind kind);
void tcptop_bench_floor_stop(struct tcptop_bench_floor *fl);
/* round < 0: take the starting point; else store the deltas as that round. */
int tcptop_bench_floor_snapshot(struct tcptop_bench_floor *fl, int round);
/* Every floor program has run in the round. */
bool tcptop_bench_floor_all_counted(const struct tcptop_bench_floor *fl, int round);
/* Run time above the empty programs per event (weighted by runs) in a round, and per hook. */
double tcptop_bench_floor_per_event(const struct tcptop_bench_floor *fl, int round);
double tcptop_bench_floor_hook_ns(const struct tcptop_bench_floor *fl, int hook, int round,
				  double *empty_ns);

#endif
