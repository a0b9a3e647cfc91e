// SPDX-License-Identifier: GPL-2.0
/*
 * Many sockets close between two drains: far more final records than the
 * closed-socket ring holds (it is shrunk to four pages here).  The core's
 * collector thread empties the ring as it fills, so with drains 3 s apart
 * every closed socket's bytes must still arrive, exactly and with nothing
 * dropped.  Then every flow of the burst must also be reported ended within
 * a few drains, including sockets the kernel freed without a destroy event.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "live_util.h"

#define CHILDREN 400
/* Drains after the burst: the core sweeps for vanished sockets every 8. */
#define SETTLE_DRAINS 9

static bool live_is_truth(const struct tcptop_flow_entry *e, const struct traffic_result *truth)
{
	size_t alen = e->family == AF_INET ? 4 : 16;
	size_t i;

	for (i = 0; i < truth->count; i++) {
		const struct traffic_endpoint *p = &truth->ep[i];

		if ((uint32_t)p->pid == e->tgid && p->lport == e->lport && p->rport == e->rport &&
		    memcmp(p->laddr, e->laddr, alen) == 0 && memcmp(p->raddr, e->raddr, alen) == 0)
			return true;
	}
	return false;
}

/* After SETTLE_DRAINS drains, no flow of the burst may still look open. */
static void live_expect_all_ended(struct live *l, const char *label,
				  const struct traffic_result *truth)
{
	size_t i, open = 0;
	int k;

	for (k = 0; k < SETTLE_DRAINS; k++)
		live_drain(l);
	for (i = 0; i < tcptop_table_count(l->table); i++) {
		const struct tcptop_flow_entry *e = tcptop_table_at(l->table, i);

		if (!e->closed && live_is_truth(e, truth))
			open++;
	}
	printf("%s: %s: %zu flows still open after %d more drains; %llu closed by the sweep\n",
	       l->name, label, open, SETTLE_DRAINS, (unsigned long long)l->vanished_flows);
	if (open)
		live_fail(l, "%s: %zu ended flows never reported ended", label, open);
}

int main(void)
{
	struct tcptop_opts opts = { .closed_ring_bytes = 16384 };
	struct live l;
	size_t i;

	live_init(&l, "live_closed_churn");
	live_open_or_skip(&l, &opts);
	for (i = 0; i < 2; i++) {
		struct traffic_opts o;
		struct traffic_result truth = { 0 };
		char label[64];

		traffic_opts_init(&o);
		o.family = live_families[i];
		o.scenario = "child";
		o.flows = CHILDREN;
		o.bytes = 4096;
		o.comm = "tt-churn";
		snprintf(label, sizeof(label), "closed churn %s", live_family_label(o.family));
		live_run_case(&l, &o, label, 3000, &truth);
		if (l.dropped_events)
			live_fail(&l, "%s: %llu events (%llu bytes) dropped", label,
				  (unsigned long long)l.dropped_events,
				  (unsigned long long)l.dropped_bytes);
		live_expect_all_ended(&l, label, &truth);
		traffic_result_free(&truth);
	}
	return live_finish(&l);
}
