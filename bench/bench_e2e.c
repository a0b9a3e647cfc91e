// SPDX-License-Identifier: GPL-2.0
/*
 * End-to-end slowdown: the same loopback workload with the tcptop CLI
 * attached (draining and printing every second) and without it, in
 * alternating order (off/on, then on/off, ...) so drift on a noisy machine
 * falls evenly on both.  The slowdown is taken per pair, then the median.
 *
 * Workloads: a 1-byte ping-pong (the highest event rate per byte, the worst
 * case) and an iperf3 bulk transfer.  Every traced run is also checked for
 * exactness: the CLI's JSON must hold the bytes the workload moved.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "bench_cli.h"
#include "bench_iperf.h"
#include "bench_net.h"
#include "bench_util.h"

#define BENCH_PINGPONG_TARGET 2.0 /* percent */
#define BENCH_BULK_TARGET 1.0

struct tcptop_bench_e2e_opts {
	const char *cli;
	bool text;
	int pairs;
	long msgs;
	int bulk_secs; /* iperf3 -t takes whole seconds */
	bool pingpong;
	bool bulk;
};

/* Medians and spread of one workload, per condition and per pair. */
struct tcptop_bench_e2e_result {
	struct tcptop_bench_series off;
	struct tcptop_bench_series on;
	struct tcptop_bench_series slowdown; /* percent, per pair */
	struct tcptop_bench_series off_cpu;  /* CPU cost of the workload, both ends */
	struct tcptop_bench_series on_cpu;
	struct tcptop_bench_series cpu_increase; /* percent, per pair */
	/*
	 * Bulk, traced runs: the run time of the CLI's BPF programs as the
	 * kernel measured it, as a share of the workload's CPU time (percent),
	 * and per GiB received.
	 */
	struct tcptop_bench_series bpf_share;
	struct tcptop_bench_series bpf_runs_per_gib;
	int exact;
	int checked;
	uint64_t drops;
	double cli_cpu_s;
	double cli_wall_s;
};

static void tcptop_bench_e2e_result_free(struct tcptop_bench_e2e_result *r)
{
	tcptop_bench_series_free(&r->off);
	tcptop_bench_series_free(&r->on);
	tcptop_bench_series_free(&r->slowdown);
	tcptop_bench_series_free(&r->off_cpu);
	tcptop_bench_series_free(&r->on_cpu);
	tcptop_bench_series_free(&r->cpu_increase);
	tcptop_bench_series_free(&r->bpf_share);
	tcptop_bench_series_free(&r->bpf_runs_per_gib);
}

/* Total run time and runs of the programs the CLI holds (run-time statistics must be on). */
static int tcptop_bench_e2e_cli_bpf(const struct tcptop_bench_cli *c, uint64_t *ns, uint64_t *runs)
{
	struct tcptop_bench_prog progs[32];
	int n, i, err;

	err = tcptop_bench_progs_of_pid(c->pid, "tcptop_", progs, 32, &n);
	if (err)
		return err;
	*ns = *runs = 0;
	for (i = 0; i < n; i++) {
		*ns += progs[i].run_time_ns;
		*runs += progs[i].run_cnt;
	}
	return 0;
}

/* Counts one traced socket against its truth; complains when it is off. */
static void tcptop_bench_e2e_check(struct tcptop_bench_e2e_result *res,
				   const struct tcptop_bench_cli *c, const char *what, uint32_t pid,
				   uint16_t lport, uint16_t rport, uint64_t want_tx,
				   uint64_t want_rx)
{
	uint64_t tx, rx;

	tcptop_bench_cli_sum(c, pid, lport, rport, &tx, &rx);
	res->checked++;
	if (tx == want_tx && rx == want_rx) {
		res->exact++;
		return;
	}
	fprintf(stderr,
		"tcptop-bench-e2e: %s (pid %u port %u): reported tx %llu rx %llu, truth tx %llu rx %llu\n",
		what, pid, lport, (unsigned long long)tx, (unsigned long long)rx,
		(unsigned long long)want_tx, (unsigned long long)want_rx);
}

static int tcptop_bench_e2e_cli_start(const struct tcptop_bench_e2e_opts *o,
				      struct tcptop_bench_cli *c)
{
	int err = tcptop_bench_cli_start(o->cli, o->text, c);

	if (err)
		fprintf(stderr, "tcptop-bench-e2e: cannot start %s: %s\n", o->cli, strerror(-err));
	return err;
}

static int tcptop_bench_e2e_cli_stop(struct tcptop_bench_e2e_result *res,
				     struct tcptop_bench_cli *c)
{
	int err = tcptop_bench_cli_stop(c);

	if (err)
		fprintf(stderr, "tcptop-bench-e2e: the CLI did not exit cleanly: %s\n",
			strerror(-err));
	res->drops += c->drops;
	res->cli_cpu_s += c->cpu_s;
	res->cli_wall_s += c->wall_s;
	return err;
}

/* One ping-pong run; *us is microseconds per round trip, *cpu CPU ns per round trip. */
static int tcptop_bench_e2e_pingpong(const struct tcptop_bench_e2e_opts *o, bool traced,
				     struct tcptop_bench_e2e_result *res, double *us, double *cpu)
{
	struct tcptop_bench_cli c = { 0 };
	struct tcptop_bench_pingpong pp;
	int err;

	if (traced && (err = tcptop_bench_e2e_cli_start(o, &c)))
		return err;
	err = tcptop_bench_pingpong_run(o->msgs, &pp);
	if (traced && !err) {
		err = tcptop_bench_e2e_cli_stop(res, &c);
		if (!err && !o->text) {
			tcptop_bench_e2e_check(res, &c, "ping-pong client", (uint32_t)pp.client_pid,
					       pp.client_port, 0, (uint64_t)o->msgs,
					       (uint64_t)o->msgs);
			tcptop_bench_e2e_check(res, &c, "ping-pong server", (uint32_t)pp.server_pid,
					       pp.server_port, pp.client_port, (uint64_t)o->msgs,
					       (uint64_t)o->msgs);
		}
	}
	tcptop_bench_cli_free(&c);
	*us = (double)pp.elapsed_ns / 1e3 / (double)o->msgs;
	*cpu = (double)pp.cpu_ns / (double)o->msgs;
	return err;
}

/* One iperf3 run; *gbps is the receiver's throughput, *cpu CPU seconds per GiB received. */
static int tcptop_bench_e2e_bulk(const struct tcptop_bench_e2e_opts *o,
				 struct tcptop_bench_iperf_server *srv, bool traced,
				 struct tcptop_bench_e2e_result *res, double *gbps, double *cpu)
{
	struct tcptop_bench_cli c = { 0 };
	struct tcptop_bench_iperf_run run;
	int err;

	uint64_t ns0 = 0, runs0 = 0, ns1 = 0, runs1 = 0;
	int stats_fd = -1;

	if (traced && (err = tcptop_bench_e2e_cli_start(o, &c)))
		return err;
	/*
	 * Traced runs measure the programs' own run time too.  The statistics
	 * add a little to every run (two clock reads), so they are on only for
	 * the bulk runs, where runs are few per byte.
	 */
	if (traced) {
		stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
		if (stats_fd >= 0 && tcptop_bench_e2e_cli_bpf(&c, &ns0, &runs0)) {
			close(stats_fd);
			stats_fd = -1;
		}
		if (stats_fd < 0)
			fprintf(stderr, "tcptop-bench-e2e: no BPF run-time statistics for this run\n");
	}
	err = tcptop_bench_iperf_client(srv, o->bulk_secs, &run);
	if (stats_fd >= 0 && !err && !tcptop_bench_e2e_cli_bpf(&c, &ns1, &runs1) &&
	    run.cpu_ns && run.received_bytes) {
		tcptop_bench_series_add(&res->bpf_share, 100.0 * (double)(ns1 - ns0) / (double)run.cpu_ns);
		tcptop_bench_series_add(&res->bpf_runs_per_gib,
					(double)(runs1 - runs0) /
						((double)run.received_bytes / 1073741824.0));
	}
	if (stats_fd >= 0)
		close(stats_fd);
	if (traced && !err) {
		err = tcptop_bench_e2e_cli_stop(res, &c);
		if (!err && !o->text) {
			tcptop_bench_e2e_check(res, &c, "iperf3 client data socket",
					       (uint32_t)run.client_pid, run.client_port, srv->port,
					       run.sent_bytes + BENCH_IPERF_COOKIE, 0);
			tcptop_bench_e2e_check(res, &c, "iperf3 server data socket",
					       (uint32_t)srv->pid, srv->port, run.client_port, 0,
					       run.received_bytes + BENCH_IPERF_COOKIE);
		}
	}
	tcptop_bench_cli_free(&c);
	*gbps = run.received_bps / 1e9;
	*cpu = run.received_bytes
		       ? (double)run.cpu_ns / 1e9 / ((double)run.received_bytes / 1073741824.0)
		       : NAN;
	return err;
}

static void tcptop_bench_e2e_cell(const struct tcptop_bench_series *s, const char *fmt)
{
	printf(" ");
	printf(fmt, tcptop_bench_series_median(s));
	printf(" [");
	printf(fmt, tcptop_bench_series_min(s));
	printf(", ");
	printf(fmt, tcptop_bench_series_max(s));
	printf("] |");
}

static void tcptop_bench_e2e_report(const char *title, const char *unit, const char *fmt,
				    const char *cpu_unit, const char *cpu_fmt,
				    const struct tcptop_bench_e2e_result *r, double target,
				    const struct tcptop_bench_e2e_opts *o)
{
	double q1 = tcptop_bench_series_quantile(&r->slowdown, 0.25);
	double q3 = tcptop_bench_series_quantile(&r->slowdown, 0.75);
	double med = tcptop_bench_series_median(&r->slowdown);

	printf("\n#### %s\n\n| | %s, median [min, max] |\n|---|---|\n", title, unit);
	printf("| not traced |");
	tcptop_bench_e2e_cell(&r->off, fmt);
	printf("\n| traced (`tcptop %s`) |", o->text ? "-C -S 1" : "-j 1");
	tcptop_bench_e2e_cell(&r->on, fmt);
	printf("\n| **slowdown**, per pair, %% |");
	tcptop_bench_e2e_cell(&r->slowdown, "%+.2f");
	printf("\n\n| | %s (client and server together), median [min, max] |\n|---|---|\n",
	       cpu_unit);
	printf("| not traced |");
	tcptop_bench_e2e_cell(&r->off_cpu, cpu_fmt);
	printf("\n| traced |");
	tcptop_bench_e2e_cell(&r->on_cpu, cpu_fmt);
	printf("\n| **CPU cost increase**, per pair, %% |");
	tcptop_bench_e2e_cell(&r->cpu_increase, "%+.2f");
	printf("\n\nCPU cost increase interquartile range %+.2f%% to %+.2f%%.\n",
	       tcptop_bench_series_quantile(&r->cpu_increase, 0.25),
	       tcptop_bench_series_quantile(&r->cpu_increase, 0.75));
	printf("Slowdown interquartile range %+.2f%% to %+.2f%% over %zu pairs.  Target at most %.0f%%: %s (median %+.2f%%).\n",
	       q1, q3, r->slowdown.n, target, med <= target ? "met" : "MISSED", med);
	if (!o->text)
		printf("Exactness: %d of %d traced sockets reported exactly by the CLI; %llu events dropped.\n",
		       r->exact, r->checked, (unsigned long long)r->drops);
	if (r->bpf_share.n) {
		printf("In the traced runs tcptop's BPF programs ran %.0f times per GiB received and "
		       "took %.3f%% [%.3f%%, %.3f%%] of the workload's CPU time (median [min, max]; "
		       "the kernel's run-time statistics, which count the statistics' own clock "
		       "reads too).\n",
		       tcptop_bench_series_median(&r->bpf_runs_per_gib),
		       tcptop_bench_series_median(&r->bpf_share), tcptop_bench_series_min(&r->bpf_share),
		       tcptop_bench_series_max(&r->bpf_share));
	}
	printf("The CLI itself used %.2f%% of one CPU while attached (%.2f s CPU over %.1f s).\n",
	       r->cli_wall_s > 0 ? 100 * r->cli_cpu_s / r->cli_wall_s : NAN, r->cli_cpu_s,
	       r->cli_wall_s);
}

/*
 * Pairs alternate which condition runs first.  cost() returns the figure of
 * one run; higher_is_slower says whether a bigger figure means slower.
 */
static int tcptop_bench_e2e_pairs(const struct tcptop_bench_e2e_opts *o,
				  struct tcptop_bench_e2e_result *res,
				  int (*run)(const struct tcptop_bench_e2e_opts *, bool, void *,
					     struct tcptop_bench_e2e_result *, double *, double *),
				  void *ctx, bool higher_is_slower)
{
	double v[2], cpu[2], warm, warm_cpu;
	int i, k, err;

	/* One untimed run first: page cache, CPU frequency, socket slabs. */
	if ((err = run(o, false, ctx, res, &warm, &warm_cpu)))
		return err;
	for (i = 0; i < o->pairs; i++) {
		/* Alternate which condition goes first, so drift falls evenly on both. */
		for (k = 0; k < 2; k++) {
			bool traced = (i + k) % 2 == 1;

			err = run(o, traced, ctx, res, &v[traced], &cpu[traced]);
			if (err)
				return err;
			tcptop_bench_series_add(traced ? &res->on : &res->off, v[traced]);
			tcptop_bench_series_add(traced ? &res->on_cpu : &res->off_cpu, cpu[traced]);
		}
		tcptop_bench_series_add(
			&res->slowdown,
			100.0 * (higher_is_slower ? v[1] / v[0] - 1 : v[0] / v[1] - 1));
		tcptop_bench_series_add(&res->cpu_increase, 100.0 * (cpu[1] / cpu[0] - 1));
		fprintf(stderr, "# pair %d: not traced %.4f (CPU %.4f), traced %.4f (CPU %.4f)\n",
			i + 1, v[0], cpu[0], v[1], cpu[1]);
	}
	return 0;
}

static int tcptop_bench_e2e_run_pingpong(const struct tcptop_bench_e2e_opts *o, bool traced,
					 void *ctx, struct tcptop_bench_e2e_result *res, double *v,
					 double *cpu)
{
	(void)ctx;
	return tcptop_bench_e2e_pingpong(o, traced, res, v, cpu);
}

static int tcptop_bench_e2e_run_bulk(const struct tcptop_bench_e2e_opts *o, bool traced, void *ctx,
				     struct tcptop_bench_e2e_result *res, double *v, double *cpu)
{
	return tcptop_bench_e2e_bulk(o, ctx, traced, res, v, cpu);
}

static void tcptop_bench_e2e_usage(FILE *f)
{
	fprintf(f,
		"usage: tcptop-bench-e2e --cli PATH [--pairs N] [--msgs N] [--bulk-secs S] [--text]\n"
		"                        [--no-pingpong] [--no-bulk]\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "cli", required_argument, NULL, 'c' },
		{ "pairs", required_argument, NULL, 'p' },
		{ "msgs", required_argument, NULL, 'n' },
		{ "bulk-secs", required_argument, NULL, 'b' },
		{ "text", no_argument, NULL, 't' },
		{ "no-pingpong", no_argument, NULL, 'P' },
		{ "no-bulk", no_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct tcptop_bench_e2e_opts o = {
		.pairs = 15, .msgs = 100000, .bulk_secs = 2, .pingpong = true, .bulk = true
	};
	struct tcptop_bench_e2e_result pr = { 0 }, br = { 0 };
	struct tcptop_bench_iperf_server srv = { 0 };
	struct tcptop_bench_cli probe = { 0 };
	bool failed = false;
	int c, err = 0;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o.cli = optarg;
			break;
		case 'p':
			o.pairs = atoi(optarg);
			break;
		case 'n':
			o.msgs = strtol(optarg, NULL, 10);
			break;
		case 'b':
			o.bulk_secs = atoi(optarg);
			break;
		case 't':
			o.text = true;
			break;
		case 'P':
			o.pingpong = false;
			break;
		case 'B':
			o.bulk = false;
			break;
		case 'h':
			tcptop_bench_e2e_usage(stdout);
			return 0;
		default:
			tcptop_bench_e2e_usage(stderr);
			return 2;
		}
	}
	if (optind != argc || !o.cli || o.pairs <= 0 || o.msgs <= 0 || o.bulk_secs <= 0) {
		tcptop_bench_e2e_usage(stderr);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);

	/* A CLI that cannot attach here means there is nothing to compare. */
	if (tcptop_bench_cli_start(o.cli, o.text, &probe)) {
		fprintf(stderr, "tcptop-bench-e2e: %s cannot attach here\n", o.cli);
		tcptop_bench_cli_free(&probe);
		return tcptop_bench_exit_no_bpf();
	}
	tcptop_bench_cli_stop(&probe);
	tcptop_bench_cli_free(&probe);

	printf("## End-to-end slowdown, tcptop CLI attached vs not\n");
	if (o.pingpong) {
		err = tcptop_bench_e2e_pairs(&o, &pr, tcptop_bench_e2e_run_pingpong, NULL, true);
		if (err)
			goto cleanup;
		printf("\n%d pairs of runs, alternating which goes first; each run is %ld round trips of a 1-byte message over one 127.0.0.1 connection.\n",
		       o.pairs, o.msgs);
		tcptop_bench_e2e_report("Ping-pong, 1-byte messages", "µs per round trip", "%.3f",
					"CPU ns per round trip", "%.0f", &pr, BENCH_PINGPONG_TARGET,
					&o);
		failed = failed || pr.exact != pr.checked || pr.drops;
	}
	if (o.bulk) {
		err = tcptop_bench_iperf_server_start(&srv);
		if (err == -ENOENT) {
			printf("\nBulk: not run, iperf3 is not installed.\n");
			err = 0;
			goto cleanup;
		}
		if (err)
			goto cleanup;
		err = tcptop_bench_e2e_pairs(&o, &br, tcptop_bench_e2e_run_bulk, &srv, false);
		if (err)
			goto cleanup;
		printf("\n%d pairs of `iperf3 -c 127.0.0.1 -t %d` runs (one TCP stream, 128 KiB writes), alternating which goes first.\n",
		       o.pairs, o.bulk_secs);
		tcptop_bench_e2e_report("Bulk transfer, iperf3", "Gbit/s received", "%.2f",
					"CPU seconds per GiB", "%.3f", &br, BENCH_BULK_TARGET, &o);
		failed = failed || br.exact != br.checked || br.drops;
	}

cleanup:
	tcptop_bench_iperf_server_stop(&srv);
	tcptop_bench_e2e_result_free(&pr);
	tcptop_bench_e2e_result_free(&br);
	if (err) {
		fprintf(stderr, "tcptop-bench-e2e: %s\n", strerror(-err));
		return 1;
	}
	if (failed) {
		fprintf(stderr, "tcptop-bench-e2e: counts were not exact\n");
		return 1;
	}
	return 0;
}
