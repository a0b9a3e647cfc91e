/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Loopback traffic for the benchmarks, with its own ground truth: sockets,
 * and a 1-byte ping-pong between two processes.
 */
#ifndef TCPTOP_BENCH_NET_H
#define TCPTOP_BENCH_NET_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* A listening socket on addr (IPv4 dotted quad); *port 0 picks a free one. */
int tcptop_bench_listen(const char *addr, uint16_t *port, int backlog);
/* Blocking connect from src (NULL: any) to dst:port, TCP_NODELAY set. */
int tcptop_bench_connect(const char *src, const char *dst, uint16_t port);
uint16_t tcptop_bench_local_port(int fd);
/* Write (rx false) or read exactly one byte, retried on EINTR; 0 or -errno. */
int tcptop_bench_xfer1(int fd, bool rx);

/* ---- ping-pong --------------------------------------------------------------- */

/*
 * One run: the client (this process) sends one byte and waits for the echo,
 * msgs times; the server is a forked child.  Each side's socket moves exactly
 * msgs bytes each way, which is the ground truth.
 */
struct tcptop_bench_pingpong {
	long msgs;
	pid_t client_pid;
	pid_t server_pid;
	uint16_t client_port; /* the client socket's local port */
	uint16_t server_port; /* the listening (and accepted) port */
	uint64_t elapsed_ns;  /* the client's loop only */
	uint64_t cpu_ns;      /* CPU time of client and server over the loop (scheduler's count) */
};

int tcptop_bench_pingpong_run(long msgs, struct tcptop_bench_pingpong *r);

#endif
