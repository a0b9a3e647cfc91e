/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Many concurrent loopback connections, held by worker processes, that all
 * move one byte each way on demand: the ground truth of the drain benchmark.
 *
 * One process can only hold RLIMIT_NOFILE sockets, and raising the hard
 * limit needs CAP_SYS_RESOURCE, so the connections are spread over as many
 * workers as the limit requires.  Each worker connects from its own source
 * address (127.0.0.10, .11, ...) to its own listening port, so no single
 * ephemeral port range runs out.
 */
#ifndef TCPTOP_BENCH_HOLDER_H
#define TCPTOP_BENCH_HOLDER_H

#include <stdint.h>
#include <sys/types.h>

struct tcptop_bench_worker {
	pid_t pid;
	int cmd_fd;   /* we write commands */
	int reply_fd; /* the worker answers */
	long conns;
	uint16_t port; /* its listening port */
};

struct tcptop_bench_holder {
	long conns;
	int nworkers;
	struct tcptop_bench_worker *w;
};

/* Open conns connections (2 * conns sockets); returns once all are connected. */
int tcptop_bench_holder_start(long conns, struct tcptop_bench_holder *h);
/*
 * Every connection moves one byte each way: client to server, then back.
 * On return each of the 2 * conns sockets has sent 1 byte and received 1.
 */
int tcptop_bench_holder_round(struct tcptop_bench_holder *h);
/* Tell the workers to exit, and reap them. */
void tcptop_bench_holder_stop(struct tcptop_bench_holder *h);

#endif
