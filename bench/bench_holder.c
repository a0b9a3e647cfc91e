// SPDX-License-Identifier: GPL-2.0
/* Many connections held by worker processes: see bench_holder.h. */
/* accept4, pipe2 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_holder.h"
#include "bench_net.h"

/* Accepting after every batch keeps the accept queue far below net.core.somaxconn. */
#define BENCH_CONNECT_BATCH 256
/* Below one ephemeral port range (32768-60999 by default) per source address. */
#define BENCH_MAX_CONNS_PER_WORKER 20000
/* fds a worker needs besides its sockets: stdio, pipes, the listener. */
#define BENCH_WORKER_SPARE_FDS 64

struct tcptop_bench_conns {
	int *client;
	int *server;
	long n;
};

static int tcptop_bench_conns_open(struct tcptop_bench_conns *c, long conns, int index,
				   uint16_t *port)
{
	char src[32];
	long i, batch;
	int lfd, fd, err = 0;

	c->client = calloc(conns, sizeof(int));
	c->server = calloc(conns, sizeof(int));
	if (!c->client || !c->server)
		return -ENOMEM;
	*port = 0;
	lfd = tcptop_bench_listen("127.0.0.1", port, BENCH_CONNECT_BATCH * 2);
	if (lfd < 0)
		return lfd;
	snprintf(src, sizeof(src), "127.0.%d.%d", (10 + index) / 256, (10 + index) % 256);
	while (c->n < conns && !err) {
		batch = conns - c->n < BENCH_CONNECT_BATCH ? conns - c->n : BENCH_CONNECT_BATCH;
		for (i = 0; i < batch && !err; i++) {
			fd = tcptop_bench_connect(src, "127.0.0.1", *port);
			if (fd < 0)
				err = fd;
			else
				c->client[c->n + i] = fd;
		}
		for (i = 0; i < batch && !err; i++) {
			fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
			if (fd < 0)
				err = -errno;
			else
				c->server[c->n + i] = fd;
		}
		if (!err)
			c->n += batch;
	}
	/* Accepted sockets outlive their listener. */
	close(lfd);
	return err;
}

static int tcptop_bench_conns_round(struct tcptop_bench_conns *c)
{
	long i;
	int err = 0;

	for (i = 0; i < c->n && !err; i++)
		err = tcptop_bench_xfer1(c->client[i], false);
	for (i = 0; i < c->n && !err; i++) {
		err = tcptop_bench_xfer1(c->server[i], true);
		if (!err)
			err = tcptop_bench_xfer1(c->server[i], false);
	}
	for (i = 0; i < c->n && !err; i++)
		err = tcptop_bench_xfer1(c->client[i], true);
	return err;
}

struct tcptop_bench_worker_reply {
	int err;
	uint16_t port;
};

static void tcptop_bench_worker_main(long conns, int index, int cmd_fd, int reply_fd)
{
	struct tcptop_bench_worker_reply rep = { 0 };
	struct tcptop_bench_conns c = { 0 };
	char cmd;

	rep.err = tcptop_bench_conns_open(&c, conns, index, &rep.port);
	if (write(reply_fd, &rep, sizeof(rep)) != sizeof(rep) || rep.err)
		_exit(1);
	while (read(cmd_fd, &cmd, 1) == 1 && cmd == 'r') {
		rep.err = tcptop_bench_conns_round(&c);
		if (write(reply_fd, &rep, sizeof(rep)) != sizeof(rep))
			_exit(1);
	}
	/* Exiting closes every socket (with a reset: SO_LINGER 0 on the clients). */
	_exit(0);
}

static int tcptop_bench_worker_wait(struct tcptop_bench_worker *w)
{
	struct tcptop_bench_worker_reply rep;
	ssize_t n;

	do
		n = read(w->reply_fd, &rep, sizeof(rep));
	while (n < 0 && errno == EINTR);
	if (n != sizeof(rep))
		return -EPIPE;
	w->port = rep.port;
	return rep.err;
}

static int tcptop_bench_worker_start(struct tcptop_bench_worker *w, long conns, int index)
{
	int cmd[2] = { -1, -1 }, reply[2] = { -1, -1 }, err = 0;

	w->pid = -1;
	if (pipe2(cmd, O_CLOEXEC) || pipe2(reply, O_CLOEXEC)) {
		err = -errno;
		goto cleanup;
	}
	w->pid = fork();
	if (w->pid == 0) {
		close(cmd[1]);
		close(reply[0]);
		tcptop_bench_worker_main(conns, index, cmd[0], reply[1]);
	}
	if (w->pid < 0) {
		err = -errno;
		goto cleanup;
	}
	/* Ours are the write end of the commands and the read end of the replies. */
	w->cmd_fd = cmd[1];
	w->reply_fd = reply[0];
	w->conns = conns;
	cmd[1] = reply[0] = -1;

cleanup:
	if (cmd[0] >= 0)
		close(cmd[0]);
	if (cmd[1] >= 0)
		close(cmd[1]);
	if (reply[0] >= 0)
		close(reply[0]);
	if (reply[1] >= 0)
		close(reply[1]);
	return err;
}

/* Connections one worker can hold: its sockets must fit under RLIMIT_NOFILE. */
static long tcptop_bench_conns_per_worker(void)
{
	struct rlimit rl;
	rlim_t want = 2 * BENCH_MAX_CONNS_PER_WORKER + BENCH_WORKER_SPARE_FDS;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return -errno;
	/* Raising the hard limit needs CAP_SYS_RESOURCE; use what we have otherwise. */
	if (rl.rlim_max < want) {
		struct rlimit up = { want, want };

		if (setrlimit(RLIMIT_NOFILE, &up) == 0)
			rl = up;
	}
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
		if (setrlimit(RLIMIT_NOFILE, &rl))
			return -errno;
	}
	if (rl.rlim_cur <= 2 * BENCH_WORKER_SPARE_FDS)
		return -EMFILE;
	return rl.rlim_cur >= want ? BENCH_MAX_CONNS_PER_WORKER
				   : (long)(rl.rlim_cur - BENCH_WORKER_SPARE_FDS) / 2;
}

int tcptop_bench_holder_start(long conns, struct tcptop_bench_holder *h)
{
	long per = tcptop_bench_conns_per_worker(), left = conns;
	int i, err = 0;

	memset(h, 0, sizeof(*h));
	if (per < 0)
		return (int)per;
	h->conns = conns;
	h->w = calloc((size_t)(conns / per + 1), sizeof(*h->w));
	if (!h->w)
		return -ENOMEM;
	for (i = 0; left > 0 && !err; i++) {
		err = tcptop_bench_worker_start(&h->w[i], left < per ? left : per, i);
		if (!err) {
			left -= h->w[i].conns;
			h->nworkers++;
		}
	}
	/* The workers connect in parallel; collect their answers. */
	for (i = 0; i < h->nworkers; i++) {
		int e = tcptop_bench_worker_wait(&h->w[i]);

		if (e && !err)
			err = e;
	}
	if (err)
		tcptop_bench_holder_stop(h);
	return err;
}

int tcptop_bench_holder_round(struct tcptop_bench_holder *h)
{
	int i, err = 0;

	for (i = 0; i < h->nworkers; i++)
		if (write(h->w[i].cmd_fd, "r", 1) != 1)
			err = -EPIPE;
	for (i = 0; i < h->nworkers; i++) {
		int e = tcptop_bench_worker_wait(&h->w[i]);

		if (e && !err)
			err = e;
	}
	return err;
}

void tcptop_bench_holder_stop(struct tcptop_bench_holder *h)
{
	int i, status;

	for (i = 0; i < h->nworkers; i++) {
		if (write(h->w[i].cmd_fd, "q", 1) != 1 && h->w[i].pid > 0)
			kill(h->w[i].pid, SIGKILL);
		close(h->w[i].cmd_fd);
		close(h->w[i].reply_fd);
	}
	for (i = 0; i < h->nworkers; i++)
		while (waitpid(h->w[i].pid, &status, 0) < 0 && errno == EINTR)
			;
	free(h->w);
	memset(h, 0, sizeof(*h));
}
