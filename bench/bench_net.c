// SPDX-License-Identifier: GPL-2.0
/* Loopback traffic with known byte counts: see bench_net.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_net.h"
#include "bench_util.h"

int tcptop_bench_listen(const char *addr, uint16_t *port, int backlog)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(*port) };
	socklen_t len = sizeof(sin);
	int one = 1, fd, err;

	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1)
		return -EINVAL;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) || listen(fd, backlog) ||
	    getsockname(fd, (struct sockaddr *)&sin, &len)) {
		err = -errno;
		goto cleanup;
	}
	*port = ntohs(sin.sin_port);
	return fd;

cleanup:
	close(fd);
	return err;
}

int tcptop_bench_connect(const char *src, const char *dst, uint16_t port)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct sockaddr_in from = { .sin_family = AF_INET };
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	int one = 1, fd, err;

	if (inet_pton(AF_INET, dst, &to.sin_addr) != 1 ||
	    (src && inet_pton(AF_INET, src, &from.sin_addr) != 1))
		return -EINVAL;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	/* Reset on close: thousands of TIME_WAIT sockets would only slow the next run. */
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	if (src) {
		/* Let connect() pick the port per destination, not bind() per address. */
		setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&from, sizeof(from))) {
			err = -errno;
			goto cleanup;
		}
	}
	if (connect(fd, (struct sockaddr *)&to, sizeof(to))) {
		err = -errno;
		goto cleanup;
	}
	return fd;

cleanup:
	close(fd);
	return err;
}

uint16_t tcptop_bench_local_port(int fd)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	if (getsockname(fd, (struct sockaddr *)&sin, &len))
		return 0;
	return ntohs(sin.sin_port);
}

int tcptop_bench_xfer1(int fd, bool rx)
{
	char c = 'x';
	ssize_t n;

	do
		n = rx ? read(fd, &c, 1) : write(fd, &c, 1);
	while (n < 0 && errno == EINTR);
	return n == 1 ? 0 : (n < 0 ? -errno : -EPIPE);
}

static void tcptop_bench_echo_server(int lfd)
{
	int fd = accept(lfd, NULL, NULL), one = 1;
	char c;

	close(lfd);
	if (fd < 0)
		_exit(1);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	while (read(fd, &c, 1) == 1)
		if (write(fd, &c, 1) != 1)
			_exit(1);
	_exit(0);
}

int tcptop_bench_pingpong_run(long msgs, struct tcptop_bench_pingpong *r)
{
	uint16_t port = 0;
	int64_t server_cpu0;
	uint64_t t0, cpu0;
	int lfd, fd = -1, err = 0, status;
	long i;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	lfd = tcptop_bench_listen("127.0.0.1", &port, 8);
	if (lfd < 0)
		return lfd;
	pid = fork();
	if (pid < 0) {
		err = -errno;
		close(lfd);
		return err;
	}
	if (pid == 0)
		tcptop_bench_echo_server(lfd);
	fd = tcptop_bench_connect(NULL, "127.0.0.1", port);
	close(lfd);
	if (fd < 0) {
		err = fd;
		kill(pid, SIGKILL);
		goto cleanup;
	}
	r->msgs = msgs;
	r->client_pid = getpid();
	r->server_pid = pid;
	r->client_port = tcptop_bench_local_port(fd);
	r->server_port = port;
	server_cpu0 = tcptop_bench_task_cpu_ns(pid);
	cpu0 = tcptop_bench_cpu_now_ns();
	t0 = tcptop_bench_now_ns();
	for (i = 0; i < msgs && !err; i++) {
		err = tcptop_bench_xfer1(fd, false);
		if (!err)
			err = tcptop_bench_xfer1(fd, true);
	}
	r->elapsed_ns = tcptop_bench_now_ns() - t0;
	/* The server is still blocked in read(): its count is complete. */
	r->cpu_ns = tcptop_bench_cpu_now_ns() - cpu0 +
		    (uint64_t)(tcptop_bench_task_cpu_ns(pid) - server_cpu0);
	close(fd);

cleanup:
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!err && (!WIFEXITED(status) || WEXITSTATUS(status) != 0))
		err = -EPIPE;
	return err;
}
