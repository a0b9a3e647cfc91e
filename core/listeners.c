// SPDX-License-Identifier: GPL-2.0
/*
 * The TCP sockets listening in the caller's network namespace, from the
 * kernel's socket diagnostics (NETLINK_SOCK_DIAG, inet_diag, one dump per
 * family with states = 1 << TCP_LISTEN).  A front end uses it to tell the
 * server side of a connection (its local port listens) from the client side.
 *
 * The set is kept sorted by port, with a bitmap of the ports in use, so a
 * lookup of a port nobody listens on (every client flow) costs one bit test.
 */
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tcptop_core.h"

struct tcptop_listener {
	uint16_t port;
	uint8_t family;		/* AF_INET (v4-mapped IPv6 too) or AF_INET6 */
	uint8_t wildcard;	/* bound to 0.0.0.0 or :: */
	uint8_t addr[16];	/* 4 bytes used for AF_INET */
};

struct tcptop_listeners {
	struct tcptop_listener *v;
	size_t count;
	size_t cap;
	bool sorted;
	uint64_t ports[65536 / 64];	/* bit per port that has a listener */
	int fd;			/* netlink socket, opened in the creator's namespace */
	uint32_t seq;
};

int tcptop_listeners_new(struct tcptop_listeners **out)
{
	struct tcptop_listeners *l = calloc(1, sizeof(*l));

	if (!l)
		return -ENOMEM;
	l->fd = -1;
	l->sorted = true;
	*out = l;
	return 0;
}

void tcptop_listeners_free(struct tcptop_listeners *l)
{
	if (!l)
		return;
	if (l->fd >= 0)
		close(l->fd);
	free(l->v);
	free(l);
}

void tcptop_listeners_clear(struct tcptop_listeners *l)
{
	l->count = 0;
	l->sorted = true;
	memset(l->ports, 0, sizeof(l->ports));
}

size_t tcptop_listeners_count(const struct tcptop_listeners *l)
{
	return l->count;
}

static const uint8_t tcptop_v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

/* family/addr as flows have them: v4-mapped IPv6 becomes IPv4. */
static void tcptop_listener_key(int family, const uint8_t addr[16], struct tcptop_listener *k)
{
	static const uint8_t zero[16];

	memset(k->addr, 0, sizeof(k->addr));
	if (family == AF_INET6 && memcmp(addr, tcptop_v4mapped, sizeof(tcptop_v4mapped)) == 0) {
		k->family = AF_INET;
		memcpy(k->addr, addr + 12, 4);
	} else if (family == AF_INET) {
		k->family = AF_INET;
		memcpy(k->addr, addr, 4);
	} else {
		k->family = AF_INET6;
		memcpy(k->addr, addr, 16);
	}
	k->wildcard = memcmp(k->addr, zero, sizeof(zero)) == 0;
}

int tcptop_listeners_add(struct tcptop_listeners *l, int family, const uint8_t addr[16],
			 uint16_t port)
{
	struct tcptop_listener *k;

	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	if (l->count == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct tcptop_listener *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	k = &l->v[l->count];
	tcptop_listener_key(family, addr, k);
	k->port = port;
	if (l->count && l->v[l->count - 1].port > port)
		l->sorted = false;
	l->count++;
	l->ports[port / 64] |= 1ull << (port % 64);
	return 0;
}

static int tcptop_listener_cmp(const void *a, const void *b)
{
	const struct tcptop_listener *x = a, *y = b;

	return (int)x->port - (int)y->port;
}

static void tcptop_listeners_sort(struct tcptop_listeners *l)
{
	if (!l->sorted)
		qsort(l->v, l->count, sizeof(*l->v), tcptop_listener_cmp);
	l->sorted = true;
}

bool tcptop_listeners_match(struct tcptop_listeners *l, int family, const uint8_t addr[16],
			    uint16_t port)
{
	struct tcptop_listener k;
	size_t lo = 0, hi, i;

	if (!(l->ports[port / 64] & (1ull << (port % 64))))
		return false;
	tcptop_listeners_sort(l);
	hi = l->count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (l->v[mid].port < port)
			lo = mid + 1;
		else
			hi = mid;
	}
	tcptop_listener_key(family, addr, &k);
	for (i = lo; i < l->count && l->v[i].port == port; i++) {
		const struct tcptop_listener *x = &l->v[i];

		/*
		 * A wildcard listener takes its own family; an IPv6 one takes
		 * IPv4 too (dual stack; a v6only one has no IPv4 flows to match).
		 */
		if (x->wildcard && (x->family == k.family || x->family == AF_INET6))
			return true;
		if (x->family == k.family &&
		    memcmp(x->addr, k.addr, k.family == AF_INET ? 4 : 16) == 0)
			return true;
	}
	return false;
}

static int tcptop_listeners_open(struct tcptop_listeners *l)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

	if (l->fd >= 0)
		return 0;
	l->fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (l->fd < 0)
		return -errno;
	if (bind(l->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = -errno;

		close(l->fd);
		l->fd = -1;
		return err;
	}
	return 0;
}

/* One dump of one family's listening TCP sockets, appended to l. */
static int tcptop_listeners_dump(struct tcptop_listeners *l, int family)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 req;
	} msg;
	struct sockaddr_nl to = { .nl_family = AF_NETLINK };
	/* Aligned for nlmsghdr; 32 KiB holds a few hundred sockets per recv. */
	static __thread long buf[32768 / sizeof(long)];
	uint32_t seq = ++l->seq;

	memset(&msg, 0, sizeof(msg));
	msg.nlh.nlmsg_len = sizeof(msg);
	msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	msg.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	msg.nlh.nlmsg_seq = seq;
	msg.req.sdiag_family = (uint8_t)family;
	msg.req.sdiag_protocol = IPPROTO_TCP;
	msg.req.idiag_states = 1u << TCP_LISTEN;
	if (sendto(l->fd, &msg, sizeof(msg), 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		return -errno;
	for (;;) {
		ssize_t n = recv(l->fd, buf, sizeof(buf), 0);
		struct nlmsghdr *h;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			const struct inet_diag_msg *d;
			int err;

			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
					return -EIO;
				return e->error ? e->error : -EIO;
			}
			if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
			    h->nlmsg_len < NLMSG_LENGTH(sizeof(*d)))
				continue;
			d = NLMSG_DATA(h);
			if (d->idiag_state != TCP_LISTEN)
				continue;
			err = tcptop_listeners_add(l, d->idiag_family,
						   (const uint8_t *)d->id.idiag_src,
						   ntohs(d->id.idiag_sport));
			if (err)
				return err;
		}
	}
}

int tcptop_listeners_refresh(struct tcptop_listeners *l)
{
	struct tcptop_listener *saved;
	size_t saved_count = l->count;
	int err = tcptop_listeners_open(l);

	if (err)
		return err;
	/* Keep the old set until the new one is complete. */
	saved = l->count ? malloc(l->count * sizeof(*saved)) : NULL;
	if (l->count && !saved)
		return -ENOMEM;
	if (saved)
		memcpy(saved, l->v, l->count * sizeof(*saved));
	tcptop_listeners_clear(l);
	err = tcptop_listeners_dump(l, AF_INET);
	if (!err)
		err = tcptop_listeners_dump(l, AF_INET6);
	if (err) {
		/* A dump cut short may leave messages behind: start afresh next time. */
		close(l->fd);
		l->fd = -1;
		tcptop_listeners_clear(l);
		for (size_t i = 0; i < saved_count; i++) {
			const struct tcptop_listener *x = &saved[i];
			uint8_t a[16] = { 0 };

			memcpy(a, x->addr, 16);
			tcptop_listeners_add(l, x->family, a, x->port);
		}
	}
	free(saved);
	return err;
}
