// SPDX-License-Identifier: GPL-2.0
/* Hand-made loopback connections and their ground truth (see live_sockets.h). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "live_sockets.h"

static socklen_t live_loopback(enum traffic_family f, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (f == TRAFFIC_IPV4) {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return sizeof(*a);
	}
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

	a6->sin6_family = AF_INET6;
	if (f == TRAFFIC_IPV6)
		a6->sin6_addr = in6addr_loopback;
	else
		inet_pton(AF_INET6, "::ffff:127.0.0.1", &a6->sin6_addr);
	return sizeof(*a6);
}

int live_listen(enum traffic_family f)
{
	struct sockaddr_storage ss;
	socklen_t len = live_loopback(f, &ss);
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0), err;

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&ss, len) || listen(fd, 4096)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

int live_connect(enum traffic_family f, int lfd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd, err;

	if (getsockname(lfd, (struct sockaddr *)&ss, &len))
		return -errno;
	(void)f;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&ss, len)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

int live_accept(int lfd)
{
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int live_pair(enum traffic_family f, int lfd, int *client, int *server)
{
	*client = live_connect(f, lfd);
	if (*client < 0)
		return *client;
	*server = live_accept(lfd);
	if (*server < 0) {
		close(*client);
		return *server;
	}
	return 0;
}

int live_write_n(int fd, size_t n)
{
	static char buf[1 << 20];
	size_t done = 0;

	while (done < n) {
		ssize_t k = write(fd, buf, n - done);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return k < 0 ? -errno : -EPIPE;
		done += (size_t)k;
	}
	return 0;
}

int live_read_n(int fd, size_t n)
{
	static __thread char buf[1 << 16];
	size_t done = 0;

	while (done < n) {
		size_t want = n - done < sizeof(buf) ? n - done : sizeof(buf);
		ssize_t k = read(fd, buf, want);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return k < 0 ? -errno : -ECONNRESET;
		done += (size_t)k;
	}
	return 0;
}

/* Addresses as tcptop reports them: IPv4-mapped IPv6 as plain IPv4. */
static void live_addr(const struct sockaddr_storage *ss, int *family, uint8_t *addr,
		      uint16_t *port)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)ss;

		*family = AF_INET;
		memcpy(addr, &a->sin_addr, 4);
		*port = ntohs(a->sin_port);
		return;
	}
	const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)ss;

	*port = ntohs(a6->sin6_port);
	if (memcmp(&a6->sin6_addr, mapped, sizeof(mapped)) == 0) {
		*family = AF_INET;
		memcpy(addr, (const uint8_t *)&a6->sin6_addr + 12, 4);
	} else {
		*family = AF_INET6;
		memcpy(addr, &a6->sin6_addr, 16);
	}
}

int live_endpoint(int fd, pid_t pid, const char *comm, uint64_t tx, uint64_t rx,
		  struct traffic_endpoint *out)
{
	struct sockaddr_storage l, r;
	socklen_t ll = sizeof(l), rl = sizeof(r);
	int family;

	if (getsockname(fd, (struct sockaddr *)&l, &ll) || getpeername(fd, (struct sockaddr *)&r, &rl))
		return -errno;
	memset(out, 0, sizeof(*out));
	out->pid = pid;
	strncpy(out->comm, comm, sizeof(out->comm) - 1);
	live_addr(&l, &out->family, out->laddr, &out->lport);
	live_addr(&r, &family, out->raddr, &out->rport);
	out->tx = tx;
	out->rx = rx;
	return 0;
}

static bool live_same_endpoint(const struct traffic_endpoint *a, const struct traffic_endpoint *b)
{
	size_t alen = a->family == AF_INET ? 4 : 16;

	return a->pid == b->pid && a->family == b->family && a->lport == b->lport &&
	       a->rport == b->rport && memcmp(a->laddr, b->laddr, alen) == 0 &&
	       memcmp(a->raddr, b->raddr, alen) == 0;
}

int live_result_add(struct traffic_result *r, const struct traffic_endpoint *e)
{
	size_t i;

	/*
	 * Loopback reuses a closed connection's ports at once (tcp_tw_reuse), so
	 * thousands of connections can repeat an address pair; the checker adds
	 * up what was reported per pair, and so does the truth.
	 */
	for (i = 0; i < r->count; i++) {
		if (live_same_endpoint(&r->ep[i], e)) {
			r->ep[i].tx += e->tx;
			r->ep[i].rx += e->rx;
			return 0;
		}
	}
	if (r->count == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		struct traffic_endpoint *p = realloc(r->ep, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		r->ep = p;
		r->cap = cap;
	}
	r->ep[r->count++] = *e;
	return 0;
}
