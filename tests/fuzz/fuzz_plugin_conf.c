// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz harness: the plugin's config handling (plugin/plugin_conf.c and the
 * filter it fills).  The input is a <Plugin tcptop> body in the text form of
 * oconfig_text.h, so any tree collectd's parser could hand over (and many it
 * could not: empty keys, blocks in odd places, NaN) reaches
 * tcptop_conf_apply().  Whatever it holds:
 *  - each rejected option is logged as exactly one single-line ERROR and
 *    counted, so init refuses to start with it;
 *  - an accepted config is within every documented range;
 *  - the filter and the units it drives keep every selected byte.
 */
#include <math.h>
#include <string.h>
#include <sys/socket.h>

#include "fuzz_check.h"
#include "flow_table_internal.h"
#include "oconfig_text.h"
#include "plugin_conf.h"
#include "tcptop.h"

struct fuzz_conf_log {
	unsigned errors;
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_conf_log(enum tcptop_log_level level, const char *msg, void *ctx)
{
	struct fuzz_conf_log *l = ctx;

	FUZZ_ASSERT(level == TCPTOP_LOG_ERROR);
	/* One line that names the option; collectd's log line holds 1023 bytes. */
	FUZZ_ASSERT(msg[0] != '\0' && !strchr(msg, '\n') && strlen(msg) < 1024);
	FUZZ_ASSERT(strstr(msg, "option") != NULL);
	l->errors++;
}

static void fuzz_conf_check_values(const struct tcptop_plugin_conf *c)
{
	FUZZ_ASSERT(tcptop_mode_name(c->mode) != NULL);
	struct tcptop_conf_aggregate a[TCPTOP_AGGREGATE_KINDS];
	size_t n = tcptop_conf_aggregates(c, a);

	FUZZ_ASSERT(c->naggs <= TCPTOP_AGGREGATE_KINDS);
	FUZZ_ASSERT(n >= 1 && n <= TCPTOP_AGGREGATE_KINDS);
	for (size_t i = 0; i < n; i++) {
		FUZZ_ASSERT(tcptop_aggregate_name(a[i].agg) != NULL);
		FUZZ_ASSERT(a[i].top <= TCPTOP_CONF_TOP_MAX);
		for (size_t j = 0; j < i; j++)
			FUZZ_ASSERT(a[i].agg != a[j].agg);
	}
	FUZZ_ASSERT(c->top_flows <= TCPTOP_CONF_TOP_MAX);
	FUZZ_ASSERT(c->max_flows <= TCPTOP_MAX_FLOWS_LIMIT);
	FUZZ_ASSERT(c->interval == 0 || (c->interval > 0 && c->interval <= TCPTOP_CONF_INTERVAL_MAX));
	FUZZ_ASSERT(!isnan(c->interval));
	FUZZ_ASSERT((c->filter.families & ~(TCPTOP_FILTER_IPV4 | TCPTOP_FILTER_IPV6)) == 0);
	for (size_t i = 0; i < c->filter.npids; i++)
		FUZZ_ASSERT(c->filter.pids[i] >= 1 && c->filter.pids[i] <= TCPTOP_PID_MAX);
	for (size_t i = 0; i < c->filter.nlports; i++)
		FUZZ_ASSERT(c->filter.lports[i] >= 1);
	for (size_t i = 0; i < c->filter.nrports; i++)
		FUZZ_ASSERT(c->filter.rports[i] >= 1);
}

/* One socket's record with one process on it. */
static void fuzz_conf_record(struct tcptop_sock_rec *r, uint64_t id, int family, const char *comm,
			     uint32_t tgid, uint16_t lport, uint16_t rport, uint64_t tx, uint64_t rx)
{
	memset(r, 0, sizeof(*r));
	r->id = id;
	r->family = (uint16_t)family;
	r->lport = lport;
	r->rport = rport;
	if (family == AF_INET) {
		memcpy(r->laddr, "\x7f\x00\x00\x01", 4);
		memcpy(r->raddr, "\xc0\x00\x02\x07", 4);
	} else {
		r->laddr[15] = 1;
		memcpy(r->raddr, "\x20\x01\x0d\xb8", 4);
		r->raddr[15] = 7;
	}
	r->slot[0].tgid = tgid;
	strncpy(r->slot[0].comm, comm, sizeof(r->slot[0].comm) - 1);
	r->slot[0].tx = tx;
	r->slot[0].rx = rx;
}

/* A few reads of flows the seeds' filters select or not, through the filter. */
static void fuzz_conf_units(const struct tcptop_plugin_conf *c, enum tcptop_aggregate agg,
			    uint32_t top)
{
	static const char *const comms[] = { "nginx", "ssh d", "a/b.c%n", "\xff\x01[x]" };
	struct tcptop_table *t = NULL;
	struct tcptop_units *u = NULL;
	uint64_t other_rx = 0, other_tx = 0;
	struct tcptop_sock_rec r;
	uint32_t pid;
	int family, read, i;

	tcptop_filter_pushdown(&c->filter, &pid, &family);
	FUZZ_ASSERT(family == 0 || family == AF_INET || family == AF_INET6);
	FUZZ_ASSERT(pid == 0 || (c->filter.npids == 1 && pid == c->filter.pids[0]));
	if (tcptop_table_new(&t) || tcptop_units_new(agg, top, 4, &u))
		goto cleanup;
	for (read = 0; read < 3; read++) {
		tcptop_table_begin(t);
		for (i = 0; i < 8; i++) {
			fuzz_conf_record(&r, (uint64_t)(i + 1), i & 1 ? AF_INET6 : AF_INET, comms[i % 4],
					 1000u + (uint32_t)(i % 3), (uint16_t)(80 + i),
					 (uint16_t)(40000 + read), (uint64_t)(i * 100 + read),
					 (uint64_t)(read * 7 + i));
			/* Sockets 7 and 8 close in the second read. */
			if (read == 1 && i >= 6)
				r.flags = TCPTOP_FLOW_CLOSED;
			if (read < 2 || i < 6)
				FUZZ_ASSERT(tcptop_table_add_record(t, &r) == 0);
		}
		fuzz_check_fold(u, agg, t, &c->filter, &other_rx, &other_tx);
	}

cleanup:
	tcptop_units_free(u);
	tcptop_table_free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_conf_log log = { 0 };
	struct tcptop_plugin_conf c;
	oconfig_item_t *blocks = NULL;
	int n, i;

	n = oconfig_text_parse((const char *)data, size, &blocks);
	if (n < 0)
		return 0;
	tcptop_conf_init(&c);
	for (i = 0; i < n; i++)
		tcptop_conf_apply(&c, &blocks[i], fuzz_conf_log, &log);
	tcptop_conf_finish(&c, fuzz_conf_log, &log);
	FUZZ_ASSERT(c.errors == log.errors);
	if (!c.errors) {
		struct tcptop_conf_aggregate a[TCPTOP_AGGREGATE_KINDS];
		size_t k, na = tcptop_conf_aggregates(&c, a);

		fuzz_conf_check_values(&c);
		for (k = 0; k < na; k++)
			fuzz_conf_units(&c, a[k].agg, a[k].top);
	}
	tcptop_conf_free(&c);
	/* Freed state is a fresh default config: a second collectd config round starts clean. */
	FUZZ_ASSERT(c.errors == 0 && c.filter.npids == 0 && c.filter.nprocs == 0);
	oconfig_text_free(blocks, n);
	return 0;
}
