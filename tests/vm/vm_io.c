// SPDX-License-Identifier: GPL-2.0
/*
 * The transfer runner: one thread sends with the path's method, one receives
 * with it (and echoes if asked), while the caller's thread keeps draining the
 * tracer, so drains race the traffic as they do in production.  The ground
 * truth is the sum of the return values each side saw.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "vm_exact.h"

/* A stuck transfer is a failure, not a hang of the whole VM. */
#define TCPTOP_VM_STALL_MS 60000

struct tcptop_vm_side {
	const struct tcptop_vm_path *path;
	const struct tcptop_vm_xfer *x;
	int fd;
	int echo_fd;		/* server: where to send what it read; -1 for none */
	uint64_t moved;		/* truth: bytes sent, or received */
	uint64_t echoed;
	int err;
	atomic_bool done;
};

static int tcptop_vm_wait(int fd, short events)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int n = poll(&pfd, 1, TCPTOP_VM_STALL_MS);

	if (n < 0)
		return -errno;
	return n == 0 ? -ETIMEDOUT : 0;
}

/* Plain blocking-or-polling write of everything, for echoes. */
static int tcptop_vm_write_all(int fd, const char *buf, size_t len, uint64_t *moved)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			int err = errno == EAGAIN ? tcptop_vm_wait(fd, POLLOUT) : 0;

			if (err)
				return err;
			continue;
		}
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		*moved += n;
		buf += n;
		len -= n;
	}
	return 0;
}

static void *tcptop_vm_sender(void *arg)
{
	struct tcptop_vm_side *s = arg;
	struct tcptop_vm_io io = { .aux = { -1, -1 } };
	int err;

	io.chunk = s->path->chunk ? s->path->chunk : s->x->chunk;
	io.buf = calloc(1, io.chunk);
	err = io.buf ? 0 : -ENOMEM;
	if (!err && s->path->setup)
		err = s->path->setup(&io, s->x, true);
	while (!err && s->moved < s->x->bytes) {
		size_t want = s->x->bytes - s->moved;
		ssize_t n = s->path->send(&io, s->fd, want < io.chunk ? want : io.chunk);

		if (n == -EAGAIN)
			err = tcptop_vm_wait(s->fd, POLLOUT);
		else if (n < 0 && n != -EINTR)
			err = (int)n;
		else if (n > 0)
			s->moved += n;
	}
	if (s->path->teardown)
		s->path->teardown(&io);
	free(io.buf);
	shutdown(s->fd, SHUT_WR);
	s->err = err;
	atomic_store(&s->done, true);
	return NULL;
}

/* Receives until EOF; used for the path's receiver and for the echo's return leg. */
static void *tcptop_vm_receiver(void *arg)
{
	struct tcptop_vm_side *s = arg;
	struct tcptop_vm_io io = { .aux = { -1, -1 } };
	int err;

	io.chunk = s->path->chunk ? s->path->chunk : s->x->chunk;
	io.buf = calloc(1, io.chunk);
	err = io.buf ? 0 : -ENOMEM;
	if (!err && s->path->setup)
		err = s->path->setup(&io, s->x, false);
	while (!err) {
		ssize_t n = s->path->recv(&io, s->fd, io.chunk);

		if (n == 0)
			break;
		if (n == -EAGAIN)
			err = tcptop_vm_wait(s->fd, POLLIN);
		else if (n < 0 && n != -EINTR)
			err = (int)n;
		else if (n > 0) {
			s->moved += n;
			if (s->echo_fd >= 0)
				err = tcptop_vm_write_all(s->echo_fd, io.buf, n, &s->echoed);
		}
	}
	if (s->path->teardown)
		s->path->teardown(&io);
	free(io.buf);
	if (s->echo_fd >= 0)
		shutdown(s->echo_fd, SHUT_WR);
	s->err = err;
	atomic_store(&s->done, true);
	return NULL;
}

static ssize_t tcptop_vm_plain_recv(struct tcptop_vm_io *io, int fd, size_t len)
{
	ssize_t n = recv(fd, io->buf, len, 0);

	return n < 0 ? -errno : n;
}

static void tcptop_vm_sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

int tcptop_vm_transfer(const struct tcptop_vm_path *path, struct tcptop_vm_pair *p,
		       const struct tcptop_vm_xfer *x, void (*tick)(void *ctx), void *tick_ctx)
{
	/* The echo's return leg is read plainly: the path under test is the forward one. */
	static const struct tcptop_vm_path back = { .name = "echo-back", .recv = tcptop_vm_plain_recv };
	struct tcptop_vm_side snd = { .path = path, .x = x, .fd = p->client, .echo_fd = -1 };
	struct tcptop_vm_side rcv = { .path = path, .x = x, .fd = p->server, .echo_fd = -1 };
	struct tcptop_vm_side ret = { .path = &back, .x = x, .fd = p->client, .echo_fd = -1 };
	pthread_t ts, tr, tb;
	int err;

	if (path->echo)
		rcv.echo_fd = p->server;
	if (path->nonblock && ((err = tcptop_vm_set_nonblock(p->client)) ||
			       (err = tcptop_vm_set_nonblock(p->server))))
		return err;
	if (path->prepare && (err = path->prepare(p)))
		return err;
	if ((err = -pthread_create(&tr, NULL, tcptop_vm_receiver, &rcv)))
		return err;
	if (path->echo && (err = -pthread_create(&tb, NULL, tcptop_vm_receiver, &ret))) {
		shutdown(p->server, SHUT_RDWR);
		pthread_join(tr, NULL);
		return err;
	}
	if ((err = -pthread_create(&ts, NULL, tcptop_vm_sender, &snd))) {
		shutdown(p->server, SHUT_RDWR);
		shutdown(p->client, SHUT_RDWR);
		pthread_join(tr, NULL);
		if (path->echo)
			pthread_join(tb, NULL);
		return err;
	}
	while (!atomic_load(&snd.done) || !atomic_load(&rcv.done) ||
	       (path->echo && !atomic_load(&ret.done))) {
		if (tick)
			tick(tick_ctx);
		tcptop_vm_sleep_ms(2);
	}
	pthread_join(ts, NULL);
	pthread_join(tr, NULL);
	if (path->echo)
		pthread_join(tb, NULL);

	p->ep[0].tx = snd.moved;
	p->ep[0].rx = ret.moved;
	p->ep[1].rx = rcv.moved;
	p->ep[1].tx = rcv.echoed;
	if (snd.err)
		return snd.err;
	if (rcv.err)
		return rcv.err;
	if (ret.err)
		return ret.err;
	/* Every byte sent must have arrived, or the truth itself is in doubt. */
	if (rcv.moved != snd.moved || (path->echo && ret.moved != rcv.echoed))
		return -EPROTO;
	return 0;
}
