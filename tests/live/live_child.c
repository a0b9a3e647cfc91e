// SPDX-License-Identifier: GPL-2.0
/*
 * Live test 4: short-lived children with their own name connect, send and
 * exit within one drain interval.  Each must be reported under its own pid
 * with its own COMM (never a pid in its place), with exact bytes.
 */
#include <stdio.h>
#include <string.h>

#include "live_util.h"

#define CHILDREN 8

int main(void)
{
	struct live l;
	char label[64];
	size_t i, k;

	live_init(&l, "live_child");
	live_open_or_skip(&l, NULL);
	for (i = 0; i < 3; i++) {
		struct traffic_result truth = { 0 };
		struct traffic_opts o;
		unsigned kids = 0;

		traffic_opts_init(&o);
		o.family = live_families[i];
		o.scenario = "child";
		o.flows = CHILDREN;
		o.bytes = 300000;
		o.comm = "tt-shortlived";
		snprintf(label, sizeof(label), "child %s", live_family_label(o.family));
		/* Children live a few ms; a 500 ms interval sees each one start and end. */
		live_run_case(&l, &o, label, 500, &truth);
		for (k = 0; k < truth.count; k++)
			kids += strcmp(truth.ep[k].comm, o.comm) == 0;
		if (kids != CHILDREN)
			live_fail(&l, "%s: %u children in the truth, want %u", label, kids, CHILDREN);
		traffic_result_free(&truth);
	}
	return live_finish(&l);
}
