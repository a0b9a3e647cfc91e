// SPDX-License-Identifier: GPL-2.0
/*
 * Live test 5: steady traffic on several connections across at least 20
 * drains.  The per-drain deltas of every socket must add up exactly to what
 * it sent and received: nothing lost or counted twice at a drain boundary.
 */
#include <stdio.h>

#include "live_util.h"

#define MIN_DRAINS 20

int main(void)
{
	struct live l;
	char label[64];
	size_t i, k;

	live_init(&l, "live_steady");
	live_open_or_skip(&l, NULL);
	for (i = 0; i < 3; i++) {
		struct traffic_result truth = { 0 };
		struct traffic_opts o;
		uint64_t most = 0;

		traffic_opts_init(&o);
		o.family = live_families[i];
		o.scenario = "steady";
		o.flows = 4;
		o.chunk = 1500;
		o.tick_ms = 2;
		o.duration_ms = 1500;
		snprintf(label, sizeof(label), "steady %s", live_family_label(o.family));
		live_run_case(&l, &o, label, 40, &truth);
		/* The bytes of each socket must really have been split over many drains. */
		for (k = 0; k < truth.count; k++) {
			const struct live_flow *f;
			uint64_t tx, rx;

			live_reported(&l, &truth.ep[k], &tx, &rx, &f);
			if (f && f->active_drains > most)
				most = f->active_drains;
		}
		live_note(&l, "%s: busiest socket had bytes in %llu drains", label,
			  (unsigned long long)most);
		if (most < MIN_DRAINS)
			live_fail(&l, "%s: only %llu drains carried bytes, want %d", label,
				  (unsigned long long)most, MIN_DRAINS);
		traffic_result_free(&truth);
	}
	return live_finish(&l);
}
