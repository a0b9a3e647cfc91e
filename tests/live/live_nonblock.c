// SPDX-License-Identifier: GPL-2.0
/*
 * Live test 3: a non-blocking sender with tiny buffers against a receiver
 * that does not read at first.  Its writes return partial counts and EAGAIN;
 * only what the kernel accepted may be counted.
 */
#include <stdio.h>

#include "live_util.h"

int main(void)
{
	struct live l;
	char label[64];
	size_t i;

	live_init(&l, "live_nonblock");
	live_open_or_skip(&l, NULL);
	for (i = 0; i < 3; i++) {
		struct traffic_result truth = { 0 };
		struct traffic_opts o;

		traffic_opts_init(&o);
		o.family = live_families[i];
		o.scenario = "nonblock";
		o.bytes = 2 << 20;
		o.chunk = 65536;
		snprintf(label, sizeof(label), "nonblock %s", live_family_label(o.family));
		live_run_case(&l, &o, label, 20, &truth);
		live_note(&l, "%s: %llu sends returned EAGAIN, %llu were partial", label,
			  (unsigned long long)truth.eagain, (unsigned long long)truth.partial);
		/* Without both, the case proves nothing about return-value counting. */
		if (!truth.eagain || !truth.partial)
			live_fail(&l, "%s: the sender never hit EAGAIN and a partial write", label);
		traffic_result_free(&truth);
	}
	return live_finish(&l);
}
