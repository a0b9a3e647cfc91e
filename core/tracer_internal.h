/* SPDX-License-Identifier: GPL-2.0 */
/*
 * State shared by the tracer's parts: its lifecycle (tracer.c), the drain
 * (tracer_drain.c), the namespaces a socket drain walks (tracer_netns.c),
 * slots of exited processes (tracer_slots.c), the closed-socket collector
 * (tracer_closed.c), start-up seeding (tracer_seed.c) and logging
 * (tracer_log.c).
 */
#ifndef TCPTOP_TRACER_INTERNAL_H
#define TCPTOP_TRACER_INTERNAL_H

#include <pthread.h>
#include <sys/types.h>

#include "flow_table_internal.h"
#include "tcptop_core.h"

struct bpf_link;
struct bpf_program;
struct ring_buffer;
struct tcptop_bpf;
struct tcptop_sock_rec;

#define TCPTOP_MAX_LINKS 16

/* A network namespace a socket drain walks, and how to enter it. */
struct tcptop_netns {
	uint32_t inum;
	char path[64];		/* /proc/<pid>/ns/net or /run/netns/<name>; "" unknown */
	bool wanted;		/* has live flows (the kernel's foreign_netns map) */
	bool walked;		/* this drain */
};

struct tcptop_netns_set {
	struct tcptop_netns *ns;
	size_t n, cap;
	int self_fd;		/* our own namespace, to come back to */
	uint32_t self_inum;
	bool can_enter;		/* CAP_SYS_ADMIN: setns() into other namespaces */
	bool warned;		/* said once that some namespaces cannot be walked */
	bool full_scan;		/* the kernel map overflowed: walk every namespace found */
	uint64_t next_scan;	/* drain from which /proc may be scanned again */
};

/* Exited processes whose slots the next drain pass frees (tracer_slots.c). */
struct tcptop_dead_set {
	uint32_t *tgids;
	size_t n, cap;
	size_t published;	/* the first this many are in the kernel's dead_tgids */
};

struct tcptop_tracer {
	struct tcptop_bpf *skel;
	enum tcptop_mode mode;
	enum tcptop_drain_method drain_method;
	bool tx_by_seq;			/* tracepoint mode counts TX from the send sequence */
	enum tcptop_drain_method drain_requested;	/* opts, or TCPTOP_DRAIN when opts say auto */
	struct bpf_link *links[TCPTOP_MAX_LINKS];
	int nlinks;
	/* Programs whose skipped runs lose events (bpf_prog_info.recursion_misses). */
	int counting_fds[TCPTOP_MAX_LINKS];
	int ncounting;
	uint64_t skipped_seen;
	struct bpf_link *iter_link;
	struct ring_buffer *closed_ring;
	struct tcptop_sock_rec *drain_buf;	/* the drain_buf map, mmap-ed */
	uint32_t drain_cap;		/* records in drain_buf, ids in alive_ids */
	uint64_t *alive_ids;		/* the alive_ids map, mmap-ed */
	uint64_t drains;		/* drains so far, for the sweep's cadence */
	int cgroup_fd;
	tcptop_log_fn log;
	void *log_ctx;
	/* Drop counters already reported, so each drain reports only its own. */
	uint64_t drop_events_seen[TCPTOP_DROPPED_KINDS];
	uint64_t drop_bytes_seen[TCPTOP_DROPPED_KINDS];
	struct tcptop_netns_set netns;
	struct tcptop_dead_set dead;
	/* tracer_closed.c: a thread moves closed sockets' records out of the ring. */
	pthread_t closed_thread;
	bool closed_thread_running;
	int closed_stop_fd;
	pthread_mutex_t closed_lock;	/* closed_ring consumption and pending */
	struct tcptop_sock_rec *pending;
	size_t pending_n, pending_cap;
	uint64_t pending_dropped_events, pending_dropped_bytes;
	/* Records the kernel put in closed_spill because the ring was full. */
	uint64_t spilled_seen;
	int spill_faults;		/* test hook: spill reads that fail first */
	uint64_t spilled_taken;		/* records taken from the spill map since the last fold */
	uint64_t *spill_keys;
	struct tcptop_sock_rec *spill_vals;
	bool memory_released;	/* a burst's memory was freed: trim the heap */
	/* Refusals per user already reported (the kernel's user_refused map only grows). */
	struct tcptop_refused_uid *refused_seen;
	size_t refused_n;
};

/* What the running kernel offers a mode, from its BTF (tracer.c). */
struct btf;
struct tcptop_kernel_fit {
	int recvmsg_flags_arg;	/* position of tcp_recvmsg's flags (3, or 4 before 5.19); -1 unknown */
	bool sendpage;		/* tcp_sendpage exists (before 6.5): sendfile and splice use it */
	bool splice_read;	/* tcp_splice_read */
};
/*
 * Whether mode can count exactly on the kernel btf describes; forced: the
 * mode was asked for by name (auto never picks a mode that would miss bytes).
 * Returns 0, or -EOPNOTSUPP with the reason in why.
 */
int tcptop_mode_fit(const struct btf *btf, enum tcptop_mode mode, bool forced,
		    struct tcptop_kernel_fit *fit, char *why, size_t whylen);

/* tracer_log.c */
__attribute__((format(printf, 3, 4)))
void tcptop_log(const struct tcptop_tracer *tr, enum tcptop_log_level level, const char *fmt,
		...);

/* tracer_seed.c: give existing connections an RX cursor (tracepoint mode). */
int tcptop_tracer_seed_rx(struct tcptop_tracer *tr, struct bpf_program *prog);

/* tracer_closed.c */
int tcptop_closed_on_record(void *ctx, void *data, size_t size);
int tcptop_closed_start(struct tcptop_tracer *tr);
void tcptop_closed_stop(struct tcptop_tracer *tr);
/* Folds every record that left through the ring into t; counts them in st. */
int tcptop_closed_fold(struct tcptop_tracer *tr, struct tcptop_table *t,
		       struct tcptop_drain_stats *st);

/* tracer_netns.c: the namespaces a socket drain walks. */
int tcptop_netns_init(struct tcptop_tracer *tr);
void tcptop_netns_free(struct tcptop_tracer *tr);
/* Called for each namespace a scan finds; returns 0 when it used the path. */
typedef int (*tcptop_netns_visit_fn)(const char *path, uint32_t inum, void *ctx);
/* Every namespace behind dirs[0]/<pid>/ns/net and dirs[1]/<name>; returns how many were used. */
int tcptop_netns_scan(const char *const *dirs, tcptop_netns_visit_fn visit, void *ctx);
/* Reads which namespaces hold live flows, and finds a way into each. */
void tcptop_netns_refresh(struct tcptop_tracer *tr);
/*
 * Creates one iterator in our namespace and one in each other namespace to
 * walk, entering each just long enough (an iterator keeps the namespace it
 * was created in).  Returns how many, with their fds in a malloc-ed *fds, or
 * a negative errno.
 */
int tcptop_netns_open_iters(struct tcptop_tracer *tr, int **fds);
/* Namespaces walked by the last open_iters, and those with live flows it could not walk. */
void tcptop_netns_count(const struct tcptop_tracer *tr, uint32_t *walked, uint32_t *unreachable);
bool tcptop_netns_was_walked(const struct tcptop_tracer *tr, uint32_t inum);

/* tracer_slots.c: slots of exited processes. */
/* Before a pass: tell the kernel which slot owners exited. */
int tcptop_slots_publish(struct tcptop_tracer *tr);
/* After the fold: close the entries of exited processes, find newly exited ones. */
void tcptop_slots_after_fold(struct tcptop_tracer *tr, struct tcptop_table *t,
			     struct tcptop_drain_stats *st);
void tcptop_slots_free(struct tcptop_tracer *tr);


#endif
