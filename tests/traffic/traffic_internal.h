/* SPDX-License-Identifier: GPL-2.0 */
/* Pieces shared by the generator's files; not for tests. */
#ifndef TCPTOP_TESTS_TRAFFIC_INTERNAL_H
#define TCPTOP_TESTS_TRAFFIC_INTERNAL_H

#include <signal.h>

#include "traffic.h"

/* A socket and the truth about it in this process. */
struct tt_sock {
	int fd;
	struct traffic_endpoint ep;
};

/*
 * Per-thread state for the I/O methods: a data buffer, a memfd to sendfile
 * from, and one pipe for each splice direction.
 */
struct tt_io {
	char *buf;
	size_t buf_len;
	int memfd;
	int spipe[2];		/* pipe -> socket */
	size_t spipe_fill;	/* bytes in spipe not yet spliced */
	int rpipe[2];		/* socket -> pipe */
	size_t pipe_size;
};

int tt_io_init(struct tt_io *io, const struct traffic_opts *o);
void tt_io_free(struct tt_io *io);

/* One call of the method; the system call's return value and errno. */
ssize_t tt_send(struct tt_io *io, int fd, enum traffic_send m, size_t n);
ssize_t tt_recv(struct tt_io *io, int fd, enum traffic_recv m, size_t n);
/* Loop until n bytes went through, adding every return value to s; 0 or -errno. */
int tt_send_exact(struct tt_io *io, struct tt_sock *s, enum traffic_send m, uint64_t n,
		  size_t chunk);
/* -EPIPE when the peer closed first. */
int tt_recv_exact(struct tt_io *io, struct tt_sock *s, enum traffic_recv m, uint64_t n,
		  size_t chunk);
/* Receive until end of file. */
int tt_recv_eof(struct tt_io *io, struct tt_sock *s, enum traffic_recv m, size_t chunk);

/* Listening socket on the loopback address of the family. */
int tt_listen(enum traffic_family f, int rcvbuf);
/* Blocking connect to the listener; sndbuf 0 keeps the default. */
int tt_connect(enum traffic_family f, int lfd, int sndbuf);
int tt_accept(int lfd);
/* Record pid, comm and addresses; counts start at zero. */
int tt_sock_init(struct tt_sock *s, int fd);
int tt_set_nonblock(int fd);
int tt_set_nodelay(int fd);

void tt_sleep_ms(unsigned ms);
uint64_t tt_now_ms(void);

/* Set by traffic_job_stop() (SIGUSR1 in the job): steady stops sending early. */
extern volatile sig_atomic_t tt_stop_requested;

int tt_result_add(struct traffic_result *r, const struct traffic_endpoint *e);
/* Children report their endpoints through a pipe, one record per write. */
int tt_report_write(int fd, const struct traffic_endpoint *e);

/* Scenarios: 0 or -errno. */
int tt_run_bulk(const struct traffic_opts *o, struct traffic_result *r);
int tt_run_echo(const struct traffic_opts *o, struct traffic_result *r);
int tt_run_nonblock(const struct traffic_opts *o, struct traffic_result *r);
int tt_run_fork(const struct traffic_opts *o, struct traffic_result *r);
int tt_run_threads(const struct traffic_opts *o, struct traffic_result *r);
int tt_run_close_client(const struct traffic_opts *o, struct traffic_result *r);
int tt_run_close_server(const struct traffic_opts *o, struct traffic_result *r);
int tt_run_child(const struct traffic_opts *o, struct traffic_result *r);
int tt_run_steady(const struct traffic_opts *o, struct traffic_result *r);

#endif
