/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Loopback traffic for the benchmarks, with its own ground truth: a 1-byte
 * ping-pong between two processes, and a holder of many concurrent
 * connections that makes every one of them move a byte each way on demand.
 */
#ifndef TCPTOP_BENCH_NET_H
#define TCPTOP_BENCH_NET_H

#include <stdint.h>
#include <sys/types.h>

/* A listening socket on addr (IPv4 dotted quad); *port 0 picks a free one. */
int bench_listen(const char *addr, uint16_t *port, int backlog);
/* Blocking connect from src (NULL: any) to dst:port, TCP_NODELAY set. */
int bench_connect(const char *src, const char *dst, uint16_t port);
uint16_t bench_local_port(int fd);

/* ---- ping-pong --------------------------------------------------------------- */

/*
 * One run: the client (this process) sends one byte and waits for the echo,
 * msgs times; the server is a forked child.  Each side's socket moves exactly
 * msgs bytes each way, which is the ground truth.
 */
struct bench_pingpong {
	long msgs;
	pid_t client_pid;
	pid_t server_pid;
	uint16_t client_port;	/* the client socket's local port */
	uint16_t server_port;	/* the listening (and accepted) port */
	uint64_t elapsed_ns;	/* the client's loop only */
};

int bench_pingpong_run(long msgs, struct bench_pingpong *r);

/* ---- many connections ---------------------------------------------------------- */

/* Connections per source address, below one ephemeral port range. */
#define BENCH_CONNS_PER_SRC 20000

struct bench_holder {
	pid_t pid;
	int cmd_fd;		/* we write commands */
	int reply_fd;		/* the holder answers */
	long conns;
	uint16_t first_port;	/* listening ports first_port... (one per source address) */
	int nports;
};

/*
 * Fork a process that holds conns connections (2 * conns sockets) on
 * 127.0.0.1, from source addresses 127.0.0.10, .11, ... so no single
 * ephemeral port range runs out.  Returns once all are connected.
 */
int bench_holder_start(long conns, struct bench_holder *h);
/*
 * Every connection moves one byte each way: client to server, then back.
 * On return each of the 2 * conns sockets has sent 1 byte and received 1.
 */
int bench_holder_round(struct bench_holder *h);
/* Tell the holder to exit and reap it. */
void bench_holder_stop(struct bench_holder *h);

#endif
