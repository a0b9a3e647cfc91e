// SPDX-License-Identifier: GPL-2.0
/*
 * Lifecycle of the core in one long-lived process, as collectd runs it:
 * LIFECYCLE_CYCLES (default 100) rounds of open, real loopback traffic,
 * drain, close.  Every round must count the generator's bytes exactly, and
 * leave the process with exactly the file descriptors it had before (a
 * leaked BPF object is a leaked fd).  Every tenth round also takes the
 * error paths: an attach mode this kernel may refuse, a missing cgroup.
 * RSS after the last round may exceed RSS after the warm-up rounds by
 * LIFECYCLE_RSS_SLACK_KB at most (default 1024: allocator noise, not 100
 * leaked tables).
 *
 * Exit codes follow automake: 0 pass, 1 fail, 77 skip (no BPF here, unless
 * TCPTOP_REQUIRE_BPF=1).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tcptop_core.h"
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

struct lifecycle_fds {
	long all;
	long bpf;	/* anon_inode:bpf-prog, bpf-map, bpf_link, ... */
};

static void lifecycle_quiet(enum tcptop_log_level level, const char *msg, void *ctx)
{
	(void)ctx;
	if (level <= TCPTOP_LOG_WARNING)
		fprintf(stderr, "lifecycle_core: core says: %s\n", msg);
}

static void lifecycle_silent(enum tcptop_log_level level, const char *msg, void *ctx)
{
	(void)level;
	(void)msg;
	(void)ctx;
}

static struct lifecycle_fds lifecycle_count_fds(void)
{
	struct lifecycle_fds n = { 0, 0 };
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;

	if (!d)
		return (struct lifecycle_fds){ -1, -1 };
	while ((de = readdir(d))) {
		char path[300], target[64];
		ssize_t len;

		if (de->d_name[0] == '.')
			continue;
		n.all++;
		snprintf(path, sizeof(path), "/proc/self/fd/%s", de->d_name);
		len = readlink(path, target, sizeof(target) - 1);
		if (len > 0) {
			target[len] = '\0';
			n.bpf += strncmp(target, "anon_inode:bpf", 14) == 0;
		}
	}
	closedir(d);
	/* Not the directory stream's own descriptor. */
	n.all--;
	return n;
}

/* Every endpoint of the generator, found in the table with its exact bytes. */
static int lifecycle_compare(int round, struct tcptop_table *t, const struct traffic_result *r)
{
	size_t i, j;
	int bad = 0;

	for (i = 0; i < r->count; i++) {
		const struct traffic_endpoint *ep = &r->ep[i];
		const struct tcptop_flow_entry *hit = NULL;

		for (j = 0; j < tcptop_table_count(t) && !hit; j++) {
			const struct tcptop_flow_entry *e = tcptop_table_at(t, j);

			if (e->tgid == (uint32_t)ep->pid && e->lport == ep->lport &&
			    e->rport == ep->rport && e->family == ep->family)
				hit = e;
		}
		if (!hit || hit->tx_total != ep->tx || hit->rx_total != ep->rx) {
			printf("FAIL: round %d: pid %d port %u->%u sent %llu received %llu, tracer says %llu/%llu\n",
			       round, (int)ep->pid, ep->lport, ep->rport, (unsigned long long)ep->tx,
			       (unsigned long long)ep->rx,
			       hit ? (unsigned long long)hit->tx_total : 0ull,
			       hit ? (unsigned long long)hit->rx_total : 0ull);
			bad = 1;
		}
	}
	return bad;
}

/*
 * One round: open, traffic, drain, close.  Returns 0, 1 (failed) or -errno
 * from open.  The tracer counts only the generator's process, so sockets of
 * whatever else runs on the machine cannot fill its map.
 */
static int lifecycle_round(int round, long *bpf_fds_open)
{
	struct tcptop_opts opts = { .mode = TCPTOP_MODE_AUTO, .log = lifecycle_quiet };
	struct traffic_result res = { 0 };
	struct traffic_job *job = NULL;
	struct tcptop_drain_stats st;
	struct tcptop_tracer *tr = NULL;
	struct tcptop_table *t = NULL;
	struct traffic_opts to;
	size_t j;
	int err, rc = 1;

	traffic_opts_init(&to);
	to.scenario = "echo";
	to.bytes = 64 * 1024;
	to.chunk = 4096;
	to.family = (enum traffic_family)((round < 0 ? -round : round) % 3);
	/* In a child, so the generator's own allocations do not blur our RSS. */
	err = traffic_start(&to, true, &job);
	if (err) {
		printf("FAIL: round %d: traffic generator: %s\n", round, strerror(-err));
		return 1;
	}
	opts.pid = (uint32_t)traffic_job_pid(job);
	err = tcptop_tracer_open(&opts, &tr);
	if (err) {
		rc = err;
		goto cleanup;
	}
	*bpf_fds_open = lifecycle_count_fds().bpf;
	if (tcptop_table_new(&t))
		goto cleanup;
	err = traffic_job_go(job);
	if (!err)
		err = traffic_job_wait(job, &res);
	job = NULL;
	if (err) {
		printf("FAIL: round %d: traffic generator: %s\n", round, strerror(-err));
		goto cleanup;
	}
	tcptop_table_begin(t);
	err = tcptop_tracer_drain(tr, t, &st);
	if (err) {
		printf("FAIL: round %d: drain: %s\n", round, strerror(-err));
		goto cleanup;
	}
	if (res.count == 0) {
		printf("FAIL: round %d: the generator reports no traffic\n", round);
		goto cleanup;
	}
	rc = lifecycle_compare(round, t, &res);
	if (!rc)
		goto cleanup;
	printf("  drain: %llu records (%llu closed), %llu live sockets, %llu events dropped\n",
	       (unsigned long long)st.records, (unsigned long long)st.closed_records,
	       (unsigned long long)st.live_sockets, (unsigned long long)st.dropped_events);
	for (j = 0; j < tcptop_table_count(t); j++) {
		const struct tcptop_flow_entry *e = tcptop_table_at(t, j);

		printf("  table: pid %u %.16s port %u->%u tx %llu rx %llu%s\n", e->tgid, e->comm,
		       e->lport, e->rport, (unsigned long long)e->tx_total,
		       (unsigned long long)e->rx_total, e->closed ? " closed" : "");
	}

cleanup:
	if (job) {
		/* Let it run (its sockets are not traced) so it exits and is reaped. */
		traffic_job_go(job);
		traffic_job_wait(job, &res);
	}
	traffic_result_free(&res);
	tcptop_table_free(t);
	tcptop_tracer_close(tr);
	return rc;
}

/* Opens that fail (or, on another kernel, succeed) must leave nothing behind either. */
static void lifecycle_error_paths(void)
{
	static const enum tcptop_mode modes[] = { TCPTOP_MODE_FENTRY, TCPTOP_MODE_KPROBE };
	struct tcptop_opts opts = { .log = lifecycle_silent };
	struct tcptop_tracer *tr;
	size_t i;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		opts.mode = modes[i];
		if (tcptop_tracer_open(&opts, &tr) == 0)
			tcptop_tracer_close(tr);
	}
	opts.mode = TCPTOP_MODE_AUTO;
	opts.cgroup_path = "/nonexistent/tcptop-lifecycle";
	if (tcptop_tracer_open(&opts, &tr) == 0) {
		printf("FAIL: opening with a missing cgroup succeeded\n");
		tcptop_tracer_close(tr);
		exit(1);
	}
}

int main(void)
{
	long cycles = lifecycle_env("LIFECYCLE_CYCLES", 100);
	long slack_kb = lifecycle_env("LIFECYCLE_RSS_SLACK_KB", 1024);
	struct lifecycle_fds base, now;
	long rss_base, rss_end, bpf_open = 0, maps_base, maps;
	int i, rc, failed = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; i < LIFECYCLE_WARMUP; i++) {
		rc = lifecycle_round(-i - 1, &bpf_open);
		if (rc < 0) {
			if (getenv("TCPTOP_REQUIRE_BPF") && strcmp(getenv("TCPTOP_REQUIRE_BPF"), "1") == 0) {
				printf("FAIL: cannot open the tracer (%s) and TCPTOP_REQUIRE_BPF=1\n",
				       strerror(-rc));
				return 1;
			}
			printf("SKIP: cannot open the tracer: %s\n", strerror(-rc));
			return 77;
		}
		failed |= rc;
		lifecycle_error_paths();
	}
	base = lifecycle_count_fds();
	maps_base = lifecycle_count_bpf_mappings();
	rss_base = lifecycle_rss_kb();
	printf("after %d warm-up rounds: %ld fds, %ld BPF mappings, RSS %ld kB; an open tracer holds %ld BPF fds\n",
	       LIFECYCLE_WARMUP, base.all, maps_base, rss_base, bpf_open);

	for (i = 0; i < cycles; i++) {
		rc = lifecycle_round(i, &bpf_open);
		if (rc < 0) {
			printf("FAIL: round %d: open failed: %s\n", i, strerror(-rc));
			failed = 1;
			break;
		}
		failed |= rc;
		if (i % 10 == 9)
			lifecycle_error_paths();
		now = lifecycle_count_fds();
		maps = lifecycle_count_bpf_mappings();
		if (now.all != base.all || now.bpf != base.bpf || maps != maps_base) {
			printf("FAIL: round %d: %ld fds (%ld BPF), %ld BPF mappings after close; %ld (%ld), %ld before\n",
			       i, now.all, now.bpf, maps, base.all, base.bpf, maps_base);
			failed = 1;
			break;
		}
	}
	rss_end = lifecycle_rss_kb();
	now = lifecycle_count_fds();
	printf("after %ld rounds: %ld fds (%ld before), RSS %ld kB (%+ld kB, slack %ld kB)\n", cycles,
	       now.all, base.all, rss_end, rss_end - rss_base, slack_kb);
	if (LIFECYCLE_ASAN)
		printf("RSS not asserted: AddressSanitizer's quarantine holds freed memory; LeakSanitizer checks leaks at exit\n");
	else if (rss_end - rss_base > slack_kb) {
		printf("FAIL: RSS grew by %ld kB over %ld rounds\n", rss_end - rss_base, cycles);
		failed = 1;
	}
	if (!failed)
		printf("PASS: %ld open/drain/close rounds, exact bytes each, fds exact%s\n",
		       cycles, LIFECYCLE_ASAN ? "" : ", RSS flat");
	return failed ? 1 : 0;
}
