// SPDX-License-Identifier: GPL-2.0
/*
 * Less common ways of moving TCP bytes: kernel TLS, TCP zero-copy receive,
 * io_uring, urgent data and MSG_TRUNC.  They find
 * out which kernel functions carry stream bytes past tcp_sendmsg and
 * tcp_recvmsg; the path table says which ones tcptop promises to count.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <linux/tls.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "vm_explore.h"

#ifndef SOL_TLS
#define SOL_TLS 282
#endif
#ifndef TCP_ULP
#define TCP_ULP 31
#endif
#ifndef TCP_ZEROCOPY_RECEIVE
#define TCP_ZEROCOPY_RECEIVE 35
#endif

static ssize_t tcptop_vm_ret(ssize_t n)
{
	return n < 0 ? -errno : n;
}

/* ---- kernel TLS ------------------------------------------------------------ */

/*
 * Both ends get the same made-up key: no handshake is needed to exercise the
 * kernel's record layer, and the application bytes are the plaintext.
 */
static int tcptop_vm_ktls_one(int fd, int dir)
{
	struct tls12_crypto_info_aes_gcm_128 ci;

	memset(&ci, 0, sizeof(ci));
	ci.info.version = TLS_1_2_VERSION;
	ci.info.cipher_type = TLS_CIPHER_AES_GCM_128;
	memset(ci.key, 0x11, sizeof(ci.key));
	memset(ci.iv, 0x22, sizeof(ci.iv));
	memset(ci.salt, 0x33, sizeof(ci.salt));
	if (setsockopt(fd, IPPROTO_TCP, TCP_ULP, "tls", sizeof("tls")) ||
	    setsockopt(fd, SOL_TLS, dir, &ci, sizeof(ci)))
		return -errno;
	return 0;
}

int tcptop_vm_ktls_prepare(struct tcptop_vm_pair *p)
{
	int err = tcptop_vm_ktls_one(p->client, TLS_TX);

	return err ? err : tcptop_vm_ktls_one(p->server, TLS_RX);
}

/* ---- TCP zero-copy receive --------------------------------------------------- */

/* struct tcp_zerocopy_receive as of 5.11+; the kernel accepts shorter versions too. */
struct tcptop_vm_zc {
	uint64_t address;
	uint32_t length;
	uint32_t recv_skip_hint;
	uint32_t inq;
	int32_t err;
	uint64_t copybuf_address;
	int32_t copybuf_len;
	uint32_t flags;
	uint64_t msg_control;
	uint64_t msg_controllen;
	uint32_t msg_flags;
	uint32_t reserved;
};

#define TCPTOP_VM_ZC_MAP (256 * 1024)

/* How the bytes came: loopback rarely hands out whole pages to map. */
static uint64_t tcptop_vm_zc_mapped, tcptop_vm_zc_copied;

int tcptop_vm_zc_setup(struct tcptop_vm_io *io, const struct tcptop_vm_xfer *x, bool sender)
{
	(void)x;
	if (sender)
		return 0;
	io->aux[0] = -1;
	io->ring = NULL;
	return 0;
}

void tcptop_vm_zc_teardown(struct tcptop_vm_io *io)
{
	if (io->ring)
		fprintf(stderr, "# tcp-zerocopy-receive: %llu bytes mapped, %llu copied by the kernel\n",
			(unsigned long long)tcptop_vm_zc_mapped, (unsigned long long)tcptop_vm_zc_copied);
	if (io->ring)
		munmap(io->ring, TCPTOP_VM_ZC_MAP);
	io->ring = NULL;
}

/*
 * Maps what it can, has the kernel copy the rest into our buffer, and reads
 * what it is told to skip with a plain read.  Bytes obtained any of these ways
 * were taken out of the socket by the application.
 */
ssize_t tcptop_vm_zc_recv(struct tcptop_vm_io *io, int fd, size_t len)
{
	struct tcptop_vm_zc zc;
	socklen_t zl = sizeof(zc);
	ssize_t got, n;

	if (!io->ring) {
		void *map = mmap(NULL, TCPTOP_VM_ZC_MAP, PROT_READ, MAP_SHARED, fd, 0);

		if (map == MAP_FAILED)
			return -errno;
		io->ring = map;
	}
	memset(&zc, 0, sizeof(zc));
	zc.address = (uintptr_t)io->ring;
	zc.length = TCPTOP_VM_ZC_MAP;
	zc.copybuf_address = (uintptr_t)io->buf;
	zc.copybuf_len = len < 4096 ? len : 4096;
	if (getsockopt(fd, IPPROTO_TCP, TCP_ZEROCOPY_RECEIVE, &zc, &zl)) {
		/* EIO: the peer closed and nothing is left; read sees the EOF. */
		if (errno == EIO)
			return tcptop_vm_ret(read(fd, io->buf, len));
		return -errno;
	}
	if (zc.err)
		return zc.err < 0 ? zc.err : -zc.err;
	got = zc.length + (zc.copybuf_len > 0 ? zc.copybuf_len : 0);
	tcptop_vm_zc_mapped += zc.length;
	tcptop_vm_zc_copied += zc.copybuf_len > 0 ? zc.copybuf_len : 0;
	if (zc.recv_skip_hint) {
		n = read(fd, io->buf, zc.recv_skip_hint < len ? zc.recv_skip_hint : len);
		if (n < 0)
			return -errno;
		got += n;
	}
	if (got)
		return got;
	/* Nothing mapped or copied: wait for data, or EOF, the ordinary way. */
	return tcptop_vm_ret(read(fd, io->buf, len));
}

/* ---- io_uring ------------------------------------------------------------------- */

/* Just enough of a ring for one request at a time, with raw system calls. */
struct tcptop_vm_uring {
	int fd;
	void *sq_map, *cq_map;
	size_t sq_len, cq_len;
	struct io_uring_sqe *sqes;
	size_t sqes_len;
	unsigned *sq_tail, *sq_mask, *sq_array;
	unsigned *cq_head, *cq_tail, *cq_mask;
	struct io_uring_cqe *cqes;
	bool async;		/* IOSQE_ASYNC: run in an io-wq worker thread */
};

static int tcptop_vm_uring_open(struct tcptop_vm_uring *r)
{
	struct io_uring_params p;

	memset(&p, 0, sizeof(p));
	r->fd = syscall(__NR_io_uring_setup, 4, &p);
	if (r->fd < 0)
		return -errno;
	r->sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned);
	r->cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	r->sqes_len = p.sq_entries * sizeof(struct io_uring_sqe);
	r->sq_map = mmap(NULL, r->sq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd,
			 IORING_OFF_SQ_RING);
	r->cq_map = mmap(NULL, r->cq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd,
			 IORING_OFF_CQ_RING);
	r->sqes = mmap(NULL, r->sqes_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd,
		       IORING_OFF_SQES);
	if (r->sq_map == MAP_FAILED || r->cq_map == MAP_FAILED || r->sqes == MAP_FAILED)
		return -errno;
	r->sq_tail = (unsigned *)((char *)r->sq_map + p.sq_off.tail);
	r->sq_mask = (unsigned *)((char *)r->sq_map + p.sq_off.ring_mask);
	r->sq_array = (unsigned *)((char *)r->sq_map + p.sq_off.array);
	r->cq_head = (unsigned *)((char *)r->cq_map + p.cq_off.head);
	r->cq_tail = (unsigned *)((char *)r->cq_map + p.cq_off.tail);
	r->cq_mask = (unsigned *)((char *)r->cq_map + p.cq_off.ring_mask);
	r->cqes = (struct io_uring_cqe *)((char *)r->cq_map + p.cq_off.cqes);
	return 0;
}

static void tcptop_vm_uring_close(struct tcptop_vm_uring *r)
{
	if (r->sqes && r->sqes != MAP_FAILED)
		munmap(r->sqes, r->sqes_len);
	if (r->cq_map && r->cq_map != MAP_FAILED)
		munmap(r->cq_map, r->cq_len);
	if (r->sq_map && r->sq_map != MAP_FAILED)
		munmap(r->sq_map, r->sq_len);
	if (r->fd >= 0)
		close(r->fd);
}

static ssize_t tcptop_vm_uring_io(struct tcptop_vm_io *io, int fd, size_t len, int op)
{
	struct tcptop_vm_uring *r = io->ring;
	unsigned tail = *r->sq_tail, idx = tail & *r->sq_mask, head;
	struct io_uring_sqe *sqe = &r->sqes[idx];
	ssize_t res;

	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = op;
	sqe->fd = fd;
	sqe->addr = (uintptr_t)io->buf;
	sqe->len = len;
	sqe->flags = r->async ? IOSQE_ASYNC : 0;
	r->sq_array[idx] = idx;
	__atomic_store_n(r->sq_tail, tail + 1, __ATOMIC_RELEASE);
	if (syscall(__NR_io_uring_enter, r->fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0)
		return -errno;
	head = *r->cq_head;
	if (head == __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE))
		return -EIO;
	res = r->cqes[head & *r->cq_mask].res;
	__atomic_store_n(r->cq_head, head + 1, __ATOMIC_RELEASE);
	return res;
}

static int tcptop_vm_uring_setup_mode(struct tcptop_vm_io *io, bool async)
{
	struct tcptop_vm_uring *r = calloc(1, sizeof(*r));
	int err;

	if (!r)
		return -ENOMEM;
	r->fd = -1;
	r->async = async;
	err = tcptop_vm_uring_open(r);
	if (err) {
		tcptop_vm_uring_close(r);
		free(r);
		return err;
	}
	io->ring = r;
	return 0;
}

int tcptop_vm_uring_setup(struct tcptop_vm_io *io, const struct tcptop_vm_xfer *x, bool sender)
{
	(void)x;
	(void)sender;
	return tcptop_vm_uring_setup_mode(io, false);
}

int tcptop_vm_uring_async_setup(struct tcptop_vm_io *io, const struct tcptop_vm_xfer *x,
				bool sender)
{
	(void)x;
	(void)sender;
	return tcptop_vm_uring_setup_mode(io, true);
}

void tcptop_vm_uring_teardown(struct tcptop_vm_io *io)
{
	if (!io->ring)
		return;
	tcptop_vm_uring_close(io->ring);
	free(io->ring);
	io->ring = NULL;
}

ssize_t tcptop_vm_uring_send(struct tcptop_vm_io *io, int fd, size_t len)
{
	return tcptop_vm_uring_io(io, fd, len, IORING_OP_SEND);
}

ssize_t tcptop_vm_uring_recv(struct tcptop_vm_io *io, int fd, size_t len)
{
	return tcptop_vm_uring_io(io, fd, len, IORING_OP_RECV);
}

/* ---- odds and ends ---------------------------------------------------------------- */

/*
 * The stream starts with one urgent byte.  Out of line (the default) it leaves
 * the stream, and the receiver must take it with MSG_OOB before its first
 * plain read: a read that starts at the mark skips the byte and drops it.
 * Only one, since a second could replace the first before it is read.
 */
ssize_t tcptop_vm_send_oob(struct tcptop_vm_io *io, int fd, size_t len)
{
	if (io->off++ == 0)
		return tcptop_vm_ret(send(fd, io->buf, 1, MSG_NOSIGNAL | MSG_OOB));
	return tcptop_vm_ret(send(fd, io->buf, len, MSG_NOSIGNAL));
}

ssize_t tcptop_vm_recv_oob(struct tcptop_vm_io *io, int fd, size_t len)
{
	struct pollfd pfd = { .fd = fd, .events = POLLPRI };
	ssize_t n;

	if (io->off)
		return tcptop_vm_ret(recv(fd, io->buf, len, 0));
	if (poll(&pfd, 1, 60000) <= 0)
		return -ETIMEDOUT;
	n = recv(fd, io->buf, 1, MSG_OOB);
	if (n > 0)
		io->off = 1;
	return tcptop_vm_ret(n);
}

/* MSG_TRUNC on TCP throws the bytes away, but they did leave the socket. */
ssize_t tcptop_vm_recv_trunc(struct tcptop_vm_io *io, int fd, size_t len)
{
	return tcptop_vm_ret(recv(fd, io->buf, len, MSG_TRUNC));
}
