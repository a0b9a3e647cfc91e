// SPDX-License-Identifier: GPL-2.0
/*
 * The drain: an iterator pass whose program writes a record per flow with
 * bytes into the mmap-ed drain buffer (over the flow map, or over the
 * sockets of each network namespace with flows); then the records of flows
 * that ended (tracer_closed.c); then the drop counters.
 */
#include <errno.h>
#include <malloc.h>
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
/* A sweep pass every this many drains: O(live sockets) ids and one sort. */
#define TCPTOP_SWEEP_EVERY 8

static uint64_t tcptop_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/*
 * The program writes nothing to the seq_file, so one read() walks everything
 * (the kernel stops only every million objects, with EAGAIN, and then the
 * walk resumes where it stopped, but may skip or repeat an object).  Sets
 * *whole when no read() stopped early.
 */
static int tcptop_read_iter(int fd, bool *whole)
{
	char buf[64];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EAGAIN)
			*whole = false;
		else if (n < 0 && errno != EINTR)
			return -errno;
	}
	return 0;
}

static int tcptop_drain_pass(struct tcptop_tracer *tr, bool *whole)
{
	int *fds = NULL, i, n, fd, err = 0;

	if (tr->drain_method != TCPTOP_DRAIN_SOCKET) {
		fd = bpf_iter_create(bpf_link__fd(tr->iter_link));
		if (fd < 0)
			return -errno;
		err = tcptop_read_iter(fd, whole);
		close(fd);
		return err;
	}
	n = tcptop_netns_open_iters(tr, &fds);
	if (n < 0)
		return n;
	for (i = 0; i < n; i++) {
		int e = err ? 0 : tcptop_read_iter(fds[i], whole);

		if (e && !err)
			err = e;
		close(fds[i]);
	}
	free(fds);
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

static void tcptop_drain_drops(struct tcptop_tracer *tr, struct tcptop_drain_stats *st)
{
	uint64_t skipped;
	int k;

	for (k = 0; k < TCPTOP_DROP_NR; k++) {
		uint64_t ev = __atomic_load_n(&tr->skel->bss->drop_events[k], __ATOMIC_RELAXED);
		uint64_t by = __atomic_load_n(&tr->skel->bss->drop_bytes[k], __ATOMIC_RELAXED);

		st->dropped_events_by_kind[k] += ev - tr->drop_events_seen[k];
		st->dropped_bytes_by_kind[k] += by - tr->drop_bytes_seen[k];
		tr->drop_events_seen[k] = ev;
		tr->drop_bytes_seen[k] = by;
	}
	skipped = tcptop_drain_skipped(tr);
	st->dropped_events_by_kind[TCPTOP_DROPPED_SKIPPED_BY_KERNEL] += skipped - tr->skipped_seen;
	tr->skipped_seen = skipped;
	for (k = 0; k < TCPTOP_DROPPED_KINDS; k++) {
		st->dropped_events += st->dropped_events_by_kind[k];
		st->dropped_bytes += st->dropped_bytes_by_kind[k];
	}
}

static struct tcptop_refused_uid *tcptop_refused_seen(struct tcptop_tracer *tr, uint32_t uid)
{
	struct tcptop_refused_uid *p;
	size_t i;

	for (i = 0; i < tr->refused_n; i++)
		if (tr->refused_seen[i].uid == uid)
			return &tr->refused_seen[i];
	p = realloc(tr->refused_seen, (tr->refused_n + 1) * sizeof(*p));
	if (!p)
		return NULL;
	tr->refused_seen = p;
	p = &p[tr->refused_n++];
	memset(p, 0, sizeof(*p));
	p->uid = uid;
	return p;
}

/* Whose sockets were refused for their user's share this drain, most events first. */
static void tcptop_drain_refused(struct tcptop_tracer *tr, struct tcptop_drain_stats *st)
{
	int fd = bpf_map__fd(tr->skel->maps.user_refused);
	struct tcptop_user_refused val;
	/* 0 is never a key here, and a missing key starts the walk at the first (no NULL for valgrind). */
	uint32_t key = 0, next = 0, *prev = &key;
	int i, k;

	if (!st->dropped_events_by_kind[TCPTOP_DROPPED_USER_SHARE])
		return;
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		struct tcptop_refused_uid *seen, now;

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &val) != 0 || !(seen = tcptop_refused_seen(tr, key)))
			continue;
		now.uid = key;
		now.events = val.events - seen->events;
		now.bytes = val.bytes - seen->bytes;
		seen->events = val.events;
		seen->bytes = val.bytes;
		if (!now.events)
			continue;
		for (i = 0; i < TCPTOP_REFUSED_UIDS; i++)
			if (!st->refused_uids[i].events || st->refused_uids[i].events < now.events)
				break;
		if (i == TCPTOP_REFUSED_UIDS)
			continue;
		for (k = TCPTOP_REFUSED_UIDS - 1; k > i; k--)
			st->refused_uids[k] = st->refused_uids[k - 1];
		st->refused_uids[i] = now;
	}
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

static int tcptop_id_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Flows whose socket vanished without a destroy event (see
 * tcptop_drain_recount) would stay in the table, unclosed, for ever.  An
 * entry the table had before this drain has a socket that existed before
 * the sweep pass, so the pass listed it unless the socket went away (or is in
 * a namespace the pass did not walk); and a flow that ended normally has its
 * final record folded by now.  So such an entry that is neither listed nor
 * closed has vanished: close it, as its end would have.  Its bytes up to the
 * application's close were handed over early and are in its totals already.
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
		struct tcptop_flow_entry *e = tcptop_table_entry(t, i);

		if (e->closed || !tcptop_netns_was_walked(tr, e->netns) ||
		    bsearch(&e->id, ids, listed, sizeof(*ids), tcptop_id_cmp))
			continue;
		e->closed = true;
		st->vanished_flows++;
	}
	free(ids);
}

/* Folds the records a pass wrote into the drain buffer. */
static int tcptop_drain_fold_buffer(struct tcptop_tracer *tr, struct tcptop_table *t,
				    struct tcptop_drain_stats *st)
{
	/* The pass ran inside our read(): its writes are all visible now. */
	uint32_t i, used = tr->skel->bss->drain_count;
	int err = 0;

	if (used > tr->drain_cap)
		used = tr->drain_cap;
	for (i = 0; i < used; i++) {
		int e = tcptop_table_add_record(t, &tr->drain_buf[i]);

		if (e && !err)
			err = e;
	}
	st->records += used;
	return err;
}

int tcptop_tracer_drain(struct tcptop_tracer *tr, struct tcptop_table *t,
			struct tcptop_drain_stats *stats)
{
	bool sweep = ++tr->drains % TCPTOP_SWEEP_EVERY == 0;
	bool whole = true, all_walked;
	uint32_t listed = 0;
	size_t had;
	uint64_t start = tcptop_now_ns();
	uint64_t live_before = 0, closed_before = 0;
	int err = 0, fold_err = 0, e;

	memset(stats, 0, sizeof(*stats));
	had = tcptop_table_count(t);
	tcptop_table_begin(t);
	/* The table shrinks its arrays after a burst (tcptop_table_begin). */
	if (had > 4096 && tcptop_table_count(t) < had / 8)
		tr->memory_released = true;
	had = tcptop_table_count(t);
	if (tr->drain_method == TCPTOP_DRAIN_SOCKET)
		tcptop_netns_refresh(tr);
	tcptop_slots_publish(tr);

	while (stats->passes < TCPTOP_MAX_PASSES) {
		uint64_t deferred = __atomic_load_n(&tr->skel->bss->drain_deferred, __ATOMIC_RELAXED);
		uint64_t pass_start;

		if (stats->passes == 0) {
			live_before = __atomic_load_n(&tr->skel->bss->live_flows, __ATOMIC_ACQUIRE);
			closed_before = __atomic_load_n(&tr->skel->bss->flows_closed, __ATOMIC_ACQUIRE);
		}
		stats->passes++;
		tr->skel->bss->drain_count = 0;
		tr->skel->bss->drain_visited = 0;
		tr->skel->bss->sweep = sweep && stats->passes == 1;
		tr->skel->bss->alive_count = 0;
		pass_start = tcptop_now_ns();
		err = tcptop_drain_pass(tr, &whole);
		stats->kernel_ns += tcptop_now_ns() - pass_start;
		if (err)
			break;
		if (stats->passes == 1)
			listed = tr->skel->bss->alive_count;
		/* Only the first pass visits every flow; later ones visit what it deferred. */
		if (stats->passes == 1 && tr->drain_method == TCPTOP_DRAIN_SOCKET)
			tcptop_netns_count(tr, &stats->netns_walked, &stats->netns_unreachable);
		all_walked = !stats->netns_unreachable;
		if (stats->passes == 1 && whole && all_walked)
			tcptop_drain_recount(tr, live_before, closed_before, stats);
		e = tcptop_drain_fold_buffer(tr, t, stats);
		if (e && !fold_err)
			fold_err = e;
		if (__atomic_load_n(&tr->skel->bss->drain_deferred, __ATOMIC_RELAXED) == deferred)
			break;
	}
	/* After the live pass, so flows that ended while it ran are in this drain too. */
	e = tcptop_closed_fold(tr, t, stats);
	if (e && !err)
		err = e;
	tcptop_drain_drops(tr, stats);
	tcptop_drain_refused(tr, stats);
	tr->skel->bss->sweep = 0;
	/* A walk that stopped early may have skipped live flows: conclude nothing then. */
	if (sweep && !err && whole)
		tcptop_drain_sweep(tr, t, had, listed, stats);
	tcptop_slots_after_fold(tr, t, stats);
	if (!err)
		err = fold_err;

#ifdef __GLIBC__
	/* Freed arrays sit in the heap until trimmed; give the pages back to the system. */
	if (tr->memory_released)
		malloc_trim(0);
#endif
	tr->memory_released = false;
	stats->flows = tcptop_table_count(t);
	stats->live_sockets = __atomic_load_n(&tr->skel->bss->live_flows, __ATOMIC_RELAXED);
	stats->drain_ns = tcptop_now_ns() - start;
	return err;
}
