// SPDX-License-Identifier: GPL-2.0
/*
 * Memory over a burst and after it.  The collectd plugin (tcptop.so, with
 * the daemon stubbed) reads once at rest; then a child opens N loopback
 * connections, moves a byte each way on each and resets it (no TIME_WAIT),
 * all within one read interval; then the plugin reads again (the burst: N
 * ended flows pass through the closed-socket list, the core's table and the
 * plugin's units), and again a few times at rest.  RSS is this process's,
 * which holds the tracer, the table and the plugin, as collectd would.
 * Every byte of the burst must be reported (N bytes each way).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_net.h"
#include "bench_plugin.h"
#include "bench_util.h"

#define BENCH_BURST_IDLE_READS 4

/* RSS of this process's mappings of BPF maps (the drain buffer, the ring), in KiB. */
static long tcptop_bench_bpf_rss_kb(void)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	bool bpf = false;
	long kb, sum = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strchr(line, '-') && strchr(line, ' ') && line[0] != ' ' &&
		    ((line[0] >= '0' && line[0] <= '9') || (line[0] >= 'a' && line[0] <= 'f')))
			bpf = strstr(line, "bpf") != NULL;
		else if (bpf && sscanf(line, "Rss: %ld kB", &kb) == 1)
			sum += kb;
	}
	fclose(f);
	return sum;
}

static int tcptop_bench_burst_child(long conns)
{
	struct linger rst = { .l_onoff = 1, .l_linger = 0 };
	uint16_t port = 0;
	int lfd = tcptop_bench_listen("127.0.0.1", &port, 4096), i;
	char b = 1;

	if (lfd < 0)
		return 1;
	for (i = 0; i < conns; i++) {
		int c = tcptop_bench_connect(NULL, "127.0.0.1", port), s;

		if (c < 0)
			return 2;
		s = accept(lfd, NULL, NULL);
		if (s < 0 || write(c, &b, 1) != 1 || read(s, &b, 1) != 1 || write(s, &b, 1) != 1 ||
		    read(c, &b, 1) != 1)
			return 3;
		/* A reset, so a million connections leave no TIME_WAIT behind. */
		setsockopt(c, SOL_SOCKET, SO_LINGER, &rst, sizeof(rst));
		close(c);
		close(s);
	}
	close(lfd);
	return 0;
}

int main(int argc, char **argv)
{
	struct tcptop_bench_plugin_tally tally;
	const char *plugin = NULL;
	long conns = 200000, rss[3 + BENCH_BURST_IDLE_READS], bpf[3 + BENCH_BURST_IDLE_READS];
	int opt, i, status;
	uint32_t pid;
	pid_t kid;

	while ((opt = getopt(argc, argv, "p:n:")) != -1) {
		if (opt == 'p')
			plugin = optarg;
		else if (opt == 'n')
			conns = atol(optarg);
		else
			goto usage;
	}
	if (!plugin || conns <= 0)
		goto usage;
	if (tcptop_bench_plugin_load(plugin, 1000000)) {
		fprintf(stderr, "tcptop-bench-burst: cannot load %s\n", plugin);
		return tcptop_bench_exit_no_bpf();
	}
	rss[0] = tcptop_bench_rss_kb(0);
	bpf[0] = tcptop_bench_bpf_rss_kb();
	pid = 0;
	tcptop_bench_plugin_read(&pid, 0, &tally);
	rss[1] = tcptop_bench_rss_kb(0);
	bpf[1] = tcptop_bench_bpf_rss_kb();
	kid = fork();
	if (kid == 0)
		_exit(tcptop_bench_burst_child(conns));
	if (kid < 0 || waitpid(kid, &status, 0) != kid || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		fprintf(stderr, "tcptop-bench-burst: the burst failed\n");
		return 1;
	}
	pid = (uint32_t)kid;
	memset(&tally, 0, sizeof(tally));
	tcptop_bench_plugin_read(&pid, 1, &tally);
	rss[2] = tcptop_bench_rss_kb(0);
	bpf[2] = tcptop_bench_bpf_rss_kb();
	for (i = 0; i < BENCH_BURST_IDLE_READS; i++) {
		struct tcptop_bench_plugin_tally idle;

		tcptop_bench_plugin_read(&pid, 1, &idle);
		rss[3 + i] = tcptop_bench_rss_kb(0);
		bpf[3 + i] = tcptop_bench_bpf_rss_kb();
	}
	printf("## Memory over a burst of %ld connections\n\n", conns);
	printf("| moment | RSS MiB | of which BPF map mappings (drain buffer, ring) | the rest (heap: tracer, table, plugin) |\n|---|---|---|---|\n");
	for (i = 0; i < 3 + BENCH_BURST_IDLE_READS; i++) {
		static const char *const what[] = { "plugin loaded", "first read, at rest",
						    "read after the burst" };
		char label[64];

		if (i < 3)
			snprintf(label, sizeof(label), "%s", what[i]);
		else
			snprintf(label, sizeof(label), "read %d at rest after it", i - 2);
		printf("| %s | %.1f | %.1f | %.1f |\n", label, rss[i] / 1024.0, bpf[i] / 1024.0,
		       (rss[i] - bpf[i]) / 1024.0);
	}
	printf("\nPeak RSS (VmHWM) %.1f MiB.  The burst reported rx %llu tx %llu bytes for %ld connections (expected %ld each way): %s.\n",
	       tcptop_bench_hwm_kb(0) / 1024.0, (unsigned long long)tally.rx,
	       (unsigned long long)tally.tx, conns, 2 * conns,
	       tally.rx == (uint64_t)(2 * conns) && tally.tx == (uint64_t)(2 * conns) ? "exact" : "NOT EXACT");
	tcptop_bench_plugin_unload();
	return tally.rx == (uint64_t)(2 * conns) && tally.tx == (uint64_t)(2 * conns) ? 0 : 1;

usage:
	fprintf(stderr, "usage: tcptop-bench-burst -p PATH/tcptop.so [-n CONNECTIONS]\n");
	return 2;
}
