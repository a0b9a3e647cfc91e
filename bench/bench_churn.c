// SPDX-License-Identifier: GPL-2.0
/* Background connection churn: see bench_churn.h. */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_churn.h"
#include "bench_net.h"

static volatile sig_atomic_t tcptop_bench_churn_done;

static void tcptop_bench_churn_on_term(int sig)
{
	(void)sig;
	tcptop_bench_churn_done = 1;
}

/* The exit status carries the count, in thousands, capped: enough to report a rate. */
static void tcptop_bench_churn_main(void)
{
	struct sigaction sa = { .sa_handler = tcptop_bench_churn_on_term };
	uint16_t port = 0;
	long made = 0;
	int lfd, c, s;

	sigaction(SIGTERM, &sa, NULL);
	lfd = tcptop_bench_listen("127.0.0.1", &port, 16);
	if (lfd < 0)
		_exit(255);
	while (!tcptop_bench_churn_done) {
		c = tcptop_bench_connect(NULL, "127.0.0.1", port);
		if (c < 0)
			continue;
		s = accept(lfd, NULL, NULL);
		/* One byte, so the socket gets a flow entry that its close then removes. */
		if (s >= 0 && tcptop_bench_xfer1(c, false) == 0 && tcptop_bench_xfer1(s, true) == 0)
			made++;
		if (s >= 0)
			close(s);
		close(c);
	}
	_exit(made / 1000 > 254 ? 254 : (int)(made / 1000));
}

int tcptop_bench_churn_start(pid_t *pid)
{
	*pid = fork();
	if (*pid < 0)
		return -errno;
	if (*pid == 0)
		tcptop_bench_churn_main();
	return 0;
}

long tcptop_bench_churn_stop(pid_t pid)
{
	int status;

	if (pid <= 0)
		return -ECHILD;
	kill(pid, SIGTERM);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (!WIFEXITED(status) || WEXITSTATUS(status) == 255)
		return -EIO;
	return (long)WEXITSTATUS(status) * 1000;
}
