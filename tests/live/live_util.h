/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the live tests (tests/live/live_*.c): open the tracer in the mode
 * TCPTOP_MODE names, drain it, add up what it reported per (socket, process),
 * and compare that with the traffic generator's ground truth, printing every
 * number so a failure explains itself.
 *
 * Exit codes follow automake: 0 pass, 1 fail, 77 skip.  A tracer that cannot
 * be loaded at all is a skip, unless TCPTOP_REQUIRE_BPF=1 makes it a failure.
 * Plain libc and the core only, so the VM harness can link these statically.
 */
#ifndef TCPTOP_TESTS_LIVE_UTIL_H
#define TCPTOP_TESTS_LIVE_UTIL_H

#include <stdbool.h>
#include <stdint.h>

#include "tcptop_core.h"
#include "traffic.h"

#define LIVE_PASS 0
#define LIVE_FAIL 1
#define LIVE_SKIP 77

/* What the tracer reported for one (socket, process), summed over drains. */
struct live_flow {
	uint64_t id;
	uint32_t tgid;
	char comm[TCPTOP_COMM_MAX];
	int family;
	uint8_t laddr[16];
	uint8_t raddr[16];
	uint16_t lport;
	uint16_t rport;
	uint64_t tx;
	uint64_t rx;
	uint64_t first_drain;	/* number of the drain that first reported it */
	uint64_t active_drains;	/* drains that reported bytes for it */
};

struct live {
	const char *name;
	struct tcptop_tracer *tr;
	struct tcptop_table *table;
	struct live_flow *flows;
	size_t nflows;
	size_t cap;
	uint32_t *index;	/* flow position + 1 by (id, tgid); 0 is empty */
	size_t index_cap;	/* power of two, more than twice nflows */
	uint64_t drains;
	uint64_t live_sockets;	/* the kernel's count after the last drain */
	uint64_t max_live_sockets;
	uint64_t vanished_flows;	/* closed by the core's sweep, not by a destroy event */
	uint64_t dropped_events;
	uint64_t dropped_bytes;
	uint64_t dropped_events_by_kind[TCPTOP_DROPPED_KINDS];
	uint64_t dropped_bytes_by_kind[TCPTOP_DROPPED_KINDS];
	uint32_t refused_uid;	/* the busiest uid refused its share, in the last drain that named one */
	uint64_t exited_slots;	/* slots of exited processes freed for others */
	uint64_t spilled_records;	/* records that came through the spill map */
	int failures;		/* checks that failed so far */
};

/* Prints "name: ..." lines; every test starts here. */
void live_init(struct live *l, const char *name);
/* The mode from TCPTOP_MODE (default auto); exits 1 on a bad value. */
enum tcptop_mode live_mode(void);

/*
 * The first open of a test: if the tracer cannot be loaded at all, exit 77,
 * or 1 when TCPTOP_REQUIRE_BPF=1.  opts may be NULL for defaults; its mode
 * is always taken from TCPTOP_MODE.
 */
void live_open_or_skip(struct live *l, struct tcptop_opts *opts);
/* Later opens: any failure is a test failure (returns -errno). */
int live_open(struct live *l, struct tcptop_opts *opts);
/* Close the tracer and forget everything reported. */
void live_close(struct live *l);
/* Forget what was reported so far (keep the tracer). */
void live_reset(struct live *l);

/* One drain, folded into l->flows; 0 or -errno. */
int live_drain(struct live *l);
/* Drain every interval_ms until the job ends, then once more; returns the drains. */
int live_drain_job(struct live *l, struct traffic_job *j, unsigned interval_ms,
		   struct traffic_result *truth);

/*
 * The same for a steady job started with a long duration: stop its sending
 * once one of its sockets had bytes in min_active drains and min_ms have
 * passed, however slow the drains are on a busy host.
 */
int live_drain_job_min(struct live *l, struct traffic_job *j, unsigned interval_ms,
		       unsigned min_active, unsigned min_ms, struct traffic_result *truth);

/*
 * One case: forget earlier reports, run o in a forked job while draining
 * every interval_ms, then expect exact numbers.  The truth goes to truth_out
 * when not NULL (the caller frees it).  Returns the mismatches.
 */
int live_run_case(struct live *l, const struct traffic_opts *o, const char *label,
		  unsigned interval_ms, struct traffic_result *truth_out);

/*
 * Compare the truth with what was reported, endpoint by endpoint: tx, rx,
 * comm and pid must match exactly, and nobody else may be reported on the
 * truth's connections.  Prints one line per endpoint; returns the number of
 * mismatches and adds them to l->failures.
 */
int live_expect_exact(struct live *l, const char *label, const struct traffic_result *truth);
/* Nothing may be reported on the truth's connections (filtered traffic). */
int live_expect_absent(struct live *l, const char *label, const struct traffic_result *truth);
/* What the tracer reported for one endpoint (tx + rx through out pointers). */
void live_reported(const struct live *l, const struct traffic_endpoint *e, uint64_t *tx,
		   uint64_t *rx, const struct live_flow **first);

/* The most drains that carried bytes for any one endpoint of the truth. */
uint64_t live_most_active(const struct live *l, const struct traffic_result *truth);

/* Record a failed check with a message. */
void live_fail(struct live *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void live_note(struct live *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Exit code for the test: 0 or 1, with a summary line. */
int live_finish(struct live *l);

/* The families every case runs on. */
extern const enum traffic_family live_families[3];
const char *live_family_label(enum traffic_family f);

#endif
