// SPDX-License-Identifier: GPL-2.0
/*
 * The two drains side by side, in one run, over the same sockets: the flow
 * map iterator and the tcp socket iterator (one pass per network namespace).
 * A holder process keeps N loopback connections (2N sockets) open; the
 * benchmark opens a tracer with one drain, times R drains (each after every
 * connection moved one byte each way), closes it, then does the same with the
 * other drain, and alternates for P passes so that drift on a noisy machine
 * falls on both.  Every drain is checked exact against the holder's truth.
 *
 * It only needs the core, so it also links statically and runs in the
 * kernel-matrix VMs (bench/vm-drain.sh), where Debian's stock kernels allow
 * the map iterator that a locked-down host refuses.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_holder.h"
#include "bench_util.h"

#define BENCH_PAIR_MAX_SIZES 8
#define BENCH_PAIR_MAX_WORKERS 1024
/* Room for everybody else's sockets on a shared machine. */
#define BENCH_PAIR_FLOWS_SLACK 16384

static const enum tcptop_drain_method tcptop_bench_pair_methods[] = { TCPTOP_DRAIN_MAP,
								      TCPTOP_DRAIN_SOCKET };
#define BENCH_PAIR_METHODS 2

struct tcptop_bench_pair_opts {
	long sizes[BENCH_PAIR_MAX_SIZES];
	int nsizes;
	int rounds;
	int passes;
};

struct tcptop_bench_pair_method {
	bool refused;			/* the kernel would not load this drain */
	struct tcptop_bench_series drain_ms;
	struct tcptop_bench_series kernel_ms;
	int exact;
	int checked;
};

struct tcptop_bench_pair_size {
	long conns;
	double setup_s;
	struct tcptop_bench_pair_method m[BENCH_PAIR_METHODS];
};

/* The holder's 2N sockets each sent and received exactly one byte since the last drain. */
static bool tcptop_bench_pair_exact(struct tcptop_table *t, const struct tcptop_bench_holder *h,
				    const struct tcptop_drain_stats *st, const char *what)
{
	uint64_t want = 2 * (uint64_t)h->conns, tx, rx;
	uint32_t pids[BENCH_PAIR_MAX_WORKERS];
	size_t n;
	int i;

	for (i = 0; i < h->nworkers && i < BENCH_PAIR_MAX_WORKERS; i++)
		pids[i] = (uint32_t)h->w[i].pid;
	tcptop_bench_table_sum_pids(t, pids, i, &tx, &rx, &n);
	if (tx == want && rx == want && n == want && !st->dropped_events)
		return true;
	fprintf(stderr,
		"tcptop-bench-drain-pair: %s drain, %ld connections: tx %llu rx %llu in %zu entries, %llu dropped; truth %llu each way in %llu sockets\n",
		what, h->conns, (unsigned long long)tx, (unsigned long long)rx, n,
		(unsigned long long)st->dropped_events, (unsigned long long)want,
		(unsigned long long)want);
	return false;
}

/* One pass of one drain: open, a first (untimed) drain, then R timed ones. */
static int tcptop_bench_pair_pass(struct tcptop_bench_pair_method *m,
				  enum tcptop_drain_method method, const struct tcptop_bench_pair_opts *o,
				  struct tcptop_bench_holder *h)
{
	const char *name = tcptop_drain_method_name(method);
	struct tcptop_opts topts = { .max_flows = (uint32_t)(2 * h->conns + BENCH_PAIR_FLOWS_SLACK),
				     .drain = method,
				     .log = tcptop_bench_core_log,
				     .log_ctx = "tcptop-bench-drain-pair" };
	struct tcptop_drain_stats st;
	struct tcptop_tracer *tr = NULL;
	struct tcptop_table *t = NULL;
	uint64_t t0;
	int r, err;

	err = tcptop_tracer_open(&topts, &tr);
	if (err && method == TCPTOP_DRAIN_MAP) {
		/* A host that refuses map-element iterators: report it, measure the other. */
		m->refused = true;
		return 0;
	}
	if (err || (err = tcptop_table_new(&t)))
		goto cleanup;
	if (tcptop_tracer_drain_method(tr) != method) {
		fprintf(stderr, "tcptop-bench-drain-pair: asked for the %s drain, got %s\n", name,
			tcptop_drain_method_name(tcptop_tracer_drain_method(tr)));
		err = -EINVAL;
		goto cleanup;
	}
	/* The first drain builds the table; steady drains are what an interval costs. */
	if ((err = tcptop_bench_holder_round(h)) || (err = tcptop_tracer_drain(tr, t, &st)))
		goto cleanup;
	m->exact += tcptop_bench_pair_exact(t, h, &st, name);
	m->checked++;
	for (r = 0; r < o->rounds; r++) {
		if ((err = tcptop_bench_holder_round(h)))
			goto cleanup;
		t0 = tcptop_bench_now_ns();
		if ((err = tcptop_tracer_drain(tr, t, &st)))
			goto cleanup;
		tcptop_bench_series_add(&m->drain_ms, (double)(tcptop_bench_now_ns() - t0) / 1e6);
		tcptop_bench_series_add(&m->kernel_ms, (double)st.kernel_ns / 1e6);
		m->exact += tcptop_bench_pair_exact(t, h, &st, name);
		m->checked++;
	}

cleanup:
	tcptop_table_free(t);
	tcptop_tracer_close(tr);
	return err;
}

static int tcptop_bench_pair_size_run(struct tcptop_bench_pair_size *s,
				      const struct tcptop_bench_pair_opts *o)
{
	struct tcptop_bench_holder h;
	uint64_t t0 = tcptop_bench_now_ns();
	int p, i, err;

	err = tcptop_bench_holder_start(s->conns, &h);
	if (err) {
		fprintf(stderr, "tcptop-bench-drain-pair: cannot open %ld connections: %s\n", s->conns,
			strerror(-err));
		return err;
	}
	s->setup_s = (double)(tcptop_bench_now_ns() - t0) / 1e9;
	/* Alternate the order too, so neither drain always runs on a warmer machine. */
	for (p = 0; p < o->passes && !err; p++)
		for (i = 0; i < BENCH_PAIR_METHODS && !err; i++) {
			int k = (p % 2) ? BENCH_PAIR_METHODS - 1 - i : i;

			if (!s->m[k].refused)
				err = tcptop_bench_pair_pass(&s->m[k], tcptop_bench_pair_methods[k], o,
							     &h);
		}
	tcptop_bench_holder_stop(&h);
	return err;
}

static void tcptop_bench_pair_cell(const struct tcptop_bench_pair_method *m,
				   const struct tcptop_bench_series *s)
{
	if (m->refused)
		printf(" refused by this kernel |");
	else
		printf(" %.2f [%.2f, %.2f] |", tcptop_bench_series_median(s),
		       tcptop_bench_series_min(s), tcptop_bench_series_max(s));
}

static void tcptop_bench_pair_report(struct tcptop_bench_pair_size *s, int n,
				     const struct tcptop_bench_pair_opts *o)
{
	const struct tcptop_bench_pair_method *map, *sock;
	int i;

	printf("\n| connections (sockets) | **map drain ms** | of which kernel ms | **socket drain ms** | of which kernel ms | socket / map | ns per socket (map, socket) | exact drains (map, socket) |\n");
	printf("|---|---|---|---|---|---|---|---|\n");
	for (i = 0; i < n; i++) {
		map = &s[i].m[0];
		sock = &s[i].m[1];
		printf("| %ld (%ld) |", s[i].conns, 2 * s[i].conns);
		tcptop_bench_pair_cell(map, &map->drain_ms);
		tcptop_bench_pair_cell(map, &map->kernel_ms);
		tcptop_bench_pair_cell(sock, &sock->drain_ms);
		tcptop_bench_pair_cell(sock, &sock->kernel_ms);
		if (map->refused)
			printf(" n/a | n/a, %.0f |",
			       tcptop_bench_series_median(&sock->drain_ms) * 1e6 / (2.0 * s[i].conns));
		else
			printf(" **%.2f** | %.0f, %.0f |",
			       tcptop_bench_series_median(&sock->drain_ms) /
				       tcptop_bench_series_median(&map->drain_ms),
			       tcptop_bench_series_median(&map->drain_ms) * 1e6 / (2.0 * s[i].conns),
			       tcptop_bench_series_median(&sock->drain_ms) * 1e6 / (2.0 * s[i].conns));
		printf(" %d/%d, %d/%d |\n", map->exact, map->checked, sock->exact, sock->checked);
	}
	printf("\nCells: median [min, max] of %d passes x %d drains per drain method, passes alternating map and socket (ABBA), each drain after every connection moved 1 byte each way.\n",
	       o->passes, o->rounds);
	printf("Connection set-up (not timed):");
	for (i = 0; i < n; i++)
		printf(" %ld in %.1f s;", s[i].conns, s[i].setup_s);
	printf("\n");
}

static void tcptop_bench_pair_usage(FILE *f)
{
	fprintf(f, "usage: tcptop-bench-drain-pair [--flows N[,N...]] [--rounds N] [--passes N]\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "flows", required_argument, NULL, 'f' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "passes", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct tcptop_bench_pair_opts o = { .sizes = { 1000, 10000, 100000 },
					    .nsizes = 3,
					    .rounds = 3,
					    .passes = 4 };
	struct tcptop_bench_pair_size s[BENCH_PAIR_MAX_SIZES];
	struct tcptop_opts probe = { .drain = TCPTOP_DRAIN_SOCKET };
	struct tcptop_tracer *tr = NULL;
	bool inexact = false;
	int c, i, k, err = 0;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			o.nsizes = tcptop_bench_parse_list(optarg, o.sizes, BENCH_PAIR_MAX_SIZES);
			if (o.nsizes < 0) {
				tcptop_bench_pair_usage(stderr);
				return 2;
			}
			break;
		case 'r':
			o.rounds = atoi(optarg);
			break;
		case 'p':
			o.passes = atoi(optarg);
			break;
		case 'h':
			tcptop_bench_pair_usage(stdout);
			return 0;
		default:
			tcptop_bench_pair_usage(stderr);
			return 2;
		}
	}
	if (optind != argc || o.rounds <= 0 || o.passes <= 0) {
		tcptop_bench_pair_usage(stderr);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (tcptop_tracer_open(&probe, &tr)) {
		fprintf(stderr, "tcptop-bench-drain-pair: cannot load tcptop's BPF programs here\n");
		return tcptop_bench_exit_no_bpf();
	}
	tcptop_tracer_close(tr);

	memset(s, 0, sizeof(s));
	printf("## Map drain and socket drain, side by side\n");
	for (i = 0; i < o.nsizes && !err; i++) {
		s[i].conns = o.sizes[i];
		fprintf(stderr, "# %ld connections...\n", s[i].conns);
		err = tcptop_bench_pair_size_run(&s[i], &o);
		for (k = 0; k < BENCH_PAIR_METHODS; k++)
			inexact = inexact || s[i].m[k].exact != s[i].m[k].checked;
	}
	if (!err)
		tcptop_bench_pair_report(s, i, &o);
	for (i = 0; i < o.nsizes; i++)
		for (k = 0; k < BENCH_PAIR_METHODS; k++) {
			tcptop_bench_series_free(&s[i].m[k].drain_ms);
			tcptop_bench_series_free(&s[i].m[k].kernel_ms);
		}
	if (err) {
		fprintf(stderr, "tcptop-bench-drain-pair: %s\n", strerror(-err));
		return 1;
	}
	if (inexact) {
		fprintf(stderr, "tcptop-bench-drain-pair: counts were not exact\n");
		return 1;
	}
	return 0;
}
