// SPDX-License-Identifier: GPL-2.0
/*
 * Scenarios made of blocking connections, one at a time: the client side runs
 * in the calling thread, the server side in a thread of its own.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "traffic_internal.h"

/* Tiny buffers make a non-blocking sender hit partial writes and EAGAIN at once. */
#define TT_SMALL_BUF 4096
/* How long a receiver leaves data queued before it starts reading. */
#define TT_HOLD_MS 200

struct tt_pair {
	struct tt_sock c;	/* client: connected */
	struct tt_sock s;	/* server: accepted */
};

static size_t tt_rchunk(const struct traffic_opts *o)
{
	return o->rchunk ? o->rchunk : o->chunk;
}

static void tt_pair_close(struct tt_pair *p)
{
	if (p->c.fd >= 0)
		close(p->c.fd);
	if (p->s.fd >= 0)
		close(p->s.fd);
	p->c.fd = p->s.fd = -1;
}

static int tt_pair_open(const struct traffic_opts *o, struct tt_pair *p, int rcvbuf, int sndbuf)
{
	int lfd, cfd = -1, sfd = -1, err;

	p->c.fd = p->s.fd = -1;
	lfd = tt_listen(o->family, rcvbuf);
	if (lfd < 0)
		return lfd;
	cfd = tt_connect(o->family, lfd, sndbuf);
	if (cfd < 0) {
		err = cfd;
		goto cleanup;
	}
	sfd = tt_accept(lfd);
	if (sfd < 0) {
		err = sfd;
		close(cfd);
		goto cleanup;
	}
	err = tt_sock_init(&p->c, cfd);
	if (!err)
		err = tt_sock_init(&p->s, sfd);
	p->c.fd = cfd;
	p->s.fd = sfd;
	if (!err && o->nodelay) {
		err = tt_set_nodelay(cfd);
		if (!err)
			err = tt_set_nodelay(sfd);
	}
	if (err)
		tt_pair_close(p);
cleanup:
	close(lfd);
	return err;
}

static int tt_pair_report(struct traffic_result *r, const struct tt_pair *p)
{
	int err = tt_result_add(r, &p->c.ep);

	return err ? err : tt_result_add(r, &p->s.ep);
}

/* The server side of a connection, in its own thread. */
struct tt_server {
	pthread_t thread;
	const struct traffic_opts *o;
	struct tt_sock *s;
	unsigned hold_ms;	/* leave data queued this long first */
	bool close_early;	/* close-server: read one chunk, close on the rest */
	int stop_fd;		/* readable when the client is done sending */
	bool echo;
	int err;
};

static void *tt_server_main(void *arg)
{
	struct tt_server *sv = arg;
	const struct traffic_opts *o = sv->o;
	size_t rchunk = tt_rchunk(o);
	struct tt_io io;

	sv->err = tt_io_init(&io, o);
	if (sv->err)
		return NULL;
	if (sv->hold_ms)
		tt_sleep_ms(sv->hold_ms);
	if (sv->close_early) {
		struct pollfd pfd = { .fd = sv->stop_fd, .events = POLLIN };

		/* Take one chunk, then close on whatever is still queued. */
		sv->err = tt_recv_exact(&io, sv->s, o->recv, rchunk < o->bytes ? rchunk : o->bytes,
					rchunk);
		poll(&pfd, 1, TT_HOLD_MS);
		close(sv->s->fd);
		sv->s->fd = -1;
	} else if (!sv->echo) {
		sv->err = tt_recv_eof(&io, sv->s, o->recv, rchunk);
	} else {
		/*
		 * Echo message by message, as the client sends them (chunk bytes, the
		 * last one shorter), so a MSG_WAITALL read never waits for bytes
		 * the client sends only after it got its echo.
		 */
		uint64_t left = o->bytes;

		while (left > 0 && !sv->err) {
			uint64_t k = left < o->chunk ? left : o->chunk;

			sv->err = tt_recv_exact(&io, sv->s, o->recv, k, rchunk);
			if (!sv->err)
				sv->err = tt_send_exact(&io, sv->s, o->send, k, o->chunk);
			left -= k;
		}
		if (!sv->err)
			sv->err = tt_recv_eof(&io, sv->s, o->recv, rchunk);
	}
	tt_io_free(&io);
	return NULL;
}

static int tt_server_start(struct tt_server *sv, const struct traffic_opts *o, struct tt_sock *s)
{
	int err;

	sv->o = o;
	sv->s = s;
	err = pthread_create(&sv->thread, NULL, tt_server_main, sv);
	return -err;
}

static int tt_server_join(struct tt_server *sv)
{
	pthread_join(sv->thread, NULL);
	return sv->err;
}

/* Client half of ping-pong: send n bytes in chunks, read each chunk back. */
static int tt_pingpong(struct tt_io *io, const struct traffic_opts *o, struct tt_sock *c,
		       uint64_t n)
{
	int err = 0;

	while (n > 0 && !err) {
		uint64_t k = n < o->chunk ? n : o->chunk;

		err = tt_send_exact(io, c, o->send, k, o->chunk);
		if (!err)
			err = tt_recv_exact(io, c, o->recv, k, tt_rchunk(o));
		n -= k;
	}
	return err;
}

/*
 * One connection: the server side in its thread, the client side in a body
 * function; aux is a spare pipe (close-server's stop signal, fork's report).
 */
struct tt_flow {
	const struct traffic_opts *o;
	struct traffic_result *r;
	struct tt_pair p;
	struct tt_io io;
	struct tt_server sv;
	int aux[2];
	bool echo;
};

static int tt_flow_run(struct tt_flow *f, int bufsize, int (*body)(struct tt_flow *f))
{
	int err, err2;

	f->aux[0] = f->aux[1] = -1;
	f->p.c.fd = f->p.s.fd = -1;
	err = tt_io_init(&f->io, f->o);
	if (err)
		return err;
	if (pipe2(f->aux, O_CLOEXEC) < 0) {
		err = -errno;
		goto cleanup;
	}
	f->sv.stop_fd = f->aux[0];
	err = tt_pair_open(f->o, &f->p, bufsize, bufsize);
	if (err)
		goto cleanup;
	err = tt_server_start(&f->sv, f->o, &f->p.s);
	if (err)
		goto cleanup;
	err = body(f);
	/* Whatever the body did, the server now sees end of file and finishes. */
	if (f->p.c.fd >= 0)
		shutdown(f->p.c.fd, SHUT_WR);
	err2 = tt_server_join(&f->sv);
	if (!err)
		err = err2;
	if (!err)
		err = tt_pair_report(f->r, &f->p);
cleanup:
	tt_pair_close(&f->p);
	if (f->aux[0] >= 0)
		close(f->aux[0]);
	if (f->aux[1] >= 0)
		close(f->aux[1]);
	tt_io_free(&f->io);
	return err;
}

/* Runs body once per flow, one connection after the other. */
static int tt_flows_run(const struct traffic_opts *o, struct traffic_result *r,
			const struct tt_server *sv, int bufsize, int (*body)(struct tt_flow *f))
{
	unsigned i;
	int err = 0;

	for (i = 0; i < o->flows && !err; i++) {
		struct tt_flow f = { .o = o, .r = r, .sv = *sv };

		err = tt_flow_run(&f, bufsize, body);
	}
	return err;
}

/* bulk, echo, close-client: send (echo: and read back), then close at once. */
static int tt_body_send(struct tt_flow *f)
{
	int err;

	if (f->sv.echo)
		err = tt_pingpong(&f->io, f->o, &f->p.c, f->o->bytes);
	else
		err = tt_send_exact(&f->io, &f->p.c, f->o->send, f->o->bytes, f->o->chunk);
	/* close-client: closed with data still queued at the server. */
	close(f->p.c.fd);
	f->p.c.fd = -1;
	return err;
}

int tt_run_bulk(const struct traffic_opts *o, struct traffic_result *r)
{
	const struct tt_server sv = { .echo = false };

	return tt_flows_run(o, r, &sv, 0, tt_body_send);
}

int tt_run_echo(const struct traffic_opts *o, struct traffic_result *r)
{
	const struct tt_server sv = { .echo = true };

	return tt_flows_run(o, r, &sv, 0, tt_body_send);
}

int tt_run_close_client(const struct traffic_opts *o, struct traffic_result *r)
{
	const struct tt_server sv = { .hold_ms = TT_HOLD_MS };

	return tt_flows_run(o, r, &sv, 0, tt_body_send);
}

static bool tt_reset_errno(int err)
{
	return err == -EPIPE || err == -ECONNRESET;
}

/* close-server: send, tell the server, then meet its reset. */
static int tt_body_close_server(struct tt_flow *f)
{
	ssize_t n;
	int err;

	/* The reset may cut this short: bytes taken before it still count. */
	err = tt_send_exact(&f->io, &f->p.c, f->o->send, f->o->bytes, f->o->chunk);
	if (tt_reset_errno(err))
		err = 0;
	if (write(f->aux[1], "", 1) < 0 && !err)
		err = -errno;
	/* Whatever the server never read is gone; the client sees the reset or EOF. */
	do
		n = tt_recv(&f->io, f->p.c.fd, f->o->recv, tt_rchunk(f->o));
	while (n > 0 ? (f->p.c.ep.rx += n, true) : (n < 0 && errno == EINTR));
	return err;
}

int tt_run_close_server(const struct traffic_opts *o, struct traffic_result *r)
{
	const struct tt_server sv = { .close_early = true };

	return tt_flows_run(o, r, &sv, 0, tt_body_close_server);
}

/* nonblock: a non-blocking sender counts what each call took, EAGAIN or not. */
static int tt_body_nonblock(struct tt_flow *f)
{
	uint64_t left = f->o->bytes;
	int err = tt_set_nonblock(f->p.c.fd);

	while (left > 0 && !err) {
		size_t want = left < f->o->chunk ? left : f->o->chunk;
		ssize_t n = tt_send(&f->io, f->p.c.fd, f->o->send, want);

		if (n < 0) {
			if (errno == EAGAIN) {
				struct pollfd pfd = { .fd = f->p.c.fd, .events = POLLOUT };

				f->r->eagain++;
				poll(&pfd, 1, 100);
			} else if (errno != EINTR) {
				err = -errno;
			}
			continue;
		}
		if ((size_t)n < want)
			f->r->partial++;
		f->p.c.ep.tx += n;
		left -= n;
	}
	close(f->p.c.fd);
	f->p.c.fd = -1;
	return err;
}

int tt_run_nonblock(const struct traffic_opts *o, struct traffic_result *r)
{
	const struct tt_server sv = { .hold_ms = TT_HOLD_MS };

	return tt_flows_run(o, r, &sv, TT_SMALL_BUF, tt_body_nonblock);
}

/* The child's third of the ping-pong, under its own name; it reports and exits. */
static void tt_fork_child(struct tt_flow *f, uint64_t n)
{
	struct tt_sock mine = f->p.c;

	prctl(PR_SET_NAME, f->o->comm, 0, 0, 0);
	mine.ep.pid = getpid();
	memset(mine.ep.comm, 0, sizeof(mine.ep.comm));
	prctl(PR_GET_NAME, mine.ep.comm, 0, 0, 0);
	mine.ep.tx = mine.ep.rx = 0;
	if (tt_pingpong(&f->io, f->o, &mine, n) || tt_report_write(f->aux[1], &mine.ep))
		_exit(1);
	_exit(0);
}

/* fork: a third by this process, a third by a forked child, a third by this process. */
static int tt_body_fork(struct tt_flow *f)
{
	/* Whole chunks, so parent and child send the messages the echo server expects. */
	uint64_t third = f->o->bytes / 3 / f->o->chunk * f->o->chunk;
	struct traffic_endpoint child_ep;
	int err, status;
	pid_t pid;

	err = tt_pingpong(&f->io, f->o, &f->p.c, third);
	if (err)
		return err;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0)
		tt_fork_child(f, third);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -ECHILD;
	if (read(f->aux[0], &child_ep, sizeof(child_ep)) != sizeof(child_ep))
		return -EIO;
	err = tt_result_add(f->r, &child_ep);
	if (!err)
		err = tt_pingpong(&f->io, f->o, &f->p.c, f->o->bytes - 2 * third);
	return err;
}

int tt_run_fork(const struct traffic_opts *o, struct traffic_result *r)
{
	const struct tt_server sv = { .echo = true };

	return tt_flows_run(o, r, &sv, 0, tt_body_fork);
}

/* One of several threads on one socket, with counts of its own. */
struct tt_peer_thread {
	pthread_t thread;
	const struct traffic_opts *o;
	struct tt_sock s;
	uint64_t bytes;		/* senders */
	bool sender;
	int err;
};

static void *tt_peer_thread_main(void *arg)
{
	struct tt_peer_thread *t = arg;
	struct tt_io io;

	t->err = tt_io_init(&io, t->o);
	if (t->err)
		return NULL;
	if (t->sender)
		t->err = tt_send_exact(&io, &t->s, t->o->send, t->bytes, t->o->chunk);
	else
		t->err = tt_recv_eof(&io, &t->s, t->o->recv, tt_rchunk(t->o));
	tt_io_free(&io);
	return NULL;
}

static int tt_threads_flow(const struct traffic_opts *o, struct traffic_result *r)
{
	unsigned n = o->threads ? o->threads : 1, i;
	struct tt_peer_thread *t;
	bool *started;
	struct tt_pair p;
	int err;

	t = calloc(2 * n, sizeof(*t));
	started = calloc(2 * n, sizeof(*started));
	if (!t || !started) {
		err = -ENOMEM;
		goto cleanup;
	}
	err = tt_pair_open(o, &p, 0, 0);
	if (err)
		goto cleanup;
	/* t[0..n) send on the client socket, t[n..2n) receive on the server socket. */
	for (i = 0; i < 2 * n; i++) {
		t[i].o = o;
		t[i].sender = i < n;
		t[i].s = t[i].sender ? p.c : p.s;
		t[i].s.ep.tx = t[i].s.ep.rx = 0;
		t[i].bytes = o->bytes / n + (i == 0 ? o->bytes % n : 0);
	}
	for (i = 2 * n; i-- > 0 && !err;) {
		err = -pthread_create(&t[i].thread, NULL, tt_peer_thread_main, &t[i]);
		started[i] = !err;
	}
	for (i = 0; i < n; i++) {
		if (started[i])
			pthread_join(t[i].thread, NULL);
	}
	/* Every sender is done: the receivers read to end of file. */
	shutdown(p.c.fd, SHUT_WR);
	for (i = n; i < 2 * n; i++) {
		if (started[i])
			pthread_join(t[i].thread, NULL);
	}
	for (i = 0; i < 2 * n; i++) {
		struct tt_sock *s = t[i].sender ? &p.c : &p.s;

		if (t[i].err && !err)
			err = t[i].err;
		s->ep.tx += t[i].s.ep.tx;
		s->ep.rx += t[i].s.ep.rx;
	}
	if (!err)
		err = tt_pair_report(r, &p);
	tt_pair_close(&p);
cleanup:
	free(started);
	free(t);
	return err;
}

int tt_run_threads(const struct traffic_opts *o, struct traffic_result *r)
{
	unsigned i;
	int err = 0;

	for (i = 0; i < o->flows && !err; i++)
		err = tt_threads_flow(o, r);
	return err;
}
