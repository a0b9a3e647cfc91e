/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcptop-vm-exact: drives one loopback connection per I/O path (write, sendfile,
 * splice, MSG_WAITALL, ...) with its own ground truth, and checks that the
 * tracer counted exactly those bytes for each socket.  Built statically so it
 * runs inside the initramfs of the kernel-matrix VM as well as on the host.
 */
#ifndef TCPTOP_VM_EXACT_H
#define TCPTOP_VM_EXACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* IPPROTO_MPTCP, for libcs whose headers predate it. */
#define TCPTOP_VM_IPPROTO_MPTCP 262

enum tcptop_vm_family {
	TCPTOP_VM_IPV4 = 0,
	TCPTOP_VM_IPV6,
	TCPTOP_VM_MAPPED,	/* IPv6 sockets talking to ::ffff:127.0.0.1 */
};

/* One side of a connection, as tcptop should report it, with what really moved. */
struct tcptop_vm_endpoint {
	int family;		/* AF_INET for v4-mapped too, as tcptop reports it */
	uint8_t laddr[16];
	uint8_t raddr[16];
	uint16_t lport;
	uint16_t rport;
	uint64_t tx;
	uint64_t rx;
};

/* A connected pair; the client sends, the server receives (and may answer). */
struct tcptop_vm_pair {
	int client;
	int server;
	struct tcptop_vm_endpoint ep[2];	/* [0] client, [1] server */
};

/* Transfer size and knobs shared by every path. */
struct tcptop_vm_xfer {
	size_t bytes;
	size_t chunk;
};

/*
 * One way of moving bytes.  send returns bytes the socket accepted (>= 0) or
 * -errno; recv returns bytes it took out of the socket, 0 at EOF, or -errno.
 * Each is called repeatedly until the transfer is done.
 */
struct tcptop_vm_io;
typedef ssize_t (*tcptop_vm_send_fn)(struct tcptop_vm_io *io, int fd, size_t len);
typedef ssize_t (*tcptop_vm_recv_fn)(struct tcptop_vm_io *io, int fd, size_t len);

struct tcptop_vm_io {
	char *buf;		/* chunk-sized scratch for the method */
	size_t chunk;
	int aux[2];		/* method state: a pipe, a memfd... */
	off_t off;
	void *ring;		/* io_uring state */
};

struct tcptop_vm_path {
	const char *name;
	enum tcptop_vm_family family;
	int protocol;		/* 0 for TCP, or TCPTOP_VM_IPPROTO_MPTCP */
	tcptop_vm_send_fn send;
	tcptop_vm_recv_fn recv;
	int (*setup)(struct tcptop_vm_io *io, const struct tcptop_vm_xfer *x, bool sender);
	void (*teardown)(struct tcptop_vm_io *io);
	int (*prepare)(struct tcptop_vm_pair *p);	/* extra socket options; may be NULL */
	bool echo;		/* the server sends everything back */
	bool nonblock;		/* both sockets O_NONBLOCK; methods poll on EAGAIN */
	size_t bytes;		/* 0: the run's default */
	size_t chunk;		/* 0: the run's default */
	/*
	 * Paths beyond what tcptop promises to count (MPTCP...): reported, but a
	 * mismatch is not a failure (XFAIL) unless --strict.
	 */
	bool explore;
};

/* vm_socket.c */
int tcptop_vm_pair_open(struct tcptop_vm_pair *p, enum tcptop_vm_family family, int protocol);
void tcptop_vm_pair_close(struct tcptop_vm_pair *p);
int tcptop_vm_set_nonblock(int fd);
const char *tcptop_vm_family_name(enum tcptop_vm_family family);

/* vm_io.c: run one path over an open pair, filling ep[].tx/rx with the truth. */
int tcptop_vm_transfer(const struct tcptop_vm_path *path, struct tcptop_vm_pair *p,
		       const struct tcptop_vm_xfer *x, void (*tick)(void *ctx), void *tick_ctx);

/* vm_paths.c */
extern const struct tcptop_vm_path tcptop_vm_paths[];
extern const size_t tcptop_vm_npaths;

#endif
