// SPDX-License-Identifier: GPL-2.0
/*
 * Scenarios with many sockets at once, served by one thread with epoll:
 * short-lived children that connect and send (child), and many concurrent
 * flows trickling data for a while (steady).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "traffic_internal.h"

/* Each flow has two sockets, plus room for pipes, the listener and stdio. */
static int tt_raise_nofile(unsigned flows)
{
	rlim_t need = (rlim_t)flows * 2 + 64;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -errno;
	if (rl.rlim_cur >= need)
		return 0;
	rl.rlim_cur = need;
	if (rl.rlim_max < need)
		rl.rlim_max = need;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -errno;
	return 0;
}

static size_t tt_rchunk(const struct traffic_opts *o)
{
	return o->rchunk ? o->rchunk : o->chunk;
}

/* ---- child --------------------------------------------------------------- */

static void tt_child_main(const struct traffic_opts *o, int lfd, int report_fd)
{
	struct tt_sock s;
	struct tt_io io;
	int fd;

	/* Named before the first byte, so the kernel's first event sees the name. */
	prctl(PR_SET_NAME, o->comm, 0, 0, 0);
	fd = tt_connect(o->family, lfd, 0);
	if (fd < 0 || tt_sock_init(&s, fd) || tt_io_init(&io, o))
		_exit(1);
	if (o->nodelay)
		tt_set_nodelay(fd);
	if (tt_send_exact(&io, &s, o->send, o->bytes, o->chunk))
		_exit(1);
	close(fd);
	if (tt_report_write(report_fd, &s.ep))
		_exit(1);
	_exit(0);
}

struct tt_child_state {
	int lfd;
	int report_fd;
	int ep;
	struct tt_sock *acc;	/* accepted sockets, by index */
	pid_t *pids;		/* children; 0 once reaped */
	unsigned accepted;
	unsigned eof;
	unsigned reports;
	unsigned reaped;
	bool report_eof;
	struct tt_io io;
};

static int tt_child_accept(struct tt_child_state *st, const struct traffic_opts *o)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int fd, err;

	fd = tt_accept(st->lfd);
	if (fd < 0)
		return fd;
	if (st->accepted == o->flows) {
		close(fd);
		return -EPROTO;
	}
	err = tt_sock_init(&st->acc[st->accepted], fd);
	if (err) {
		close(fd);
		return err;
	}
	ev.data.u64 = 2 + st->accepted;
	st->accepted++;
	if (epoll_ctl(st->ep, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	return 0;
}

static int tt_child_read(struct tt_child_state *st, const struct traffic_opts *o,
			 struct traffic_result *r, unsigned i)
{
	struct tt_sock *s = &st->acc[i];
	ssize_t n = tt_recv(&st->io, s->fd, o->recv, tt_rchunk(o));
	int err;

	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	if (n > 0) {
		s->ep.rx += n;
		return 0;
	}
	close(s->fd);
	s->fd = -1;
	st->eof++;
	err = tt_result_add(r, &s->ep);
	return err;
}

static int tt_child_report(struct tt_child_state *st, struct traffic_result *r)
{
	struct traffic_endpoint e;
	ssize_t n = read(st->report_fd, &e, sizeof(e));

	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	if (n == 0) {
		st->report_eof = true;
		epoll_ctl(st->ep, EPOLL_CTL_DEL, st->report_fd, NULL);
		return 0;
	}
	if (n != sizeof(e))
		return -EIO;
	st->reports++;
	return tt_result_add(r, &e);
}

/* Only our own children: the caller may have others (a traffic job, say). */
static int tt_child_reap(struct tt_child_state *st, unsigned forked, int flags)
{
	int status, err = 0;
	unsigned i;

	for (i = 0; i < forked; i++) {
		if (!st->pids[i] || waitpid(st->pids[i], &status, flags) <= 0)
			continue;
		st->pids[i] = 0;
		st->reaped++;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			err = -ECHILD;
	}
	return err;
}

int tt_run_child(const struct traffic_opts *o, struct traffic_result *r)
{
	struct tt_child_state st = { .lfd = -1, .report_fd = -1, .ep = -1 };
	struct epoll_event ev = { .events = EPOLLIN };
	int report[2] = { -1, -1 };
	unsigned i, forked = 0;
	int err;

	err = tt_raise_nofile(o->flows);
	if (!err)
		err = tt_io_init(&st.io, o);
	if (err)
		return err;
	st.acc = calloc(o->flows, sizeof(*st.acc));
	st.pids = calloc(o->flows, sizeof(*st.pids));
	if (!st.acc || !st.pids) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (i = 0; i < o->flows; i++)
		st.acc[i].fd = -1;
	if (pipe2(report, O_CLOEXEC) < 0) {
		err = -errno;
		goto cleanup;
	}
	st.report_fd = report[0];
	st.lfd = tt_listen(o->family, 0);
	st.ep = epoll_create1(EPOLL_CLOEXEC);
	if (st.lfd < 0 || st.ep < 0) {
		err = st.lfd < 0 ? st.lfd : -errno;
		goto cleanup;
	}
	ev.data.u64 = 0;
	if (epoll_ctl(st.ep, EPOLL_CTL_ADD, st.lfd, &ev) < 0) {
		err = -errno;
		goto cleanup;
	}
	ev.data.u64 = 1;
	if (epoll_ctl(st.ep, EPOLL_CTL_ADD, st.report_fd, &ev) < 0) {
		err = -errno;
		goto cleanup;
	}

	for (; forked < o->flows; forked++) {
		pid_t pid = fork();

		if (pid < 0) {
			err = -errno;
			goto cleanup;
		}
		if (pid == 0) {
			close(report[0]);
			tt_child_main(o, st.lfd, report[1]);
		}
		st.pids[forked] = pid;
	}
	/* The last writer gone means every child has reported. */
	close(report[1]);
	report[1] = -1;

	while (!err && (st.reaped < forked || st.eof < o->flows || !st.report_eof)) {
		struct epoll_event evs[64];
		int n = epoll_wait(st.ep, evs, 64, 50), k;

		if (n < 0 && errno != EINTR)
			err = -errno;
		for (k = 0; k < n && !err; k++) {
			uint64_t tag = evs[k].data.u64;

			if (tag == 0)
				err = tt_child_accept(&st, o);
			else if (tag == 1)
				err = tt_child_report(&st, r);
			else
				err = tt_child_read(&st, o, r, tag - 2);
		}
		if (!err)
			err = tt_child_reap(&st, forked, WNOHANG);
	}
	if (!err && st.reports != o->flows)
		err = -EIO;
cleanup:
	/* On failure, children may still be running: take them before returning. */
	if (report[1] >= 0)
		close(report[1]);
	if (st.lfd >= 0)
		close(st.lfd);
	tt_child_reap(&st, forked, 0);
	for (i = 0; st.acc && i < o->flows; i++) {
		if (st.acc[i].fd >= 0)
			close(st.acc[i].fd);
	}
	if (report[0] >= 0)
		close(report[0]);
	if (st.ep >= 0)
		close(st.ep);
	tt_io_free(&st.io);
	free(st.pids);
	free(st.acc);
	return err;
}

/* ---- steady -------------------------------------------------------------- */

struct tt_steady_flow {
	struct tt_sock c;
	struct tt_sock s;
	uint64_t pending;	/* server: read, not yet echoed */
	bool s_eof;
};

static int tt_steady_open(const struct traffic_opts *o, int lfd, int ep, struct tt_steady_flow *f,
			  unsigned i)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int cfd, sfd, err;

	cfd = tt_connect(o->family, lfd, 0);
	if (cfd < 0)
		return cfd;
	sfd = tt_accept(lfd);
	if (sfd < 0) {
		close(cfd);
		return sfd;
	}
	err = tt_sock_init(&f->c, cfd);
	if (!err)
		err = tt_sock_init(&f->s, sfd);
	f->c.fd = cfd;
	f->s.fd = sfd;
	if (err)
		return err;
	if (o->nodelay && (tt_set_nodelay(cfd) || tt_set_nodelay(sfd)))
		return -errno;
	if (tt_set_nonblock(cfd) || tt_set_nonblock(sfd))
		return -errno;
	ev.data.u64 = 2ull * i;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, cfd, &ev) < 0)
		return -errno;
	ev.data.u64 = 2ull * i + 1;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev) < 0)
		return -errno;
	return 0;
}

/* One non-blocking send; EAGAIN is not an error. */
static int tt_steady_send(struct tt_io *io, const struct traffic_opts *o, struct tt_sock *s,
			  size_t want, struct traffic_result *r, uint64_t *sent)
{
	ssize_t n = tt_send(io, s->fd, o->send, want);

	*sent = 0;
	if (n < 0) {
		if (errno == EAGAIN) {
			r->eagain++;
			return 0;
		}
		return errno == EINTR ? 0 : -errno;
	}
	if ((size_t)n < want)
		r->partial++;
	s->ep.tx += n;
	*sent = n;
	return 0;
}

static int tt_steady_flush(struct tt_io *io, const struct traffic_opts *o,
			   struct tt_steady_flow *f, struct traffic_result *r)
{
	uint64_t sent;
	int err;

	while (f->pending > 0 && f->s.fd >= 0) {
		err = tt_steady_send(io, o, &f->s, f->pending < o->chunk ? f->pending : o->chunk, r,
				     &sent);
		if (err || !sent)
			return err;
		f->pending -= sent;
	}
	/* The client is done and everything is echoed: close the server side. */
	if (f->s_eof && f->s.fd >= 0) {
		close(f->s.fd);
		f->s.fd = -1;
	}
	return 0;
}

static int tt_steady_read(struct tt_io *io, const struct traffic_opts *o,
			  struct tt_steady_flow *f, bool server, struct traffic_result *r)
{
	struct tt_sock *s = server ? &f->s : &f->c;
	ssize_t n;

	if (s->fd < 0)
		return 0;
	n = tt_recv(io, s->fd, o->recv, tt_rchunk(o));
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	s->ep.rx += n;
	if (server) {
		f->pending += n;
		if (n == 0)
			f->s_eof = true;
		return tt_steady_flush(io, o, f, r);
	}
	if (n == 0) {
		close(s->fd);
		s->fd = -1;
	}
	return 0;
}

int tt_run_steady(const struct traffic_opts *o, struct traffic_result *r)
{
	uint64_t start, next_tick, sent;
	struct tt_steady_flow *f;
	int lfd = -1, ep = -1, err;
	unsigned i, open_fds;
	bool sending = true;
	struct tt_io io;

	err = tt_raise_nofile(o->flows);
	if (!err)
		err = tt_io_init(&io, o);
	if (err)
		return err;
	f = calloc(o->flows, sizeof(*f));
	if (!f) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (i = 0; i < o->flows; i++)
		f[i].c.fd = f[i].s.fd = -1;
	lfd = tt_listen(o->family, 0);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (lfd < 0 || ep < 0) {
		err = lfd < 0 ? lfd : -errno;
		goto cleanup;
	}
	for (i = 0; i < o->flows && !err; i++)
		err = tt_steady_open(o, lfd, ep, &f[i], i);
	if (err)
		goto cleanup;

	start = next_tick = tt_now_ms();
	open_fds = 2 * o->flows;
	while (!err && open_fds > 0) {
		struct epoll_event evs[256];
		uint64_t now = tt_now_ms();
		int n, k;

		if (sending && (now >= start + o->duration_ms || tt_stop_requested)) {
			/* Done: the servers echo what they still hold, then everyone closes. */
			sending = false;
			for (i = 0; i < o->flows; i++)
				shutdown(f[i].c.fd, SHUT_WR);
		}
		if (now >= next_tick) {
			for (i = 0; i < o->flows && !err; i++) {
				if (sending)
					err = tt_steady_send(&io, o, &f[i].c, o->chunk, r, &sent);
				if (!err)
					err = tt_steady_flush(&io, o, &f[i], r);
			}
			next_tick += o->tick_ms;
			if (next_tick < now)
				next_tick = now + o->tick_ms;
		}
		n = epoll_wait(ep, evs, 256, (int)(next_tick > now ? next_tick - now : 0));
		if (n < 0 && errno != EINTR)
			err = -errno;
		for (k = 0; k < n && !err; k++) {
			uint64_t tag = evs[k].data.u64;

			err = tt_steady_read(&io, o, &f[tag / 2], tag % 2, r);
		}
		for (open_fds = 0, i = 0; i < o->flows; i++)
			open_fds += (f[i].c.fd >= 0) + (f[i].s.fd >= 0);
	}
	for (i = 0; i < o->flows && !err; i++) {
		err = tt_result_add(r, &f[i].c.ep);
		if (!err)
			err = tt_result_add(r, &f[i].s.ep);
	}
cleanup:
	for (i = 0; f && i < o->flows; i++) {
		if (f[i].c.fd >= 0)
			close(f[i].c.fd);
		if (f[i].s.fd >= 0)
			close(f[i].s.fd);
	}
	if (lfd >= 0)
		close(lfd);
	if (ep >= 0)
		close(ep);
	tt_io_free(&io);
	free(f);
	return err;
}
