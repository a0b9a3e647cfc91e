/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The hooks of the per-event benchmark: for every hook one of our loaded
 * programs is attached to, that program and two empty programs on the same
 * hook (one attached before ours, one after), with run-time statistics per
 * round.  Hooks are named like section names: "tp_btf/sock_send_length".
 */
#ifndef TCPTOP_BENCH_HOOKS_H
#define TCPTOP_BENCH_HOOKS_H

#include <stdbool.h>

#include "bench_peer.h"
#include "bench_util.h"

#define BENCH_MAX_ROUNDS 100
#define BENCH_MAX_HOOKS 16
#define BENCH_PEER_HOOKS 2 /* send, receive */
#define BENCH_HOOK_KEY_LEN 64

/* One program's run time and run count, per round. */
struct tcptop_bench_probe {
	struct tcptop_bench_prog p;
	bool used;
	uint64_t rt0, cnt0;
	double rt[BENCH_MAX_ROUNDS];
	double cnt[BENCH_MAX_ROUNDS];
};

/* ns per run in a round; NAN when the program did not run. */
double tcptop_bench_probe_ns(const struct tcptop_bench_probe *p, int round);
/* round < 0: take the starting point; else store the deltas as that round (unused p: no-op). */
int tcptop_bench_probe_snapshot(struct tcptop_bench_probe *p, int round);

enum tcptop_bench_hook_kind {
	BENCH_HOOK_EVENT,	/* runs once per send or receive: the events we count */
	BENCH_HOOK_EVENT_ENTRY, /* runs per event too, as the entry half of a kprobe pair */
	BENCH_HOOK_LIFECYCLE,	/* runs a few times per connection */
};

struct tcptop_bench_hook {
	char key[BENCH_HOOK_KEY_LEN];
	enum tcptop_bench_hook_kind kind;
	struct tcptop_bench_probe ours;
	struct tcptop_bench_probe empty[2];
};

struct tcptop_bench_empty;
struct bpf_link;
struct btf;

struct tcptop_bench_hookset {
	struct tcptop_bench_hook hooks[BENCH_MAX_HOOKS];
	int nhooks;
	struct btf *vmlinux;
	struct tcptop_bench_empty *skel[2];
	struct bpf_link *links[2][BENCH_MAX_HOOKS + 4];
	int nlinks[2];
};

/* The peer's programs, and empty programs on its classic and BTF tracepoints. */
struct tcptop_bench_peer_meter {
	bool used;
	const char *classic_key[BENCH_PEER_HOOKS];
	struct tcptop_bench_probe bt[BENCH_PEER_HOOKS];
	struct tcptop_bench_probe classic[BENCH_PEER_HOOKS];
	struct tcptop_bench_probe btf[BENCH_PEER_HOOKS];
};

int tcptop_bench_hookset_init(struct tcptop_bench_hookset *hs);
void tcptop_bench_hookset_free(struct tcptop_bench_hookset *hs);
/* Record the hooks of the tcptop programs this process holds. */
int tcptop_bench_hookset_discover(struct tcptop_bench_hookset *hs);
/* After loading ours again: find them by hook. */
int tcptop_bench_hookset_bind_ours(struct tcptop_bench_hookset *hs);
/*
 * Load and attach empty set which (0 or 1) on every hook; set 0 with_peer
 * also covers the peer's tracepoints.
 */
int tcptop_bench_hookset_load_empty(struct tcptop_bench_hookset *hs, int which, bool with_peer);
void tcptop_bench_hookset_unload_empty(struct tcptop_bench_hookset *hs, int which);
int tcptop_bench_peer_meter_init(struct tcptop_bench_peer_meter *pm,
				 struct tcptop_bench_hookset *hs,
				 const struct tcptop_bench_peer *peer);

/* round < 0: take the starting point; else store the deltas as that round. */
int tcptop_bench_hookset_snapshot(struct tcptop_bench_hookset *hs,
				  struct tcptop_bench_peer_meter *pm, int round);
/* Every program whose hook fired in the round has counted (attachment is complete). */
bool tcptop_bench_hookset_all_counted(const struct tcptop_bench_hookset *hs,
				      const struct tcptop_bench_peer_meter *pm, int round);
void tcptop_bench_hookset_print_round(const struct tcptop_bench_hookset *hs,
				      const struct tcptop_bench_peer_meter *pm, int round);

/* Mean of two empty programs in a round, in ns per run, over those that ran. */
double tcptop_bench_empty_mean_ns(const struct tcptop_bench_probe empty[2], int round);
/* Mean of the two empty programs of h, in ns per run. */
double tcptop_bench_hook_empty_ns(const struct tcptop_bench_hook *h, int round);
/*
 * Cost per TCP event in a round: all of our run time (and what the empty
 * programs would have cost on the same runs) over the runs of the event hooks.
 */
void tcptop_bench_hookset_per_event(const struct tcptop_bench_hookset *hs, int round,
				    double *empty_ns, double *ours_ns);

#endif
