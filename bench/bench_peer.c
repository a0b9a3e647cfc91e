// SPDX-License-Identifier: GPL-2.0
/* The bpftrace peer: see bench_peer.h. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_peer.h"

#define BENCH_PEER_WAIT_MS 60000

static void tcptop_bench_peer_exec(void)
{
	int null = open("/dev/null", O_RDWR);

	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
	}
	execlp("bpftrace", "bpftrace", "-e", BENCH_PEER_SCRIPT, (char *)NULL);
	_exit(127);
}

int tcptop_bench_peer_start(struct tcptop_bench_peer *p)
{
	struct tcptop_bench_prog progs[8];
	int status, n, i, waited;

	memset(p, 0, sizeof(*p));
	p->pid = fork();
	if (p->pid < 0)
		return -errno;
	if (p->pid == 0)
		tcptop_bench_peer_exec();
	for (waited = 0; waited < BENCH_PEER_WAIT_MS; waited += 50) {
		if (waitpid(p->pid, &status, WNOHANG) == p->pid) {
			p->pid = 0;
			return WIFEXITED(status) && WEXITSTATUS(status) == 127 ? -ENOENT : -EIO;
		}
		if (tcptop_bench_progs_of_pid(p->pid, "sock_", progs, 8, &n) == 0 && n >= 2) {
			for (i = 0; i < n; i++) {
				if (strncmp(progs[i].name, "sock_send", 9) == 0)
					p->send = progs[i];
				else if (strncmp(progs[i].name, "sock_recv", 9) == 0)
					p->recv = progs[i];
			}
			if (p->send.id && p->recv.id)
				return 0;
		}
		tcptop_bench_sleep_ms(50);
	}
	tcptop_bench_peer_stop(p);
	return -ETIMEDOUT;
}

void tcptop_bench_peer_stop(struct tcptop_bench_peer *p)
{
	int status, waited;

	if (p->pid <= 0)
		return;
	kill(p->pid, SIGINT);
	for (waited = 0; waited < 10000; waited += 50) {
		if (waitpid(p->pid, &status, WNOHANG) == p->pid) {
			p->pid = 0;
			return;
		}
		tcptop_bench_sleep_ms(50);
	}
	kill(p->pid, SIGKILL);
	waitpid(p->pid, &status, 0);
	p->pid = 0;
}
