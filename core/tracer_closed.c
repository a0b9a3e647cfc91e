// SPDX-License-Identifier: GPL-2.0
/*
 * Records that leave sockets through the ring: final ones of closed sockets,
 * and early ones handed over when the application closes (tracepoint mode).
 * A front end drains once per interval (10 s is common for collectd), but a
 * busy server closes thousands of sockets a second and the kernel's ring has
 * a fixed size.  So a small thread empties the ring all the time into a
 * pending list, and each drain folds that list into its table.  The kernel
 * wakes the thread only when the ring is filling up; otherwise it looks every
 * TCPTOP_CLOSED_POLL_MS.  What did not fit in the ring waits in a spill map,
 * which the thread empties too.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "tcptop.h"
#include "tracer_internal.h"
#include "tcptop.skel.h"

#define TCPTOP_CLOSED_POLL_MS 100
/* Records taken from closed_spill per system call. */
#define TCPTOP_SPILL_BATCH 256
/* Records kept between drains; a longer list was a burst's, and is freed. */
#define TCPTOP_PENDING_KEEP 4096u
/* Bounds memory if nobody drains: about 260 MiB of records. */
#define TCPTOP_MAX_PENDING_CLOSED (1u << 20)

/* Ring callback, called with tr->closed_lock held. */
int tcptop_closed_on_record(void *ctx, void *data, size_t size)
{
	struct tcptop_tracer *tr = ctx;
	const struct tcptop_sock_rec *rec = data;
	struct tcptop_sock_rec *p;
	int i;

	if (size < sizeof(*rec))
		return 0;
	if (tr->pending_n == tr->pending_cap) {
		size_t cap = tr->pending_cap ? tr->pending_cap * 2 : 256;

		p = cap <= TCPTOP_MAX_PENDING_CLOSED ? realloc(tr->pending, cap * sizeof(*p)) : NULL;
		if (!p) {
			/* Counted with the kernel's closed-ring drops: never silent. */
			tr->pending_dropped_events++;
			for (i = 0; i < TCPTOP_SLOTS; i++)
				tr->pending_dropped_bytes += rec->slot[i].tx + rec->slot[i].rx;
			return 0;
		}
		tr->pending = p;
		tr->pending_cap = cap;
	}
	memcpy(&tr->pending[tr->pending_n++], rec, sizeof(*rec));
	return 0;
}

/*
 * Takes what the kernel spilled when the ring was full, called with
 * tr->closed_lock held.  Each record is removed by the same call that returns
 * it, so none is taken twice; one the kernel adds meanwhile moves the counter
 * again and is taken next time.  The counter is marked seen only once a
 * batch read got to the end of the map, so a read that fails leaves the
 * records for the next look instead of stranding them.
 */
static void tcptop_closed_take_spill(struct tcptop_tracer *tr)
{
	uint64_t spilled = __atomic_load_n(&tr->skel->bss->closed_spilled, __ATOMIC_ACQUIRE);
	int fd = bpf_map__fd(tr->skel->maps.closed_spill);
	__u32 token = 0;
	bool first = true;

	if (spilled == tr->spilled_seen || !tr->spill_keys)
		return;
	for (;;) {
		__u32 i, count = TCPTOP_SPILL_BATCH;
		int err;

		if (tr->spill_faults > 0) {
			/* Test hook (TCPTOP_FAULT_SPILL_READS): this read fails. */
			tr->spill_faults--;
			break;
		}
		err = bpf_map_lookup_and_delete_batch(fd, first ? NULL : &token, &token,
						      tr->spill_keys, tr->spill_vals, &count, NULL);

		first = false;
		for (i = 0; i < count && (!err || err == -ENOENT); i++)
			tcptop_closed_on_record(tr, &tr->spill_vals[i], sizeof(tr->spill_vals[i]));
		if (!err || err == -ENOENT)
			tr->spilled_taken += count;
		if (err == -ENOENT)
			tr->spilled_seen = spilled;
		if (err)
			break;
	}
}

static void *tcptop_closed_collect(void *arg)
{
	struct tcptop_tracer *tr = arg;
	struct pollfd fds[2] = {
		{ .fd = ring_buffer__epoll_fd(tr->closed_ring), .events = POLLIN },
		{ .fd = tr->closed_stop_fd, .events = POLLIN },
	};
	const char *stall = getenv("TCPTOP_FAULT_COLLECTOR_STALL_MS");

	/*
	 * Test hook: the thread starts late, as on a host too busy to run it,
	 * so a burst of closes fills the ring and spills whatever the machine.
	 * The drains still fold the ring and the spill map themselves.
	 */
	if (stall && poll(&fds[1], 1, atoi(stall)) > 0)
		return NULL;
	for (;;) {
		if (poll(fds, 2, TCPTOP_CLOSED_POLL_MS) < 0 && errno != EINTR)
			break;
		if (fds[1].revents)
			break;
		pthread_mutex_lock(&tr->closed_lock);
		ring_buffer__consume(tr->closed_ring);
		tcptop_closed_take_spill(tr);
		pthread_mutex_unlock(&tr->closed_lock);
	}
	return NULL;
}

int tcptop_closed_start(struct tcptop_tracer *tr)
{
	sigset_t all, old;
	int err;

	const char *faults = getenv("TCPTOP_FAULT_SPILL_READS");

	tr->spill_faults = faults ? atoi(faults) : 0;
	tr->spill_keys = calloc(TCPTOP_SPILL_BATCH, sizeof(*tr->spill_keys));
	tr->spill_vals = calloc(TCPTOP_SPILL_BATCH, sizeof(*tr->spill_vals));
	if (!tr->spill_keys || !tr->spill_vals)
		return -ENOMEM;
	tr->closed_stop_fd = eventfd(0, EFD_CLOEXEC);
	if (tr->closed_stop_fd < 0)
		return -errno;
	/* The thread must never take a signal meant for the front end. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = -pthread_create(&tr->closed_thread, NULL, tcptop_closed_collect, tr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		close(tr->closed_stop_fd);
		tr->closed_stop_fd = -1;
		return err;
	}
	tr->closed_thread_running = true;
	return 0;
}

void tcptop_closed_stop(struct tcptop_tracer *tr)
{
	uint64_t one = 1;

	if (tr->closed_thread_running) {
		if (write(tr->closed_stop_fd, &one, sizeof(one)) != sizeof(one))
			pthread_cancel(tr->closed_thread);
		pthread_join(tr->closed_thread, NULL);
		tr->closed_thread_running = false;
	}
	if (tr->closed_stop_fd >= 0)
		close(tr->closed_stop_fd);
	tr->closed_stop_fd = -1;
	free(tr->pending);
	tr->pending = NULL;
	free(tr->spill_keys);
	free(tr->spill_vals);
	tr->spill_keys = NULL;
	tr->spill_vals = NULL;
	tr->spilled_seen = 0;
	tr->pending_n = tr->pending_cap = 0;
}

static int tcptop_closed_fold_one(struct tcptop_table *t, const struct tcptop_sock_rec *rec,
				  struct tcptop_drain_stats *st)
{
	st->records++;
	if (rec->flags & TCPTOP_FLOW_CLOSED)
		st->closed_records++;
	return tcptop_table_add_record(t, rec);
}

/* Everything handed over up to now goes into the drain's table. */
int tcptop_closed_fold(struct tcptop_tracer *tr, struct tcptop_table *t,
		       struct tcptop_drain_stats *st)
{
	size_t i;
	int n, err = 0, e;

	pthread_mutex_lock(&tr->closed_lock);
	n = ring_buffer__consume(tr->closed_ring);
	tcptop_closed_take_spill(tr);
	/*
	 * Early hand-overs before final records: a socket's early record may
	 * have gone to the spill map and its final one to the ring, which is
	 * read first, and a flow must not come back to life after it ended.
	 */
	for (i = 0; i < tr->pending_n; i++)
		if (!(tr->pending[i].flags & TCPTOP_FLOW_CLOSED) &&
		    (e = tcptop_closed_fold_one(t, &tr->pending[i], st)) && !err)
			err = e;
	for (i = 0; i < tr->pending_n; i++)
		if ((tr->pending[i].flags & TCPTOP_FLOW_CLOSED) &&
		    (e = tcptop_closed_fold_one(t, &tr->pending[i], st)) && !err)
			err = e;
	tr->pending_n = 0;
	st->spilled_records += tr->spilled_taken;
	tr->spilled_taken = 0;
	/* A burst's list goes back to the allocator; the next burst grows a new one. */
	if (tr->pending_cap > TCPTOP_PENDING_KEEP) {
		free(tr->pending);
		tr->pending = NULL;
		tr->pending_cap = 0;
		tr->memory_released = true;
	}
	/* Records user space had no room for count with the kernel's closed-ring drops. */
	st->dropped_events_by_kind[TCPTOP_DROPPED_CLOSED_RING_FULL] += tr->pending_dropped_events;
	st->dropped_bytes_by_kind[TCPTOP_DROPPED_CLOSED_RING_FULL] += tr->pending_dropped_bytes;
	tr->pending_dropped_events = tr->pending_dropped_bytes = 0;
	pthread_mutex_unlock(&tr->closed_lock);
	if (n < 0)
		return n;
	return err;
}
