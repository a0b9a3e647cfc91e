// SPDX-License-Identifier: GPL-2.0
/* Loopback traffic with known byte counts: see bench_net.h. */
/* accept4, pipe2 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_net.h"
#include "bench_util.h"

/* Accepting after every batch keeps the accept queue far below net.core.somaxconn. */
#define BENCH_CONNECT_BATCH 256

int bench_listen(const char *addr, uint16_t *port, int backlog)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(*port) };
	socklen_t len = sizeof(sin);
	int one = 1, fd, err;

	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1)
		return -EINVAL;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) || listen(fd, backlog) ||
	    getsockname(fd, (struct sockaddr *)&sin, &len)) {
		err = -errno;
		close(fd);
		return err;
	}
	*port = ntohs(sin.sin_port);
	return fd;
}

int bench_connect(const char *src, const char *dst, uint16_t port)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct sockaddr_in from = { .sin_family = AF_INET };
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	int one = 1, fd, err;

	if (inet_pton(AF_INET, dst, &to.sin_addr) != 1 ||
	    (src && inet_pton(AF_INET, src, &from.sin_addr) != 1))
		return -EINVAL;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	/* Reset on close: thousands of TIME_WAIT sockets would only slow the next run. */
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	if (src) {
		/* Let connect() pick the port per destination, not bind() per address. */
		setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&from, sizeof(from))) {
			err = -errno;
			close(fd);
			return err;
		}
	}
	if (connect(fd, (struct sockaddr *)&to, sizeof(to))) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

uint16_t bench_local_port(int fd)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	if (getsockname(fd, (struct sockaddr *)&sin, &len))
		return 0;
	return ntohs(sin.sin_port);
}

/* Exactly one byte, retried on EINTR; 0 on success. */
static int bench_xfer1(int fd, bool rx)
{
	char c = 'x';
	ssize_t n;

	do
		n = rx ? read(fd, &c, 1) : write(fd, &c, 1);
	while (n < 0 && errno == EINTR);
	return n == 1 ? 0 : (n < 0 ? -errno : -EPIPE);
}

static void bench_echo_server(int lfd)
{
	int fd = accept(lfd, NULL, NULL), one = 1;
	char c;

	close(lfd);
	if (fd < 0)
		_exit(1);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	while (read(fd, &c, 1) == 1)
		if (write(fd, &c, 1) != 1)
			_exit(1);
	_exit(0);
}

int bench_pingpong_run(long msgs, struct bench_pingpong *r)
{
	uint16_t port = 0;
	uint64_t t0;
	int lfd, fd = -1, err = 0, status;
	long i;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	lfd = bench_listen("127.0.0.1", &port, 8);
	if (lfd < 0)
		return lfd;
	pid = fork();
	if (pid < 0) {
		err = -errno;
		close(lfd);
		return err;
	}
	if (pid == 0)
		bench_echo_server(lfd);
	fd = bench_connect(NULL, "127.0.0.1", port);
	close(lfd);
	if (fd < 0) {
		err = fd;
		kill(pid, SIGKILL);
		goto cleanup;
	}
	r->msgs = msgs;
	r->client_pid = getpid();
	r->server_pid = pid;
	r->client_port = bench_local_port(fd);
	r->server_port = port;
	t0 = bench_now_ns();
	for (i = 0; i < msgs && !err; i++) {
		err = bench_xfer1(fd, false);
		if (!err)
			err = bench_xfer1(fd, true);
	}
	r->elapsed_ns = bench_now_ns() - t0;
	close(fd);

cleanup:
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!err && (!WIFEXITED(status) || WEXITSTATUS(status) != 0))
		err = -EPIPE;
	return err;
}

/* ---- many connections ---------------------------------------------------------- */

struct bench_holder_reply {
	int err;
	uint16_t first_port;
	int nports;
};

struct bench_conns {
	int *client;
	int *server;
	long n;
};

static int bench_conns_open(struct bench_conns *c, long conns, struct bench_holder_reply *rep)
{
	char src[32];
	int lfd = -1, err = 0;
	long i, batch, done = 0;
	int k;

	c->client = calloc(conns, sizeof(int));
	c->server = calloc(conns, sizeof(int));
	if (!c->client || !c->server)
		return -ENOMEM;
	rep->nports = (int)((conns + BENCH_CONNS_PER_SRC - 1) / BENCH_CONNS_PER_SRC);
	for (k = 0; k < rep->nports && !err; k++) {
		uint16_t port = 0;
		long end = done + BENCH_CONNS_PER_SRC < conns ? done + BENCH_CONNS_PER_SRC : conns;

		lfd = bench_listen("127.0.0.1", &port, BENCH_CONNECT_BATCH * 2);
		if (lfd < 0)
			return lfd;
		if (k == 0)
			rep->first_port = port;
		snprintf(src, sizeof(src), "127.0.0.%d", 10 + k);
		while (done < end && !err) {
			batch = end - done < BENCH_CONNECT_BATCH ? end - done : BENCH_CONNECT_BATCH;
			for (i = 0; i < batch && !err; i++) {
				int fd = bench_connect(src, "127.0.0.1", port);

				if (fd < 0)
					err = fd;
				else
					c->client[done + i] = fd;
			}
			for (i = 0; i < batch && !err; i++) {
				int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

				if (fd < 0)
					err = -errno;
				else
					c->server[done + i] = fd;
			}
			if (!err) {
				done += batch;
				c->n = done;
			}
		}
		/* Accepted sockets outlive their listener; keep only the connections. */
		close(lfd);
	}
	return err;
}

static int bench_conns_round(struct bench_conns *c)
{
	long i;
	int err = 0;

	for (i = 0; i < c->n && !err; i++)
		err = bench_xfer1(c->client[i], false);
	for (i = 0; i < c->n && !err; i++) {
		err = bench_xfer1(c->server[i], true);
		if (!err)
			err = bench_xfer1(c->server[i], false);
	}
	for (i = 0; i < c->n && !err; i++)
		err = bench_xfer1(c->client[i], true);
	return err;
}

static void bench_holder_main(long conns, int cmd_fd, int reply_fd)
{
	struct bench_holder_reply rep = { 0 };
	struct bench_conns c = { 0 };
	char cmd;

	rep.err = bench_conns_open(&c, conns, &rep);
	if (write(reply_fd, &rep, sizeof(rep)) != sizeof(rep) || rep.err)
		_exit(1);
	while (read(cmd_fd, &cmd, 1) == 1 && cmd == 'r') {
		rep.err = bench_conns_round(&c);
		if (write(reply_fd, &rep, sizeof(rep)) != sizeof(rep))
			_exit(1);
	}
	/* Exiting closes every socket; the resets need no help from us. */
	_exit(0);
}

static int bench_holder_wait(struct bench_holder *h)
{
	struct bench_holder_reply rep;
	ssize_t n;

	do
		n = read(h->reply_fd, &rep, sizeof(rep));
	while (n < 0 && errno == EINTR);
	if (n != sizeof(rep))
		return -EPIPE;
	if (rep.err)
		return rep.err;
	h->first_port = rep.first_port;
	h->nports = rep.nports;
	return 0;
}

int bench_holder_start(long conns, struct bench_holder *h)
{
	int cmd[2], reply[2], err;

	memset(h, 0, sizeof(*h));
	h->pid = -1;
	if (pipe2(cmd, O_CLOEXEC))
		return -errno;
	if (pipe2(reply, O_CLOEXEC)) {
		err = -errno;
		close(cmd[0]);
		close(cmd[1]);
		return err;
	}
	h->pid = fork();
	if (h->pid < 0) {
		err = -errno;
		close(cmd[0]);
		close(cmd[1]);
		close(reply[0]);
		close(reply[1]);
		return err;
	}
	if (h->pid == 0) {
		close(cmd[1]);
		close(reply[0]);
		bench_holder_main(conns, cmd[0], reply[1]);
	}
	close(cmd[0]);
	close(reply[1]);
	h->cmd_fd = cmd[1];
	h->reply_fd = reply[0];
	h->conns = conns;
	err = bench_holder_wait(h);
	if (err)
		bench_holder_stop(h);
	return err;
}

int bench_holder_round(struct bench_holder *h)
{
	if (write(h->cmd_fd, "r", 1) != 1)
		return -EPIPE;
	return bench_holder_wait(h);
}

void bench_holder_stop(struct bench_holder *h)
{
	int status;

	if (h->pid <= 0)
		return;
	if (write(h->cmd_fd, "q", 1) != 1)
		kill(h->pid, SIGKILL);
	close(h->cmd_fd);
	close(h->reply_fd);
	while (waitpid(h->pid, &status, 0) < 0 && errno == EINTR)
		;
	h->pid = -1;
}
