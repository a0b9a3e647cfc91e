// SPDX-License-Identifier: GPL-2.0
/*
 * tcptop-vm-exact: for every I/O path, open the tracer's view of one loopback
 * connection and compare what it counted, per socket, with what the sockets
 * really moved.  It prints one line per path:
 *
 *   TCPTOP-VM-PATH kernel=K mode=M path=P family=F client_tx=COUNTED/TRUE
 *       client_rx=... server_tx=... server_rx=... wrong_pid=B wrong_comm=B dropped=N
 *       result=PASS|FAIL|XFAIL|XPASS|LOSS|ERROR
 *
 * LOSS: not exact, but announced: the tracer warned at start-up that the mode
 * loses events on this kernel, and every drop is an event the kernel skipped
 * (see tcptop_mode_inexact in core/tracer.c); it fails only with --strict.
 *
 * Bytes on our sockets filed under another process (wrong_pid) or under our
 * process with another name (wrong_comm) are not counted as ours.
 *
 * and exits 0 when every required path is exact, 1 otherwise, 77 when BPF
 * cannot be loaded (unless TCPTOP_REQUIRE_BPF=1), 2 on bad arguments.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "tcptop_core.h"
#include "vm_exact.h"

#define TCPTOP_VM_COMM "tcptop-vm"
#define TCPTOP_VM_DEFAULT_BYTES 1000003	/* odd on purpose: no chunk divides it */
#define TCPTOP_VM_DEFAULT_CHUNK 65536
#define TCPTOP_VM_MAX_FILTERS 32

struct tcptop_vm_opts {
	enum tcptop_mode mode;
	size_t bytes;
	bool strict;
	bool verbose;
	const char *filters[TCPTOP_VM_MAX_FILTERS];
	int nfilters;
};

/* What the tracer said about the two endpoints of the path being run. */
struct tcptop_vm_count {
	struct tcptop_tracer *tr;
	struct tcptop_table *table;
	const struct tcptop_vm_pair *pair;	/* NULL between paths */
	uint64_t tx[2], rx[2];
	uint64_t wrong_pid;			/* bytes on our sockets owned by another process */
	uint64_t wrong_comm;			/* ours, but under another name (a thread's) */
	uint64_t dropped;
	uint64_t dropped_by_kind[TCPTOP_DROPPED_KINDS];
	int err;
};

static bool tcptop_vm_verbose;
/* The tracer warned at start-up that this mode loses events on this kernel. */
static bool tcptop_vm_warned_inexact;

static void tcptop_vm_log(enum tcptop_log_level level, const char *msg, void *ctx)
{
	static const char *const names[] = { "ERROR", "WARNING", "INFO", "DEBUG" };

	(void)ctx;
	if (level == TCPTOP_LOG_WARNING && strstr(msg, "not exact on this kernel"))
		tcptop_vm_warned_inexact = true;
	if (level == TCPTOP_LOG_DEBUG && !tcptop_vm_verbose)
		return;
	fprintf(stderr, "# tcptop %s: %s\n", names[level], msg);
}

static bool tcptop_vm_matches(const struct tcptop_flow_entry *e, const struct tcptop_vm_endpoint *ep)
{
	size_t alen = ep->family == AF_INET ? 4 : 16;

	return e->family == ep->family && e->lport == ep->lport && e->rport == ep->rport &&
	       memcmp(e->laddr, ep->laddr, alen) == 0 && memcmp(e->raddr, ep->raddr, alen) == 0;
}

static void tcptop_vm_fold(struct tcptop_vm_count *c)
{
	size_t i, n = tcptop_table_count(c->table);
	int k;

	for (i = 0; i < n; i++) {
		const struct tcptop_flow_entry *e = tcptop_table_at(c->table, i);

		if (!c->pair || (!e->tx_delta && !e->rx_delta))
			continue;
		for (k = 0; k < 2; k++) {
			if (!tcptop_vm_matches(e, &c->pair->ep[k]))
				continue;
			if (e->tgid != (uint32_t)getpid()) {
				c->wrong_pid += e->tx_delta + e->rx_delta;
				continue;
			}
			if (strcmp(e->comm, TCPTOP_VM_COMM) != 0) {
				if (!c->wrong_comm)
					fprintf(stderr, "# bytes on our socket under comm '%s'\n", e->comm);
				c->wrong_comm += e->tx_delta + e->rx_delta;
				continue;
			}
			c->tx[k] += e->tx_delta;
			c->rx[k] += e->rx_delta;
		}
	}
}

static void tcptop_vm_drain(void *ctx)
{
	struct tcptop_vm_count *c = ctx;
	struct tcptop_drain_stats st;
	int err = tcptop_tracer_drain(c->tr, c->table, &st);
	int k;

	if (err && !c->err)
		c->err = err;
	c->dropped += st.dropped_events;
	for (k = 0; k < TCPTOP_DROPPED_KINDS; k++)
		c->dropped_by_kind[k] += st.dropped_events_by_kind[k];
	tcptop_vm_fold(c);
}

/*
 * A shortfall the tracer announced: it warned at start-up that this mode
 * loses events on this kernel, every drop of the path is an event the kernel
 * skipped, and nothing is overcounted or misfiled.
 */
static bool tcptop_vm_announced_loss(const struct tcptop_vm_count *c,
				     const struct tcptop_vm_pair *pair)
{
	int k;

	if (!tcptop_vm_warned_inexact || !c->dropped || c->wrong_pid || c->wrong_comm ||
	    c->dropped != c->dropped_by_kind[TCPTOP_DROPPED_SKIPPED_BY_KERNEL])
		return false;
	for (k = 0; k < 2; k++)
		if (c->tx[k] > pair->ep[k].tx || c->rx[k] > pair->ep[k].rx)
			return false;
	return true;
}

static const char *tcptop_vm_verdict(const struct tcptop_vm_path *path, bool exact, bool announced,
				     int err)
{
	if (err)
		return "ERROR";
	if (!exact && announced && !path->explore)
		return "LOSS";
	if (path->explore)
		return exact ? "XPASS" : "XFAIL";
	return exact ? "PASS" : "FAIL";
}

/* Runs one path; returns true when it passed (or is an exploration). */
static bool tcptop_vm_run_path(const struct tcptop_vm_path *path, const struct tcptop_vm_opts *o,
			       struct tcptop_vm_count *c, const char *kernel)
{
	struct tcptop_vm_xfer x = {
		.bytes = path->bytes ? path->bytes : o->bytes,
		.chunk = TCPTOP_VM_DEFAULT_CHUNK,
	};
	struct tcptop_vm_pair pair;
	const char *verdict;
	bool exact = false, announced = false;
	int err, k;

	/* Whatever is still pending belongs to earlier paths. */
	tcptop_vm_drain(c);
	memset(c->tx, 0, sizeof(c->tx));
	memset(c->rx, 0, sizeof(c->rx));
	c->wrong_pid = c->wrong_comm = c->dropped = 0;
	memset(c->dropped_by_kind, 0, sizeof(c->dropped_by_kind));
	c->err = 0;

	err = tcptop_vm_pair_open(&pair, path->family, path->protocol);
	if (err) {
		fprintf(stderr, "# %s/%s: cannot open a connection: %s\n", path->name,
			tcptop_vm_family_name(path->family), strerror(-err));
	} else {
		c->pair = &pair;
		err = tcptop_vm_transfer(path, &pair, &x, tcptop_vm_drain, c);
		if (err)
			fprintf(stderr, "# %s/%s: transfer failed: %s\n", path->name,
				tcptop_vm_family_name(path->family), strerror(-err));
		tcptop_vm_pair_close(&pair);
		/* One drain after close: closed sockets must be complete at once. */
		tcptop_vm_drain(c);
		c->pair = NULL;
		if (!err && c->err) {
			err = c->err;
			fprintf(stderr, "# drain failed: %s\n", strerror(-err));
		}
		exact = !c->wrong_pid && !c->wrong_comm && !c->dropped;
		for (k = 0; k < 2; k++)
			exact = exact && c->tx[k] == pair.ep[k].tx && c->rx[k] == pair.ep[k].rx;
	}
	announced = !err && !exact && tcptop_vm_announced_loss(c, &pair);
	verdict = tcptop_vm_verdict(path, exact, announced, err);
	printf("TCPTOP-VM-PATH kernel=%s mode=%s path=%s family=%s"
	       " client_tx=%" PRIu64 "/%" PRIu64 " client_rx=%" PRIu64 "/%" PRIu64
	       " server_tx=%" PRIu64 "/%" PRIu64 " server_rx=%" PRIu64 "/%" PRIu64
	       " wrong_pid=%" PRIu64 " wrong_comm=%" PRIu64 " dropped=%" PRIu64 " result=%s\n",
	       kernel, tcptop_mode_name(tcptop_tracer_mode(c->tr)), path->name,
	       tcptop_vm_family_name(path->family), c->tx[0], err ? 0 : pair.ep[0].tx, c->rx[0],
	       err ? 0 : pair.ep[0].rx, c->tx[1], err ? 0 : pair.ep[1].tx, c->rx[1],
	       err ? 0 : pair.ep[1].rx, c->wrong_pid, c->wrong_comm, c->dropped, verdict);
	/* Which kind of drop, so a loss can be told from a bug. */
	for (k = 0; k < TCPTOP_DROPPED_KINDS; k++)
		if (c->dropped_by_kind[k])
			printf("# %s/%s: dropped %" PRIu64 " event(s): %s\n", path->name,
			       tcptop_vm_family_name(path->family), c->dropped_by_kind[k],
			       tcptop_drop_kind_name((enum tcptop_drop_kind)k));
	fflush(stdout);
	if (path->explore && !o->strict)
		return true;
	/* LOSS: the mode said at start-up that it is not exact here (--strict fails it). */
	return !err && (exact || (announced && !o->strict));
}

static bool tcptop_vm_selected(const struct tcptop_vm_path *path, const struct tcptop_vm_opts *o)
{
	char full[64];
	int i;

	if (!o->nfilters)
		return true;
	snprintf(full, sizeof(full), "%s/%s", path->name, tcptop_vm_family_name(path->family));
	for (i = 0; i < o->nfilters; i++)
		if (strcmp(o->filters[i], path->name) == 0 || strcmp(o->filters[i], full) == 0)
			return true;
	return false;
}

static void tcptop_vm_usage(FILE *f)
{
	fprintf(f,
		"usage: tcptop-vm-exact [--mode auto|tracepoint|fentry|kprobe] [--bytes N]\n"
		"                       [--strict] [--verbose] [--list] [PATH[/FAMILY]...]\n"
		"Runs every path, or the ones named.  The mode defaults to $TCPTOP_MODE, else auto.\n"
		"Paths marked (explore) are reported but fail only with --strict.\n");
}

static int tcptop_vm_parse(int argc, char **argv, struct tcptop_vm_opts *o, bool *list)
{
	static const struct option longopts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "bytes", required_argument, NULL, 'b' },
		{ "strict", no_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "list", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *mode = getenv("TCPTOP_MODE");
	char *end;
	int ch;

	while ((ch = getopt_long(argc, argv, "m:b:svlh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'm':
			mode = optarg;
			break;
		case 'b':
			errno = 0;
			o->bytes = strtoull(optarg, &end, 10);
			if (errno || *end || !o->bytes) {
				fprintf(stderr, "tcptop-vm-exact: --bytes wants a positive number, not '%s'\n", optarg);
				return -EINVAL;
			}
			break;
		case 's':
			o->strict = true;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'l':
			*list = true;
			break;
		case 'h':
			tcptop_vm_usage(stdout);
			exit(0);
		default:
			tcptop_vm_usage(stderr);
			return -EINVAL;
		}
	}
	if (mode && *mode && tcptop_mode_parse(mode, &o->mode)) {
		fprintf(stderr, "tcptop-vm-exact: unknown mode '%s'\n", mode);
		tcptop_vm_usage(stderr);
		return -EINVAL;
	}
	for (; optind < argc; optind++) {
		if (o->nfilters == TCPTOP_VM_MAX_FILTERS) {
			fprintf(stderr, "tcptop-vm-exact: too many paths named\n");
			return -EINVAL;
		}
		o->filters[o->nfilters++] = argv[optind];
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct tcptop_vm_opts o = { .mode = TCPTOP_MODE_AUTO, .bytes = TCPTOP_VM_DEFAULT_BYTES };
	struct tcptop_opts topts = { .log = tcptop_vm_log };
	struct tcptop_vm_count c = { 0 };
	const char *req = getenv("TCPTOP_REQUIRE_BPF");
	struct utsname uts;
	bool list = false, ok = true;
	size_t i;
	int err, ret = 1;

	if (tcptop_vm_parse(argc, argv, &o, &list))
		return 2;
	if (list) {
		for (i = 0; i < tcptop_vm_npaths; i++)
			printf("%s/%s%s\n", tcptop_vm_paths[i].name,
			       tcptop_vm_family_name(tcptop_vm_paths[i].family),
			       tcptop_vm_paths[i].explore ? " (explore)" : "");
		return 0;
	}
	tcptop_vm_verbose = o.verbose;
	uname(&uts);
	/* Threads inherit the name, so every event of ours carries it. */
	prctl(PR_SET_NAME, TCPTOP_VM_COMM, 0, 0, 0);

	topts.mode = o.mode;
	err = tcptop_tracer_open(&topts, &c.tr);
	if (err) {
		fprintf(stderr, "# cannot load the tracer in %s mode: %s\n", tcptop_mode_name(o.mode),
			strerror(-err));
		return req && strcmp(req, "1") == 0 ? 1 : 77;
	}
	err = tcptop_table_new(&c.table);
	if (err)
		goto cleanup;
	printf("# kernel %s, requested mode %s, attached in %s mode\n", uts.release,
	       tcptop_mode_name(o.mode), tcptop_mode_name(tcptop_tracer_mode(c.tr)));
	for (i = 0; i < tcptop_vm_npaths; i++) {
		if (tcptop_vm_selected(&tcptop_vm_paths[i], &o))
			ok = tcptop_vm_run_path(&tcptop_vm_paths[i], &o, &c, uts.release) && ok;
	}
	ret = ok ? 0 : 1;

cleanup:
	tcptop_table_free(c.table);
	tcptop_tracer_close(c.tr);
	return ret;
}
