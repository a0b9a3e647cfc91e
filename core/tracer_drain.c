// SPDX-License-Identifier: GPL-2.0
/*
 * The drain: read every live socket's counters through the iterator, then
 * the final records of sockets that closed, then the drop counters.
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "tcptop.h"
#include "tracer_internal.h"
#include "tcptop.skel.h"

/*
 * The kernel stops filling a read once it holds at least this many bytes, so
 * its 8-page seq_file buffer never holds more than this plus one record.  A
 * record that overflowed that buffer would be thrown away after its counters
 * were taken; keeping reads this small means that cannot happen.
 */
#define TCPTOP_ITER_READ_SIZE 16384
_Static_assert(TCPTOP_ITER_READ_SIZE + sizeof(struct tcptop_flow) < 8 * 4096,
	       "iterator reads must not overflow the kernel's seq_file buffer");

static uint64_t tcptop_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void tcptop_take_record(struct tcptop_tracer *tr, const struct tcptop_flow *rec)
{
	int err = tcptop_table_add_record(tr->draining, rec);

	if (err && !tr->drain_err)
		tr->drain_err = err;
	tr->drain_stats->records++;
	if (rec->flags & TCPTOP_FLOW_CLOSED)
		tr->drain_stats->closed_records++;
}

int tcptop_tracer_on_closed(void *ctx, void *data, size_t size)
{
	struct tcptop_tracer *tr = ctx;

	if (size >= sizeof(struct tcptop_flow))
		tcptop_take_record(tr, data);
	return 0;
}

static int tcptop_drain_live(struct tcptop_tracer *tr)
{
	/* Room for one read plus the tail of a record split across reads. */
	static __thread char buf[TCPTOP_ITER_READ_SIZE + sizeof(struct tcptop_flow)];
	size_t have = 0, off;
	ssize_t n;
	int fd, err = 0;

	fd = bpf_iter_create(bpf_link__fd(tr->iter_link));
	if (fd < 0)
		return -errno;
	for (;;) {
		n = read(fd, buf + have, TCPTOP_ITER_READ_SIZE);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			err = -errno;
			break;
		}
		if (n == 0)
			break;
		have += n;
		for (off = 0; have - off >= sizeof(struct tcptop_flow); off += sizeof(struct tcptop_flow)) {
			struct tcptop_flow rec;

			memcpy(&rec, buf + off, sizeof(rec));
			tcptop_take_record(tr, &rec);
		}
		memmove(buf, buf + off, have - off);
		have -= off;
	}
	close(fd);
	return err;
}

static void tcptop_drain_drops(struct tcptop_tracer *tr, struct tcptop_drain_stats *st)
{
	int k;

	for (k = 0; k < TCPTOP_DROPPED_KINDS; k++) {
		uint64_t ev = __atomic_load_n(&tr->skel->bss->drop_events[k], __ATOMIC_RELAXED);
		uint64_t by = __atomic_load_n(&tr->skel->bss->drop_bytes[k], __ATOMIC_RELAXED);

		st->dropped_events_by_kind[k] = ev - tr->drop_events_seen[k];
		st->dropped_bytes_by_kind[k] = by - tr->drop_bytes_seen[k];
		st->dropped_events += st->dropped_events_by_kind[k];
		st->dropped_bytes += st->dropped_bytes_by_kind[k];
		tr->drop_events_seen[k] = ev;
		tr->drop_bytes_seen[k] = by;
	}
}

int tcptop_tracer_drain(struct tcptop_tracer *tr, struct tcptop_table *t,
			struct tcptop_drain_stats *stats)
{
	uint64_t start = tcptop_now_ns();
	int err, n;

	memset(stats, 0, sizeof(*stats));
	tcptop_table_begin(t);
	tr->draining = t;
	tr->drain_stats = stats;
	tr->drain_err = 0;

	err = tcptop_drain_live(tr);
	/* After the live pass, so sockets that closed while it ran are in this drain. */
	n = ring_buffer__consume(tr->closed_ring);
	if (n < 0 && !err)
		err = n;
	tcptop_drain_drops(tr, stats);
	if (!err)
		err = tr->drain_err;

	stats->flows = tcptop_table_count(t);
	stats->live_sockets = __atomic_load_n(&tr->skel->bss->live_flows, __ATOMIC_RELAXED);
	stats->drain_ns = tcptop_now_ns() - start;
	tr->draining = NULL;
	tr->drain_stats = NULL;
	return err;
}
