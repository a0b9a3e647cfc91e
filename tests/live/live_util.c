// SPDX-License-Identifier: GPL-2.0
/* Live test helpers: tracer lifecycle, drains, and exact comparison. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "live_util.h"

const enum traffic_family live_families[3] = { TRAFFIC_IPV4, TRAFFIC_IPV6, TRAFFIC_MAPPED };

/* Capacity of the live tests' tracers (see live_open_quiet). */
#define LIVE_MAX_FLOWS (1u << 18)

/* Endpoint lines beyond this many are printed only when they mismatch. */
#define LIVE_PRINT_OK_MAX 40

const char *live_family_label(enum traffic_family f)
{
	switch (f) {
	case TRAFFIC_IPV4:
		return "127.0.0.1";
	case TRAFFIC_IPV6:
		return "::1";
	case TRAFFIC_MAPPED:
		return "::ffff:127.0.0.1";
	}
	return "?";
}

static void live_log(enum tcptop_log_level level, const char *msg, void *ctx)
{
	static const char *const names[] = { "error", "warning", "info", "debug" };
	struct live *l = ctx;

	if (level == TCPTOP_LOG_DEBUG && !getenv("TCPTOP_LIVE_DEBUG"))
		return;
	printf("%s: [core %s] %s\n", l->name, names[level], msg);
	fflush(stdout);
}

void live_init(struct live *l, const char *name)
{
	memset(l, 0, sizeof(*l));
	l->name = name;
	/* Lines from the test and from forked traffic must not interleave mid-line. */
	setvbuf(stdout, NULL, _IOLBF, 0);
}

enum tcptop_mode live_mode(void)
{
	const char *s = getenv("TCPTOP_MODE");
	enum tcptop_mode p = TCPTOP_MODE_AUTO;

	if (s && *s && tcptop_mode_parse(s, &p) < 0) {
		fprintf(stderr, "TCPTOP_MODE=%s is not auto, tracepoint, fentry or kprobe\n", s);
		exit(LIVE_FAIL);
	}
	return p;
}

static int live_open_quiet(struct live *l, struct tcptop_opts *opts)
{
	struct tcptop_opts def;
	int err;

	if (!opts) {
		memset(&def, 0, sizeof(def));
		opts = &def;
	}
	opts->mode = live_mode();
	/*
	 * Other tests on a busy CI host may hold more live sockets than the
	 * default capacity (16384 was seen here), and an unfiltered tracer
	 * would then drop our own bytes as map_full.  Room is only a counter
	 * with socket storage; kprobe mode preallocates its hash, so it keeps
	 * the default (it only runs in the VM, where nothing else runs).
	 */
	if (!opts->max_flows && opts->mode != TCPTOP_MODE_KPROBE)
		opts->max_flows = LIVE_MAX_FLOWS;
	opts->log = live_log;
	opts->log_ctx = l;
	err = tcptop_table_new(&l->table);
	if (err)
		return err;
	err = tcptop_tracer_open(opts, &l->tr);
	if (err) {
		tcptop_table_free(l->table);
		l->table = NULL;
		l->tr = NULL;
	}
	return err;
}

void live_open_or_skip(struct live *l, struct tcptop_opts *opts)
{
	const char *req = getenv("TCPTOP_REQUIRE_BPF");
	int err = live_open_quiet(l, opts);

	if (!err) {
		printf("%s: tracer open in %s mode\n", l->name,
		       tcptop_mode_name(tcptop_tracer_mode(l->tr)));
		return;
	}
	if (req && strcmp(req, "1") == 0) {
		printf("%s: FAIL: cannot load the tracer (%s) and TCPTOP_REQUIRE_BPF=1\n", l->name,
		       strerror(-err));
		exit(LIVE_FAIL);
	}
	printf("%s: SKIP: cannot load the tracer (%s)\n", l->name, strerror(-err));
	exit(LIVE_SKIP);
}

int live_open(struct live *l, struct tcptop_opts *opts)
{
	int err = live_open_quiet(l, opts);

	if (err)
		live_fail(l, "tracer open failed: %s", strerror(-err));
	return err;
}

void live_reset(struct live *l)
{
	free(l->flows);
	free(l->index);
	l->flows = NULL;
	l->index = NULL;
	l->nflows = l->cap = l->index_cap = 0;
	l->dropped_events = l->dropped_bytes = 0;
	memset(l->dropped_events_by_kind, 0, sizeof(l->dropped_events_by_kind));
	memset(l->dropped_bytes_by_kind, 0, sizeof(l->dropped_bytes_by_kind));
}

void live_close(struct live *l)
{
	tcptop_tracer_close(l->tr);
	tcptop_table_free(l->table);
	l->tr = NULL;
	l->table = NULL;
	live_reset(l);
}

static size_t live_slot(const struct live *l, uint64_t id, uint32_t tgid)
{
	uint64_t h = id * 0x9e3779b97f4a7c15ull ^ (uint64_t)tgid * 0xc2b2ae3d27d4eb4full;
	size_t mask = l->index_cap - 1, i;

	for (i = (h ^ (h >> 31)) & mask;; i = (i + 1) & mask) {
		uint32_t pos = l->index[i];

		if (!pos || (l->flows[pos - 1].id == id && l->flows[pos - 1].tgid == tgid))
			return i;
	}
}

static int live_reindex(struct live *l)
{
	size_t cap = l->index_cap ? l->index_cap * 2 : 1024, i;
	uint32_t *index = calloc(cap, sizeof(*index));

	if (!index)
		return -ENOMEM;
	free(l->index);
	l->index = index;
	l->index_cap = cap;
	for (i = 0; i < l->nflows; i++)
		l->index[live_slot(l, l->flows[i].id, l->flows[i].tgid)] = i + 1;
	return 0;
}

static struct live_flow *live_flow_get(struct live *l, const struct tcptop_flow_entry *e)
{
	struct live_flow *f;
	size_t slot;

	if ((l->nflows + 1) * 2 > l->index_cap && live_reindex(l))
		return NULL;
	slot = live_slot(l, e->id, e->tgid);
	if (l->index[slot])
		return &l->flows[l->index[slot] - 1];
	if (l->nflows == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;

		f = realloc(l->flows, cap * sizeof(*f));
		if (!f)
			return NULL;
		l->flows = f;
		l->cap = cap;
	}
	f = &l->flows[l->nflows];
	memset(f, 0, sizeof(*f));
	f->id = e->id;
	f->tgid = e->tgid;
	f->family = e->family;
	memcpy(f->laddr, e->laddr, 16);
	memcpy(f->raddr, e->raddr, 16);
	f->lport = e->lport;
	f->rport = e->rport;
	f->first_drain = l->drains;
	l->index[slot] = ++l->nflows;
	return f;
}

int live_drain(struct live *l)
{
	struct tcptop_drain_stats st;
	size_t i, n;
	int err, k;

	err = tcptop_tracer_drain(l->tr, l->table, &st);
	if (err) {
		live_fail(l, "drain failed: %s", strerror(-err));
		return err;
	}
	l->drains++;
	l->live_sockets = st.live_sockets;
	if (st.live_sockets > l->max_live_sockets)
		l->max_live_sockets = st.live_sockets;
	l->dropped_events += st.dropped_events;
	l->vanished_flows += st.vanished_flows;
	l->exited_slots += st.exited_slots;
	l->spilled_records += st.spilled_records;
	if (st.refused_uids[0].events)
		l->refused_uid = st.refused_uids[0].uid;
	l->dropped_bytes += st.dropped_bytes;
	for (k = 0; k < TCPTOP_DROPPED_KINDS; k++) {
		l->dropped_events_by_kind[k] += st.dropped_events_by_kind[k];
		l->dropped_bytes_by_kind[k] += st.dropped_bytes_by_kind[k];
	}
	n = tcptop_table_count(l->table);
	for (i = 0; i < n; i++) {
		const struct tcptop_flow_entry *e = tcptop_table_at(l->table, i);
		struct live_flow *f;

		if (!e->tx_delta && !e->rx_delta)
			continue;
		f = live_flow_get(l, e);
		if (!f) {
			live_fail(l, "out of memory");
			return -ENOMEM;
		}
		memcpy(f->comm, e->comm, sizeof(f->comm));
		f->tx += e->tx_delta;
		f->rx += e->rx_delta;
		f->active_drains++;
	}
	return 0;
}

static uint64_t live_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The most drains that carried bytes for any one socket of process pid. */
static uint64_t live_busiest(const struct live *l, pid_t pid)
{
	uint64_t most = 0;
	size_t i;

	for (i = 0; i < l->nflows; i++) {
		if (l->flows[i].tgid == (uint32_t)pid && l->flows[i].active_drains > most)
			most = l->flows[i].active_drains;
	}
	return most;
}

int live_drain_job_min(struct live *l, struct traffic_job *j, unsigned interval_ms,
		       unsigned min_active, unsigned min_ms, struct traffic_result *truth)
{
	uint64_t start = live_now_ms(), next = start + interval_ms, now;
	pid_t pid = traffic_job_pid(j);
	int done = 0, drains = 0, err;
	bool stopped = false;

	/* On a fixed schedule, as a front end drains, whatever a drain costs. */
	while (!done) {
		now = live_now_ms();
		done = traffic_job_poll(j, next > now ? (int)(next - now) : 0);
		if (done < 0) {
			live_fail(l, "waiting for traffic: %s", strerror(-done));
			break;
		}
		if (!done || live_now_ms() >= next) {
			if (live_drain(l))
				break;
			drains++;
			next += interval_ms;
		}
		if (min_active && !stopped && live_now_ms() >= start + min_ms &&
		    live_busiest(l, pid) >= min_active) {
			traffic_job_stop(j);
			stopped = true;
		}
	}
	err = traffic_job_wait(j, truth);
	if (err)
		live_fail(l, "traffic failed: %s", strerror(-err));
	/* Everything is closed now: one more drain takes the last bytes. */
	if (!live_drain(l))
		drains++;
	return drains;
}

int live_drain_job(struct live *l, struct traffic_job *j, unsigned interval_ms,
		   struct traffic_result *truth)
{
	return live_drain_job_min(l, j, interval_ms, 0, 0, truth);
}

int live_run_case(struct live *l, const struct traffic_opts *o, const char *label,
		  unsigned interval_ms, struct traffic_result *truth_out)
{
	struct traffic_result truth = { 0 };
	struct traffic_job *j;
	int err, bad, drains;

	live_reset(l);
	err = traffic_start(o, false, &j);
	if (err) {
		live_fail(l, "%s: cannot start traffic: %s", label, strerror(-err));
		return 1;
	}
	drains = live_drain_job(l, j, interval_ms, &truth);
	printf("%s: %s: scenario %s, send %s, recv %s, %d drains\n", l->name, label, o->scenario,
	       traffic_send_name(o->send), traffic_recv_name(o->recv), drains);
	bad = live_expect_exact(l, label, &truth);
	if (truth_out)
		*truth_out = truth;
	else
		traffic_result_free(&truth);
	return bad;
}

static bool live_same_conn(const struct live_flow *f, const struct traffic_endpoint *e)
{
	size_t alen = e->family == AF_INET ? 4 : 16;

	return f->family == e->family && f->lport == e->lport && f->rport == e->rport &&
	       memcmp(f->laddr, e->laddr, alen) == 0 && memcmp(f->raddr, e->raddr, alen) == 0;
}

void live_reported(const struct live *l, const struct traffic_endpoint *e, uint64_t *tx,
		   uint64_t *rx, const struct live_flow **first)
{
	size_t i;

	*tx = *rx = 0;
	if (first)
		*first = NULL;
	for (i = 0; i < l->nflows; i++) {
		const struct live_flow *f = &l->flows[i];

		if (f->tgid != (uint32_t)e->pid || !live_same_conn(f, e))
			continue;
		*tx += f->tx;
		*rx += f->rx;
		if (first && !*first)
			*first = f;
	}
}

uint64_t live_most_active(const struct live *l, const struct traffic_result *truth)
{
	uint64_t most = 0;
	size_t i, j;

	for (j = 0; j < l->nflows; j++) {
		for (i = 0; i < truth->count; i++) {
			if (l->flows[j].tgid == (uint32_t)truth->ep[i].pid &&
			    live_same_conn(&l->flows[j], &truth->ep[i]))
				break;
		}
		if (i < truth->count && l->flows[j].active_drains > most)
			most = l->flows[j].active_drains;
	}
	return most;
}

static void live_conn_text(int family, const uint8_t *la, uint16_t lp, const uint8_t *ra,
			   uint16_t rp, char *buf, size_t len)
{
	char l[TCPTOP_ENDPOINT_STRLEN] = "?", r[TCPTOP_ENDPOINT_STRLEN] = "?";

	tcptop_format_endpoint(family, la, lp, l, sizeof(l));
	tcptop_format_endpoint(family, ra, rp, r, sizeof(r));
	snprintf(buf, len, "%s -> %s", l, r);
}

static bool live_same_conn(const struct live_flow *f, const struct traffic_endpoint *e);

/* Who else was on this host while a case ran: the busiest other processes. */
static void live_print_others(const struct live *l, const char *label,
			      const struct traffic_result *truth)
{
	struct other {
		char comm[TCPTOP_COMM_MAX];
		uint64_t flows, bytes;
	} top[8];
	size_t ntop = 0, i, j, k;

	for (j = 0; j < l->nflows; j++) {
		const struct live_flow *f = &l->flows[j];

		for (i = 0; i < truth->count && !live_same_conn(f, &truth->ep[i]); i++)
			;
		if (i < truth->count)
			continue;
		for (k = 0; k < ntop && strcmp(top[k].comm, f->comm); k++)
			;
		if (k == ntop) {
			if (ntop == sizeof(top) / sizeof(top[0]))
				continue;
			memcpy(top[k].comm, f->comm, sizeof(top[k].comm));
			top[k].flows = top[k].bytes = 0;
			ntop++;
		}
		top[k].flows++;
		top[k].bytes += f->tx + f->rx;
	}
	for (k = 0; k < ntop; k++)
		printf("%s: %s: other traffic meanwhile: comm %s, %llu flows, %llu bytes\n", l->name,
		       label, top[k].comm, (unsigned long long)top[k].flows,
		       (unsigned long long)top[k].bytes);
}

int live_expect_exact(struct live *l, const char *label, const struct traffic_result *truth)
{
	int bad = 0, printed = 0;
	size_t i, j;

	printf("%s: %s: %zu endpoints, truth tx %llu rx %llu\n", l->name, label, truth->count,
	       (unsigned long long)traffic_result_tx(truth),
	       (unsigned long long)traffic_result_rx(truth));
	for (i = 0; i < truth->count; i++) {
		const struct traffic_endpoint *e = &truth->ep[i];
		const struct live_flow *f;
		uint64_t tx, rx;
		char conn[2 * TCPTOP_ENDPOINT_STRLEN + 8];
		bool ok;

		live_reported(l, e, &tx, &rx, &f);
		ok = tx == e->tx && rx == e->rx && f && strcmp(f->comm, e->comm) == 0;
		if (ok && truth->count > LIVE_PRINT_OK_MAX)
			continue;
		live_conn_text(e->family, e->laddr, e->lport, e->raddr, e->rport, conn, sizeof(conn));
		printf("%s: %s: %-8s pid %d comm %s/%s %s tx %llu/%llu rx %llu/%llu (truth/reported)\n",
		       l->name, label, ok ? "exact" : "MISMATCH", (int)e->pid, e->comm,
		       f ? f->comm : "-", conn, (unsigned long long)e->tx, (unsigned long long)tx,
		       (unsigned long long)e->rx, (unsigned long long)rx);
		if (!ok)
			bad++;
		printed++;
	}
	if (printed < (int)truth->count)
		printf("%s: %s: %zu more endpoints exact\n", l->name, label, truth->count - printed);

	/* Bytes on our connections reported for a process that did not move them. */
	for (j = 0; j < l->nflows; j++) {
		const struct live_flow *f = &l->flows[j];
		bool conn = false, pid = false;
		char text[2 * TCPTOP_ENDPOINT_STRLEN + 8];

		for (i = 0; i < truth->count && !pid; i++) {
			if (!live_same_conn(f, &truth->ep[i]))
				continue;
			conn = true;
			pid = f->tgid == (uint32_t)truth->ep[i].pid;
		}
		if (!conn || pid)
			continue;
		live_conn_text(f->family, f->laddr, f->lport, f->raddr, f->rport, text, sizeof(text));
		printf("%s: %s: MISATTRIBUTED pid %u comm %s %s tx %llu rx %llu\n", l->name, label,
		       f->tgid, f->comm, text, (unsigned long long)f->tx, (unsigned long long)f->rx);
		bad++;
	}
	if (bad) {
		int k;

		/* Drops explain missing bytes (or rule them out). */
		for (k = 0; k < TCPTOP_DROPPED_KINDS; k++)
			printf("%s: %s: dropped %s: %llu events, %llu bytes\n", l->name, label,
			       tcptop_drop_kind_name(k),
			       (unsigned long long)l->dropped_events_by_kind[k],
			       (unsigned long long)l->dropped_bytes_by_kind[k]);
		printf("%s: %s: %zu flows reported in %llu drains; tracked sockets %llu now, %llu at most\n",
		       l->name, label, l->nflows, (unsigned long long)l->drains,
		       (unsigned long long)l->live_sockets, (unsigned long long)l->max_live_sockets);
		live_print_others(l, label, truth);
		live_fail(l, "%s: %d endpoints not exact", label, bad);
	}
	return bad;
}

int live_expect_absent(struct live *l, const char *label, const struct traffic_result *truth)
{
	size_t i, j;
	int bad = 0;

	for (j = 0; j < l->nflows; j++) {
		const struct live_flow *f = &l->flows[j];
		char text[2 * TCPTOP_ENDPOINT_STRLEN + 8];

		for (i = 0; i < truth->count; i++) {
			if (live_same_conn(f, &truth->ep[i]))
				break;
		}
		if (i == truth->count)
			continue;
		live_conn_text(f->family, f->laddr, f->lport, f->raddr, f->rport, text, sizeof(text));
		printf("%s: %s: UNFILTERED pid %u comm %s %s tx %llu rx %llu\n", l->name, label,
		       f->tgid, f->comm, text, (unsigned long long)f->tx, (unsigned long long)f->rx);
		bad++;
	}
	if (bad)
		live_fail(l, "%s: %d flows that the filter should have left out", label, bad);
	else
		printf("%s: %s: %zu endpoints (tx %llu rx %llu) filtered out, none reported\n",
		       l->name, label, truth->count, (unsigned long long)traffic_result_tx(truth),
		       (unsigned long long)traffic_result_rx(truth));
	return bad;
}

void live_fail(struct live *l, const char *fmt, ...)
{
	va_list ap;

	printf("%s: FAIL: ", l->name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	l->failures++;
}

void live_note(struct live *l, const char *fmt, ...)
{
	va_list ap;

	printf("%s: ", l->name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

int live_finish(struct live *l)
{
	if (l->tr)
		live_close(l);
	if (l->failures) {
		printf("%s: FAILED (%d failed checks)\n", l->name, l->failures);
		return LIVE_FAIL;
	}
	printf("%s: PASS\n", l->name);
	return LIVE_PASS;
}
