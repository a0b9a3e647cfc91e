// SPDX-License-Identifier: GPL-2.0
/*
 * Many sockets close between two drains: far more final records than the
 * closed-socket ring holds (it is shrunk to four pages here).  The core's
 * collector thread empties the ring as it fills, so with drains 3 s apart
 * every closed socket's bytes must still arrive, exactly and with nothing
 * dropped.
 */
#include <stdio.h>

#include "live_util.h"

#define CHILDREN 400

int main(void)
{
	struct tcptop_opts opts = { .closed_ring_bytes = 16384 };
	struct live l;
	size_t i;

	live_init(&l, "live_closed_churn");
	live_open_or_skip(&l, &opts);
	for (i = 0; i < 2; i++) {
		struct traffic_opts o;
		char label[64];

		traffic_opts_init(&o);
		o.family = live_families[i];
		o.scenario = "child";
		o.flows = CHILDREN;
		o.bytes = 4096;
		o.comm = "tt-churn";
		snprintf(label, sizeof(label), "closed churn %s", live_family_label(o.family));
		live_run_case(&l, &o, label, 3000, NULL);
		if (l.dropped_events)
			live_fail(&l, "%s: %llu events (%llu bytes) dropped", label,
				  (unsigned long long)l.dropped_events,
				  (unsigned long long)l.dropped_bytes);
	}
	return live_finish(&l);
}
