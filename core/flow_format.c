// SPDX-License-Identifier: GPL-2.0
/* Address text for both front ends. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "tcptop_core.h"

int tcptop_format_addr(int family, const uint8_t addr[16], char *buf, size_t len)
{
	static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (family == AF_INET6 && memcmp(addr, v4mapped, sizeof(v4mapped)) == 0) {
		family = AF_INET;
		addr += 12;
	}
	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	if (!inet_ntop(family, addr, buf, len))
		return -errno;
	return 0;
}

int tcptop_format_endpoint(int family, const uint8_t addr[16], uint16_t port, char *buf,
			   size_t len)
{
	char a[TCPTOP_ADDR_STRLEN];
	int err, n;

	err = tcptop_format_addr(family, addr, a, sizeof(a));
	if (err)
		return err;
	n = snprintf(buf, len, "%s:%u", a, port);
	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	return 0;
}
