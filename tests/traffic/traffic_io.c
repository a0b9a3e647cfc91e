// SPDX-License-Identifier: GPL-2.0
/*
 * The generator's system calls: one function per direction that performs the
 * chosen I/O method once, and the loopback socket set-up.  Every byte count
 * that becomes ground truth comes from a return value here.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "traffic_internal.h"

#define TT_PIPE_MAX (1u << 20)

static size_t tt_max(size_t a, size_t b)
{
	return a > b ? a : b;
}

int tt_io_init(struct tt_io *io, const struct traffic_opts *o)
{
	size_t want = tt_max(o->chunk, o->rchunk ? o->rchunk : o->chunk);
	int err, sz;

	memset(io, 0, sizeof(*io));
	io->memfd = io->spipe[0] = io->spipe[1] = io->rpipe[0] = io->rpipe[1] = -1;
	io->buf_len = tt_max(want, 1);
	io->buf = malloc(io->buf_len);
	if (!io->buf)
		return -ENOMEM;
	memset(io->buf, 'x', io->buf_len);

	if (o->send == TRAFFIC_SEND_SENDFILE) {
		io->memfd = memfd_create("tcptop-traffic", MFD_CLOEXEC);
		if (io->memfd < 0 || write(io->memfd, io->buf, io->buf_len) != (ssize_t)io->buf_len)
			goto fail;
	}
	if (o->send == TRAFFIC_SEND_SPLICE && pipe2(io->spipe, O_CLOEXEC) < 0)
		goto fail;
	if (io->spipe[1] >= 0 && fcntl(io->spipe[1], F_SETFL, O_NONBLOCK) < 0)
		goto fail;
	if (o->recv == TRAFFIC_RECV_SPLICE && pipe2(io->rpipe, O_CLOEXEC) < 0)
		goto fail;
	/* A pipe as large as a chunk lets one splice move a whole chunk. */
	sz = (int)(want < TT_PIPE_MAX ? want : TT_PIPE_MAX);
	if (io->spipe[0] >= 0) {
		fcntl(io->spipe[0], F_SETPIPE_SZ, sz);
		io->pipe_size = fcntl(io->spipe[0], F_GETPIPE_SZ);
	}
	if (io->rpipe[0] >= 0) {
		fcntl(io->rpipe[0], F_SETPIPE_SZ, sz);
		io->pipe_size = fcntl(io->rpipe[0], F_GETPIPE_SZ);
	}
	if (io->spipe[0] >= 0 && io->rpipe[0] >= 0) {
		int a = fcntl(io->spipe[0], F_GETPIPE_SZ), b = fcntl(io->rpipe[0], F_GETPIPE_SZ);

		io->pipe_size = a < b ? a : b;
	}
	return 0;
fail:
	err = -errno;
	tt_io_free(io);
	return err;
}

void tt_io_free(struct tt_io *io)
{
	int *fds[] = { &io->memfd, &io->spipe[0], &io->spipe[1], &io->rpipe[0], &io->rpipe[1] };
	size_t i;

	for (i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
	free(io->buf);
	io->buf = NULL;
}

static size_t tt_min(size_t a, size_t b)
{
	return a < b ? a : b;
}

/*
 * Top the pipe up towards the offer, then splice what it holds.  The pipe's
 * write end does not block: partly spliced pages leave less room than its
 * nominal size, and a blocked top-up would never be drained.
 */
static ssize_t tt_send_splice(struct tt_io *io, int fd, size_t n)
{
	size_t want = tt_min(n, io->pipe_size);
	ssize_t r;

	while (io->spipe_fill < want) {
		r = write(io->spipe[1], io->buf, want - io->spipe_fill);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN && io->spipe_fill > 0)
				break;
			return -1;
		}
		io->spipe_fill += r;
	}
	r = splice(io->spipe[0], NULL, fd, NULL, tt_min(io->spipe_fill, want), SPLICE_F_MOVE);
	if (r > 0)
		io->spipe_fill -= r;
	return r;
}

ssize_t tt_send(struct tt_io *io, int fd, enum traffic_send m, size_t n)
{
	struct iovec iov[2];
	struct msghdr msg;
	off_t off = 0;

	n = tt_min(n, io->buf_len);
	iov[0].iov_base = io->buf;
	iov[0].iov_len = n / 2;
	iov[1].iov_base = io->buf + n / 2;
	iov[1].iov_len = n - n / 2;
	switch (m) {
	case TRAFFIC_SEND_WRITE:
		return write(fd, io->buf, n);
	case TRAFFIC_SEND_SEND:
		return send(fd, io->buf, n, MSG_NOSIGNAL);
	case TRAFFIC_SEND_SENDMSG:
		memset(&msg, 0, sizeof(msg));
		msg.msg_iov = iov;
		msg.msg_iovlen = 2;
		return sendmsg(fd, &msg, MSG_NOSIGNAL);
	case TRAFFIC_SEND_WRITEV:
		return writev(fd, iov, 2);
	case TRAFFIC_SEND_SENDFILE:
		return sendfile(fd, io->memfd, &off, n);
	case TRAFFIC_SEND_SPLICE:
		return tt_send_splice(io, fd, n);
	}
	errno = EINVAL;
	return -1;
}

/* Empty the pipe a splice just filled; these are pipe reads, not socket receives. */
static int tt_pipe_discard(struct tt_io *io, size_t n)
{
	ssize_t r;

	while (n > 0) {
		r = read(io->rpipe[0], io->buf, tt_min(n, io->buf_len));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		n -= r;
	}
	return 0;
}

ssize_t tt_recv(struct tt_io *io, int fd, enum traffic_recv m, size_t n)
{
	struct iovec iov[2];
	struct msghdr msg;
	ssize_t r;

	n = tt_min(n, io->buf_len);
	iov[0].iov_base = io->buf;
	iov[0].iov_len = n / 2;
	iov[1].iov_base = io->buf + n / 2;
	iov[1].iov_len = n - n / 2;
	switch (m) {
	case TRAFFIC_RECV_READ:
		return read(fd, io->buf, n);
	case TRAFFIC_RECV_RECV:
		return recv(fd, io->buf, n, 0);
	case TRAFFIC_RECV_RECVMSG:
		memset(&msg, 0, sizeof(msg));
		msg.msg_iov = iov;
		msg.msg_iovlen = 2;
		return recvmsg(fd, &msg, 0);
	case TRAFFIC_RECV_READV:
		return readv(fd, iov, 2);
	case TRAFFIC_RECV_WAITALL:
		return recv(fd, io->buf, n, MSG_WAITALL);
	case TRAFFIC_RECV_PEEK:
		r = recv(fd, io->buf, n, MSG_PEEK);
		if (r <= 0)
			return r;
		return recv(fd, io->buf, r, 0);
	case TRAFFIC_RECV_SPLICE:
		r = splice(fd, NULL, io->rpipe[1], NULL, tt_min(n, io->pipe_size), SPLICE_F_MOVE);
		if (r > 0 && tt_pipe_discard(io, r) < 0)
			return -1;
		return r;
	}
	errno = EINVAL;
	return -1;
}

int tt_send_exact(struct tt_io *io, struct tt_sock *s, enum traffic_send m, uint64_t n,
		  size_t chunk)
{
	ssize_t r;

	while (n > 0) {
		r = tt_send(io, s->fd, m, n < chunk ? n : chunk);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			return -EIO;
		s->ep.tx += r;
		n -= r;
	}
	return 0;
}

int tt_recv_exact(struct tt_io *io, struct tt_sock *s, enum traffic_recv m, uint64_t n,
		  size_t chunk)
{
	ssize_t r;

	while (n > 0) {
		r = tt_recv(io, s->fd, m, n < chunk ? n : chunk);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			return -EPIPE;
		s->ep.rx += r;
		n -= r;
	}
	return 0;
}

int tt_recv_eof(struct tt_io *io, struct tt_sock *s, enum traffic_recv m, size_t chunk)
{
	ssize_t r;

	for (;;) {
		r = tt_recv(io, s->fd, m, chunk);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			return 0;
		s->ep.rx += r;
	}
}

static socklen_t tt_loopback(enum traffic_family f, struct sockaddr_storage *ss)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (f == TRAFFIC_IPV4) {
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return sizeof(*sin);
	}
	sin6->sin6_family = AF_INET6;
	if (f == TRAFFIC_IPV6)
		sin6->sin6_addr = in6addr_loopback;
	else
		inet_pton(AF_INET6, "::ffff:127.0.0.1", &sin6->sin6_addr);
	return sizeof(*sin6);
}

int tt_listen(enum traffic_family f, int rcvbuf)
{
	struct sockaddr_storage ss;
	socklen_t len = tt_loopback(f, &ss);
	int fd, err, off = 0;

	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* A mapped address needs a dual-stack socket whatever the sysctl says. */
	if (f == TRAFFIC_MAPPED && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) < 0)
		goto fail;
	/* Set before listen() so accepted sockets inherit it. */
	if (rcvbuf && setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)) < 0)
		goto fail;
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 4096) < 0)
		goto fail;
	return fd;
fail:
	err = -errno;
	close(fd);
	return err;
}

int tt_connect(enum traffic_family f, int lfd, int sndbuf)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd, err, off = 0;

	if (getsockname(lfd, (struct sockaddr *)&ss, &len) < 0)
		return -errno;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (f == TRAFFIC_MAPPED && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) < 0)
		goto fail;
	if (sndbuf && setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf)) < 0)
		goto fail;
	while (connect(fd, (struct sockaddr *)&ss, len) < 0) {
		if (errno != EINTR)
			goto fail;
	}
	return fd;
fail:
	err = -errno;
	close(fd);
	return err;
}

int tt_accept(int lfd)
{
	int fd;

	do
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	return fd < 0 ? -errno : fd;
}

static bool tt_is_v4mapped(const struct in6_addr *a)
{
	return IN6_IS_ADDR_V4MAPPED(a);
}

/* tcptop reports an IPv4-mapped socket as IPv4; the truth does too. */
static void tt_addr_take(const struct sockaddr_storage *ss, int *family, uint8_t addr[16],
			 uint16_t *port)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

	memset(addr, 0, 16);
	if (ss->ss_family == AF_INET) {
		*family = AF_INET;
		memcpy(addr, &sin->sin_addr, 4);
		*port = ntohs(sin->sin_port);
	} else if (tt_is_v4mapped(&sin6->sin6_addr)) {
		*family = AF_INET;
		memcpy(addr, sin6->sin6_addr.s6_addr + 12, 4);
		*port = ntohs(sin6->sin6_port);
	} else {
		*family = AF_INET6;
		memcpy(addr, &sin6->sin6_addr, 16);
		*port = ntohs(sin6->sin6_port);
	}
}

int tt_sock_init(struct tt_sock *s, int fd)
{
	struct sockaddr_storage l, r;
	socklen_t llen = sizeof(l), rlen = sizeof(r);
	int rfamily;

	memset(s, 0, sizeof(*s));
	s->fd = fd;
	s->ep.pid = getpid();
	if (prctl(PR_GET_NAME, s->ep.comm, 0, 0, 0) < 0)
		return -errno;
	if (getsockname(fd, (struct sockaddr *)&l, &llen) < 0 ||
	    getpeername(fd, (struct sockaddr *)&r, &rlen) < 0)
		return -errno;
	tt_addr_take(&l, &s->ep.family, s->ep.laddr, &s->ep.lport);
	tt_addr_take(&r, &rfamily, s->ep.raddr, &s->ep.rport);
	return 0;
}

int tt_set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

int tt_set_nodelay(int fd)
{
	int one = 1;

	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0)
		return -errno;
	return 0;
}

void tt_sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

uint64_t tt_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int tt_report_write(int fd, const struct traffic_endpoint *e)
{
	ssize_t r;

	_Static_assert(sizeof(*e) <= 512, "a report must be one atomic pipe write");
	do
		r = write(fd, e, sizeof(*e));
	while (r < 0 && errno == EINTR);
	if (r != (ssize_t)sizeof(*e))
		return r < 0 ? -errno : -EIO;
	return 0;
}
