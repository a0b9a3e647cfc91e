// SPDX-License-Identifier: GPL-2.0
/*
 * tcptop-vm-concurrent: many senders at once.  tcptop-vm-exact runs one path
 * at a time; this runs N loopback connections side by side (one sender and
 * one receiver thread each, plain write()/read() of 64 KiB), so that several
 * tasks hit the same hooks on the same CPU, which is what exposes a kernel
 * that preempts our programs (see tcptop_mode_inexact in core/tracer.c).
 * It prints one line per connection and a summary:
 *
 *   TCPTOP-VM-CONCURRENT kernel=K mode=M conns=N exact=E tx_short=B rx_short=B
 *       over=B skipped_by_kernel=S other_drops=D result=PASS|LOSS|FAIL|ERROR
 *
 * PASS: every socket exact.  LOSS: short only, every drop an event the kernel
 * skipped, and the tracer warned at start-up that this mode is not exact on
 * this kernel (fails with --strict).  Exits 0 on PASS or LOSS, 1 otherwise,
 * 77 when BPF cannot be loaded (unless TCPTOP_REQUIRE_BPF=1).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "tcptop_core.h"
#include "vm_exact.h"

#define TCPTOP_VM_CONNS 8
#define TCPTOP_VM_BYTES (3 * 1024 * 1024 + 7)	/* odd: the last write is short */
#define TCPTOP_VM_CHUNK 65536

struct tcptop_vm_conn {
	struct tcptop_vm_pair pair;
	uint64_t counted_tx[2], counted_rx[2];
	int err;
	atomic_int done;
};

static bool tcptop_vm_warned_inexact;

static void tcptop_vm_log(enum tcptop_log_level level, const char *msg, void *ctx)
{
	static const char *const names[] = { "ERROR", "WARNING", "INFO", "DEBUG" };

	(void)ctx;
	if (level == TCPTOP_LOG_WARNING && strstr(msg, "not exact on this kernel"))
		tcptop_vm_warned_inexact = true;
	if (level != TCPTOP_LOG_DEBUG)
		fprintf(stderr, "# tcptop %s: %s\n", names[level], msg);
}

static void *tcptop_vm_send_thread(void *arg)
{
	struct tcptop_vm_conn *c = arg;
	char *buf = calloc(1, TCPTOP_VM_CHUNK);

	while (buf && c->pair.ep[0].tx < TCPTOP_VM_BYTES) {
		uint64_t left = TCPTOP_VM_BYTES - c->pair.ep[0].tx;
		ssize_t n = write(c->pair.client, buf, left < TCPTOP_VM_CHUNK ? left : TCPTOP_VM_CHUNK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			c->err = n < 0 ? -errno : -EIO;
			break;
		}
		c->pair.ep[0].tx += n;
	}
	if (!buf)
		c->err = -ENOMEM;
	free(buf);
	shutdown(c->pair.client, SHUT_WR);
	atomic_fetch_add(&c->done, 1);
	return NULL;
}

static void *tcptop_vm_recv_thread(void *arg)
{
	struct tcptop_vm_conn *c = arg;
	char *buf = calloc(1, TCPTOP_VM_CHUNK);

	for (;;) {
		ssize_t n = buf ? read(c->pair.server, buf, TCPTOP_VM_CHUNK) : -1;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n < 0)
				c->err = buf ? -errno : -ENOMEM;
			break;
		}
		c->pair.ep[1].rx += n;
	}
	free(buf);
	atomic_fetch_add(&c->done, 1);
	return NULL;
}

static bool tcptop_vm_same(const struct tcptop_flow_entry *e, const struct tcptop_vm_endpoint *ep)
{
	return e->family == ep->family && e->lport == ep->lport && e->rport == ep->rport &&
	       memcmp(e->laddr, ep->laddr, 4) == 0 && memcmp(e->raddr, ep->raddr, 4) == 0;
}

/* Adds this drain's deltas to the connections they belong to. */
static int tcptop_vm_drain(struct tcptop_tracer *tr, struct tcptop_table *t,
			   struct tcptop_vm_conn *conns, int n, uint64_t drops[TCPTOP_DROPPED_KINDS])
{
	struct tcptop_drain_stats st;
	size_t i, count;
	int err = tcptop_tracer_drain(tr, t, &st), c, k;

	if (err)
		return err;
	for (k = 0; k < TCPTOP_DROPPED_KINDS; k++)
		drops[k] += st.dropped_events_by_kind[k];
	count = tcptop_table_count(t);
	for (i = 0; i < count; i++) {
		const struct tcptop_flow_entry *e = tcptop_table_at(t, i);

		for (c = 0; c < n; c++) {
			for (k = 0; k < 2; k++) {
				if (!tcptop_vm_same(e, &conns[c].pair.ep[k]))
					continue;
				conns[c].counted_tx[k] += e->tx_delta;
				conns[c].counted_rx[k] += e->rx_delta;
			}
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct tcptop_vm_conn conns[TCPTOP_VM_CONNS];
	pthread_t threads[2 * TCPTOP_VM_CONNS];
	struct tcptop_opts topts = { .log = tcptop_vm_log, .mode = TCPTOP_MODE_AUTO };
	uint64_t drops[TCPTOP_DROPPED_KINDS] = { 0 }, tx_short = 0, rx_short = 0, over = 0;
	uint64_t other_drops = 0;
	const char *req = getenv("TCPTOP_REQUIRE_BPF"), *mode = getenv("TCPTOP_MODE");
	struct timespec tick = { .tv_nsec = 5 * 1000 * 1000 };
	struct tcptop_tracer *tr = NULL;
	struct tcptop_table *table = NULL;
	const char *result;
	bool strict = argc > 1 && strcmp(argv[1], "--strict") == 0;
	int i, k, err = 0, exact = 0, started = 0, nthreads = 0;
	struct utsname uts;

	uname(&uts);
	prctl(PR_SET_NAME, "tcptop-vm", 0, 0, 0);
	if (mode && *mode && tcptop_mode_parse(mode, &topts.mode)) {
		fprintf(stderr, "tcptop-vm-concurrent: unknown mode '%s'\n", mode);
		return 2;
	}
	err = tcptop_tracer_open(&topts, &tr);
	if (err) {
		fprintf(stderr, "# cannot load the tracer: %s\n", strerror(-err));
		return req && strcmp(req, "1") == 0 ? 1 : 77;
	}
	err = tcptop_table_new(&table);
	for (i = 0; !err && i < TCPTOP_VM_CONNS; i++) {
		err = tcptop_vm_pair_open(&conns[i].pair, TCPTOP_VM_IPV4, 0);
		if (!err)
			started++;
	}
	for (i = 0; !err && i < started; i++) {
		err = -pthread_create(&threads[nthreads], NULL, tcptop_vm_recv_thread, &conns[i]);
		nthreads += !err;
		if (!err)
			err = -pthread_create(&threads[nthreads], NULL, tcptop_vm_send_thread, &conns[i]);
		nthreads += !err;
	}
	/* Drain while the traffic runs, as a front end does. */
	for (;;) {
		int busy = 0;

		for (i = 0; i < started; i++)
			busy += atomic_load(&conns[i].done) < 2;
		if (!busy || err)
			break;
		err = tcptop_vm_drain(tr, table, conns, started, drops);
		nanosleep(&tick, NULL);
	}
	if (err)
		for (i = 0; i < started; i++)
			shutdown(conns[i].pair.server, SHUT_RDWR), shutdown(conns[i].pair.client, SHUT_RDWR);
	for (i = 0; i < nthreads; i++)
		pthread_join(threads[i], NULL);
	for (i = 0; i < started; i++)
		tcptop_vm_pair_close(&conns[i].pair);
	if (!err)
		err = tcptop_vm_drain(tr, table, conns, started, drops);

	for (i = 0; i < started; i++) {
		struct tcptop_vm_conn *c = &conns[i];
		bool ok = true;

		if (c->err && !err)
			err = c->err;
		for (k = 0; k < 2; k++) {
			uint64_t ttx = c->pair.ep[k].tx, trx = c->pair.ep[k].rx;

			ok = ok && c->counted_tx[k] == ttx && c->counted_rx[k] == trx;
			tx_short += c->counted_tx[k] < ttx ? ttx - c->counted_tx[k] : 0;
			rx_short += c->counted_rx[k] < trx ? trx - c->counted_rx[k] : 0;
			over += c->counted_tx[k] > ttx ? c->counted_tx[k] - ttx : 0;
			over += c->counted_rx[k] > trx ? c->counted_rx[k] - trx : 0;
		}
		exact += ok;
		printf("# conn %d: client_tx=%" PRIu64 "/%" PRIu64 " server_rx=%" PRIu64 "/%" PRIu64
		       " client_rx=%" PRIu64 " server_tx=%" PRIu64 "%s\n", i, c->counted_tx[0],
		       c->pair.ep[0].tx, c->counted_rx[1], c->pair.ep[1].rx, c->counted_rx[0],
		       c->counted_tx[1], ok ? "" : " NOT EXACT");
	}
	for (k = 0; k < TCPTOP_DROPPED_KINDS; k++)
		if (k != TCPTOP_DROPPED_SKIPPED_BY_KERNEL)
			other_drops += drops[k];
	if (err)
		result = "ERROR";
	else if (exact == started && started == TCPTOP_VM_CONNS)
		result = "PASS";
	else if (tcptop_vm_warned_inexact && !over && !other_drops &&
		 drops[TCPTOP_DROPPED_SKIPPED_BY_KERNEL])
		result = "LOSS";
	else
		result = "FAIL";
	printf("TCPTOP-VM-CONCURRENT kernel=%s mode=%s conns=%d exact=%d tx_short=%" PRIu64
	       " rx_short=%" PRIu64 " over=%" PRIu64 " skipped_by_kernel=%" PRIu64
	       " other_drops=%" PRIu64 " result=%s\n", uts.release,
	       tcptop_mode_name(tcptop_tracer_mode(tr)), started, exact, tx_short, rx_short, over,
	       drops[TCPTOP_DROPPED_SKIPPED_BY_KERNEL], other_drops, result);
	tcptop_table_free(table);
	tcptop_tracer_close(tr);
	return strcmp(result, "PASS") == 0 || (strcmp(result, "LOSS") == 0 && !strict) ? 0 : 1;
}
