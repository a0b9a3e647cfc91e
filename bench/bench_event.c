// SPDX-License-Identifier: GPL-2.0
/*
 * Per-event in-kernel cost: tcptop's programs against empty programs on the
 * same hooks, and a bpftrace one-liner doing the same per-flow sums, all
 * attached at once and driven by the same 1-byte loopback ping-pong.
 *
 * With BPF run-time statistics on, run_time_ns / run_cnt of a program is its
 * average cost per run including the dispatch and the statistics themselves;
 * subtracting the empty program of the same hook, in the same round, leaves
 * the cost of the program's own work.  One empty program is attached before
 * ours and one after, so cache warming by whoever runs first shows up instead
 * of hiding in the result.
 *
 * The hooks are not hard-coded: each of our loaded programs is asked where it
 * is attached (BTF for tracing programs), and the empty program with that
 * section name is loaded beside it.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "bench_floor.h"
#include "bench_hooks.h"
#include "bench_net.h"
#include "bench_peer.h"
#include "bench_util.h"

#define BENCH_TARGET_NS 30.0

struct tcptop_bench_event_opts {
	long msgs;
	int rounds;
	bool peer;
	const char *only_mode;
};

struct tcptop_bench_log_ctx {
	char last_error[512];
};

static void tcptop_bench_event_log(enum tcptop_log_level level, const char *msg, void *ctx)
{
	struct tcptop_bench_log_ctx *c = ctx;

	if (level == TCPTOP_LOG_ERROR)
		snprintf(c->last_error, sizeof(c->last_error), "%s", msg);
	else if (level == TCPTOP_LOG_WARNING)
		fprintf(stderr, "tcptop-bench-event: warning: %s\n", msg);
}

static void tcptop_bench_print_cell(const struct tcptop_bench_series *s)
{
	printf(" %.1f [%.1f, %.1f] |", tcptop_bench_series_median(s), tcptop_bench_series_min(s),
	       tcptop_bench_series_max(s));
}

/* One row: empty, ours, ours above empty; cells are median [min, max] over rounds. */
static void tcptop_bench_print_hook_row(const struct tcptop_bench_hook *h, int rounds)
{
	struct tcptop_bench_series se = { 0 }, so = { 0 }, sa = { 0 }, sn = { 0 };
	int r;

	for (r = 0; r < rounds; r++) {
		double e = tcptop_bench_hook_empty_ns(h, r), o = tcptop_bench_probe_ns(&h->ours, r);

		tcptop_bench_series_add(&sn, h->ours.cnt[r]);
		tcptop_bench_series_add(&se, e);
		tcptop_bench_series_add(&so, o);
		tcptop_bench_series_add(&sa, o - e);
	}
	printf("| %s%s | %.0f |", h->key,
	       h->kind == BENCH_HOOK_LIFECYCLE ? " (per connection)" : "",
	       tcptop_bench_series_median(&sn));
	tcptop_bench_print_cell(&se);
	tcptop_bench_print_cell(&so);
	tcptop_bench_print_cell(&sa);
	printf("\n");
	tcptop_bench_series_free(&se);
	tcptop_bench_series_free(&so);
	tcptop_bench_series_free(&sa);
	tcptop_bench_series_free(&sn);
}

static void tcptop_bench_report_ours(const struct tcptop_bench_hookset *hs, int rounds,
				     double *per_event)
{
	struct tcptop_bench_series se = { 0 }, so = { 0 }, sa = { 0 };
	int i, r;

	printf("\n| tcptop hook | runs per round | empty ns/run | tcptop ns/run | tcptop above empty |\n");
	printf("|---|---|---|---|---|\n");
	for (i = 0; i < hs->nhooks; i++)
		tcptop_bench_print_hook_row(&hs->hooks[i], rounds);
	for (r = 0; r < rounds; r++) {
		double e, o;

		tcptop_bench_hookset_per_event(hs, r, &e, &o);
		tcptop_bench_series_add(&se, e);
		tcptop_bench_series_add(&so, o);
		tcptop_bench_series_add(&sa, o - e);
	}
	printf("| **per TCP event** (send or receive; lifecycle hooks amortized) | |");
	tcptop_bench_print_cell(&se);
	tcptop_bench_print_cell(&so);
	tcptop_bench_print_cell(&sa);
	printf("\n");
	*per_event = tcptop_bench_series_median(&sa);
	tcptop_bench_series_free(&se);
	tcptop_bench_series_free(&so);
	tcptop_bench_series_free(&sa);
}

/* bpftrace against the empty classic tracepoint programs, and against the BTF ones. */
static void tcptop_bench_report_peer(const struct tcptop_bench_peer_meter *pm, int rounds,
				     double ours)
{
	struct tcptop_bench_series s[BENCH_PEER_HOOKS + 1][4];
	int h, r, k;

	memset(s, 0, sizeof(s));
	for (r = 0; r < rounds; r++) {
		double rt[4] = { 0 }, cnt = 0;

		for (h = 0; h < BENCH_PEER_HOOKS; h++) {
			const struct tcptop_bench_probe *bt = &pm->bt[h];
			double p = tcptop_bench_probe_ns(bt, r),
			       c = tcptop_bench_probe_ns(&pm->classic[h], r);
			double b = tcptop_bench_probe_ns(&pm->btf[h], r);

			tcptop_bench_series_add(&s[h][0], p);
			tcptop_bench_series_add(&s[h][1], c);
			tcptop_bench_series_add(&s[h][2], p - c);
			tcptop_bench_series_add(&s[h][3], p - b);
			rt[0] += bt->rt[r];
			rt[1] += c * bt->cnt[r];
			rt[2] += b * bt->cnt[r];
			cnt += bt->cnt[r];
		}
		tcptop_bench_series_add(&s[BENCH_PEER_HOOKS][0], rt[0] / cnt);
		tcptop_bench_series_add(&s[BENCH_PEER_HOOKS][1], rt[1] / cnt);
		tcptop_bench_series_add(&s[BENCH_PEER_HOOKS][2], (rt[0] - rt[1]) / cnt);
		tcptop_bench_series_add(&s[BENCH_PEER_HOOKS][3], (rt[0] - rt[2]) / cnt);
	}
	printf("\n| bpftrace peer hook | bpftrace ns/run | empty classic-tracepoint ns/run | bpftrace above its empty | bpftrace above the tp_btf empty |\n");
	printf("|---|---|---|---|---|\n");
	for (h = 0; h <= BENCH_PEER_HOOKS; h++) {
		printf("| %s |", h < BENCH_PEER_HOOKS ? pm->classic_key[h]
						      : "**per event** (send or receive)");
		for (k = 0; k < 4; k++)
			tcptop_bench_print_cell(&s[h][k]);
		printf("\n");
	}
	printf("\nbpftrace costs %.1f ns per event above its empty program; tcptop %.1f ns: ratio %.1fx.\n",
	       tcptop_bench_series_median(&s[BENCH_PEER_HOOKS][2]), ours,
	       tcptop_bench_series_median(&s[BENCH_PEER_HOOKS][2]) / ours);
	for (h = 0; h <= BENCH_PEER_HOOKS; h++)
		for (k = 0; k < 4; k++)
			tcptop_bench_series_free(&s[h][k]);
}

/* Ground truth of one ping-pong against one drain: both sockets exact. */
static int tcptop_bench_check_pingpong(struct tcptop_tracer *tr, struct tcptop_table *t,
				       const struct tcptop_bench_pingpong *pp, uint64_t *drops)
{
	const struct {
		pid_t pid;
		uint16_t port;
		const char *who;
	} side[2] = {
		{ pp->client_pid, pp->client_port, "client" },
		{ pp->server_pid, pp->server_port, "server" },
	};
	struct tcptop_drain_stats st;
	uint64_t tx, rx;
	size_t n;
	int err, i, exact = 0;

	err = tcptop_tracer_drain(tr, t, &st);
	if (err)
		return err;
	*drops += st.dropped_events;
	for (i = 0; i < 2; i++) {
		tcptop_bench_table_sum(t, (uint32_t)side[i].pid, side[i].port, &tx, &rx, &n);
		if (tx == (uint64_t)pp->msgs && rx == (uint64_t)pp->msgs)
			exact++;
		else
			fprintf(stderr, "%s socket: tx %llu rx %llu, truth %ld each way\n",
				side[i].who, (unsigned long long)tx, (unsigned long long)rx,
				pp->msgs);
	}
	return exact;
}

/* Run tiny ping-pongs until every program has counted something. */
static int tcptop_bench_wait_counting(struct tcptop_bench_hookset *hs,
				      struct tcptop_bench_peer_meter *pm)
{
	struct tcptop_bench_pingpong pp;
	int tries, err;

	for (tries = 0; tries < 300; tries++) {
		if ((err = tcptop_bench_hookset_snapshot(hs, pm, -1)))
			return err;
		if ((err = tcptop_bench_pingpong_run(10, &pp)))
			return err;
		if ((err = tcptop_bench_hookset_snapshot(hs, pm, 0)))
			return err;
		if (tcptop_bench_hookset_all_counted(hs, pm, 0))
			return 0;
		tcptop_bench_sleep_ms(100);
	}
	return -ETIMEDOUT;
}

/*
 * The design floors (bench_floor.h), after tcptop's rounds and with tcptop's
 * programs detached: the same ping-pongs against the same empty programs,
 * the two floors alternating round by round.  Prints a table per floor and
 * returns their per-event medians.
 */
static int tcptop_bench_floor_rounds(const struct tcptop_bench_hookset *hs,
				     const struct tcptop_bench_event_opts *o,
				     double floor_ns[BENCH_FLOOR_KINDS])
{
	struct tcptop_bench_series s[BENCH_FLOOR_KINDS][BENCH_FLOOR_HOOKS + 1][4];
	struct tcptop_bench_floor fl;
	struct tcptop_bench_pingpong pp;
	int err = 0, r, kind, h, k;

	memset(s, 0, sizeof(s));
	memset(&fl, 0, sizeof(fl));
	for (r = 0; r < o->rounds && !err; r++) {
		for (kind = 0; kind < BENCH_FLOOR_KINDS && !err; kind++) {
			err = tcptop_bench_floor_start(&fl, hs, kind);
			if (!err)
				err = tcptop_bench_floor_snapshot(&fl, -1);
			if (!err)
				err = tcptop_bench_pingpong_run(o->msgs, &pp);
			if (!err)
				err = tcptop_bench_floor_snapshot(&fl, 0);
			if (!err && !tcptop_bench_floor_all_counted(&fl, 0))
				err = -ENODATA;
			for (h = 0; h < BENCH_FLOOR_HOOKS && !err; h++) {
				double e, f = tcptop_bench_floor_hook_ns(&fl, h, 0, &e);

				tcptop_bench_series_add(&s[kind][h][0], fl.prog[h].cnt[0]);
				tcptop_bench_series_add(&s[kind][h][1], e);
				tcptop_bench_series_add(&s[kind][h][2], f);
				tcptop_bench_series_add(&s[kind][h][3], f - e);
			}
			if (!err)
				tcptop_bench_series_add(&s[kind][BENCH_FLOOR_HOOKS][3],
							tcptop_bench_floor_per_event(&fl, 0));
			tcptop_bench_floor_stop(&fl);
		}
	}
	if (err)
		goto cleanup;
	printf("\nDesign floors, measured next with tcptop detached (bench/floor.bpf.c), on the same "
	       "hooks, against the same empty programs, %d rounds of the same ping-pong, the two "
	       "floors alternating:\n",
	       o->rounds);
	for (kind = 0; kind < BENCH_FLOOR_KINDS; kind++) {
		printf("\n%s floor: %s.\n", kind == BENCH_FLOOR_STORAGE ? "Storage" : "Process",
		       tcptop_bench_floor_describe(kind));
		printf("\n| floor hook | runs per round | empty ns/run | floor ns/run | floor above empty |\n");
		printf("|---|---|---|---|---|\n");
		for (h = 0; h < BENCH_FLOOR_HOOKS; h++) {
			printf("| %s | %.0f |", fl.key[h], tcptop_bench_series_median(&s[kind][h][0]));
			for (k = 1; k < 4; k++)
				tcptop_bench_print_cell(&s[kind][h][k]);
			printf("\n");
		}
		printf("| **per TCP event** | | | |");
		tcptop_bench_print_cell(&s[kind][BENCH_FLOOR_HOOKS][3]);
		printf("\n");
		floor_ns[kind] = tcptop_bench_series_median(&s[kind][BENCH_FLOOR_HOOKS][3]);
	}

cleanup:
	for (kind = 0; kind < BENCH_FLOOR_KINDS; kind++)
		for (h = 0; h <= BENCH_FLOOR_HOOKS; h++)
			for (k = 0; k < 4; k++)
				tcptop_bench_series_free(&s[kind][h][k]);
	return err;
}

static int tcptop_bench_event_mode(enum tcptop_mode mode, const struct tcptop_bench_event_opts *o)
{
	struct tcptop_bench_log_ctx logctx = { "" };
	struct tcptop_opts topts = { .mode = mode,
				     .log = tcptop_bench_event_log,
				     .log_ctx = &logctx };
	struct tcptop_drain_stats st;
	struct tcptop_bench_hookset hs;
	struct tcptop_bench_peer_meter pm;
	struct tcptop_bench_peer peer = { 0 };
	struct tcptop_tracer *tr = NULL;
	struct tcptop_table *t = NULL;
	struct tcptop_bench_pingpong pp;
	uint64_t drops = 0;
	double per_event = NAN, floor_ns[BENCH_FLOOR_KINDS] = { NAN, NAN };
	int err, r, exact = 0;

	memset(&pm, 0, sizeof(pm));
	printf("\n### %s mode\n", tcptop_mode_name(mode));
	err = tcptop_bench_hookset_init(&hs);
	if (err)
		return err;
	/*
	 * Which hooks we need is known only once ours are loaded, so load ours
	 * once to ask, then start over in the order empty A, ours, empty B.
	 */
	err = tcptop_tracer_open(&topts, &tr);
	if (err) {
		printf("\nnot available on this kernel: %s\n",
		       logctx.last_error[0] ? logctx.last_error : strerror(-err));
		err = 0;
		goto cleanup;
	}
	err = tcptop_bench_hookset_discover(&hs);
	tcptop_tracer_close(tr);
	tr = NULL;
	if (err)
		goto cleanup;
	if ((err = tcptop_bench_hookset_load_empty(&hs, 0, o->peer)) ||
	    (err = tcptop_tracer_open(&topts, &tr)) ||
	    (err = tcptop_bench_hookset_bind_ours(&hs)) ||
	    (err = tcptop_bench_hookset_load_empty(&hs, 1, false)))
		goto cleanup;
	if (o->peer) {
		err = tcptop_bench_peer_start(&peer);
		if (err) {
			printf("\nbpftrace peer not run: %s\n",
			       err == -ENOENT ? "bpftrace is not installed" : strerror(-err));
		} else if ((err = tcptop_bench_peer_meter_init(&pm, &hs, &peer))) {
			goto cleanup;
		}
	}
	if ((err = tcptop_table_new(&t)) || (err = tcptop_bench_wait_counting(&hs, &pm)))
		goto cleanup;

	printf("\n%d rounds of %ld ping-pong round trips (1-byte messages, 127.0.0.1, one "
	       "connection per round): each round sends and receives %ld messages.\n",
	       o->rounds, o->msgs, 2 * o->msgs);
	printf("\n# round hook: runs, empty_A ns/run, tcptop ns/run, empty_B ns/run\n");
	/* Start from an empty drain so each check below sees only its own round's bytes. */
	if ((err = tcptop_tracer_drain(tr, t, &st)))
		goto cleanup;
	for (r = 0; r < o->rounds; r++) {
		if ((err = tcptop_bench_hookset_snapshot(&hs, &pm, -1)))
			goto cleanup;
		err = tcptop_bench_pingpong_run(o->msgs, &pp);
		if (!err)
			err = tcptop_bench_hookset_snapshot(&hs, &pm, r);
		if (err)
			goto cleanup;
		tcptop_bench_hookset_print_round(&hs, &pm, r);
		err = tcptop_bench_check_pingpong(tr, t, &pp, &drops);
		if (err < 0)
			goto cleanup;
		exact += err;
		err = 0;
	}
	tcptop_bench_report_ours(&hs, o->rounds, &per_event);
	if (pm.used)
		tcptop_bench_report_peer(&pm, o->rounds, per_event);
	printf("\nCells: median [min, max] over %d rounds.  \"Above empty\" is taken per round "
	       "against the mean of two empty programs on the same hook, attached before and "
	       "after ours.  Per TCP event = (all of our run time above empty) / (runs of the "
	       "send and receive hooks).\n",
	       o->rounds);
	printf("\nExactness: %d of %d ping-pong sockets counted exactly (tx and rx), %llu events dropped.\n",
	       exact, 2 * o->rounds, (unsigned long long)drops);
	if (mode == TCPTOP_MODE_TRACEPOINT) {
		tcptop_tracer_close(tr);
		tr = NULL;
		err = tcptop_bench_floor_rounds(&hs, o, floor_ns);
		if (err)
			goto cleanup;
		printf("\nPer event above empty: storage floor %.1f ns, process floor %.1f ns "
		       "(identifying the process adds %.1f ns), tcptop %.1f ns (%.1f ns above the "
		       "process floor).\n",
		       floor_ns[BENCH_FLOOR_STORAGE], floor_ns[BENCH_FLOOR_PROCESS],
		       floor_ns[BENCH_FLOOR_PROCESS] - floor_ns[BENCH_FLOOR_STORAGE], per_event,
		       per_event - floor_ns[BENCH_FLOOR_PROCESS]);
		printf("Target (default mode): at most %.0f ns above empty per event: %s (%.1f ns)%s\n",
		       BENCH_TARGET_NS, per_event <= BENCH_TARGET_NS ? "met" : "MISSED", per_event,
		       per_event > BENCH_TARGET_NS && floor_ns[BENCH_FLOOR_PROCESS] > BENCH_TARGET_NS
			       ? "; the process floor, below which no per-process socket counter goes, "
				 "is above it on this host."
			       : ".");
	}
	if (exact != 2 * o->rounds || drops)
		err = -EPROTO;

cleanup:
	tcptop_bench_peer_stop(&peer);
	tcptop_table_free(t);
	tcptop_bench_hookset_unload_empty(&hs, 1);
	tcptop_tracer_close(tr);
	tcptop_bench_hookset_unload_empty(&hs, 0);
	tcptop_bench_hookset_free(&hs);
	return err;
}

static void tcptop_bench_event_usage(FILE *f)
{
	fprintf(f,
		"usage: tcptop-bench-event [--msgs N] [--rounds N] [--no-peer] [--mode tracepoint|fentry|kprobe]\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "msgs", required_argument, NULL, 'n' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "no-peer", no_argument, NULL, 'P' },
		{ "mode", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const enum tcptop_mode modes[] = {
		TCPTOP_MODE_TRACEPOINT,
		TCPTOP_MODE_FENTRY,
		TCPTOP_MODE_KPROBE,
	};
	struct tcptop_bench_event_opts o = { .msgs = 200000, .rounds = 5, .peer = true };
	struct tcptop_opts probe_check = { .mode = TCPTOP_MODE_AUTO };
	enum tcptop_mode only = TCPTOP_MODE_AUTO;
	struct tcptop_tracer *tr = NULL;
	size_t i;
	int c, err = 0, stats_fd;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			o.msgs = strtol(optarg, NULL, 10);
			break;
		case 'r':
			o.rounds = atoi(optarg);
			break;
		case 'P':
			o.peer = false;
			break;
		case 'm':
			o.only_mode = optarg;
			break;
		case 'h':
			tcptop_bench_event_usage(stdout);
			return 0;
		default:
			tcptop_bench_event_usage(stderr);
			return 2;
		}
	}
	if (optind != argc || o.msgs <= 0 || o.rounds <= 0 || o.rounds > BENCH_MAX_ROUNDS ||
	    (o.only_mode &&
	     (tcptop_mode_parse(o.only_mode, &only) || only == TCPTOP_MODE_AUTO))) {
		tcptop_bench_event_usage(stderr);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);

	/* Nothing to measure where no mode loads at all. */
	if (tcptop_tracer_open(&probe_check, &tr)) {
		fprintf(stderr, "tcptop-bench-event: cannot load tcptop's BPF programs here\n");
		return tcptop_bench_exit_no_bpf();
	}
	tcptop_tracer_close(tr);

	/*
	 * The same switch as kernel.bpf_stats_enabled=1, which the kernel undoes
	 * when the fd closes, even if we crash.
	 */
	stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (stats_fd < 0) {
		fprintf(stderr, "tcptop-bench-event: cannot enable BPF run-time statistics: %s\n",
			strerror(errno));
		return 1;
	}
	printf("## Per-event in-kernel cost\n");
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]) && !err; i++)
		if (only == TCPTOP_MODE_AUTO || modes[i] == only)
			err = tcptop_bench_event_mode(modes[i], &o);
	close(stats_fd);
	if (err) {
		fprintf(stderr, "tcptop-bench-event: %s\n",
			err == -EPROTO ? "counts were not exact" : strerror(-err));
		return 1;
	}
	return 0;
}
