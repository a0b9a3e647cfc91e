// SPDX-License-Identifier: GPL-2.0
/*
 * Lifecycle of the plugin in one process, as collectd drives it: the real
 * collectd glue (plugin/tcptop_plugin.c) and the real core, with the daemon
 * replaced by tests/unit/collectd_stubs.c.  LIFECYCLE_CYCLES (default 100)
 * rounds of config, init, real loopback traffic, read, shutdown; every tenth
 * round also an init that fails on a bad option and one that fails loading
 * (Probe "fentry" where this kernel refuses it), each followed by shutdown.
 *
 * Each read must dispatch the generator's exact bytes; after each shutdown
 * the process has exactly the fds it had; RSS after the last round exceeds
 * RSS after the warm-up by LIFECYCLE_RSS_SLACK_KB at most (default 1024).
 * A leak grows with the rounds; memory the allocator kept once (seen on a
 * busy machine: a one-off +21 MB) does not.  So RSS is taken after
 * malloc_trim(), and a growth past the slack is only a failure when half as
 * many rounds again grow it past the slack a second time.
 *
 * Exit codes follow automake: 0 pass, 1 fail, 77 skip (no BPF here, unless
 * TCPTOP_REQUIRE_BPF=1).
 */
#include <dirent.h>
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collectd_stubs.h"
#include "lifecycle_util.h"
#include "traffic.h"

#define LIFECYCLE_WARMUP 5

/*
 * AddressSanitizer keeps freed memory in quarantine (up to 256 MB), so RSS
 * says nothing there; its LeakSanitizer checks for leaks at exit instead.
 */
#if defined(__SANITIZE_ADDRESS__)
#define LIFECYCLE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LIFECYCLE_ASAN 1
#endif
#endif
#ifndef LIFECYCLE_ASAN
#define LIFECYCLE_ASAN 0
#endif

void module_register(void);

static const char *const lifecycle_aggregates[] = { "flow", "process", "local_port", "remote_host" };

static long lifecycle_count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	long n = -1;	/* not the directory stream's own descriptor */

	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n - 2;	/* "." and ".." */
}

/* A <Plugin tcptop> block of up to four "Key value" options. */
struct lifecycle_block {
	oconfig_item_t block;
	oconfig_item_t opt[4];
	oconfig_value_t val[4];
	char num[4][24];
};

static void lifecycle_opt(struct lifecycle_block *b, const char *key, const char *s, double n)
{
	int i = b->block.children_num++;

	b->opt[i].key = (char *)key;
	b->opt[i].values = &b->val[i];
	b->opt[i].values_num = 1;
	b->opt[i].parent = &b->block;
	if (s) {
		b->val[i].type = OCONFIG_TYPE_STRING;
		b->val[i].value.string = (char *)s;
	} else {
		b->val[i].type = OCONFIG_TYPE_NUMBER;
		b->val[i].value.number = n;
	}
}

static void lifecycle_block_init(struct lifecycle_block *b)
{
	memset(b, 0, sizeof(*b));
	b->block.key = (char *)"Plugin";
	b->block.children = b->opt;
}

/* Sum of what the read dispatched for the traffic (not the self-metrics). */
static void lifecycle_dispatched(uint64_t *rx, uint64_t *tx, size_t *units)
{
	size_t i;

	*rx = *tx = 0;
	*units = 0;
	for (i = 0; i < stubs.ndispatched; i++) {
		const value_list_t *vl = &stubs.dispatched[i].vl;

		if (strcmp(vl->type, "tcptop_bytes") != 0 || strcmp(vl->plugin_instance, "self") == 0)
			continue;
		*rx += (uint64_t)stubs.dispatched[i].values[0].derive;
		*tx += (uint64_t)stubs.dispatched[i].values[1].derive;
		(*units)++;
	}
}

static void lifecycle_print_logs(void)
{
	size_t i;

	for (i = 0; i < stubs.nlogs; i++)
		printf("  log %d: %s\n", stubs.logs[i].level, stubs.logs[i].msg);
}

/* RSS once the allocator gave back what it can: leaks stay, free pages do not. */
static long lifecycle_trimmed_rss_kb(void)
{
#ifdef __GLIBC__
	malloc_trim(0);
#endif
	return lifecycle_rss_kb();
}

/*
 * One round: config, init, traffic, read, shutdown.  Returns 0, 1 (failed),
 * or 77 when init fails in the very first round (no BPF here).
 */
static int lifecycle_round(int round)
{
	struct traffic_result res = { 0 };
	struct traffic_job *job = NULL;
	struct lifecycle_block b;
	struct traffic_opts to;
	uint64_t rx, tx;
	size_t units;
	int err, rc = 1;

	traffic_opts_init(&to);
	to.scenario = "echo";
	to.bytes = 32 * 1024;
	to.chunk = 2048;
	to.family = (enum traffic_family)((unsigned)round % 3);
	err = traffic_start(&to, true, &job);
	if (err) {
		printf("FAIL: round %d: traffic generator: %s\n", round, strerror(-err));
		return 1;
	}
	stubs_clear();
	lifecycle_block_init(&b);
	/* Only the generator: other sockets on this machine must not fill the map. */
	lifecycle_opt(&b, "PID", NULL, (double)traffic_job_pid(job));
	lifecycle_opt(&b, "Aggregate", lifecycle_aggregates[(unsigned)round % 4], 0);
	if (round % 2)
		lifecycle_opt(&b, "TopFlows", NULL, 1);
	stubs.config(&b.block);
	if (stubs.init() != 0) {
		printf("%s: round %d: init failed\n", round < 0 ? "SKIP?" : "FAIL", round);
		lifecycle_print_logs();
		rc = round < 0 ? 77 : 1;
		goto cleanup;
	}
	if (!stubs.read) {
		printf("FAIL: round %d: init registered no read callback\n", round);
		goto cleanup;
	}
	err = traffic_job_go(job);
	if (!err)
		err = traffic_job_wait(job, &res);
	job = NULL;
	if (err) {
		printf("FAIL: round %d: traffic generator: %s\n", round, strerror(-err));
		goto cleanup;
	}
	if (stubs.read(NULL) != 0) {
		printf("FAIL: round %d: read failed\n", round);
		lifecycle_print_logs();
		goto cleanup;
	}
	lifecycle_dispatched(&rx, &tx, &units);
	if (rx != traffic_result_rx(&res) || tx != traffic_result_tx(&res) || !units) {
		printf("FAIL: round %d (%s): dispatched rx %llu tx %llu in %zu units, the generator moved rx %llu tx %llu\n",
		       round, lifecycle_aggregates[(unsigned)round % 4], (unsigned long long)rx,
		       (unsigned long long)tx, units, (unsigned long long)traffic_result_rx(&res),
		       (unsigned long long)traffic_result_tx(&res));
		goto cleanup;
	}
	rc = 0;

cleanup:
	if (job) {
		traffic_job_go(job);
		traffic_job_wait(job, &res);
	}
	traffic_result_free(&res);
	if (stubs.shutdown() != 0) {
		printf("FAIL: round %d: shutdown failed\n", round);
		rc = 1;
	}
	stubs.read = NULL;
	return rc;
}

/* Inits that fail, each followed by shutdown as collectd does at exit. */
static int lifecycle_failed_inits(void)
{
	struct lifecycle_block b;

	stubs_clear();
	lifecycle_block_init(&b);
	lifecycle_opt(&b, "TopFlows", NULL, 0);
	stubs.config(&b.block);
	if (stubs.init() == 0 || !stubs_log_find(LOG_ERR, "TopFlows")) {
		printf("FAIL: TopFlows 0 did not make init fail with an ERROR naming it\n");
		return 1;
	}
	stubs.shutdown();

	stubs_clear();
	lifecycle_block_init(&b);
	lifecycle_opt(&b, "Probe", "fentry", 0);
	stubs.config(&b.block);
	/* Fails here (lockdown); on a kernel that runs fentry it is one more clean cycle. */
	stubs.init();
	stubs.shutdown();
	stubs.read = NULL;
	return 0;
}

int main(void)
{
	long cycles = lifecycle_env("LIFECYCLE_CYCLES", 100);
	long slack_kb = lifecycle_env("LIFECYCLE_RSS_SLACK_KB", 1024);
	long fds_base, fds, maps_base, maps, rss_base, rss_end;
	int i, rc, failed = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	module_register();
	if (!stubs.config || !stubs.init || !stubs.shutdown) {
		printf("FAIL: module_register registered no config, init or shutdown callback\n");
		return 1;
	}
	for (i = 0; i < LIFECYCLE_WARMUP; i++) {
		rc = lifecycle_round(-1 - i);
		if (rc == 77) {
			const char *req = getenv("TCPTOP_REQUIRE_BPF");

			if (req && strcmp(req, "1") == 0) {
				printf("FAIL: the plugin cannot start here and TCPTOP_REQUIRE_BPF=1\n");
				return 1;
			}
			printf("SKIP: the plugin cannot start here\n");
			return 77;
		}
		failed |= rc | lifecycle_failed_inits();
	}
	fds_base = lifecycle_count_fds();
	maps_base = lifecycle_count_bpf_mappings();
	rss_base = lifecycle_trimmed_rss_kb();
	printf("after %d warm-up rounds: %ld fds, %ld BPF mappings, RSS %ld kB\n", LIFECYCLE_WARMUP,
	       fds_base, maps_base, rss_base);

	for (i = 0; i < cycles && !failed; i++) {
		failed |= lifecycle_round(i);
		if (i % 10 == 9)
			failed |= lifecycle_failed_inits();
		fds = lifecycle_count_fds();
		maps = lifecycle_count_bpf_mappings();
		if (fds != fds_base || maps != maps_base) {
			printf("FAIL: round %d: %ld fds, %ld BPF mappings after shutdown; %ld, %ld before\n",
			       i, fds, maps, fds_base, maps_base);
			failed = 1;
		}
	}
	stubs_clear();
	rss_end = lifecycle_trimmed_rss_kb();
	printf("after %d rounds: %ld fds (%ld before), RSS %ld kB (%+ld kB, slack %ld kB)\n", i,
	       lifecycle_count_fds(), fds_base, rss_end, rss_end - rss_base, slack_kb);
	if (LIFECYCLE_ASAN) {
		printf("RSS not asserted: AddressSanitizer's quarantine holds freed memory; LeakSanitizer checks leaks at exit\n");
	} else if (!failed && rss_end - rss_base > slack_kb) {
		long again, cycles_again = cycles / 2 > 0 ? cycles / 2 : 1;
		int j;

		printf("RSS grew by %ld kB over %d rounds: %ld more rounds tell a leak from memory kept once\n",
		       rss_end - rss_base, i, cycles_again);
		for (j = 0; j < cycles_again && !failed; j++)
			failed |= lifecycle_round(i + j);
		stubs_clear();
		again = lifecycle_trimmed_rss_kb();
		printf("after %ld more rounds: RSS %ld kB (%+ld kB)\n", cycles_again, again,
		       again - rss_end);
		if (again - rss_end > slack_kb) {
			printf("FAIL: RSS grew by %ld kB over %d rounds, then by %ld kB over %ld more\n",
			       rss_end - rss_base, i, again - rss_end, cycles_again);
			failed = 1;
		}
	}
	if (!failed)
		printf("PASS: %d init/read/shutdown rounds (and %d failed inits), exact bytes each, fds exact%s\n",
		       i, 2 * (i / 10), LIFECYCLE_ASAN ? "" : ", RSS flat");
	return failed ? 1 : 0;
}
