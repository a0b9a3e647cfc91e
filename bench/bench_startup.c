// SPDX-License-Identifier: GPL-2.0
/*
 * Start-up: tcptop_tracer_open (checks, BTF, open, load, attach) and
 * tcptop_tracer_close, repeated, for each attach mode; the same calls both
 * front ends make.  Parsing the kernel's BTF is timed on its own too, since
 * the core does it on every open.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#include "bench_util.h"

#define BENCH_STARTUP_TARGET_MS 150.0

struct tcptop_bench_log_ctx {
	char last_error[512];
};

static void tcptop_bench_startup_log(enum tcptop_log_level level, const char *msg, void *ctx)
{
	struct tcptop_bench_log_ctx *c = ctx;

	if (level == TCPTOP_LOG_ERROR)
		snprintf(c->last_error, sizeof(c->last_error), "%s", msg);
}

static void tcptop_bench_row(const char *what, const struct tcptop_bench_series *s,
			     const char *extra)
{
	printf("| %s | %.1f [%.1f, %.1f] | %s |\n", what, tcptop_bench_series_median(s),
	       tcptop_bench_series_min(s), tcptop_bench_series_max(s), extra);
}

static void tcptop_bench_startup_mode(enum tcptop_mode mode, int repeat)
{
	struct tcptop_bench_log_ctx logctx = { "" };
	struct tcptop_opts o = { .mode = mode,
				 .log = tcptop_bench_startup_log,
				 .log_ctx = &logctx };
	struct tcptop_bench_series open_ms = { 0 }, close_ms = { 0 };
	struct tcptop_tracer *tr;
	char label[64], verdict[64];
	int i, err = 0;

	for (i = 0; i < repeat; i++) {
		uint64_t t0 = tcptop_bench_now_ns(), t1;

		err = tcptop_tracer_open(&o, &tr);
		t1 = tcptop_bench_now_ns();
		if (err)
			break;
		tcptop_tracer_close(tr);
		tcptop_bench_series_add(&open_ms, (double)(t1 - t0) / 1e6);
		tcptop_bench_series_add(&close_ms, (double)(tcptop_bench_now_ns() - t1) / 1e6);
	}
	if (err) {
		printf("| %s: open | not available: %s | |\n", tcptop_mode_name(mode),
		       logctx.last_error[0] ? logctx.last_error : strerror(-err));
		return;
	}
	snprintf(label, sizeof(label), "%s: open + load + attach", tcptop_mode_name(mode));
	snprintf(verdict, sizeof(verdict), "target ≤ %.0f ms: %s", BENCH_STARTUP_TARGET_MS,
		 tcptop_bench_series_median(&open_ms) <= BENCH_STARTUP_TARGET_MS ? "met"
										 : "MISSED");
	tcptop_bench_row(label, &open_ms, verdict);
	snprintf(label, sizeof(label), "%s: detach + free", tcptop_mode_name(mode));
	tcptop_bench_row(label, &close_ms, "");
	tcptop_bench_series_free(&open_ms);
	tcptop_bench_series_free(&close_ms);
}

static void tcptop_bench_startup_btf(int repeat)
{
	struct tcptop_bench_series ms = { 0 };
	int i;

	for (i = 0; i < repeat; i++) {
		uint64_t t0 = tcptop_bench_now_ns();
		struct btf *btf = btf__load_vmlinux_btf();

		if (!btf)
			break;
		tcptop_bench_series_add(&ms, (double)(tcptop_bench_now_ns() - t0) / 1e6);
		btf__free(btf);
	}
	if (ms.n)
		tcptop_bench_row("of which: parsing /sys/kernel/btf/vmlinux (libbpf)", &ms,
				 "part of every open");
	tcptop_bench_series_free(&ms);
}

static void tcptop_bench_startup_usage(FILE *f)
{
	fprintf(f, "usage: tcptop-bench-startup [--repeat N]\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "repeat", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const enum tcptop_mode modes[] = {
		TCPTOP_MODE_AUTO,
		TCPTOP_MODE_TRACEPOINT,
		TCPTOP_MODE_FENTRY,
		TCPTOP_MODE_KPROBE,
	};
	struct tcptop_opts probe = { 0 };
	struct tcptop_tracer *tr = NULL;
	int c, repeat = 20;
	size_t i;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			repeat = atoi(optarg);
			break;
		case 'h':
			tcptop_bench_startup_usage(stdout);
			return 0;
		default:
			tcptop_bench_startup_usage(stderr);
			return 2;
		}
	}
	if (optind != argc || repeat <= 0) {
		tcptop_bench_startup_usage(stderr);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (tcptop_tracer_open(&probe, &tr)) {
		fprintf(stderr, "tcptop-bench-startup: cannot load tcptop's BPF programs here\n");
		return tcptop_bench_exit_no_bpf();
	}
	/* That first open also warmed the page cache for the BTF file. */
	tcptop_tracer_close(tr);

	printf("## Start-up\n\n%d opens per mode, one after the other; ms, median [min, max].\n\n",
	       repeat);
	printf("| step | ms | |\n|---|---|---|\n");
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		tcptop_bench_startup_mode(modes[i], repeat);
	tcptop_bench_startup_btf(repeat);
	return 0;
}
