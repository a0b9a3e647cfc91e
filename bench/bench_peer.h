/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The peer in the per-event benchmark: a bpftrace one-liner that keeps the
 * same per-flow sums as tcptop on the same tracepoints.
 */
#ifndef TCPTOP_BENCH_PEER_H
#define TCPTOP_BENCH_PEER_H

#include <sys/types.h>

#include "bench_util.h"

/* The same work as tcptop: TCP only, return values only, no peeks, per pid/comm/socket. */
#define BENCH_PEER_SCRIPT                                                            \
	"tracepoint:sock:sock_send_length /args->protocol == 6 && args->ret > 0/ "   \
	"{ @tx[pid, comm, args->sk] = sum(args->ret); } "                            \
	"tracepoint:sock:sock_recv_length /args->protocol == 6 && args->ret > 0 && " \
	"(args->flags & 0x2002) == 0/ { @rx[pid, comm, args->sk] = sum(args->ret); }"

struct tcptop_bench_peer {
	pid_t pid;
	struct tcptop_bench_prog send;
	struct tcptop_bench_prog recv;
};

/*
 * Start bpftrace and return once both its programs are loaded.  -ENOENT
 * when bpftrace is not installed, -ETIMEDOUT when it never loaded.
 */
int tcptop_bench_peer_start(struct tcptop_bench_peer *p);
/* Interrupt bpftrace (it prints its maps to /dev/null) and reap it. */
void tcptop_bench_peer_stop(struct tcptop_bench_peer *p);

#endif
