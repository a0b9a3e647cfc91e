// SPDX-License-Identifier: GPL-2.0
/*
 * Stress: many concurrent flows across many drains, and many
 * short-lived processes that connect, send and exit.  Every socket must be
 * exact (0 bytes lost) and no byte may be reported under another process
 * (0 misattributed).
 *
 * `make check` runs a smoke size; TCPTOP_STRESS=full (make check-long) runs
 * the size: 1,000 flows for 60 s across 60 drains, 500 processes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "live_util.h"

struct stress_size {
	unsigned flows;
	unsigned duration_ms;
	unsigned interval_ms;
	unsigned min_drains;
	unsigned processes;
};

static const struct stress_size smoke = { 100, 3000, 250, 10, 50 };
static const struct stress_size full = { 1000, 60000, 1000, 60, 500 };

static void flows_part(struct live *l, const struct stress_size *sz, enum traffic_family f)
{
	struct traffic_result truth = { 0 };
	struct traffic_opts o;
	struct traffic_job *j;
	char label[96];
	int err, drains;

	traffic_opts_init(&o);
	o.family = f;
	o.scenario = "steady";
	o.flows = sz->flows;
	o.chunk = 1024;
	o.tick_ms = 100;
	/* At least duration_ms and min_drains drains with bytes; at most twice as long. */
	o.duration_ms = 2 * sz->duration_ms;
	snprintf(label, sizeof(label), "%u flows for %u ms %s", sz->flows, sz->duration_ms,
		 live_family_label(f));
	live_reset(l);
	err = traffic_start(&o, false, &j);
	if (err) {
		live_fail(l, "%s: cannot start traffic: %s", label, strerror(-err));
		return;
	}
	drains = live_drain_job_min(l, j, sz->interval_ms, sz->min_drains, sz->duration_ms, &truth);
	live_expect_exact(l, label, &truth);
	live_note(l, "%s: %d drains, busiest socket had bytes in %llu", label, drains,
		  (unsigned long long)live_most_active(l, &truth));
	if (live_most_active(l, &truth) < sz->min_drains)
		live_fail(l, "%s: sockets had bytes in %llu drains at most, want %u", label,
			  (unsigned long long)live_most_active(l, &truth), sz->min_drains);
	live_note(l, "%s: %zu endpoints, %llu bytes", label, truth.count,
		  (unsigned long long)(traffic_result_tx(&truth) + traffic_result_rx(&truth)));
	if (truth.count != 2 * (size_t)sz->flows)
		live_fail(l, "%s: %zu endpoints moved bytes, want %u", label, truth.count,
			  2 * sz->flows);
	traffic_result_free(&truth);
}

static void processes_part(struct live *l, const struct stress_size *sz, enum traffic_family f)
{
	struct traffic_result truth = { 0 };
	struct traffic_opts o;
	char label[96];

	traffic_opts_init(&o);
	o.family = f;
	o.scenario = "child";
	o.flows = sz->processes;
	o.bytes = 20000;
	o.chunk = 4096;
	o.comm = "tt-stress-kid";
	snprintf(label, sizeof(label), "%u short-lived processes %s", sz->processes,
		 live_family_label(f));
	live_run_case(l, &o, label, 200, &truth);
	if (truth.count != 2 * (size_t)sz->processes)
		live_fail(l, "%s: %zu endpoints moved bytes, want %u", label, truth.count,
			  2 * sz->processes);
	traffic_result_free(&truth);
}

int main(void)
{
	const char *mode = getenv("TCPTOP_STRESS");
	const struct stress_size *sz = mode && strcmp(mode, "full") == 0 ? &full : &smoke;
	struct live l;
	size_t i;

	live_init(&l, "live_stress");
	live_open_or_skip(&l, NULL);
	live_note(&l, "size %s: %u flows for %u ms, drains every %u ms, %u processes",
		  sz == &full ? "full" : "smoke", sz->flows, sz->duration_ms, sz->interval_ms,
		  sz->processes);
	/* The size on one family; the smoke size on all of them. */
	for (i = 0; i < (sz == &full ? 1 : 3); i++) {
		flows_part(&l, sz, live_families[i]);
		processes_part(&l, sz, live_families[i]);
	}
	return live_finish(&l);
}
