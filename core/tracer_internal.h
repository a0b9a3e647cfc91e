/* SPDX-License-Identifier: GPL-2.0 */
/* State shared by the tracer's lifecycle (tracer.c) and its drain (tracer_drain.c). */
#ifndef TCPTOP_TRACER_INTERNAL_H
#define TCPTOP_TRACER_INTERNAL_H

#include <pthread.h>

#include "tcptop_core.h"

struct bpf_link;
struct ring_buffer;
struct tcptop_bpf;
struct tcptop_flow;

#define TCPTOP_MAX_LINKS 16

struct tcptop_tracer {
	struct tcptop_bpf *skel;
	enum tcptop_probe probe;
	struct bpf_link *links[TCPTOP_MAX_LINKS];
	int nlinks;
	/* Programs whose skipped runs lose events (bpf_prog_info.recursion_misses). */
	int counting_fds[TCPTOP_MAX_LINKS];
	int ncounting;
	uint64_t skipped_seen;
	struct bpf_link *iter_link;
	struct ring_buffer *closed_ring;
	struct tcptop_flow *drain_buf;	/* the drain_buf map, mmap-ed */
	uint32_t drain_cap;		/* records in drain_buf, ids in alive_ids */
	uint64_t *alive_ids;		/* the alive_ids map, mmap-ed */
	uint64_t drains;		/* drains so far, for the sweep's cadence */
	int cgroup_fd;
	tcptop_log_fn log;
	void *log_ctx;
	/* Drop counters already reported, so each drain reports only its own. */
	uint64_t drop_events_seen[TCPTOP_DROPPED_KINDS];
	uint64_t drop_bytes_seen[TCPTOP_DROPPED_KINDS];
	/* tracer_closed.c: a thread moves closed sockets' records out of the ring. */
	pthread_t closed_thread;
	bool closed_thread_running;
	int closed_stop_fd;
	pthread_mutex_t closed_lock;	/* closed_ring consumption and pending */
	struct tcptop_flow *pending;
	size_t pending_n, pending_cap;
	uint64_t pending_dropped_events, pending_dropped_bytes;
	/* Records the kernel put in closed_spill because the ring was full. */
	uint64_t spilled_seen;
	uint64_t *spill_keys;
	struct tcptop_flow *spill_vals;
	/* Where records go during a drain. */
	struct tcptop_table *draining;
	struct tcptop_drain_stats *drain_stats;
	int drain_err;
};

struct bpf_program;
/* Give existing connections an RX cursor (tracepoint mode). */
int tcptop_tracer_seed_rx(struct tcptop_tracer *tr, struct bpf_program *prog);
/* Fold one socket's record, live or final, into the table being drained. */
int tcptop_tracer_on_record(void *ctx, void *data, size_t size);

/* tracer_closed.c */
int tcptop_closed_on_record(void *ctx, void *data, size_t size);
int tcptop_closed_start(struct tcptop_tracer *tr);
void tcptop_closed_stop(struct tcptop_tracer *tr);
int tcptop_closed_fold(struct tcptop_tracer *tr, uint64_t *dropped_events, uint64_t *dropped_bytes);

__attribute__((format(printf, 3, 4)))
void tcptop_log(const struct tcptop_tracer *tr, enum tcptop_log_level level, const char *fmt,
		...);

#endif
