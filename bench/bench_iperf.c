// SPDX-License-Identifier: GPL-2.0
/* iperf3 for the bulk workload: see bench_iperf.h. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_iperf.h"
#include "bench_net.h"
#include "bench_util.h"

#define BENCH_IPERF_WAIT_MS 10000

/* Is something listening on 127.0.0.1:port?  (Connecting would start an iperf3 test.) */
static bool tcptop_bench_listening(uint16_t port)
{
	char line[256], want[32];
	bool found = false;
	FILE *f = fopen("/proc/net/tcp", "r");

	if (!f)
		return false;
	/* local_address is hex "0100007F:PORT"; state 0A is LISTEN. */
	snprintf(want, sizeof(want), "0100007F:%04X 00000000:0000 0A", port);
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, want) != NULL;
	fclose(f);
	return found;
}

static pid_t tcptop_bench_spawn(char *const argv[], const char *out_path)
{
	pid_t pid = fork();

	if (pid == 0) {
		int fd =
			open(out_path ? out_path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int null = open("/dev/null", O_RDWR);

		if (fd >= 0)
			dup2(fd, STDOUT_FILENO);
		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			dup2(null, STDERR_FILENO);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	return pid;
}

int tcptop_bench_iperf_server_start(struct tcptop_bench_iperf_server *s)
{
	char port[16];
	char *argv[] = { "iperf3", "-s", "-B", "127.0.0.1", "-p", port, NULL };
	int lfd, status, waited;

	memset(s, 0, sizeof(*s));
	/* A port nobody uses right now: the kernel's pick for a throwaway listener. */
	lfd = tcptop_bench_listen("127.0.0.1", &s->port, 1);
	if (lfd < 0)
		return lfd;
	close(lfd);
	snprintf(port, sizeof(port), "%u", s->port);
	s->pid = tcptop_bench_spawn(argv, NULL);
	if (s->pid < 0)
		return -errno;
	for (waited = 0; waited < BENCH_IPERF_WAIT_MS; waited += 20) {
		if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
			s->pid = 0;
			return WIFEXITED(status) && WEXITSTATUS(status) == 127 ? -ENOENT : -EIO;
		}
		if (tcptop_bench_listening(s->port))
			return 0;
		tcptop_bench_sleep_ms(20);
	}
	tcptop_bench_iperf_server_stop(s);
	return -ETIMEDOUT;
}

void tcptop_bench_iperf_server_stop(struct tcptop_bench_iperf_server *s)
{
	int status;

	if (s->pid <= 0)
		return;
	kill(s->pid, SIGTERM);
	waitpid(s->pid, &status, 0);
	s->pid = 0;
}

/* The number after key, searched from the first occurrence of section (NULL: anywhere). */
static int tcptop_bench_json_num(const char *doc, const char *section, const char *key, double *out)
{
	const char *p = section ? strstr(doc, section) : doc;

	if (!p || !(p = strstr(p, key)))
		return -ENOENT;
	*out = strtod(p + strlen(key), NULL);
	return 0;
}

static int tcptop_bench_iperf_parse(const char *path, struct tcptop_bench_iperf_run *r)
{
	double port, sent, recvd, bps;
	char *doc;
	int err = tcptop_bench_read_file(path, &doc);

	if (err)
		return err;
	err = tcptop_bench_json_num(doc, "\"connected\":", "\"local_port\":", &port);
	if (!err)
		err = tcptop_bench_json_num(doc, "\"sum_sent\":", "\"bytes\":", &sent);
	if (!err)
		err = tcptop_bench_json_num(doc, "\"sum_received\":", "\"bytes\":", &recvd);
	if (!err)
		err = tcptop_bench_json_num(doc, "\"sum_received\":", "\"bits_per_second\":", &bps);
	if (!err) {
		r->client_port = (uint16_t)port;
		r->sent_bytes = (uint64_t)sent;
		r->received_bytes = (uint64_t)recvd;
		r->received_bps = bps;
	}
	free(doc);
	return err ? -EPROTO : 0;
}

int tcptop_bench_iperf_client(const struct tcptop_bench_iperf_server *s, int secs,
			      struct tcptop_bench_iperf_run *r)
{
	char port[16], time[32], out[] = "/tmp/tcptop-bench-iperf.XXXXXX";
	char *argv[] = { "iperf3", "-c", "127.0.0.1", "-p", port, "-t", time, "-J", NULL };
	int64_t server_cpu0 = tcptop_bench_task_cpu_ns(s->pid);
	struct rusage ru;
	int fd, status, err;

	memset(r, 0, sizeof(*r));
	fd = mkstemp(out);
	if (fd < 0)
		return -errno;
	close(fd);
	snprintf(port, sizeof(port), "%u", s->port);
	snprintf(time, sizeof(time), "%d", secs);
	r->client_pid = tcptop_bench_spawn(argv, out);
	if (r->client_pid < 0) {
		err = -errno;
		goto cleanup;
	}
	while (wait4(r->client_pid, &status, 0, &ru) < 0 && errno == EINTR)
		;
	/* The server is back to waiting for the next test, so its count is complete. */
	r->cpu_ns = (uint64_t)(tcptop_bench_task_cpu_ns(s->pid) - server_cpu0) +
		    (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ull +
		    (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ull;
	err = WIFEXITED(status) && WEXITSTATUS(status) == 0 ? tcptop_bench_iperf_parse(out, r)
							    : -EIO;

cleanup:
	unlink(out);
	return err;
}
