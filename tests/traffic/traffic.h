/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The traffic generator: real loopback TCP traffic whose exact per-socket
 * byte counts are known.  Ground truth is the sum of the return values of the
 * generator's own send and receive calls, kept per socket and per process, so
 * a test can demand that tcptop reports exactly the same numbers.
 *
 * Live tests call traffic_run() (traffic in this process and the children it
 * forks) or traffic_start()/traffic_job_wait() (traffic in a forked process,
 * so the test can drain while it runs).  tests/traffic/tcptop-traffic is a thin
 * command-line wrapper that prints the same results.
 *
 * The generator ignores SIGPIPE: errors on a reset connection must come back
 * as return values, never kill it.
 */
#ifndef TCPTOP_TESTS_TRAFFIC_H
#define TCPTOP_TESTS_TRAFFIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define TRAFFIC_COMM_LEN 16

enum traffic_family {
	TRAFFIC_IPV4 = 0,	/* AF_INET sockets on 127.0.0.1 */
	TRAFFIC_IPV6,		/* AF_INET6 sockets on ::1 */
	TRAFFIC_MAPPED,		/* AF_INET6 sockets on ::ffff:127.0.0.1 */
};

/* How data enters a socket. */
enum traffic_send {
	TRAFFIC_SEND_WRITE = 0,
	TRAFFIC_SEND_SEND,
	TRAFFIC_SEND_SENDMSG,	/* two iovecs per call */
	TRAFFIC_SEND_WRITEV,	/* two iovecs per call */
	TRAFFIC_SEND_SENDFILE,	/* from a memfd */
	TRAFFIC_SEND_SPLICE,	/* pipe -> socket */
};

/* How data leaves a socket. */
enum traffic_recv {
	TRAFFIC_RECV_READ = 0,
	TRAFFIC_RECV_RECV,
	TRAFFIC_RECV_RECVMSG,	/* two iovecs per call */
	TRAFFIC_RECV_READV,	/* two iovecs per call */
	TRAFFIC_RECV_WAITALL,	/* recv(MSG_WAITALL) */
	TRAFFIC_RECV_PEEK,	/* recv(MSG_PEEK) before every recv; peeks are not receives */
	TRAFFIC_RECV_SPLICE,	/* socket -> pipe */
};

/*
 * Scenarios (all bytes counts are per flow):
 *  bulk          client sends --bytes, server receives until EOF
 *  echo          ping-pong: client sends a chunk, server echoes it back
 *  child         forked children renamed --comm connect, send --bytes, exit
 *  steady        --flows concurrent echo flows sending a chunk every tick
 *                for --duration-ms (non-blocking, one thread)
 *  nonblock      non-blocking sender with tiny buffers against a receiver
 *                that does not read at first: partial writes and EAGAIN
 *  nodelay       echo with TCP_NODELAY (use --chunk 1 for 1-byte traffic)
 *  fork          a socket used by its process, then by a forked child
 *                renamed --comm, then by the process again
 *  threads       --threads threads send on one socket while as many threads
 *                receive on the peer
 *  close-client  the client closes with data still queued at the server,
 *                which only then starts reading
 *  close-server  the server reads one chunk and closes with unread data
 *                queued (the client gets a reset)
 */
struct traffic_opts {
	const char *scenario;
	enum traffic_family family;
	uint64_t bytes;			/* per flow */
	size_t chunk;			/* bytes per send call */
	size_t rchunk;			/* bytes per receive call; 0: chunk */
	unsigned flows;
	unsigned threads;		/* threads scenario */
	unsigned duration_ms;		/* steady */
	unsigned tick_ms;		/* steady */
	const char *comm;		/* name of forked children */
	enum traffic_send send;
	enum traffic_recv recv;
	bool nodelay;
};

/* Defaults: bulk, ipv4, 1 MiB, 64 KiB chunks, 1 flow, 4 threads, 1 s, 10 ms ticks. */
void traffic_opts_init(struct traffic_opts *o);

/*
 * One process's use of one socket.  Addresses are as tcptop reports them:
 * an IPv4-mapped IPv6 socket has family AF_INET and 4-byte addresses.
 */
struct traffic_endpoint {
	pid_t pid;
	char comm[TRAFFIC_COMM_LEN];
	int family;			/* AF_INET or AF_INET6 */
	uint8_t laddr[16];		/* 4 bytes used for AF_INET */
	uint8_t raddr[16];
	uint16_t lport;			/* host order */
	uint16_t rport;
	uint64_t tx;
	uint64_t rx;
};

struct traffic_result {
	struct traffic_endpoint *ep;	/* only endpoints that moved bytes */
	size_t count;
	size_t cap;
	uint64_t eagain;		/* sends that returned EAGAIN */
	uint64_t partial;		/* sends that took less than they were offered */
};

/*
 * Run one scenario to the end (every socket closed, every child reaped) and
 * append its endpoints to r.  Returns 0 or -errno; -EINVAL for bad options.
 */
int traffic_run(const struct traffic_opts *o, struct traffic_result *r);
void traffic_result_free(struct traffic_result *r);
/* One tab-separated line per endpoint, after a '#' comment line. */
void traffic_result_print(FILE *f, const struct traffic_opts *o, const struct traffic_result *r);

/* Sum of tx (or rx) over all endpoints. */
uint64_t traffic_result_tx(const struct traffic_result *r);
uint64_t traffic_result_rx(const struct traffic_result *r);

/* A scenario running in a forked process. */
struct traffic_job;

/*
 * Fork a process that runs o.  With gated, it waits for traffic_job_go() before
 * it creates any socket (so a test can filter on its pid or move it into a
 * cgroup first).
 */
int traffic_start(const struct traffic_opts *o, bool gated, struct traffic_job **out);
pid_t traffic_job_pid(const struct traffic_job *j);
int traffic_job_go(struct traffic_job *j);
/*
 * Wait up to timeout_ms for the job's traffic to end (every socket closed,
 * results ready).  Returns 1 when it has ended, 0 when not yet, or -errno.
 */
int traffic_job_poll(struct traffic_job *j, int timeout_ms);
/*
 * Ask a steady job to stop sending now rather than at --duration-ms; it then
 * finishes as usual (echoes drained, sockets closed).  Other scenarios ignore it.
 */
int traffic_job_stop(struct traffic_job *j);
/* Wait for the job to finish, append its endpoints to r and free j. */
int traffic_job_wait(struct traffic_job *j, struct traffic_result *r);

/* Names for options; parse functions return 0 or -EINVAL. */
int traffic_family_parse(const char *s, enum traffic_family *out);
int traffic_send_parse(const char *s, enum traffic_send *out);
int traffic_recv_parse(const char *s, enum traffic_recv *out);
const char *traffic_family_name(enum traffic_family f);
const char *traffic_send_name(enum traffic_send m);
const char *traffic_recv_name(enum traffic_recv m);
/* NULL-terminated list of scenario names. */
extern const char *const traffic_scenarios[];

#endif
