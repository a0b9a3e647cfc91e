// SPDX-License-Identifier: GPL-2.0
/*
 * Live test 7: more sockets than max_flows.  The overflow must be reported
 * (events and bytes), sockets tracked from their first byte must stay exact,
 * and reported bytes plus dropped bytes must equal the ground truth.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "live_util.h"

#define MAX_FLOWS 8
#define FLOWS 24		/* 48 sockets */
#define DURATION_MS 1200
#define INTERVAL_MS 40

static void one_family(struct live *l, enum traffic_family f, bool first)
{
	struct tcptop_opts topts = { .max_flows = MAX_FLOWS };
	struct traffic_result truth = { 0 };
	uint64_t truth_bytes, reported = 0, mid = 0, elapsed = 0;
	unsigned early = 0, early_exact = 0;
	struct traffic_job *j;
	struct traffic_opts o;
	char label[96];
	size_t i;
	int err, done = 0;

	traffic_opts_init(&o);
	o.family = f;
	o.scenario = "steady";
	o.flows = FLOWS;
	o.chunk = 1000;
	o.tick_ms = 5;
	o.duration_ms = DURATION_MS;
	snprintf(label, sizeof(label), "capacity %s", live_family_label(f));

	/* Only the job's pid, so other traffic on this host cannot take room. */
	err = traffic_start(&o, true, &j);
	if (err) {
		live_fail(l, "%s: cannot start traffic: %s", label, strerror(-err));
		return;
	}
	topts.pid = traffic_job_pid(j);
	if (first)
		live_open_or_skip(l, &topts);
	else if (live_open(l, &topts)) {
		traffic_job_wait(j, &truth);
		return;
	}
	traffic_job_go(j);
	while (!done) {
		done = traffic_job_poll(j, INTERVAL_MS);
		if (done < 0 || live_drain(l))
			break;
		/* Drains up to half-time see only sockets that got room at the start. */
		elapsed += INTERVAL_MS;
		if (!mid && elapsed >= DURATION_MS / 2)
			mid = l->drains;
	}
	err = traffic_job_wait(j, &truth);
	if (err)
		live_fail(l, "%s: traffic failed: %s", label, strerror(-err));
	live_drain(l);

	truth_bytes = traffic_result_tx(&truth) + traffic_result_rx(&truth);
	for (i = 0; i < truth.count; i++) {
		const struct traffic_endpoint *e = &truth.ep[i];
		const struct live_flow *fl;
		uint64_t tx, rx;

		live_reported(l, e, &tx, &rx, &fl);
		reported += tx + rx;
		if (tx > e->tx || rx > e->rx)
			live_fail(l, "%s: port %u reported tx %llu rx %llu, more than its truth tx %llu rx %llu",
				  label, e->lport, (unsigned long long)tx, (unsigned long long)rx,
				  (unsigned long long)e->tx, (unsigned long long)e->rx);
		if (fl && mid && fl->first_drain <= mid) {
			early++;
			if (tx == e->tx && rx == e->rx)
				early_exact++;
			else
				live_fail(l, "%s: port %u tracked from the start but tx %llu/%llu rx %llu/%llu (truth/reported)",
					  label, e->lport, (unsigned long long)e->tx,
					  (unsigned long long)tx, (unsigned long long)e->rx,
					  (unsigned long long)rx);
		}
	}
	live_note(l, "%s: %zu sockets, max_flows %d: truth %llu bytes = reported %llu + dropped %llu (%s)",
		  label, truth.count, MAX_FLOWS, (unsigned long long)truth_bytes,
		  (unsigned long long)reported, (unsigned long long)l->dropped_bytes,
		  truth_bytes == reported + l->dropped_bytes ? "adds up" : "DOES NOT ADD UP");
	for (i = 0; i < TCPTOP_DROPPED_KINDS; i++)
		live_note(l, "%s: dropped %s: %llu events, %llu bytes", label, tcptop_drop_kind_name(i),
			  (unsigned long long)l->dropped_events_by_kind[i],
			  (unsigned long long)l->dropped_bytes_by_kind[i]);
	live_note(l, "%s: %u sockets tracked from the start, %u of them exact", label, early,
		  early_exact);
	if (!l->dropped_events || !l->dropped_bytes)
		live_fail(l, "%s: overflow not reported (%llu events, %llu bytes)", label,
			  (unsigned long long)l->dropped_events, (unsigned long long)l->dropped_bytes);
	if (truth_bytes != reported + l->dropped_bytes) {
		live_fail(l, "%s: reported + dropped is off by %lld bytes", label,
			  (long long)(reported + l->dropped_bytes - truth_bytes));
		/* Every endpoint, so the missing bytes can be placed. */
		for (i = 0; i < truth.count; i++) {
			const struct traffic_endpoint *e = &truth.ep[i];
			uint64_t tx, rx;

			live_reported(l, e, &tx, &rx, NULL);
			live_note(l, "%s: endpoint %u->%u truth tx %llu rx %llu, reported tx %llu rx %llu",
				  label, e->lport, e->rport, (unsigned long long)e->tx,
				  (unsigned long long)e->rx, (unsigned long long)tx,
				  (unsigned long long)rx);
		}
	}
	if (!early || early > MAX_FLOWS)
		live_fail(l, "%s: %u sockets tracked from the start, want 1..%d", label, early,
			  MAX_FLOWS);
	live_close(l);
	traffic_result_free(&truth);
}

int main(void)
{
	struct live l;
	size_t i;

	live_init(&l, "live_capacity");
	for (i = 0; i < 3; i++)
		one_family(&l, live_families[i], i == 0);
	return live_finish(&l);
}
