// SPDX-License-Identifier: GPL-2.0
/*
 * Live test 5: steady traffic on several connections across at least 20
 * drains.  The per-drain deltas of every socket must add up exactly to what
 * it sent and received: nothing lost or counted twice at a drain boundary.
 */
#include <stdio.h>
#include <string.h>

#include "live_util.h"

#define MIN_DRAINS 20
/* Sending stops once a socket had bytes in this many drains (or after 60 s). */
#define STOP_AFTER (MIN_DRAINS + 5)

int main(void)
{
	struct live l;
	char label[64];
	size_t i;

	live_init(&l, "live_steady");
	live_open_or_skip(&l, NULL);
	for (i = 0; i < 3; i++) {
		struct traffic_result truth = { 0 };
		struct traffic_opts o;
		struct traffic_job *j;
		uint64_t most = 0;
		int err, drains;

		traffic_opts_init(&o);
		o.family = live_families[i];
		o.scenario = "steady";
		o.flows = 4;
		o.chunk = 1500;
		o.tick_ms = 2;
		o.duration_ms = 60000;
		snprintf(label, sizeof(label), "steady %s", live_family_label(o.family));
		live_reset(&l);
		err = traffic_start(&o, false, &j);
		if (err) {
			live_fail(&l, "%s: cannot start traffic: %s", label, strerror(-err));
			continue;
		}
		drains = live_drain_job_min(&l, j, 40, STOP_AFTER, 0, &truth);
		live_note(&l, "%s: %d drains", label, drains);
		live_expect_exact(&l, label, &truth);
		/* The bytes of each socket must really have been split over many drains. */
		most = live_most_active(&l, &truth);
		live_note(&l, "%s: busiest socket had bytes in %llu drains", label,
			  (unsigned long long)most);
		if (most < MIN_DRAINS)
			live_fail(&l, "%s: only %llu drains carried bytes, want %d", label,
				  (unsigned long long)most, MIN_DRAINS);
		traffic_result_free(&truth);
	}
	return live_finish(&l);
}
