// SPDX-License-Identifier: GPL-2.0
/* The tcptop CLI under test: see bench_cli.h. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_cli.h"
#include "bench_util.h"

#define BENCH_CLI_WAIT_MS 30000
/* Links stop appearing once attach is done; this long without a new one means done. */
#define BENCH_CLI_SETTLE_MS 300

int tcptop_bench_cli_start(const char *cli, bool text, struct tcptop_bench_cli *c)
{
	int fd, links, last = -1, stable = 0, waited, status, err;

	memset(c, 0, sizeof(*c));
	snprintf(c->out_path, sizeof(c->out_path), "/tmp/tcptop-bench-cli.XXXXXX");
	fd = mkstemp(c->out_path);
	if (fd < 0)
		return -errno;
	c->pid = fork();
	if (c->pid == 0) {
		dup2(fd, STDOUT_FILENO);
		if (text)
			execl(cli, cli, "-C", "-S", "1", (char *)NULL);
		else
			execl(cli, cli, "-j", "1", (char *)NULL);
		_exit(127);
	}
	err = c->pid < 0 ? -errno : 0;
	close(fd);
	if (err) {
		c->pid = 0;
		return err;
	}
	for (waited = 0; waited < BENCH_CLI_WAIT_MS; waited += 20) {
		if (waitpid(c->pid, &status, WNOHANG) == c->pid) {
			c->pid = 0;
			return -ECHILD;
		}
		links = tcptop_bench_count_anon_fds(c->pid, "bpf_link");
		stable = links >= 2 && links == last ? stable + 20 : 0;
		last = links;
		if (stable >= BENCH_CLI_SETTLE_MS) {
			c->t0_ns = tcptop_bench_now_ns();
			c->cpu0_s = tcptop_bench_proc_cpu_s(c->pid);
			return 0;
		}
		tcptop_bench_sleep_ms(20);
	}
	kill(c->pid, SIGKILL);
	waitpid(c->pid, &status, 0);
	c->pid = 0;
	return -ETIMEDOUT;
}

/* The number after key, searched from p up to end; 0 when absent. */
static uint64_t tcptop_bench_json_u64(const char *p, const char *end, const char *key)
{
	const char *k = strstr(p, key);

	if (!k || (end && k > end))
		return 0;
	return strtoull(k + strlen(key), NULL, 10);
}

int tcptop_bench_cli_stop(struct tcptop_bench_cli *c)
{
	const char *p;
	int status, err;

	if (c->pid <= 0)
		return -ECHILD;
	/* Start-up (loading BPF) is not the steady cost; measure from attached to now. */
	c->cpu_s = tcptop_bench_proc_cpu_s(c->pid) - c->cpu0_s;
	c->wall_s = (double)(tcptop_bench_now_ns() - c->t0_ns) / 1e9;
	kill(c->pid, SIGINT);
	while (waitpid(c->pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	c->pid = 0;
	err = tcptop_bench_read_file(c->out_path, &c->out);
	if (err)
		return err;
	for (p = c->out; (p = strstr(p, "\"drops\":{\"events\":")); p++)
		c->drops += strtoull(p + 18, NULL, 10);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

void tcptop_bench_cli_sum(const struct tcptop_bench_cli *c, uint32_t pid, uint16_t lport,
			  uint16_t rport, uint64_t *tx, uint64_t *rx)
{
	const char *p = c->out, *next;

	*tx = *rx = 0;
	while (p && (p = strstr(p, "{\"pid\":"))) {
		next = strstr(p + 1, "{\"pid\":");
		if (tcptop_bench_json_u64(p, next, "{\"pid\":") == pid &&
		    tcptop_bench_json_u64(p, next, ",\"lport\":") == lport &&
		    (!rport || tcptop_bench_json_u64(p, next, ",\"rport\":") == rport)) {
			*rx += tcptop_bench_json_u64(p, next, ",\"rx_bytes\":");
			*tx += tcptop_bench_json_u64(p, next, ",\"tx_bytes\":");
		}
		p = next;
	}
}

void tcptop_bench_cli_free(struct tcptop_bench_cli *c)
{
	int status;

	if (c->pid > 0) {
		kill(c->pid, SIGKILL);
		waitpid(c->pid, &status, 0);
		c->pid = 0;
	}
	if (c->out_path[0])
		unlink(c->out_path);
	c->out_path[0] = '\0';
	free(c->out);
	c->out = NULL;
}
