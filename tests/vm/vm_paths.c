// SPDX-License-Identifier: GPL-2.0
/*
 * The I/O paths: each pairs a way of putting bytes into a TCP socket with a
 * way of taking them out.  Several reach TCP through kernel functions other
 * than tcp_sendmsg/tcp_recvmsg (sendfile and splice), which is the point.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "vm_exact.h"
#include "vm_explore.h"

#ifndef SO_ZEROCOPY
#define SO_ZEROCOPY 60
#endif
#ifndef MSG_ZEROCOPY
#define MSG_ZEROCOPY 0x4000000
#endif

#define TCPTOP_VM_PIPE_BYTES 65536

static ssize_t tcptop_vm_ret(ssize_t n)
{
	return n < 0 ? -errno : n;
}

/* ---- senders ------------------------------------------------------------ */

static ssize_t tcptop_vm_write(struct tcptop_vm_io *io, int fd, size_t len)
{
	return tcptop_vm_ret(write(fd, io->buf, len));
}

static ssize_t tcptop_vm_send(struct tcptop_vm_io *io, int fd, size_t len)
{
	return tcptop_vm_ret(send(fd, io->buf, len, MSG_NOSIGNAL));
}

static ssize_t tcptop_vm_sendmsg(struct tcptop_vm_io *io, int fd, size_t len)
{
	struct iovec iov[2] = {
		{ .iov_base = io->buf, .iov_len = len / 2 },
		{ .iov_base = io->buf + len / 2, .iov_len = len - len / 2 },
	};
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };

	return tcptop_vm_ret(sendmsg(fd, &msg, MSG_NOSIGNAL));
}

static ssize_t tcptop_vm_writev(struct tcptop_vm_io *io, int fd, size_t len)
{
	struct iovec iov[3] = {
		{ .iov_base = io->buf, .iov_len = len / 3 },
		{ .iov_base = io->buf + len / 3, .iov_len = len / 3 },
		{ .iov_base = io->buf + 2 * (len / 3), .iov_len = len - 2 * (len / 3) },
	};

	return tcptop_vm_ret(writev(fd, iov, 3));
}

/* sendfile reads from a memfd the size of the whole transfer. */
static int tcptop_vm_memfd_setup(struct tcptop_vm_io *io, const struct tcptop_vm_xfer *x,
				 bool sender)
{
	size_t done = 0;

	if (!sender)
		return 0;
	io->aux[0] = memfd_create("tcptop-vm", MFD_CLOEXEC);
	if (io->aux[0] < 0)
		return -errno;
	while (done < x->bytes) {
		size_t want = x->bytes - done < io->chunk ? x->bytes - done : io->chunk;
		ssize_t n = write(io->aux[0], io->buf, want);

		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		done += n;
	}
	io->off = 0;
	return 0;
}

static ssize_t tcptop_vm_sendfile(struct tcptop_vm_io *io, int fd, size_t len)
{
	return tcptop_vm_ret(sendfile(fd, io->aux[0], &io->off, len));
}

static int tcptop_vm_pipe_setup(struct tcptop_vm_io *io, const struct tcptop_vm_xfer *x,
				bool sender)
{
	(void)x;
	(void)sender;
	if (pipe2(io->aux, O_CLOEXEC))
		return -errno;
	io->off = 0;	/* bytes sitting in the pipe */
	return 0;
}

static void tcptop_vm_aux_teardown(struct tcptop_vm_io *io)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (io->aux[i] >= 0)
			close(io->aux[i]);
		io->aux[i] = -1;
	}
}

/* splice(pipe -> socket): the pipe is refilled only once the socket took all of it. */
static ssize_t tcptop_vm_splice_to_sock(struct tcptop_vm_io *io, int fd, size_t len)
{
	ssize_t n;

	if (io->off == 0) {
		if (len > TCPTOP_VM_PIPE_BYTES)
			len = TCPTOP_VM_PIPE_BYTES;
		n = write(io->aux[1], io->buf, len);
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		io->off = n;
	}
	n = splice(io->aux[0], NULL, fd, NULL, io->off, SPLICE_F_MOVE);
	if (n < 0)
		return -errno;
	io->off -= n;
	return n;
}

/* Partial writes and EAGAIN: the chunk is far bigger than the socket buffer. */
static ssize_t tcptop_vm_send_nonblock(struct tcptop_vm_io *io, int fd, size_t len)
{
	return tcptop_vm_ret(send(fd, io->buf, len, MSG_NOSIGNAL | MSG_DONTWAIT));
}

static int tcptop_vm_nodelay(struct tcptop_vm_pair *p)
{
	int one = 1;

	if (setsockopt(p->client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) ||
	    setsockopt(p->server, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)))
		return -errno;
	return 0;
}

static int tcptop_vm_zerocopy_prepare(struct tcptop_vm_pair *p)
{
	int one = 1;

	if (setsockopt(p->client, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one)))
		return -errno;
	return 0;
}

/*
 * MSG_ZEROCOPY sends, and the completion notifications are read back from
 * the error queue: those reads go through tcp_recvmsg but carry no stream
 * bytes, so they must not count as received.
 */
static ssize_t tcptop_vm_send_zerocopy(struct tcptop_vm_io *io, int fd, size_t len)
{
	char control[128];
	struct msghdr msg = { .msg_control = control, .msg_controllen = sizeof(control) };
	ssize_t n = send(fd, io->buf, len, MSG_NOSIGNAL | MSG_ZEROCOPY);
	int err = errno;

	while (recvmsg(fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT) >= 0)
		msg.msg_controllen = sizeof(control);
	errno = err;
	return tcptop_vm_ret(n);
}

/* ---- receivers ---------------------------------------------------------- */

static ssize_t tcptop_vm_read(struct tcptop_vm_io *io, int fd, size_t len)
{
	return tcptop_vm_ret(read(fd, io->buf, len));
}

static ssize_t tcptop_vm_recv(struct tcptop_vm_io *io, int fd, size_t len)
{
	return tcptop_vm_ret(recv(fd, io->buf, len, 0));
}

static ssize_t tcptop_vm_recv_nonblock(struct tcptop_vm_io *io, int fd, size_t len)
{
	return tcptop_vm_ret(recv(fd, io->buf, len, MSG_DONTWAIT));
}

static ssize_t tcptop_vm_recvmsg(struct tcptop_vm_io *io, int fd, size_t len)
{
	struct iovec iov[2] = {
		{ .iov_base = io->buf, .iov_len = len / 2 },
		{ .iov_base = io->buf + len / 2, .iov_len = len - len / 2 },
	};
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };

	return tcptop_vm_ret(recvmsg(fd, &msg, 0));
}

static ssize_t tcptop_vm_readv(struct tcptop_vm_io *io, int fd, size_t len)
{
	struct iovec iov[3] = {
		{ .iov_base = io->buf, .iov_len = len / 3 },
		{ .iov_base = io->buf + len / 3, .iov_len = len / 3 },
		{ .iov_base = io->buf + 2 * (len / 3), .iov_len = len - 2 * (len / 3) },
	};

	return tcptop_vm_ret(readv(fd, iov, 3));
}

/* Large MSG_WAITALL reads: one call returns after many segments arrived. */
static ssize_t tcptop_vm_recv_waitall(struct tcptop_vm_io *io, int fd, size_t len)
{
	return tcptop_vm_ret(recv(fd, io->buf, len, MSG_WAITALL));
}

/*
 * Peek, then read only half of what was peeked: the rest is peeked again,
 * so a tracer that counted peeks would overcount.
 */
static ssize_t tcptop_vm_peek_read(struct tcptop_vm_io *io, int fd, size_t len)
{
	ssize_t n = recv(fd, io->buf, len, MSG_PEEK);

	if (n <= 0)
		return tcptop_vm_ret(n);
	return tcptop_vm_ret(read(fd, io->buf, n > 1 ? n / 2 : 1));
}

/* splice(socket -> pipe), then empty the pipe; the socket bytes are the splice's return. */
static ssize_t tcptop_vm_splice_from_sock(struct tcptop_vm_io *io, int fd, size_t len)
{
	ssize_t n, left;

	if (len > TCPTOP_VM_PIPE_BYTES)
		len = TCPTOP_VM_PIPE_BYTES;
	n = splice(fd, NULL, io->aux[1], NULL, len, SPLICE_F_MOVE);
	if (n <= 0)
		return tcptop_vm_ret(n);
	for (left = n; left > 0;) {
		ssize_t r = read(io->aux[0], io->buf, (size_t)left < io->chunk ? (size_t)left : io->chunk);

		if (r <= 0)
			return r < 0 ? -errno : -EIO;
		left -= r;
	}
	return n;
}

/* ---- the table ---------------------------------------------------------- */

#define TCPTOP_VM_KIB 1024
#define TCPTOP_VM_MIB (1024 * 1024)

const struct tcptop_vm_path tcptop_vm_paths[] = {
	{ .name = "write-read", .family = TCPTOP_VM_IPV4, .send = tcptop_vm_write,
	  .recv = tcptop_vm_read },
	{ .name = "write-read", .family = TCPTOP_VM_IPV6, .send = tcptop_vm_write,
	  .recv = tcptop_vm_read },
	{ .name = "write-read", .family = TCPTOP_VM_MAPPED, .send = tcptop_vm_write,
	  .recv = tcptop_vm_read },
	{ .name = "send-recv", .family = TCPTOP_VM_IPV4, .send = tcptop_vm_send,
	  .recv = tcptop_vm_recv },
	{ .name = "sendmsg-recvmsg", .family = TCPTOP_VM_IPV6, .send = tcptop_vm_sendmsg,
	  .recv = tcptop_vm_recvmsg },
	{ .name = "writev-readv", .family = TCPTOP_VM_IPV4, .send = tcptop_vm_writev,
	  .recv = tcptop_vm_readv },
	{ .name = "recv-waitall", .family = TCPTOP_VM_IPV4, .send = tcptop_vm_write,
	  .recv = tcptop_vm_recv_waitall, .chunk = TCPTOP_VM_MIB },
	{ .name = "peek", .family = TCPTOP_VM_IPV4, .send = tcptop_vm_write,
	  .recv = tcptop_vm_peek_read, .chunk = 4 * TCPTOP_VM_KIB },
	{ .name = "sendfile", .family = TCPTOP_VM_IPV4, .send = tcptop_vm_sendfile,
	  .recv = tcptop_vm_read, .setup = tcptop_vm_memfd_setup,
	  .teardown = tcptop_vm_aux_teardown },
	{ .name = "sendfile", .family = TCPTOP_VM_IPV6, .send = tcptop_vm_sendfile,
	  .recv = tcptop_vm_read, .setup = tcptop_vm_memfd_setup,
	  .teardown = tcptop_vm_aux_teardown },
	{ .name = "splice-to-socket", .family = TCPTOP_VM_IPV4, .send = tcptop_vm_splice_to_sock,
	  .recv = tcptop_vm_read, .setup = tcptop_vm_pipe_setup,
	  .teardown = tcptop_vm_aux_teardown },
	{ .name = "splice-from-socket", .family = TCPTOP_VM_IPV4, .send = tcptop_vm_write,
	  .recv = tcptop_vm_splice_from_sock, .setup = tcptop_vm_pipe_setup,
	  .teardown = tcptop_vm_aux_teardown },
	{ .name = "splice-both", .family = TCPTOP_VM_IPV6, .send = tcptop_vm_splice_to_sock,
	  .recv = tcptop_vm_splice_from_sock, .setup = tcptop_vm_pipe_setup,
	  .teardown = tcptop_vm_aux_teardown },
	{ .name = "nonblock-eagain", .family = TCPTOP_VM_IPV4, .send = tcptop_vm_send_nonblock,
	  .recv = tcptop_vm_recv_nonblock, .nonblock = true, .chunk = 4 * TCPTOP_VM_MIB },
	{ .name = "nodelay-1byte", .family = TCPTOP_VM_IPV4, .send = tcptop_vm_write,
	  .recv = tcptop_vm_read, .prepare = tcptop_vm_nodelay, .bytes = 2000, .chunk = 1 },
	{ .name = "msg-zerocopy", .family = TCPTOP_VM_IPV4, .send = tcptop_vm_send_zerocopy,
	  .recv = tcptop_vm_read, .prepare = tcptop_vm_zerocopy_prepare },
	{ .name = "echo", .family = TCPTOP_VM_IPV4, .send = tcptop_vm_write,
	  .recv = tcptop_vm_read, .echo = true },
	{ .name = "echo", .family = TCPTOP_VM_MAPPED, .send = tcptop_vm_write,
	  .recv = tcptop_vm_read, .echo = true },
	/* Reported, not required (see .explore). */
	{ .name = "msg-oob", .family = TCPTOP_VM_IPV4, .send = tcptop_vm_send_oob,
	  .recv = tcptop_vm_recv_oob, .explore = true },
	{ .name = "recv-trunc", .family = TCPTOP_VM_IPV4, .send = tcptop_vm_write,
	  .recv = tcptop_vm_recv_trunc, .explore = true },
	{ .name = "io-uring", .family = TCPTOP_VM_IPV4, .send = tcptop_vm_uring_send,
	  .recv = tcptop_vm_uring_recv, .setup = tcptop_vm_uring_setup,
	  .teardown = tcptop_vm_uring_teardown, .explore = true },
	{ .name = "io-uring-async", .family = TCPTOP_VM_IPV4, .send = tcptop_vm_uring_send,
	  .recv = tcptop_vm_uring_recv, .setup = tcptop_vm_uring_async_setup,
	  .teardown = tcptop_vm_uring_teardown, .explore = true },
	{ .name = "tcp-zerocopy-receive", .family = TCPTOP_VM_IPV4, .send = tcptop_vm_write,
	  .recv = tcptop_vm_zc_recv, .setup = tcptop_vm_zc_setup,
	  .teardown = tcptop_vm_zc_teardown, .explore = true },
	{ .name = "ktls", .family = TCPTOP_VM_IPV4, .send = tcptop_vm_write,
	  .recv = tcptop_vm_read, .prepare = tcptop_vm_ktls_prepare, .explore = true },
	{ .name = "mptcp", .family = TCPTOP_VM_IPV4, .protocol = TCPTOP_VM_IPPROTO_MPTCP,
	  .send = tcptop_vm_write, .recv = tcptop_vm_read, .explore = true },
};

const size_t tcptop_vm_npaths = sizeof(tcptop_vm_paths) / sizeof(tcptop_vm_paths[0]);
