// SPDX-License-Identifier: GPL-2.0
/*
 * Drain cost against flow count.  A holder process keeps N real loopback
 * connections (2N sockets) open; before every measurement each connection
 * moves one byte each way, so every socket is active since the last drain.
 * Measured at each size:
 *   - one drain through the core (tcptop_tracer_drain), the first one
 *     (the user-space table is built) apart from the steady ones;
 *   - one CLI screen: the drain, then the CLI's own row sort and screen
 *     printer (cli/libtcptop_cli) writing to /dev/null;
 *   - one collectd plugin read (tcptop.so, dispatch stubbed);
 *   - kernel memory: our maps' memlock, and the socket storage charged to
 *     each socket (ss's skmem "o", before and after);
 *   - user-space RSS of this process, which holds the tracer and the table.
 * Every drain is checked: the holder's sockets moved exactly 2N bytes each
 * way, in 2N entries, with nothing dropped.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/btf.h>

#include "bench_churn.h"
#include "bench_holder.h"
#include "bench_plugin.h"
#include "bench_util.h"
#include "rows.h"
#include "screen.h"

#define BENCH_MAX_SIZES 8
#define BENCH_MAX_WORKERS 1024
#define BENCH_DRAIN_TARGET_MS 100.0
/* Room for everybody else's sockets on a shared machine. */
#define BENCH_FLOWS_SLACK 16384

struct tcptop_bench_drain_opts {
	long sizes[BENCH_MAX_SIZES];
	int nsizes;
	int rounds;
	const char *plugin;
	bool churn;
};

/* Everything measured at one size. */
struct tcptop_bench_drain_size {
	long conns;
	double setup_s;
	int workers;
	double churn_per_s;		/* background connections per second, with --churn */
	double first_ms;		      /* first drain: entries inserted */
	struct tcptop_bench_series drain_ms;  /* steady drains */
	struct tcptop_bench_series kernel_ms; /* of which the kernel's iterator passes */
	struct tcptop_bench_series screen_ms; /* drain + rows + screen */
	struct tcptop_bench_series render_ms; /* rows + screen only */
	struct tcptop_bench_series plugin_ms; /* one read: drain, fold, dispatch */
	double plugin_first_ms;
	uint64_t plugin_values;
	int exact, checked;
	int plugin_exact, plugin_checked;
	uint64_t records;
	uint64_t maps_bytes;
	int nmaps;
	uint32_t storage_value; /* value size of our socket storage */
	uint32_t storage_elem;	/* charged per tracked socket */
	uint32_t storage_first; /* and once per socket without other storage */
	long rss_before_kb, rss_after_kb, rss_plugin_kb, rss_plugin_before_kb;
	bool plugin_run;
};

static void tcptop_bench_drain_size_free(struct tcptop_bench_drain_size *s)
{
	tcptop_bench_series_free(&s->drain_ms);
	tcptop_bench_series_free(&s->kernel_ms);
	tcptop_bench_series_free(&s->screen_ms);
	tcptop_bench_series_free(&s->render_ms);
	tcptop_bench_series_free(&s->plugin_ms);
}

/* Byte offset and size of a struct member from the kernel's BTF; -ENOENT when absent. */
static int tcptop_bench_btf_member(const struct btf *btf, const char *type, const char *member,
				   uint32_t *offset)
{
	int id = btf__find_by_name_kind(btf, type, BTF_KIND_STRUCT);
	const struct btf_type *t = id > 0 ? btf__type_by_id(btf, id) : NULL;
	const struct btf_member *m;
	int i;

	if (!t)
		return -ENOENT;
	for (i = 0, m = btf_members(t); i < btf_vlen(t); i++, m++) {
		if (strcmp(btf__name_by_offset(btf, m->name_off), member) == 0) {
			*offset = btf_member_bit_offset(t, i) / 8;
			return 0;
		}
	}
	return -ENOENT;
}

/*
 * What the kernel charges a socket (sk_omem_alloc) for one element of a
 * socket storage map with values of value_size bytes: the element header up
 * to its data, then the value; plus, on a socket with no other BPF storage,
 * one struct bpf_local_storage (*first).  Measuring sk_omem_alloc directly
 * (ss -tm) would also count other tracers that happen to run on the machine.
 */
static int tcptop_bench_sk_storage_charge(uint32_t value_size, uint32_t *elem, uint32_t *first)
{
	struct btf *btf = btf__load_vmlinux_btf();
	uint32_t sdata, data;
	int id, err;

	if (!btf)
		return -errno;
	err = tcptop_bench_btf_member(btf, "bpf_local_storage_elem", "sdata", &sdata);
	if (!err)
		err = tcptop_bench_btf_member(btf, "bpf_local_storage_data", "data", &data);
	id = btf__find_by_name_kind(btf, "bpf_local_storage", BTF_KIND_STRUCT);
	if (!err && id > 0) {
		*elem = sdata + data + value_size;
		*first = btf__type_by_id(btf, id)->size;
	} else if (!err) {
		err = -ENOENT;
	}
	btf__free(btf);
	return err;
}

/* The holder's workers, as the tgids their entries carry. */
static int tcptop_bench_holder_pids(const struct tcptop_bench_holder *h, uint32_t *pids, int max)
{
	int i;

	for (i = 0; i < h->nworkers && i < max; i++)
		pids[i] = (uint32_t)h->w[i].pid;
	return i;
}

/* The holder's 2N sockets each sent and received exactly one byte since the last drain. */
static bool tcptop_bench_drain_exact(struct tcptop_table *t, const struct tcptop_bench_holder *h,
				     const struct tcptop_drain_stats *st)
{
	uint64_t want = 2 * (uint64_t)h->conns, tx, rx;
	uint32_t pids[BENCH_MAX_WORKERS];
	size_t n;

	tcptop_bench_table_sum_pids(t, pids, tcptop_bench_holder_pids(h, pids, BENCH_MAX_WORKERS),
				    &tx, &rx, &n);
	if (tx == want && rx == want && n == want && !st->dropped_events)
		return true;
	fprintf(stderr,
		"tcptop-bench-drain: %ld connections: drained tx %llu rx %llu in %zu entries, %llu dropped; truth %llu each way in %llu sockets\n",
		h->conns, (unsigned long long)tx, (unsigned long long)rx, n,
		(unsigned long long)st->dropped_events, (unsigned long long)want,
		(unsigned long long)want);
	return false;
}

static double tcptop_bench_ms_since(uint64_t t0)
{
	return (double)(tcptop_bench_now_ns() - t0) / 1e6;
}

/* One CLI interval after the drain: sort the rows and print the screen. */
static int tcptop_bench_render(struct tcptop_table *t, const struct tcptop_drain_stats *st,
			       FILE *out)
{
	struct tcptop_rows rows = { 0 };
	struct tcptop_screen scr = { .clock = "00:00:00",
				     .loadavg = "0.00 0.00 0.00 1/1 1",
				     .stats = st };
	int err = tcptop_rows_collect(&rows, t, TCPTOP_SORT_ALL);

	if (!err) {
		scr.rows = rows.v;
		scr.nrows = rows.n;
		err = tcptop_screen_print(out, &scr);
		if (!err && fflush(out))
			err = -EIO;
	}
	tcptop_rows_free(&rows);
	return err;
}

static int tcptop_bench_drain_core(struct tcptop_bench_drain_size *s,
				   const struct tcptop_bench_drain_opts *o,
				   struct tcptop_bench_holder *h, uint32_t max_flows)
{
	struct tcptop_opts topts = { .max_flows = max_flows,
				     .log = tcptop_bench_core_log,
				     .log_ctx = "tcptop-bench-drain" };
	struct tcptop_drain_stats st;
	struct tcptop_tracer *tr = NULL;
	struct tcptop_table *t = NULL;
	FILE *devnull = fopen("/dev/null", "w");
	uint64_t t0, t1;
	int r, err;

	if (!devnull)
		return -errno;
	s->rss_before_kb = tcptop_bench_rss_kb(0);
	if ((err = tcptop_tracer_open(&topts, &tr)) || (err = tcptop_table_new(&t)))
		goto cleanup;
	/* First drain: every socket is new to the table. */
	if ((err = tcptop_bench_holder_round(h)))
		goto cleanup;
	t0 = tcptop_bench_now_ns();
	if ((err = tcptop_tracer_drain(tr, t, &st)))
		goto cleanup;
	s->first_ms = tcptop_bench_ms_since(t0);
	s->exact += tcptop_bench_drain_exact(t, h, &st);
	s->checked++;
	for (r = 0; r < o->rounds; r++) {
		if ((err = tcptop_bench_holder_round(h)))
			goto cleanup;
		t0 = tcptop_bench_now_ns();
		if ((err = tcptop_tracer_drain(tr, t, &st)))
			goto cleanup;
		t1 = tcptop_bench_now_ns();
		if ((err = tcptop_bench_render(t, &st, devnull)))
			goto cleanup;
		tcptop_bench_series_add(&s->drain_ms, (double)(t1 - t0) / 1e6);
		tcptop_bench_series_add(&s->kernel_ms, (double)st.kernel_ns / 1e6);
		tcptop_bench_series_add(&s->render_ms, tcptop_bench_ms_since(t1));
		tcptop_bench_series_add(&s->screen_ms, tcptop_bench_ms_since(t0));
		s->records = st.records;
		s->exact += tcptop_bench_drain_exact(t, h, &st);
		s->checked++;
	}
	s->rss_after_kb = tcptop_bench_rss_kb(0);
	tcptop_bench_maps_memlock(0, "", &s->maps_bytes, &s->nmaps, &s->storage_value);
	tcptop_bench_sk_storage_charge(s->storage_value, &s->storage_elem, &s->storage_first);

cleanup:
	tcptop_table_free(t);
	tcptop_tracer_close(tr);
	fclose(devnull);
	return err;
}

/* The plugin's running totals: after k reads, 2N * k bytes each way over 2N units. */
static void tcptop_bench_plugin_check(struct tcptop_bench_drain_size *s,
				      const struct tcptop_bench_holder *h,
				      const struct tcptop_bench_plugin_tally *tl, int k)
{
	uint64_t want = 2 * (uint64_t)h->conns;

	s->plugin_checked++;
	if (tl->rx == want * k && tl->tx == want * k && tl->units == want) {
		s->plugin_exact++;
		return;
	}
	fprintf(stderr,
		"tcptop-bench-drain: plugin read %d: %llu units, rx %llu tx %llu; truth %llu units, %llu each way\n",
		k, (unsigned long long)tl->units, (unsigned long long)tl->rx,
		(unsigned long long)tl->tx, (unsigned long long)want,
		(unsigned long long)(want * k));
}

static int tcptop_bench_drain_plugin(struct tcptop_bench_drain_size *s,
				     const struct tcptop_bench_drain_opts *o,
				     struct tcptop_bench_holder *h, uint32_t max_flows)
{
	struct tcptop_bench_plugin_tally tl;
	uint32_t pids[BENCH_MAX_WORKERS];
	int npids = tcptop_bench_holder_pids(h, pids, BENCH_MAX_WORKERS);
	uint64_t t0;
	int r, err;

	s->rss_plugin_before_kb = tcptop_bench_rss_kb(0);
	err = tcptop_bench_plugin_load(o->plugin, max_flows);
	if (err)
		goto cleanup;
	s->plugin_run = true;
	if ((err = tcptop_bench_holder_round(h)))
		goto cleanup;
	t0 = tcptop_bench_now_ns();
	if ((err = tcptop_bench_plugin_read(pids, npids, &tl)))
		goto cleanup;
	s->plugin_first_ms = tcptop_bench_ms_since(t0);
	tcptop_bench_plugin_check(s, h, &tl, 1);
	for (r = 0; r < o->rounds; r++) {
		if ((err = tcptop_bench_holder_round(h)))
			goto cleanup;
		t0 = tcptop_bench_now_ns();
		if ((err = tcptop_bench_plugin_read(pids, npids, &tl)))
			goto cleanup;
		tcptop_bench_series_add(&s->plugin_ms, tcptop_bench_ms_since(t0));
		s->plugin_values = tl.values;
		tcptop_bench_plugin_check(s, h, &tl, r + 2);
	}
	s->rss_plugin_kb = tcptop_bench_rss_kb(0);

cleanup:
	tcptop_bench_plugin_unload();
	return err;
}

static int tcptop_bench_drain_one(struct tcptop_bench_drain_size *s,
				  const struct tcptop_bench_drain_opts *o)
{
	uint32_t max_flows = (uint32_t)(2 * s->conns + BENCH_FLOWS_SLACK);
	struct tcptop_bench_holder h;
	uint64_t t0 = tcptop_bench_now_ns();
	pid_t churn = 0;
	int err;

	err = tcptop_bench_holder_start(s->conns, &h);
	if (err) {
		fprintf(stderr, "tcptop-bench-drain: cannot open %ld connections: %s\n", s->conns,
			strerror(-err));
		return err;
	}
	s->setup_s = (double)(tcptop_bench_now_ns() - t0) / 1e9;
	s->workers = h.nworkers;
	if (o->churn && (err = tcptop_bench_churn_start(&churn)))
		goto cleanup;
	t0 = tcptop_bench_now_ns();
	err = tcptop_bench_drain_core(s, o, &h, max_flows);
	if (!err && o->plugin)
		err = tcptop_bench_drain_plugin(s, o, &h, max_flows);
	if (o->churn) {
		long made = tcptop_bench_churn_stop(churn);

		s->churn_per_s = made > 0 ? (double)made / ((double)(tcptop_bench_now_ns() - t0) / 1e9)
					  : 0;
	}

cleanup:
	tcptop_bench_holder_stop(&h);
	return err;
}

static void tcptop_bench_cell(const struct tcptop_bench_series *s)
{
	if (!s->n) {
		printf(" n/a |");
		return;
	}
	printf(" %.2f [%.2f, %.2f] |", tcptop_bench_series_median(s), tcptop_bench_series_min(s),
	       tcptop_bench_series_max(s));
}

static void tcptop_bench_drain_report(struct tcptop_bench_drain_size *s, int n,
				      const struct tcptop_bench_drain_opts *o)
{
	int i;

	printf("\n| connections (sockets) | first drain ms | **drain ms** | of which kernel pass ms | ns per socket | CLI screen ms (drain + rows + print) | plugin read ms (drain + fold + dispatch) | exact drains |\n");
	printf("|---|---|---|---|---|---|---|---|\n");
	for (i = 0; i < n; i++) {
		printf("| %ld (%ld) | %.2f |", s[i].conns, 2 * s[i].conns, s[i].first_ms);
		tcptop_bench_cell(&s[i].drain_ms);
		tcptop_bench_cell(&s[i].kernel_ms);
		printf(" %.0f |",
		       tcptop_bench_series_median(&s[i].drain_ms) * 1e6 / (2.0 * s[i].conns));
		tcptop_bench_cell(&s[i].screen_ms);
		if (s[i].plugin_run)
			tcptop_bench_cell(&s[i].plugin_ms);
		else
			printf(" not run |");
		printf(" %d/%d core", s[i].exact, s[i].checked);
		if (s[i].plugin_run)
			printf(", %d/%d plugin", s[i].plugin_exact, s[i].plugin_checked);
		printf(" |\n");
	}
	printf("\nCells: median [min, max] of %d drains, each after every connection moved 1 byte each way.\n",
	       o->rounds);
	for (i = 1; i < n; i++)
		printf("Growth %ld -> %ld connections (x%.0f): drain x%.1f, CLI screen x%.1f%s.\n",
		       s[i - 1].conns, s[i].conns, (double)s[i].conns / (double)s[i - 1].conns,
		       tcptop_bench_series_median(&s[i].drain_ms) /
			       tcptop_bench_series_median(&s[i - 1].drain_ms),
		       tcptop_bench_series_median(&s[i].screen_ms) /
			       tcptop_bench_series_median(&s[i - 1].screen_ms),
		       s[i].plugin_run && s[i - 1].plugin_run ? "" : "");
	for (i = 0; i < n; i++)
		if (s[i].conns == 100000)
			printf("Target: 100k connections drained in at most %.0f ms: %s (%.2f ms for %ld sockets).\n",
			       BENCH_DRAIN_TARGET_MS,
			       tcptop_bench_series_median(&s[i].drain_ms) <= BENCH_DRAIN_TARGET_MS
				       ? "met"
				       : "MISSED",
			       tcptop_bench_series_median(&s[i].drain_ms), 2 * s[i].conns);

	printf("\n| connections (sockets) | kernel: maps memlock | kernel: socket storage (%u B per socket) | RSS before open | RSS after drains (tracer + table) | RSS with plugin | plugin values per read |\n",
	       s[0].storage_elem);
	printf("|---|---|---|---|---|---|---|\n");
	for (i = 0; i < n; i++) {
		printf("| %ld (%ld) | %.1f MiB (%d maps) | %.1f MiB | %.1f MiB | %.1f MiB (+%.1f) |",
		       s[i].conns, 2 * s[i].conns, (double)s[i].maps_bytes / 1048576.0, s[i].nmaps,
		       (double)s[i].storage_elem * 2.0 * (double)s[i].conns / 1048576.0,
		       s[i].rss_before_kb / 1024.0, s[i].rss_after_kb / 1024.0,
		       (s[i].rss_after_kb - s[i].rss_before_kb) / 1024.0);
		if (s[i].plugin_run)
			printf(" %.1f MiB (+%.1f) | %llu |\n", s[i].rss_plugin_kb / 1024.0,
			       (s[i].rss_plugin_kb - s[i].rss_plugin_before_kb) / 1024.0,
			       (unsigned long long)s[i].plugin_values);
		else
			printf(" not run | |\n");
	}
	printf("\nMemlock is what the kernel reports for our maps (fdinfo, as `bpftool map show` prints it).  Socket storage is charged to each socket (sk_omem_alloc) instead of the map: %u B per tracked socket (element header and a %u B value, from the kernel's BTF), plus %u B for the storage header on a socket that carries no other BPF storage.\n",
	       s[0].storage_elem, s[0].storage_value, s[0].storage_first);
	printf("Connection set-up (not timed as part of anything above):");
	for (i = 0; i < n; i++)
		printf(" %ld in %.1f s by %d process%s;", s[i].conns, s[i].setup_s, s[i].workers,
		       s[i].workers == 1 ? "" : "es");
	printf("\n");
	if (o->churn) {
		printf("With --churn: meanwhile another process opened, used (1 byte) and closed");
		for (i = 0; i < n; i++)
			printf(" %.0f connections/s (at %ld);", s[i].churn_per_s, s[i].conns);
		printf("\n");
	}
}

static void tcptop_bench_drain_usage(FILE *f)
{
	fprintf(f,
		"usage: tcptop-bench-drain [--flows N[,N...]] [--rounds N] [--plugin PATH/tcptop.so] [--churn]\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "flows", required_argument, NULL, 'f' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "plugin", required_argument, NULL, 'p' },
		{ "churn", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct tcptop_bench_drain_opts o = { .sizes = { 1000, 10000, 100000 },
					     .nsizes = 3,
					     .rounds = 3 };
	struct tcptop_bench_drain_size s[BENCH_MAX_SIZES];
	struct tcptop_opts probe = { 0 };
	struct tcptop_tracer *tr = NULL;
	bool inexact = false;
	int c, i, err = 0;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			o.nsizes = tcptop_bench_parse_list(optarg, o.sizes, BENCH_MAX_SIZES);
			if (o.nsizes < 0) {
				tcptop_bench_drain_usage(stderr);
				return 2;
			}
			break;
		case 'r':
			o.rounds = atoi(optarg);
			break;
		case 'p':
			o.plugin = optarg;
			break;
		case 'c':
			o.churn = true;
			break;
		case 'h':
			tcptop_bench_drain_usage(stdout);
			return 0;
		default:
			tcptop_bench_drain_usage(stderr);
			return 2;
		}
	}
	if (optind != argc || o.rounds <= 0) {
		tcptop_bench_drain_usage(stderr);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (tcptop_tracer_open(&probe, &tr)) {
		fprintf(stderr, "tcptop-bench-drain: cannot load tcptop's BPF programs here\n");
		return tcptop_bench_exit_no_bpf();
	}
	tcptop_tracer_close(tr);

	memset(s, 0, sizeof(s));
	printf("## Drain cost against flow count\n");
	for (i = 0; i < o.nsizes && !err; i++) {
		s[i].conns = o.sizes[i];
		fprintf(stderr, "# %ld connections...\n", s[i].conns);
		err = tcptop_bench_drain_one(&s[i], &o);
		inexact = inexact || s[i].exact != s[i].checked ||
			  s[i].plugin_exact != s[i].plugin_checked;
	}
	if (!err)
		tcptop_bench_drain_report(s, o.nsizes, &o);
	for (i = 0; i < o.nsizes; i++)
		tcptop_bench_drain_size_free(&s[i]);
	if (err) {
		fprintf(stderr, "tcptop-bench-drain: %s\n", strerror(-err));
		return 1;
	}
	if (inexact) {
		fprintf(stderr, "tcptop-bench-drain: counts were not exact\n");
		return 1;
	}
	return 0;
}
