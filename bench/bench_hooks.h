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
#define BENCH_PEER_HOOKS 2	/* send, receive */
#define BENCH_HOOK_KEY_LEN 64

/* One program's run time and run count, per round. */
struct bench_probe {
	struct bench_prog p;
	bool used;
	uint64_t rt0, cnt0;
	double rt[BENCH_MAX_ROUNDS];
	double cnt[BENCH_MAX_ROUNDS];
};

/* ns per run in a round; NAN when the program did not run. */
double bench_probe_ns(const struct bench_probe *p, int round);

enum bench_hook_kind {
	BENCH_HOOK_EVENT,	/* runs once per send or receive: the events we count */
	BENCH_HOOK_EVENT_ENTRY,	/* runs per event too, as the entry half of a kprobe pair */
	BENCH_HOOK_LIFECYCLE,	/* runs a few times per connection */
};

struct bench_hook {
	char key[BENCH_HOOK_KEY_LEN];
	enum bench_hook_kind kind;
	struct bench_probe ours;
	struct bench_probe empty[2];
};

struct bench_empty;
struct bpf_link;
struct btf;

struct bench_hookset {
	struct bench_hook hooks[BENCH_MAX_HOOKS];
	int nhooks;
	struct btf *vmlinux;
	struct bench_empty *skel[2];
	struct bpf_link *links[2][BENCH_MAX_HOOKS + 4];
	int nlinks[2];
};

/* The peer's programs, and empty programs on its classic and BTF tracepoints. */
struct bench_peer_meter {
	bool used;
	const char *classic_key[BENCH_PEER_HOOKS];
	struct bench_probe bt[BENCH_PEER_HOOKS];
	struct bench_probe classic[BENCH_PEER_HOOKS];
	struct bench_probe btf[BENCH_PEER_HOOKS];
};

int bench_hookset_init(struct bench_hookset *hs);
void bench_hookset_free(struct bench_hookset *hs);
/* Record the hooks of the tcptop programs this process holds. */
int bench_hookset_discover(struct bench_hookset *hs);
/* After loading ours again: find them by hook. */
int bench_hookset_bind_ours(struct bench_hookset *hs);
/*
 * Load and attach empty set which (0 or 1) on every hook; set 0 with_peer
 * also covers the peer's tracepoints.
 */
int bench_hookset_load_empty(struct bench_hookset *hs, int which, bool with_peer);
void bench_hookset_unload_empty(struct bench_hookset *hs, int which);
int bench_peer_meter_init(struct bench_peer_meter *pm, struct bench_hookset *hs,
			  const struct bench_peer *peer);

/* round < 0: take the starting point; else store the deltas as that round. */
int bench_hookset_snapshot(struct bench_hookset *hs, struct bench_peer_meter *pm, int round);
/* Every program whose hook fired in the round has counted (attachment is complete). */
bool bench_hookset_all_counted(const struct bench_hookset *hs, const struct bench_peer_meter *pm,
			       int round);
void bench_hookset_print_round(const struct bench_hookset *hs, const struct bench_peer_meter *pm,
			       int round);

/* Mean of the two empty programs of h, in ns per run. */
double bench_hook_empty_ns(const struct bench_hook *h, int round);
/*
 * Cost per TCP event in a round: all of our run time (and what the empty
 * programs would have cost on the same runs) over the runs of the event hooks.
 */
void bench_hookset_per_event(const struct bench_hookset *hs, int round, double *empty_ns,
			     double *ours_ns);

#endif
