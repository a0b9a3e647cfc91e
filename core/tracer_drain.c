// SPDX-License-Identifier: GPL-2.0
/*
 * The drain: one iterator pass over the flow map, whose program writes a
 * record per socket with bytes into the mmap-ed drain buffer; then the
 * records of sockets that closed (tracer_closed.c); then the drop counters.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "tcptop.h"
#include "tracer_internal.h"
#include "tcptop.skel.h"

/* A full drain buffer defers sockets to another pass; bounded so a drain always ends. */
#define TCPTOP_MAX_PASSES 8

static uint64_t tcptop_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

int tcptop_tracer_on_record(void *ctx, void *data, size_t size)
{
	struct tcptop_tracer *tr = ctx;
	const struct tcptop_flow *rec = data;
	int err;

	if (size < sizeof(*rec))
		return 0;
	err = tcptop_table_add_record(tr->draining, rec);
	if (err && !tr->drain_err)
		tr->drain_err = err;
	tr->drain_stats->records++;
	if (rec->flags & TCPTOP_FLOW_CLOSED)
		tr->drain_stats->closed_records++;
	return 0;
}

/*
 * The program writes nothing to the seq_file, so one read() walks the whole
 * map (the kernel stops only every million objects, with EAGAIN).
 */
static int tcptop_drain_pass(struct tcptop_tracer *tr)
{
	char buf[64];
	ssize_t n;
	int fd, err = 0;

	fd = bpf_iter_create(bpf_link__fd(tr->iter_link));
	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno != EINTR && errno != EAGAIN) {
			err = -errno;
			break;
		}
	}
	close(fd);
	return err;
}

/* Runs the kernel skipped, summed over the counting programs (never over twins). */
static uint64_t tcptop_drain_skipped(const struct tcptop_tracer *tr)
{
	uint64_t sum = 0;
	int i;

	for (i = 0; i < tr->ncounting; i++) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);

		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(tr->counting_fds[i], &info, &len) == 0)
			sum += info.recursion_misses;
	}
	return sum;
}

static void tcptop_drain_drops(struct tcptop_tracer *tr, struct tcptop_drain_stats *st,
			       uint64_t closed_events, uint64_t closed_bytes)
{
	uint64_t skipped;
	int k;

	/* Closed records user space had no room for count with the kernel's closed-ring drops. */
	st->dropped_events_by_kind[TCPTOP_DROPPED_CLOSED_RING_FULL] += closed_events;
	st->dropped_bytes_by_kind[TCPTOP_DROPPED_CLOSED_RING_FULL] += closed_bytes;
	st->dropped_events += closed_events;
	st->dropped_bytes += closed_bytes;

	for (k = 0; k < TCPTOP_DROP_NR; k++) {
		uint64_t ev = __atomic_load_n(&tr->skel->bss->drop_events[k], __ATOMIC_RELAXED);
		uint64_t by = __atomic_load_n(&tr->skel->bss->drop_bytes[k], __ATOMIC_RELAXED);

		st->dropped_events_by_kind[k] += ev - tr->drop_events_seen[k];
		st->dropped_bytes_by_kind[k] += by - tr->drop_bytes_seen[k];
		st->dropped_events += st->dropped_events_by_kind[k];
		st->dropped_bytes += st->dropped_bytes_by_kind[k];
		tr->drop_events_seen[k] = ev;
		tr->drop_bytes_seen[k] = by;
	}
	skipped = tcptop_drain_skipped(tr);
	st->dropped_events_by_kind[TCPTOP_DROPPED_SKIPPED_BY_KERNEL] = skipped - tr->skipped_seen;
	st->dropped_events += skipped - tr->skipped_seen;
	tr->skipped_seen = skipped;
}

/*
 * The kernel has freed a socket without a destroy event (seen on 6.18 in
 * bursts of closes), its entry is gone but live_flows still counts it, and
 * enough of them would bound capacity for nothing.  A socket live before the
 * pass was either visited or closed during it, so anything live_flows counts
 * beyond that has vanished.  Entries created during the pass only make the
 * estimate smaller.  A place reserved but not yet filled when live_flows was
 * read looks vanished too; at most two per CPU can be, so that many are left
 * alone and a place in use is never taken back.
 */
static void tcptop_drain_recount(struct tcptop_tracer *tr, uint64_t live_before,
				 uint64_t closed_before, struct tcptop_drain_stats *st)
{
	uint64_t closed = __atomic_load_n(&tr->skel->bss->flows_closed, __ATOMIC_ACQUIRE);
	uint64_t accounted = tr->skel->bss->drain_visited + (closed - closed_before);
	int cpus = libbpf_num_possible_cpus();

	accounted += 2 * (uint64_t)(cpus > 0 ? cpus : 1);
	if (live_before <= accounted)
		return;
	st->vanished_sockets = live_before - accounted;
	__atomic_fetch_sub(&tr->skel->bss->live_flows, st->vanished_sockets, __ATOMIC_RELAXED);
}

/* A sweep pass every this many drains: O(live sockets) ids and one sort. */
#define TCPTOP_SWEEP_EVERY 8

static int tcptop_id_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Flows whose socket vanished without a destroy event (see
 * tcptop_drain_recount) would stay in the table, unclosed, for ever.  An
 * entry the table had before this drain has a socket that existed before
 * the sweep pass, so the pass listed it unless the socket went away; and a
 * socket destroyed normally has its final record folded by now.  So such an
 * entry that is neither listed nor closed has vanished: close it, as its
 * destroy event would have.  Its bytes up to the application's close were
 * handed over early (tracepoint mode) and are in its totals already.
 */
static void tcptop_drain_sweep(struct tcptop_tracer *tr, struct tcptop_table *t,
			       size_t had, uint32_t listed, struct tcptop_drain_stats *st)
{
	uint64_t *ids;
	size_t i;

	if (listed > tr->drain_cap)
		return;		/* the list is incomplete: conclude nothing */
	ids = malloc(((size_t)listed + 1) * sizeof(*ids));
	if (!ids)
		return;
	memcpy(ids, tr->alive_ids, (size_t)listed * sizeof(*ids));
	qsort(ids, listed, sizeof(*ids), tcptop_id_cmp);
	/* The table only grows during a drain, so the first had entries are those. */
	for (i = 0; i < had; i++) {
		struct tcptop_flow_entry *e = tcptop_table_at(t, i);

		if (e->closed || bsearch(&e->id, ids, listed, sizeof(*ids), tcptop_id_cmp))
			continue;
		e->closed = true;
		st->vanished_flows++;
	}
	free(ids);
}

int tcptop_tracer_drain(struct tcptop_tracer *tr, struct tcptop_table *t,
			struct tcptop_drain_stats *stats)
{
	bool sweep = ++tr->drains % TCPTOP_SWEEP_EVERY == 0;
	uint32_t listed = 0;
	size_t had;
	uint64_t start = tcptop_now_ns();
	uint64_t closed_events = 0, closed_bytes = 0;
	int err = 0, n;

	memset(stats, 0, sizeof(*stats));
	tcptop_table_begin(t);
	had = tcptop_table_count(t);
	tr->draining = t;
	tr->drain_stats = stats;
	tr->drain_err = 0;

	while (stats->passes < TCPTOP_MAX_PASSES) {
		uint64_t deferred = __atomic_load_n(&tr->skel->bss->drain_deferred, __ATOMIC_RELAXED);
		uint64_t live_before = __atomic_load_n(&tr->skel->bss->live_flows, __ATOMIC_ACQUIRE);
		uint64_t closed_before = __atomic_load_n(&tr->skel->bss->flows_closed, __ATOMIC_ACQUIRE);
		uint64_t pass_start;
		uint32_t i, used;

		stats->passes++;
		tr->skel->bss->drain_count = 0;
		tr->skel->bss->drain_visited = 0;
		tr->skel->bss->sweep = sweep && stats->passes == 1;
		tr->skel->bss->alive_count = 0;
		pass_start = tcptop_now_ns();
		err = tcptop_drain_pass(tr);
		stats->kernel_ns += tcptop_now_ns() - pass_start;
		if (err)
			break;
		if (stats->passes == 1) {
			tcptop_drain_recount(tr, live_before, closed_before, stats);
			listed = tr->skel->bss->alive_count;
		}
		/* The pass ran inside our read(): its writes are all visible now. */
		used = tr->skel->bss->drain_count;
		if (used > tr->drain_cap)
			used = tr->drain_cap;
		for (i = 0; i < used; i++)
			tcptop_tracer_on_record(tr, &tr->drain_buf[i], sizeof(tr->drain_buf[i]));
		if (__atomic_load_n(&tr->skel->bss->drain_deferred, __ATOMIC_RELAXED) == deferred)
			break;
	}
	/* After the live pass, so sockets that closed while it ran are in this drain too. */
	n = tcptop_closed_fold(tr, &closed_events, &closed_bytes);
	if (n < 0 && !err)
		err = n;
	tcptop_drain_drops(tr, stats, closed_events, closed_bytes);
	tr->skel->bss->sweep = 0;
	if (sweep && !err)
		tcptop_drain_sweep(tr, t, had, listed, stats);
	if (!err)
		err = tr->drain_err;

	stats->flows = tcptop_table_count(t);
	stats->live_sockets = __atomic_load_n(&tr->skel->bss->live_flows, __ATOMIC_RELAXED);
	stats->drain_ns = tcptop_now_ns() - start;
	tr->draining = NULL;
	tr->drain_stats = NULL;
	return err;
}
