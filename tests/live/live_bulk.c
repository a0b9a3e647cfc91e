// SPDX-License-Identifier: GPL-2.0
/*
 * Live test 1: a bulk transfer, and the same bytes echoed back, are counted
 * exactly per socket while drains run during the transfer.
 */
#include <stdio.h>

#include "live_util.h"

int main(void)
{
	struct live l;
	char label[64];
	size_t i;

	live_init(&l, "live_bulk");
	live_open_or_skip(&l, NULL);
	for (i = 0; i < 3; i++) {
		struct traffic_opts o;

		traffic_opts_init(&o);
		o.family = live_families[i];
		o.scenario = "bulk";
		o.bytes = 256 << 20;
		snprintf(label, sizeof(label), "bulk %s", live_family_label(o.family));
		/* Drains every 5 ms land in the middle of the transfer. */
		live_run_case(&l, &o, label, 5, NULL);

		o.scenario = "echo";
		o.bytes = 2 << 20;
		o.chunk = 16384;
		snprintf(label, sizeof(label), "echo %s", live_family_label(o.family));
		live_run_case(&l, &o, label, 5, NULL);
	}
	return live_finish(&l);
}
