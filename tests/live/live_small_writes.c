// SPDX-License-Identifier: GPL-2.0
/* Live test 2: 100-byte writes read back 1 byte at a time, counted exactly. */
#include <stdio.h>

#include "live_util.h"

int main(void)
{
	struct live l;
	char label[64];
	size_t i;

	live_init(&l, "live_small_writes");
	live_open_or_skip(&l, NULL);
	for (i = 0; i < 3; i++) {
		struct traffic_opts o;

		traffic_opts_init(&o);
		o.family = live_families[i];
		o.scenario = "bulk";
		o.bytes = 100 * 1000;
		o.chunk = 100;
		o.rchunk = 1;
		snprintf(label, sizeof(label), "100-byte writes, 1-byte reads %s",
			 live_family_label(o.family));
		live_run_case(&l, &o, label, 20, NULL);
	}
	return live_finish(&l);
}
