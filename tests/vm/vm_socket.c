// SPDX-License-Identifier: GPL-2.0
/* Connected loopback pairs, and the endpoints tcptop should report for them. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vm_exact.h"

const char *tcptop_vm_family_name(enum tcptop_vm_family family)
{
	switch (family) {
	case TCPTOP_VM_IPV4:
		return "ipv4";
	case TCPTOP_VM_IPV6:
		return "ipv6";
	case TCPTOP_VM_MAPPED:
		return "mapped";
	}
	return "?";
}

int tcptop_vm_set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

/* tcptop reports a v4-mapped address as plain IPv4; so does the ground truth. */
static void tcptop_vm_addr(const struct sockaddr_storage *ss, int *family, uint8_t addr[16],
			   uint16_t *port)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	memset(addr, 0, 16);
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)ss;

		*family = AF_INET;
		memcpy(addr, &in->sin_addr, 4);
		*port = ntohs(in->sin_port);
		return;
	}
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;

	*port = ntohs(in6->sin6_port);
	if (memcmp(&in6->sin6_addr, mapped, sizeof(mapped)) == 0) {
		*family = AF_INET;
		memcpy(addr, (const uint8_t *)&in6->sin6_addr + 12, 4);
	} else {
		*family = AF_INET6;
		memcpy(addr, &in6->sin6_addr, 16);
	}
}

static int tcptop_vm_endpoint_fill(int fd, struct tcptop_vm_endpoint *ep)
{
	struct sockaddr_storage l, r;
	socklen_t ll = sizeof(l), rl = sizeof(r);
	int rfam;

	if (getsockname(fd, (struct sockaddr *)&l, &ll) || getpeername(fd, (struct sockaddr *)&r, &rl))
		return -errno;
	memset(ep, 0, sizeof(*ep));
	tcptop_vm_addr(&l, &ep->family, ep->laddr, &ep->lport);
	tcptop_vm_addr(&r, &rfam, ep->raddr, &ep->rport);
	return 0;
}

static socklen_t tcptop_vm_sockaddr(enum tcptop_vm_family family, struct sockaddr_storage *ss,
				    bool any)
{
	memset(ss, 0, sizeof(*ss));
	if (family == TCPTOP_VM_IPV4) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;

		in->sin_family = AF_INET;
		in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return sizeof(*in);
	}
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	in6->sin6_family = AF_INET6;
	if (family == TCPTOP_VM_IPV6)
		in6->sin6_addr = in6addr_loopback;
	else if (!any)
		inet_pton(AF_INET6, "::ffff:127.0.0.1", &in6->sin6_addr);
	/* A mapped listener binds [::] with V6ONLY off, so it takes IPv4 peers. */
	return sizeof(*in6);
}

int tcptop_vm_pair_open(struct tcptop_vm_pair *p, enum tcptop_vm_family family, int protocol)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int af = family == TCPTOP_VM_IPV4 ? AF_INET : AF_INET6;
	int lfd, off = 0, one = 1, err = 0;
	uint16_t port;

	p->client = p->server = -1;
	lfd = socket(af, SOCK_STREAM | SOCK_CLOEXEC, protocol);
	if (lfd < 0)
		return -errno;
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (family == TCPTOP_VM_MAPPED)
		setsockopt(lfd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
	len = tcptop_vm_sockaddr(family, &ss, family == TCPTOP_VM_MAPPED);
	if (bind(lfd, (struct sockaddr *)&ss, len) || listen(lfd, 4))
		goto cleanup;
	len = sizeof(ss);
	if (getsockname(lfd, (struct sockaddr *)&ss, &len))
		goto cleanup;
	/* sin_port and sin6_port sit at the same offset. */
	port = ((struct sockaddr_in *)&ss)->sin_port;
	len = tcptop_vm_sockaddr(family, &ss, false);
	((struct sockaddr_in *)&ss)->sin_port = port;
	p->client = socket(af, SOCK_STREAM | SOCK_CLOEXEC, protocol);
	if (p->client < 0 || connect(p->client, (struct sockaddr *)&ss, len))
		goto cleanup;
	p->server = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (p->server < 0)
		goto cleanup;
	err = tcptop_vm_endpoint_fill(p->client, &p->ep[0]);
	if (!err)
		err = tcptop_vm_endpoint_fill(p->server, &p->ep[1]);
	if (err)
		errno = -err;

cleanup:
	if (p->server < 0 || err)
		err = -errno;
	close(lfd);
	if (err)
		tcptop_vm_pair_close(p);
	return err;
}

void tcptop_vm_pair_close(struct tcptop_vm_pair *p)
{
	if (p->client >= 0)
		close(p->client);
	if (p->server >= 0)
		close(p->server);
	p->client = p->server = -1;
}
